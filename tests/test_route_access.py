"""Deny by default, proven: every registered route is walked against every role (anonymous included),
and against users holding two grants (their union of roles, nothing more).

For each rule of the URL map and each of its methods, a client signed in as a fresh user of the role
sends a request with dummy URL values. A role that may not open the endpoint (per
app.core.permissions.role_may_open) must be sent to the login page (anonymous) or get 403 (signed in);
a role that may open it must not. Public endpoints must be open to everyone. A route added without an
access declaration fails `test_every_endpoint_declares_its_roles`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask

from app.core.permissions import PUBLIC_ENDPOINTS, SIGNED_IN, allow, allowed_roles, role_may_open
from app.core.roles import Role
from tests.factories import create_user, login

LOGIN_PATH = "/akun/masuk"
SKIPPED_ENDPOINTS = {"static"}
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
ROLES: list[Role | None] = [None, *Role]

# Dummy values per converter: the request only has to reach the access check (which runs before the
# view), so records need not exist.
DUMMY_VALUES = {
    "IntegerConverter": 999999,
    "IdConverter": 999999,
    "UnicodeConverter": "x",
    "TextConverter": "x",
    "PathConverter": "x",
    "FloatConverter": 1.5,
    "UUIDConverter": uuid.UUID(int=1),
}


@dataclass(frozen=True)
class Probe:
    endpoint: str
    method: str
    url: str
    public: bool
    may_open: bool


def dummy_url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "AnyConverter":
            values[name] = next(iter(converter.items))
        elif kind in DUMMY_VALUES:
            values[name] = DUMMY_VALUES[kind]
        else:  # a new converter type: teach this test a dummy value for it
            raise AssertionError(f"no dummy value for converter {kind} in {rule.rule}")
    built = rule.build(values, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


# Users holding two grants: they may open what either role may open, and nothing else.
ROLE_PAIRS = [
    (Role.TRAINING_OFFICER, Role.APPLICANT),
    (Role.AGENCY_OFFICER, Role.APPLICANT),
    (Role.ASSESSOR, Role.BOARD_ADMIN),
]


def probes(app: Flask, role: Role | None, only: set[str] | None = None, also: tuple = ()) -> list[Probe]:
    """What to send and what to expect, decided in a request context that closes before any request."""
    result = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
            if rule.endpoint in SKIPPED_ENDPOINTS or (only is not None and rule.endpoint not in only):
                continue
            for method in sorted(rule.methods - SKIPPED_METHODS):
                result.append(
                    Probe(
                        endpoint=rule.endpoint,
                        method=method,
                        url=dummy_url(rule),
                        public=rule.endpoint in PUBLIC_ENDPOINTS,
                        may_open=any(role_may_open(r, rule.endpoint) for r in (role, *also)),
                    )
                )
    return result


def signed_in_client(app: Flask, role: Role | None, also: tuple = ()):
    """A client for the role (one per walk), and a function that signs it in again if a route
    (logout, say) ended its session."""
    client = app.test_client()
    if role is None:
        return client, lambda: False
    user = create_user(app, role, also=also)
    assert login(client, user).status_code == 302

    def keep_signed_in() -> bool:
        """Sign in again if the last request ended the session; True if it had to."""
        with client.session_transaction() as session:
            signed_in = "_user_id" in session
        if not signed_in:
            assert login(client, user).status_code == 302
        return not signed_in

    assert not keep_signed_in()
    return client, keep_signed_in


def sends_to_login(response) -> bool:
    return response.status_code in (301, 302, 303, 307, 308) and (
        urlsplit(response.headers.get("Location", "")).path == LOGIN_PATH
    )


def walk(app: Flask, role: Role | None, only: set[str] | None = None, also: tuple = ()) -> list[str]:
    """Send every probe as the role (plus the `also` grants); return one line per answer that breaks
    the access rules."""
    client, keep_signed_in = signed_in_client(app, role, also)
    who = "anonymous" if role is None else "+".join(str(r) for r in (role, *also))
    problems = []
    for probe in probes(app, role, only, also):
        response = client.open(probe.url, method=probe.method)
        status = response.status_code
        signed_out = keep_signed_in()
        where = f"{who}: {probe.method} {probe.url} ({probe.endpoint}) answered {status}"
        if probe.public:
            if status in (401, 403) or (role is None and sends_to_login(response)):
                problems.append(f"{where}, but it is a public endpoint")
        elif not probe.may_open:
            if role is None and not sends_to_login(response):
                problems.append(f"{where}; expected a redirect to {LOGIN_PATH}")
            elif role is not None and status != 403:
                problems.append(f"{where}; expected 403")
        elif status in (401, 403) or (sends_to_login(response) and not signed_out):
            # (A route that ends the session itself, like logout, may send the user to log in.)
            problems.append(f"{where}; this role is allowed in")
        elif status >= 500:
            problems.append(f"{where}; the allowed role hit a server error")
    return problems


@pytest.mark.parametrize("role", ROLES, ids=lambda r: "anonymous" if r is None else str(r))
def test_every_route_lets_in_only_the_declared_roles(app, role):
    problems = walk(app, role)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("pair", ROLE_PAIRS, ids=lambda p: "+".join(map(str, p)))
def test_a_user_with_two_grants_gets_the_union_of_both_and_nothing_more(app, pair):
    problems = walk(app, pair[0], also=pair[1:])
    assert not problems, "\n".join(problems)


def test_two_grants_show_both_menus(app):
    client = app.test_client()
    user = create_user(app, Role.TRAINING_OFFICER, also=(Role.APPLICANT,))
    login(client, user)
    html = client.get("/dasbor").get_data(as_text=True)
    for label in ("Profil saya", "Pendaftaran saya", "Penyelenggara diklat", "Pemohon"):
        assert label in html, label
    for label in ("Antrean verifikasi", "Akun staf", "Pendaftaran langsung"):
        assert label not in html, label
    # The union really is wider than either role alone, and no wider.
    with app.test_request_context():
        assert role_may_open(Role.APPLICANT, "people.profile")
        assert not role_may_open(Role.TRAINING_OFFICER, "people.profile")
        assert not role_may_open(Role.APPLICANT, "registration.queue")


def test_the_walk_covers_every_route_and_method(app):
    walked = {(p.endpoint, p.method) for p in probes(app, None)}
    registered = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED_ENDPOINTS
        for method in rule.methods - SKIPPED_METHODS
    }
    assert walked == registered
    # Both kinds of route are really present, so the walk checks something on both sides.
    assert any(p.public for p in probes(app, None))
    assert any(not p.public for p in probes(app, None))


def test_every_endpoint_declares_its_roles(app):
    valid = {str(role) for role in Role} | {SIGNED_IN}
    undeclared, unknown = [], []
    with app.test_request_context():
        for endpoint in sorted(app.view_functions):
            if endpoint in PUBLIC_ENDPOINTS:
                continue
            roles = allowed_roles(endpoint)
            if not roles:
                undeclared.append(endpoint)
            else:
                unknown += [f"{endpoint}: {r!r}" for r in roles if str(r) not in valid]
    assert not undeclared, f"endpoints without @allow(...) and not public: {undeclared}"
    assert not unknown, f"endpoints allowing roles that do not exist: {unknown}"


def test_public_endpoint_list_names_real_endpoints(app):
    stale = PUBLIC_ENDPOINTS - set(app.view_functions)
    assert not stale, f"public endpoints that no longer exist: {sorted(stale)}"


def test_staff_pages_are_closed_to_everyone_but_the_ministry_admin(app):
    """A spot check of the expectations the walk relies on, so the walk cannot pass vacuously."""
    with app.test_request_context():
        assert role_may_open(Role.MINISTRY_ADMIN, "admin.staff_list")
        for role in (None, *[r for r in Role if r is not Role.MINISTRY_ADMIN]):
            assert not role_may_open(role, "admin.staff_list"), role
        assert role_may_open(Role.APPLICANT, "main.dashboard")
        assert not role_may_open(None, "main.dashboard")
        assert role_may_open(None, "accounts.login")


def test_the_officers_candidacy_page_is_walked_and_open_to_officers_and_the_ministry_only(app):
    """A spot check of a jurisdiction-scoped officer page: the walk reaches it, and only the roles that
    nominate may open it (the record's own scoping answers 404 past this gate)."""
    endpoint = "candidacy.jurisdiction_detail"
    assert any(p.endpoint == endpoint for p in probes(app, None))
    with app.test_request_context():
        openers = {role for role in Role if role_may_open(role, endpoint)}
        assert not role_may_open(None, endpoint)
    assert openers == {Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN}
    for role in ROLES:
        assert walk(app, role, only={endpoint}) == [], role


# --- The walk itself can fail ---------------------------------------------------------------------


@pytest.fixture
def second_app(app):
    """A second app on the same database (and, via the swapped session, the same transaction), to
    which routes can still be added: the session app has already served requests."""
    from app import create_app
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        MAIL_OUTBOX_DIR = app.config["MAIL_OUTBOX_DIR"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        BASE_URL = app.config["BASE_URL"]

    other = create_app(Config)
    yield other
    from app.extensions import db

    with other.app_context():
        db.engine.dispose()


def test_an_undeclared_route_is_found_and_refused(second_app):
    @second_app.get("/uji/tanpa-deklarasi")
    def undeclared():
        return "terbuka"

    with second_app.test_request_context():
        assert allowed_roles("undeclared") is None
        assert not any(role_may_open(role, "undeclared") for role in Role)
    # Fails closed: even the ministry admin is refused, and the walk reports nothing wrong with that.
    assert walk(second_app, Role.MINISTRY_ADMIN, only={"undeclared"}) == []
    client = second_app.test_client()
    login(client, create_user(second_app, Role.MINISTRY_ADMIN))
    assert client.get("/uji/tanpa-deklarasi").status_code == 403


def test_the_walk_reports_a_route_that_lets_the_wrong_role_in(second_app):
    from app.core.permissions import enforce_access

    @second_app.get("/uji/khusus-admin")
    @allow(Role.MINISTRY_ADMIN)
    def admin_only():
        return "rahasia"

    # Break the guard on purpose: the walk must notice an applicant (and anyone else) getting in.
    second_app.before_request_funcs[None].remove(enforce_access)
    assert walk(second_app, Role.APPLICANT, only={"admin_only"}) == [
        "applicant: GET /uji/khusus-admin (admin_only) answered 200; expected 403"
    ]
    assert walk(second_app, None, only={"admin_only"}) == [
        "anonymous: GET /uji/khusus-admin (admin_only) answered 200; expected a redirect to /akun/masuk"
    ]
    assert walk(second_app, Role.MINISTRY_ADMIN, only={"admin_only"}) == []


def test_practice_licence_pages_open_to_their_roles_only(app):
    """The licence pages (app/credentials/licences) join the walk; a spot check of what it expects."""
    officers = {Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN}
    with app.test_request_context():
        for endpoint in ("licences.mine", "licences.apply", "licences.withdraw", "licences.end_own"):
            assert {r for r in Role if role_may_open(r, endpoint)} == {Role.APPLICANT}, endpoint
        for endpoint in ("licences.officer_list", "licences.decide", "licences.retry_pdf"):
            assert {r for r in Role if role_may_open(r, endpoint)} == officers, endpoint
        for endpoint in ("licences.detail", "licences.download", "licences.document_download"):
            assert {r for r in Role if role_may_open(r, endpoint)} == officers | {Role.APPLICANT}, endpoint
            assert not role_may_open(None, endpoint)


def test_certificate_download_and_issuing_pages_open_to_their_roles_only(app):
    """One download of a certificate's PDF (the register's) for every role that may see a certificate
    (the record's own check answers 404 past this gate); the issuing page and its actions for the
    board's admins only. The walk reaches all of them."""
    viewers = {Role.APPLICANT, Role.BOARD_ADMIN, Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN}
    admins = {Role.BOARD_ADMIN, Role.MINISTRY_ADMIN}
    issuing = {"certificate_issue.session_page", "certificate_issue.issue", "certificate_issue.resume"}
    with app.test_request_context():
        assert "certificate_issue.download" not in app.view_functions
        assert {r for r in Role if role_may_open(r, "registry.download")} == viewers
        assert not role_may_open(None, "registry.download")
        for endpoint in issuing:
            assert {r for r in Role if role_may_open(r, endpoint)} == admins, endpoint
    walked = {p.endpoint for p in probes(app, None)}
    assert {"registry.download", *issuing} <= walked
    for role in ROLES:
        assert walk(app, role, only={"registry.download", *issuing}) == [], role
