"""Staff administration by the ministry admin: create every staff role (its first grant) through the
web form, the invitation e-mail, validation in Indonesian, adding and revoking grants, deactivation
that ends sessions, and the audit trail of it all."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import exists, func, select

from app.accounts.models import RoleGrant, User
from app.core.audit import AuditEvent
from app.core.roles import Role
from app.extensions import db
from tests.factories import login, unique_email

NEW_PASSWORD = "sandi-baru-staf-123"


def staff_data(**overrides) -> dict:
    data = {
        "full_name": "Rina Marlina",
        "email": unique_email("staf"),
        "role": str(Role.TRAINING_OFFICER),
        "region_code-1": "",
        "region_code-2": "",
        "body_code": "",
    }
    data.update(overrides)
    if data["role"] == str(Role.TRAINING_OFFICER):
        data.setdefault("provider_code", "BBPPKS-BANDUNG")
    return data


def grants_of(app, user_id: int) -> list[tuple]:
    """(role, region, body, provider, active) of each grant of the user."""
    from app.accounts.models import RoleGrant

    with app.app_context():
        stmt = select(RoleGrant).where(RoleGrant.user_id == user_id).order_by(RoleGrant.id)
        return [
            (
                g.role,
                g.region_code,
                g.certification_body_code,
                g.training_provider_code,
                g.revoked_at is None,
            )
            for g in db.session.scalars(stmt)
        ]


def user_by_email(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email.lower()))
        if user is not None:
            db.session.expunge(user)
        return user


def user_by_id(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def audit_events(app, action: str, object_id: int) -> list[AuditEvent]:
    with app.app_context():
        events = list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == action, AuditEvent.object_id == str(object_id))
                .order_by(AuditEvent.id)
            )
        )
        for event in events:
            db.session.expunge(event)
        return events


@pytest.fixture
def admin(logged_in):
    return logged_in(Role.MINISTRY_ADMIN)


def signed_in_client(app, user):
    other = app.test_client()
    assert login(other, user).status_code == 302
    assert other.get("/dasbor").status_code == 200
    return other


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/akun/masuk")


# --- Creating staff --------------------------------------------------------------------------------

CASES = {
    "officer-province": (Role.AGENCY_OFFICER, {"region_code-1": "32"}, "32", None),
    "officer-regency": (
        Role.AGENCY_OFFICER,
        {"region_code-1": "32", "region_code-2": "32.04"},
        "32.04",
        None,
    ),
    "training-officer": (Role.TRAINING_OFFICER, {"provider_code": "BBPPKS-MAKASSAR"}, None, None),
    "board-admin": (Role.BOARD_ADMIN, {"body_code": "LSPS"}, None, "LSPS"),
    "assessor": (Role.ASSESSOR, {"body_code": "LSPENSOS"}, None, "LSPENSOS"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_admin_creates_staff_and_the_invitation_sets_a_password(app, client, admin, outbox, case):
    role, scope, region_code, body_code = case
    data = staff_data(role=str(role), **scope)
    response = client.post("/admin/staf/baru", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/admin/staf"
    listing = client.get("/admin/staf").get_data(as_text=True)
    assert f"Akun {data['email']} dibuat" in listing

    user = user_by_email(app, data["email"])
    assert user is not None
    provider = scope.get("provider_code")
    assert grants_of(app, user.id) == [(role, region_code, body_code, provider, True)]
    assert user.full_name == "Rina Marlina"
    assert user.active and user.email_verified_at is not None
    # The person behind the account, without an applicant profile.
    with app.app_context():
        from app.people.services import person_of_user, profile_complete

        person = person_of_user(user.id)
        assert person.full_name == "Rina Marlina" and person.nik_hash is None
        assert not profile_complete(person)

    created = audit_events(app, "staff.created", user.id)
    assert len(created) == 1
    assert created[0].actor_id == admin.id
    scope_code = region_code or body_code or provider
    assert created[0].after["roles"] == [f"{role}:{scope_code}"]
    granted = audit_events(app, "role.granted", user.id)
    assert granted[0].after["role"] == str(role) and granted[0].actor_id == admin.id

    # Nobody knows the account's password until the invitation link is used.
    stranger = app.test_client()
    assert login(stranger, data["email"], NEW_PASSWORD).status_code == 422
    message = outbox.last_to(data["email"])
    assert "Akun SDM Kesos Anda telah dibuat" in message["Subject"]
    link = outbox.link_to(data["email"], "/akun/atur-sandi/")
    assert urlsplit(link).scheme == "http" and urlsplit(link).netloc  # absolute, for a mail reader
    invited = app.test_client()
    assert invited.get(link).status_code == 200
    response = invited.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert sent_to_login(response)
    assert login(invited, data["email"], NEW_PASSWORD).headers["Location"] == "/dasbor"
    assert role.label in invited.get("/dasbor").get_data(as_text=True)
    # The link is spent once the password is set.
    assert app.test_client().get(link).status_code == 400


def kept(html: str, value: str) -> bool:
    return f'value="{value}"' in html


def selected(html: str, value: str) -> bool:
    return re.search(rf'<option[^>]*selected[^>]*value="{re.escape(value)}"', html) is not None or (
        re.search(rf'<option[^>]*value="{re.escape(value)}"[^>]*selected', html) is not None
    )


def assert_refused(app, response, data, message):
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert kept(html, data["full_name"]) and kept(html, data["email"])
    assert selected(html, data["role"])
    return html


def test_officer_needs_a_region(app, client, admin, outbox):
    data = staff_data(role=str(Role.AGENCY_OFFICER), full_name="Petugas Tanpa Wilayah")
    response = client.post("/admin/staf/baru", data=data)
    assert_refused(
        app, response, data, "Petugas Dinas Sosial harus terikat pada satu provinsi atau kabupaten/kota."
    )
    assert user_by_email(app, data["email"]) is None
    assert outbox.messages() == []


@pytest.mark.parametrize("role", [Role.BOARD_ADMIN, Role.ASSESSOR])
def test_board_staff_need_a_body(app, client, admin, role):
    data = staff_data(role=str(role), full_name="Admin Tanpa Lembaga")
    response = client.post("/admin/staf/baru", data=data)
    assert_refused(
        app, response, data, "Admin lembaga dan asesor harus terikat pada satu lembaga sertifikasi."
    )
    assert user_by_email(app, data["email"]) is None


def test_scope_that_does_not_fit_the_role_is_refused(app, client, admin):
    data = staff_data(role=str(Role.TRAINING_OFFICER), **{"region_code-1": "32"})
    response = client.post("/admin/staf/baru", data=data)
    html = assert_refused(app, response, data, "Hanya petugas Dinas Sosial yang memiliki wilayah kerja.")
    assert selected(html, "32")  # the chosen province is still chosen
    data = staff_data(role=str(Role.AGENCY_OFFICER), body_code="LSPS", **{"region_code-1": "32"})
    response = client.post("/admin/staf/baru", data=data)
    assert_refused(
        app, response, data, "Hanya admin lembaga dan asesor yang terikat pada lembaga sertifikasi."
    )


def test_duplicate_email_is_refused(app, client, admin, make_user):
    existing = make_user(Role.TRAINING_OFFICER)
    data = staff_data(email=existing.email.upper(), full_name="Orang Kedua")
    response = client.post("/admin/staf/baru", data=data)
    assert_refused(app, response, data, "Alamat surel ini sudah digunakan oleh akun lain.")
    assert user_by_id(app, existing.id).full_name != "Orang Kedua"


def test_required_fields_and_email_format(app, client, admin):
    response = client.post("/admin/staf/baru", data=staff_data(full_name="", email="bukan-email"))
    html = response.get_data(as_text=True)
    assert "Wajib diisi." in html
    assert "Alamat surel tidak valid." in html
    assert kept(html, "bukan-email")


def test_district_level_region_is_refused(app, client, admin):
    """An officer's jurisdiction is a province or a regency, never a district — and a district code
    slipped into the regency select must not quietly widen the binding to the whole province."""
    data = staff_data(role=str(Role.AGENCY_OFFICER), **{"region_code-1": "32", "region_code-2": "32.04.12"})
    response = client.post("/admin/staf/baru", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pilihan wilayah tidak saling sesuai. Silakan pilih ulang." in html
    assert kept(html, data["full_name"]) and kept(html, data["email"])
    assert selected(html, "32") and '<option value="32.04">' in html  # pick the regency again
    assert user_by_email(app, data["email"]) is None
    # A regency that is not inside the chosen province is refused the same way.
    data = staff_data(role=str(Role.AGENCY_OFFICER), **{"region_code-1": "32", "region_code-2": "33.74"})
    html = client.post("/admin/staf/baru", data=data).get_data(as_text=True)
    assert "Pilihan wilayah tidak saling sesuai. Silakan pilih ulang." in html
    assert user_by_email(app, data["email"]) is None

    # The service refuses a district however it is reached (CLI, import, a future form).
    from app.accounts import services

    with app.app_context():
        with pytest.raises(services.AccountError) as error:
            services.create_staff(
                email=unique_email("kec"),
                full_name="Petugas Kecamatan",
                role=Role.AGENCY_OFFICER,
                region_code="32.04.12",
            )
        assert "provinsi atau kabupaten/kota" in str(error.value.message)
        assert error.value.field == "region_code"


def test_region_refresh_without_javascript_fills_regencies_and_creates_nothing(app, client, admin, outbox):
    data = staff_data(
        role=str(Role.AGENCY_OFFICER),
        full_name="Tanpa JavaScript",
        region_refresh="1",
        **{"region_code-1": "32"},
    )
    response = client.post("/admin/staf/baru", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<option value="32.04">' in html  # Kabupaten Bandung now offered at the regency level
    assert '<option value="33.74">' not in html  # but not the regencies of another province
    assert selected(html, "32")
    assert kept(html, "Tanpa JavaScript") and kept(html, data["email"])
    assert "Wajib diisi" not in html and "harus terikat" not in html  # a refresh is not a submission
    assert user_by_email(app, data["email"]) is None
    assert outbox.messages() == []


# --- Editing, deactivating --------------------------------------------------------------------------


def test_changing_a_jurisdiction_is_a_new_grant_and_a_revocation(app, client, admin, make_user):
    officer = make_user(Role.AGENCY_OFFICER, region_code="32.04")
    officer_client = signed_in_client(app, officer)
    page = client.get(f"/admin/staf/{officer.id}").get_data(as_text=True)
    assert officer.email in page and "Kabupaten Bandung" in page

    response = client.post(f"/admin/staf/{officer.id}", data={"full_name": "Petugas Pindah"})
    assert response.status_code == 302
    page = client.get(f"/admin/staf/{officer.id}").get_data(as_text=True)
    assert f"Perubahan akun {officer.email} disimpan." in page
    assert user_by_id(app, officer.id).full_name == "Petugas Pindah"
    assert audit_events(app, "staff.updated", officer.id)[0].after["full_name"] == "Petugas Pindah"
    # Renaming keeps the session.
    assert officer_client.get("/dasbor").status_code == 200

    response = client.post(
        f"/admin/staf/{officer.id}/peran",
        data={"role": str(Role.AGENCY_OFFICER), "region_code-1": "33", "region_code-2": "33.74"},
    )
    assert response.status_code == 302
    assert officer_client.get("/dasbor").status_code == 200  # a new grant does not end sessions
    old = grants_of(app, officer.id)
    assert old == [
        (Role.AGENCY_OFFICER, "32.04", None, None, True),
        (Role.AGENCY_OFFICER, "33.74", None, None, True),
    ]
    with app.app_context():
        from app.accounts.models import RoleGrant

        first = db.session.scalar(
            select(RoleGrant.id).where(RoleGrant.user_id == officer.id).order_by(RoleGrant.id)
        )
    response = client.post(f"/admin/staf/{officer.id}/peran/{first}/cabut")
    assert response.status_code == 302
    assert "Peran dicabut" in client.get(f"/admin/staf/{officer.id}").get_data(as_text=True)
    assert grants_of(app, officer.id)[0][-1] is False
    revoked = audit_events(app, "role.revoked", officer.id)
    assert revoked[0].before["region_code"] == "32.04" and revoked[0].actor_id == admin.id
    # The old session no longer carries the old jurisdiction.
    assert sent_to_login(officer_client.get("/dasbor"))


def test_a_grant_with_a_missing_region_is_refused_and_keeps_the_input(app, client, admin, make_user):
    officer = make_user(Role.AGENCY_OFFICER, region_code="32")
    response = client.post(
        f"/admin/staf/{officer.id}/peran",
        data={"role": str(Role.BOARD_ADMIN), "region_code-1": "", "body_code": ""},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Admin lembaga dan asesor harus terikat pada satu lembaga sertifikasi." in html
    assert selected(html, str(Role.BOARD_ADMIN))
    response = client.post(
        f"/admin/staf/{officer.id}/peran", data={"role": str(Role.AGENCY_OFFICER), "region_code-1": ""}
    )
    assert "Petugas Dinas Sosial harus terikat pada satu provinsi atau kabupaten/kota." in response.get_data(
        as_text=True
    )
    assert grants_of(app, officer.id) == [(Role.AGENCY_OFFICER, "32", None, None, True)]


def test_applicants_are_not_edited_as_staff(client, admin, make_user):
    applicant = make_user(Role.APPLICANT)
    assert client.get(f"/admin/staf/{applicant.id}").status_code == 404
    assert client.post(f"/admin/staf/{applicant.id}/aktif", data={"active": "0"}).status_code == 404
    assert client.get("/admin/staf/999999").status_code == 404


def test_deactivate_ends_sessions_and_blocks_login_then_reactivate(app, client, admin, make_user):
    officer = make_user(Role.AGENCY_OFFICER)
    officer_client = signed_in_client(app, officer)

    response = client.post(f"/admin/staf/{officer.id}/aktif", data={"active": "0"})
    assert response.status_code == 302
    assert "dinonaktifkan; semua sesinya berakhir" in client.get("/admin/staf").get_data(as_text=True)
    assert user_by_id(app, officer.id).active is False

    assert sent_to_login(officer_client.get("/dasbor"))
    response = login(officer_client, officer)
    assert response.status_code == 422
    assert "Akun ini dinonaktifkan" in response.get_data(as_text=True)

    deactivated = audit_events(app, "staff.deactivated", officer.id)
    assert len(deactivated) == 1
    assert deactivated[0].actor_id == admin.id
    assert deactivated[0].before["active"] is True and deactivated[0].after["active"] is False

    response = client.post(f"/admin/staf/{officer.id}/aktif", data={"active": "1"})
    assert response.status_code == 302
    assert f"Akun {officer.email} diaktifkan." in client.get("/admin/staf").get_data(as_text=True)
    assert user_by_id(app, officer.id).active is True
    assert login(officer_client, officer).headers["Location"] == "/dasbor"
    assert officer_client.get("/dasbor").status_code == 200
    assert len(audit_events(app, "staff.activated", officer.id)) == 1


def test_admin_cannot_deactivate_themself(app, client, admin):
    response = client.post(f"/admin/staf/{admin.id}/aktif", data={"active": "0"}, follow_redirects=True)
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in response.get_data(as_text=True)
    assert user_by_id(app, admin.id).active is True
    assert client.get("/admin/staf").status_code == 200  # still signed in
    assert audit_events(app, "staff.deactivated", admin.id) == []


def test_staff_list_filters_by_role(app, client, admin, make_user):
    assessor = make_user(Role.ASSESSOR)
    trainer = make_user(Role.TRAINING_OFFICER)
    applicant = make_user(Role.APPLICANT)
    html = client.get("/admin/staf?peran=assessor").get_data(as_text=True)
    assert assessor.email in html and trainer.email not in html
    html = client.get("/admin/staf").get_data(as_text=True)
    assert assessor.email in html and trainer.email in html
    assert applicant.email not in html  # applicants are not staff


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MINISTRY_ADMIN])
def test_other_roles_are_refused(app, client, logged_in, role):
    logged_in(role)
    assert client.get("/admin/staf").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    data = staff_data()
    assert client.post("/admin/staf/baru", data=data).status_code == 403
    assert user_by_email(app, data["email"]) is None


def test_audit_log_lists_staff_events_for_the_admin(app, client, admin):
    data = staff_data()
    assert client.post("/admin/staf/baru", data=data).status_code == 302
    html = client.get("/admin/audit?aksi=staff.").get_data(as_text=True)
    table = html[html.index('id="tabel-audit"') :]
    assert "Akun staf dibuat" in table  # the action by its translated name
    assert "Masuk</a>" not in table  # the filter applies


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_staff_forms_need_the_csrf_token(app, client, admin, make_user, csrf_enabled):
    officer = make_user(Role.AGENCY_OFFICER)
    data = staff_data()
    assert client.post("/admin/staf/baru", data=data).status_code == 400
    assert client.post(f"/admin/staf/{officer.id}/aktif", data={"active": "0"}).status_code == 400
    assert user_by_email(app, data["email"]) is None
    assert user_by_id(app, officer.id).active is True

    token = csrf_token(client.get("/admin/staf").get_data(as_text=True))
    response = client.post(f"/admin/staf/{officer.id}/aktif", data={"active": "0", "csrf_token": token})
    assert response.status_code == 302
    assert user_by_id(app, officer.id).active is False
    token = csrf_token(client.get("/admin/staf/baru").get_data(as_text=True))
    assert client.post("/admin/staf/baru", data={**data, "csrf_token": token}).status_code == 302
    assert user_by_email(app, data["email"]) is not None


def test_staff_list_pages_by_keyset_and_keeps_the_filter(app, client, admin, make_user, monkeypatch):
    import html as html_lib

    from app.admin import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    assessors = [make_user(Role.ASSESSOR) for _ in range(3)]
    make_user(Role.TRAINING_OFFICER)
    # Named to sort first: live browser tests commit assessor accounts of their own ("Staf assessor").
    with app.app_context():
        for n, assessor in enumerate(assessors):
            db.session.get(User, assessor.id).full_name = f"0000 Asesor Halaman {n}"
        db.session.commit()
    page = client.get("/admin/staf?peran=assessor").get_data(as_text=True)
    shown = [a.email for a in assessors if a.email in page]
    assert len(shown) == 2 and "Sebelumnya" not in page
    next_url = html_lib.unescape(re.search(r'rel="next" href="([^"]+)"', page).group(1))
    assert "peran=assessor" in next_url and "setelah=" in next_url
    page = client.get(next_url).get_data(as_text=True)
    assert [a.email for a in assessors if a.email in page and a.email not in shown] != []
    assert not any(email in page for email in shown)
    with app.app_context():  # a next page exactly when more assessor accounts exist (live tests commit some)
        assessor_grant = exists().where(
            RoleGrant.user_id == User.id, RoleGrant.role == Role.ASSESSOR, RoleGrant.revoked_at.is_(None)
        )
        assessor_accounts = db.session.scalar(
            select(func.count()).select_from(User).where(routes._is_staff_account(), assessor_grant)
        )
    assert ("Berikutnya" in page) == (assessor_accounts > 4)  # pages of 2: ours first, then the others
    prev_url = html_lib.unescape(re.search(r'rel="prev" href="([^"]+)"', page).group(1))
    assert "peran=assessor" in prev_url and "sebelum=" in prev_url
    page = client.get(prev_url).get_data(as_text=True)
    assert all(email in page for email in shown)
    # A tampered cursor falls back to the first page.
    assert client.get("/admin/staf?setelah=bukan~kursor~valid").status_code == 200


def _recorded_actions() -> set[str]:
    """Every audit action the code names literally: audit.record, record_regardless and deny calls."""
    from pathlib import Path

    call = re.compile(r'(?:audit\.record|record_regardless|deny|record)\(\s*(?:\d+,\s*)?"([a-z_]+\.[a-z_]+)"')
    app_dir = Path(__file__).resolve().parent.parent / "app"
    return {action for path in app_dir.rglob("*.py") for action in call.findall(path.read_text())}


def test_every_audit_action_reads_as_words_on_the_audit_screen():
    """The auditor reads Indonesian, never "Sertifikat: suspend": each lifecycle's transitions (recorded
    as `<name>.<action>` by app/core/lifecycle.py) and each action named in the code has a label, and
    each lifecycle's name an object label."""
    from app.admin.audit_trail import ACTION_LABELS, OBJECT_LABELS
    from app.certification import states as certification
    from app.credentials import states as credentials
    from app.people.corrections import LIFECYCLE as CORRECTIONS
    from app.registration.states import LIFECYCLE as REGISTRATION
    from app.training import states as training

    lifecycles = (
        REGISTRATION,
        CORRECTIONS,
        training.SESSION_LIFECYCLE,
        training.ENROLMENT_LIFECYCLE,
        training.RECORD_LIFECYCLE,
        certification.SESSION_LIFECYCLE,
        certification.CANDIDACY_LIFECYCLE,
        certification.ASSESSMENT_LIFECYCLE,
        certification.APPEAL_LIFECYCLE,
        credentials.CERTIFICATE_LIFECYCLE,
        credentials.LICENCE_LIFECYCLE,
    )
    actions = {f"{lifecycle.name}.{action}" for lifecycle in lifecycles for action in lifecycle.transitions}
    actions |= _recorded_actions()
    assert len(actions) > 150
    assert sorted(actions - set(ACTION_LABELS)) == []
    assert sorted({lifecycle.name for lifecycle in lifecycles} - set(OBJECT_LABELS)) == []
