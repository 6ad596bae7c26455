"""Role grants: several per account, each with the scope its role needs (checked by the service with
Indonesian messages, and by the database); revocation ends access at once; jurisdiction at province
and regency level with "=" on the derived columns; body and provider filters."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.accounts import services
from app.accounts.models import RoleGrant, User
from app.core.permissions import (
    body_filter,
    in_jurisdiction,
    jurisdiction_filter,
    provider_filter,
    role_may_open,
)
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person
from app.reference.models import REGENCY, CertificationBody, TrainingProvider
from app.registration.models import Registration
from app.registration.services import queue_query
from tests.factories import create_person, create_registration, create_user, login


def user(ref) -> User:
    return db.session.get(User, ref.id)


# --- Scopes ------------------------------------------------------------------------------------------

WRONG_SCOPES = {
    "officer-without-region": (
        Role.AGENCY_OFFICER,
        {},
        "region_code",
        "Petugas Dinas Sosial harus terikat pada satu provinsi atau kabupaten/kota.",
    ),
    "officer-at-district-level": (
        Role.AGENCY_OFFICER,
        {"region_code": "32.04.12"},
        "region_code",
        "Petugas Dinas Sosial harus terikat pada satu provinsi atau kabupaten/kota.",
    ),
    "assessor-without-body": (
        Role.ASSESSOR,
        {},
        "body_code",
        "Admin lembaga dan asesor harus terikat pada satu lembaga sertifikasi.",
    ),
    "trainer-without-provider": (
        Role.TRAINING_OFFICER,
        {},
        "provider_code",
        "Penyelenggara diklat harus terikat pada satu lembaga penyelenggara diklat.",
    ),
    "trainer-with-unknown-provider": (
        Role.TRAINING_OFFICER,
        {"provider_code": "TIDAK-ADA"},
        "provider_code",
        "Penyelenggara diklat harus terikat pada satu lembaga penyelenggara diklat.",
    ),
    "applicant-with-region": (
        Role.APPLICANT,
        {"region_code": "32"},
        "region_code",
        "Hanya petugas Dinas Sosial yang memiliki wilayah kerja.",
    ),
    "ministry-with-body": (
        Role.MINISTRY_ADMIN,
        {"body_code": "LSPS"},
        "body_code",
        "Hanya admin lembaga dan asesor yang terikat pada lembaga sertifikasi.",
    ),
    "officer-with-provider": (
        Role.AGENCY_OFFICER,
        {"region_code": "32", "provider_code": "BBPPKS-BANDUNG"},
        "provider_code",
        "Hanya penyelenggara diklat yang terikat pada lembaga penyelenggara diklat.",
    ),
}


@pytest.mark.parametrize("case", WRONG_SCOPES.values(), ids=WRONG_SCOPES.keys())
def test_a_grant_with_the_wrong_scope_is_refused_with_a_message(app, ctx, case):
    role, scope, field, message = case
    ref = create_user(app, Role.MINISTRY_ADMIN)
    with pytest.raises(services.AccountError) as error:
        services.grant_role(user(ref), role, **scope)
    assert (error.value.field, str(error.value.message)) == (field, message)
    assert [g.role for g in user(ref).grants] == [Role.MINISTRY_ADMIN]


@pytest.mark.parametrize(
    "values",
    [
        {"role": "agency_officer"},
        {"role": "board_admin", "region_code": "32"},
        {"role": "training_officer"},
        {"role": "applicant", "certification_body_code": "LSPS"},
        {"role": "ministry_admin", "training_provider_code": "BBPPKS-BANDUNG"},
    ],
)
def test_the_database_refuses_a_grant_whose_scope_does_not_fit(app, ctx, values):
    ref = create_user(app, Role.APPLICANT)
    db.session.add(RoleGrant(user_id=ref.id, **values))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_an_unknown_role(app, ctx):
    ref = create_user(app, Role.APPLICANT)
    with pytest.raises(IntegrityError):
        db.session.execute(
            text(
                "INSERT INTO role_grants (user_id, role, granted_at) "
                "VALUES (:user_id, 'kepala_dinas', CURRENT_TIMESTAMP)"
            ),
            {"user_id": ref.id},
        )
    db.session.rollback()


def test_the_same_grant_twice_is_refused(app, ctx):
    ref = create_user(app, Role.AGENCY_OFFICER, region_code="32")
    with pytest.raises(services.AccountError, match="sudah memegang peran ini"):
        services.grant_role(user(ref), Role.AGENCY_OFFICER, region_code="32")
    services.grant_role(user(ref), Role.AGENCY_OFFICER, region_code="33")  # another scope is fine
    assert {g.region_code for g in user(ref).grants_for(Role.AGENCY_OFFICER)} == {"32", "33"}


def test_a_staff_member_may_also_be_an_applicant(app, ctx):
    ref = create_user(app, Role.TRAINING_OFFICER, also=(Role.APPLICANT,))
    account = user(ref)
    assert account.roles == {Role.TRAINING_OFFICER, Role.APPLICANT}
    assert account.has_role(Role.APPLICANT) and account.is_staff
    assert [g.training_provider_code for g in account.grants_for(Role.TRAINING_OFFICER)] == ["BBPPKS-BANDUNG"]
    assert db.session.scalar(select(Person).where(Person.user_id == ref.id)) is not None
    with app.test_request_context():
        assert role_may_open(account, "people.profile")
        assert not role_may_open(account, "registration.queue")


def test_the_admin_cannot_revoke_their_own_ministry_grant(app, ctx):
    ref = create_user(app, Role.MINISTRY_ADMIN)
    admin = user(ref)
    with pytest.raises(services.AccountError, match="sendiri"):
        services.revoke_grant(admin.grants[0], actor=admin)


# --- Revocation --------------------------------------------------------------------------------------


def test_revocation_ends_access_at_once(app):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32", also=(Role.APPLICANT,))
    client = app.test_client()
    login(client, officer)
    assert client.get("/verifikasi").status_code == 200
    with app.app_context():
        grant = user(officer).grants_for(Role.AGENCY_OFFICER)[0]
        services.revoke_grant(grant)
        db.session.commit()
    # The open session ends; signed in again, the applicant grant remains and the queue is closed.
    response = client.get("/verifikasi")
    assert response.status_code == 302 and response.headers["Location"].startswith("/akun/masuk")
    login(client, officer)
    assert client.get("/verifikasi").status_code == 403
    assert client.get("/pendaftaran").status_code == 200
    html = client.get("/dasbor").get_data(as_text=True)
    assert "Antrean verifikasi" not in html
    with app.app_context():
        revoked = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == officer.id)).all()
        assert [(g.role, g.revoked_at is not None) for g in revoked] == [
            (Role.AGENCY_OFFICER, True),
            (Role.APPLICANT, False),
        ]


# --- Jurisdiction ------------------------------------------------------------------------------------


@pytest.fixture
def submitted(app):
    """One submitted registration in each of 32.04 (Kab. Bandung), 32.73 (Kota Bandung), 33.74."""
    ids = {}
    for region, village in (
        ("32.04", "32.04.12.2002"),
        ("32.73", "32.73.01.1001"),
        ("33.74", "33.74.01.1001"),
    ):
        person = create_person(app, village=village)
        ids[region] = create_registration(app, person, region=region)
    return ids


def visible(app, ref, ids) -> set[str]:
    with app.app_context():
        shown = set(db.session.scalars(queue_query(user(ref)).with_only_columns(Registration.id)))
    return {region for region, rid in ids.items() if rid in shown}


def test_jurisdiction_at_province_and_regency_level(app, submitted):
    province = create_user(app, Role.AGENCY_OFFICER, region_code="32")
    regency = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    central_java = create_user(app, Role.AGENCY_OFFICER, region_code="33")
    both = create_user(
        app, Role.AGENCY_OFFICER, region_code="32.73", also=((Role.AGENCY_OFFICER, {"region_code": "33"}),)
    )
    admin = create_user(app, Role.MINISTRY_ADMIN)
    applicant = create_user(app, Role.APPLICANT)
    assert visible(app, province, submitted) == {"32.04", "32.73"}
    assert visible(app, regency, submitted) == {"32.04"}
    assert visible(app, central_java, submitted) == {"33.74"}
    assert visible(app, both, submitted) == {"32.73", "33.74"}  # the union of two grants
    assert visible(app, admin, submitted) == {"32.04", "32.73", "33.74"}
    assert visible(app, applicant, submitted) == set()


def test_the_filter_compares_with_equals_not_like(app, ctx):
    refs = [
        create_user(app, Role.AGENCY_OFFICER, region_code="32.04"),
        create_user(app, Role.AGENCY_OFFICER, region_code="32"),
    ]
    officer = user(refs[0])
    sql = str(jurisdiction_filter(officer, Registration).compile(compile_kwargs={"literal_binds": True}))
    assert sql == "registrations.regency_code = '32.04'"
    officer = user(refs[1])
    sql = str(jurisdiction_filter(officer, Person).compile(compile_kwargs={"literal_binds": True}))
    assert sql == "people.province_code = '32'"


def test_the_queue_filters_by_sub_region(app, client, submitted):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32")
    login(client, officer)
    html = client.get("/verifikasi").get_data(as_text=True)
    assert 'value="32.73"' in html and 'value="32.04"' in html  # the sub-regions on offer
    with app.app_context():
        shown = set(
            db.session.scalars(queue_query(user(officer), region="32.73").with_only_columns(Registration.id))
        )
    assert shown == {submitted["32.73"]}
    html = client.get("/verifikasi?wilayah=32.73").get_data(as_text=True)
    assert html.count('href="/pendaftaran/') == 1


def test_region_columns_follow_the_region_code(app, ctx):
    person = Person(full_name="Uji", identity_warnings=[])
    person.village_code = "32.04.12.2002"
    assert (person.province_code, person.regency_code) == ("32", "32.04")
    person.village_code = None
    assert (person.province_code, person.regency_code) == (None, None)
    registration = Registration(region_code="33.74")
    assert (registration.province_code, registration.regency_code) == ("33", "33.74")
    registration.region_code = "32.04.12"
    assert (registration.province_code, registration.regency_code) == ("32", "32.04")


def test_regency_level_jurisdiction_for_practice_licences(app, ctx):
    refs = [
        create_user(app, Role.AGENCY_OFFICER, region_code="32"),
        create_user(app, Role.AGENCY_OFFICER, region_code="32.04"),
        create_user(app, Role.MINISTRY_ADMIN),
    ]
    province, regency, admin = (user(ref) for ref in refs)  # loaded after the factories' contexts
    place = "32.04.12.2002"
    assert in_jurisdiction(province, place) and not in_jurisdiction(province, place, level=REGENCY)
    assert in_jurisdiction(regency, place, level=REGENCY)
    assert not in_jurisdiction(regency, "32.73.01.1001", level=REGENCY)
    assert in_jurisdiction(admin, place, level=REGENCY)


# --- Body and provider -------------------------------------------------------------------------------


def test_body_and_provider_filters(app, ctx):
    def bodies(ref):
        stmt = select(CertificationBody.code).where(body_filter(user(ref), CertificationBody.code))
        return set(db.session.scalars(stmt))

    def providers(ref):
        stmt = select(TrainingProvider.code).where(provider_filter(user(ref), TrainingProvider.code))
        return set(db.session.scalars(stmt))

    assessor = create_user(app, Role.ASSESSOR, body_code="LSPENSOS")
    two_bodies = create_user(app, Role.BOARD_ADMIN, also=((Role.ASSESSOR, {"body_code": "LSPENSOS"}),))
    trainer = create_user(app, Role.TRAINING_OFFICER, provider_code="BBPPKS-MAKASSAR")
    admin = create_user(app, Role.MINISTRY_ADMIN)
    officer = create_user(app, Role.AGENCY_OFFICER)
    assert bodies(assessor) == {"LSPENSOS"}
    assert bodies(two_bodies) == {"LSPS", "LSPENSOS"}
    assert bodies(trainer) == bodies(officer) == set()
    assert bodies(admin) == {"LSPS", "LSPENSOS"}
    assert providers(trainer) == {"BBPPKS-MAKASSAR"}
    assert providers(assessor) == set()
    assert len(providers(admin)) == 7


def test_training_providers_are_seeded_with_their_regions(app, ctx):
    rows = {p.code: (p.kind, p.region_code) for p in db.session.scalars(select(TrainingProvider))}
    assert rows["BBPPKS-BANDUNG"] == ("bbppks", "32.17")  # Lembang, Kab. Bandung Barat
    assert rows["POLTEKESOS-BANDUNG"] == ("poltekesos", "32.73")
    assert {code for code in rows if code.startswith("BBPPKS-")} == {
        f"BBPPKS-{city}" for city in ("PADANG", "JAKARTA", "BANDUNG", "YOGYAKARTA", "BANJARMASIN", "MAKASSAR")
    }


def test_the_queue_pages_by_keyset_with_its_filters_in_the_url(app, client, submitted, monkeypatch):
    import html as html_lib
    import re

    from app.registration import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32")
    login(client, officer)
    first = client.get("/verifikasi?kategori=RELAWAN").get_data(as_text=True)
    assert f'href="/pendaftaran/{submitted["32.04"]}"' in first  # oldest first (submitted earlier)
    next_url = html_lib.unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    assert "kategori=RELAWAN" in next_url and "setelah=" in next_url
    second = client.get(next_url).get_data(as_text=True)
    assert f'href="/pendaftaran/{submitted["32.73"]}"' in second
    assert 'rel="next"' not in second and 'rel="prev"' in second
    assert f'href="/pendaftaran/{submitted["33.74"]}"' not in first + second


def test_an_account_without_grants_may_only_open_the_signed_in_pages(app, ctx):
    ref = create_user(app, Role.ASSESSOR)
    account = user(ref)
    services.revoke_grant(account.grants[0])
    assert account.roles == frozenset()
    with app.test_request_context():
        assert role_may_open(account, "main.dashboard")
        assert role_may_open(account, "accounts.logout")
        assert not role_may_open(account, "people.profile")
        assert not role_may_open(account, "registration.queue")


def test_an_officer_who_is_also_an_applicant_does_not_decide_their_own_registration(app, ctx):
    from app.registration.permissions import can_decide, can_view_registration

    ref = create_user(app, Role.AGENCY_OFFICER, region_code="32", also=(Role.APPLICANT,))
    other = create_person(app)
    own = create_person(app, user_id=ref.id)
    own_registration = create_registration(app, own)
    other_registration = create_registration(app, other)
    officer = user(ref)
    mine, theirs = (
        db.session.get(Registration, own_registration),
        db.session.get(Registration, other_registration),
    )
    assert can_view_registration(officer, mine) and not can_decide(officer, mine)  # the applicant grant
    assert can_decide(officer, theirs)  # the officer grant
