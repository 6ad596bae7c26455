"""The assessor registry of a certification body: add an existing account by its e-mail (never
creating one; the account gets the `assessor` role for the body, audited), edit, deactivate and
reactivate (history kept), search, the expired-licence badge; body scoping (another body's assessor is
a 404 with an audit entry). Every refused input has an Indonesian message, HTTP 422, and nothing typed
is lost."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import RoleGrant, User
from app.certification.assessors import services
from app.certification.models import Assessor
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.roles import Role
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind
from app.people.services import person_of_user
from tests.certification_factories import create_assessor, create_scheme
from tests.factories import create_user, unique_email

NEXT_YEAR = (date.today() + timedelta(days=365)).isoformat()


def audit_events(app, action: str, object_id=None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(stmt))


def create_institution(app, name: str = "Dinas Sosial Kabupaten Bandung", active: bool = True) -> int:
    with app.app_context():
        institution = Institution(name=name, kind=InstitutionKind.GOVERNMENT_AGENCY, active=active)
        db.session.add(institution)
        db.session.commit()
        return institution.id


def add_form(email: str, **overrides) -> dict:
    data = {
        "body_code": "LSPS",
        "email": email,
        "name": "",
        "met_number": " met.000.01234.2019 ",
        "institution_id": "",
        "institution_name": "Politeknik Kesejahteraan Sosial Bandung",
        "licence_valid_until": NEXT_YEAR,
        "scheme_ids": [],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def assessor_grants(app, user_id: int) -> list[tuple]:
    with app.app_context():
        grants = db.session.scalars(
            select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == Role.ASSESSOR)
        )
        return [(g.certification_body_code, g.revoked_at is None) for g in grants]


# --- Add ------------------------------------------------------------------------------------------


def test_board_admin_adds_an_existing_account_as_an_assessor(app, client, logged_in):
    admin = logged_in(Role.BOARD_ADMIN)
    candidate = create_user(app, Role.APPLICANT)
    scheme_id, _version = create_scheme(app)
    institution_id = create_institution(app)
    page = client.get("/sertifikasi/asesor/baru").get_data(as_text=True)
    assert 'name="email"' in page and "Dinas Sosial Kabupaten Bandung" in page

    # "Cari akun" fills the name in from the account; nothing is saved.
    response = client.post("/sertifikasi/asesor/baru", data=add_form(candidate.email, cari_akun="1"))
    assert response.status_code == 200
    assert 'value="Pemohon Uji"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Assessor.user_id == candidate.id)) == 0

    response = client.post(
        "/sertifikasi/asesor/baru",
        data=add_form(
            candidate.email.upper(), institution_id=str(institution_id), scheme_ids=[str(scheme_id)]
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assessor = db.session.scalar(select(Assessor).where(Assessor.user_id == candidate.id))
        assert assessor.body_code == "LSPS" and assessor.active
        assert assessor.name == "Pemohon Uji"  # the account's name when none was typed
        assert assessor.met_number == "MET.000.01234.2019"
        assert assessor.person_id == person_of_user(candidate.id).id
        assert assessor.institution_id == institution_id
        assert assessor.institution_name == "Politeknik Kesejahteraan Sosial Bandung"
        assert [link.scheme_id for link in assessor.schemes] == [scheme_id]
        assert db.session.get(User, candidate.id).has_role(Role.ASSESSOR)
        assessor_id = assessor.id
    assert assessor_grants(app, candidate.id) == [("LSPS", True)]
    [added] = audit_events(app, "assessor.added", assessor_id)
    assert added.actor_id == admin.id and added.after["met_number"] == "MET.000.01234.2019"
    granted = [e.after for e in audit_events(app, "role.granted", candidate.id)]
    assert [g["certification_body_code"] for g in granted if g["role"] == "assessor"] == ["LSPS"]

    listing = client.get("/sertifikasi/asesor").get_data(as_text=True)
    assert f'data-assessor="{assessor_id}"' in listing and "MET.000.01234.2019" in listing


def test_an_account_already_holding_the_role_gets_no_second_grant(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    assessor_user = create_user(app, Role.ASSESSOR)  # an assessor grant for LSPS already
    response = client.post(
        "/sertifikasi/asesor/baru", data=add_form(assessor_user.email, name="Dra. Siti Aminah, M.Si.")
    )
    assert response.status_code == 302
    assert assessor_grants(app, assessor_user.id) == [("LSPS", True)]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": ""}, "email", "Wajib diisi."),
        ({"email": "bukan-surel"}, "email", "Alamat surel tidak valid."),
        ({"email": "tidak.ada@uji.example.id"}, "email", "Tidak ada akun dengan alamat surel ini."),
        ({"met_number": ""}, "met_number", "Wajib diisi."),
        ({"met_number": "M" * 61}, "met_number", "Maksimal 60 karakter."),
        ({"licence_valid_until": ""}, "licence_valid_until", "Wajib diisi."),
        ({"licence_valid_until": "31-12-2030"}, "licence_valid_until", "Tanggal tidak valid."),
        ({"licence_valid_until": "2020-01-01"}, "licence_valid_until", "Lisensi asesor ini sudah berakhir."),
        ({"institution_id": "999999"}, "institution_id", "Pilih salah satu pilihan yang tersedia."),
        ({"scheme_ids": ["abc"]}, "scheme_ids", "Pilih salah satu pilihan yang tersedia."),
        ({"scheme_ids": ["999999"]}, "scheme_ids", "Pilih salah satu pilihan yang tersedia."),
        ({"body_code": "LSPENSOS"}, "body_code", "Pilih salah satu pilihan yang tersedia."),
    ],
)
def test_add_refuses_bad_input_and_keeps_what_was_typed(app, client, logged_in, overrides, field, message):
    logged_in(Role.BOARD_ADMIN)
    candidate = create_user(app, Role.APPLICANT)
    form = {**add_form(candidate.email, name="Drs. Bambang Hartono"), **overrides}
    response = client.post("/sertifikasi/asesor/baru", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'data-testid="error-summary"' in page
    assert 'value="Drs. Bambang Hartono"' in page
    assert 'value="Politeknik Kesejahteraan Sosial Bandung"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Assessor.user_id == candidate.id)) == 0
        assert not db.session.get(User, candidate.id).has_role(Role.ASSESSOR)


def test_unknown_email_is_refused_and_no_account_is_created(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    email = unique_email("asesor-baru")
    with app.app_context():
        accounts = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/sertifikasi/asesor/baru", data=add_form(email, name="Calon Asesor"))
    assert response.status_code == 422
    assert "Mohon minta calon asesor membuat akun terlebih dahulu" in response.get_data(as_text=True)
    response = client.post("/sertifikasi/asesor/baru", data=add_form(email, cari_akun="1"))
    assert response.status_code == 422
    assert "Tidak ada akun dengan alamat surel ini." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == accounts


def test_an_inactive_account_is_refused(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    inactive = create_user(app, Role.APPLICANT, active=False)
    response = client.post("/sertifikasi/asesor/baru", data=add_form(inactive.email, name="X"))
    assert response.status_code == 422
    assert "Akun dengan alamat surel ini tidak aktif." in response.get_data(as_text=True)


def test_met_number_and_account_are_unique_within_the_body(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    assessor_id, user_id = create_assessor(app)
    with app.app_context():
        existing = db.session.get(Assessor, assessor_id)
        met, email = existing.met_number, db.session.get(User, user_id).email
    other = create_user(app, Role.APPLICANT)
    response = client.post(
        "/sertifikasi/asesor/baru", data=add_form(other.email, name="Lain", met_number=met.lower())
    )
    assert response.status_code == 422
    assert f"No. MET {met} sudah terdaftar untuk asesor lain lembaga ini." in response.get_data(as_text=True)
    response = client.post(
        "/sertifikasi/asesor/baru", data=add_form(email, name="Lagi", met_number="MET-BARU")
    )
    assert response.status_code == 422
    assert "Akun ini sudah terdaftar sebagai asesor lembaga ini." in response.get_data(as_text=True)


def test_the_same_met_number_may_exist_in_another_body(app, ctx):
    lsps_assessor, _user = create_assessor(app)
    admin, account = create_user(app, Role.MINISTRY_ADMIN), create_user(app, Role.APPLICANT)
    met = db.session.get(Assessor, lsps_assessor).met_number
    actor = db.session.get(User, admin.id)
    assessor = services.add_assessor(
        body_code="LSPENSOS",
        email=account.email,
        data=services.AssessorData(
            name="Asesor Penyuluh", met_number=met, licence_valid_until=date(2030, 1, 1)
        ),
        actor=actor,
    )
    assert assessor.body_code == "LSPENSOS"
    assert db.session.get(User, account.id).grants_for(Role.ASSESSOR)[0].certification_body_code == "LSPENSOS"


def test_only_the_bodys_current_schemes_may_be_chosen(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    other_body_scheme, _v = create_scheme(app, body="LSPENSOS", category="PENYULUH")
    retired_scheme, _v = create_scheme(app)
    current_scheme, _v = create_scheme(app)
    with app.app_context():
        from app.certification.models import Scheme
        from app.core.models import utcnow

        db.session.get(Scheme, retired_scheme).retired_at = utcnow()
        db.session.commit()
    candidate = create_user(app, Role.APPLICANT)
    page = client.get("/sertifikasi/asesor/baru").get_data(as_text=True)
    assert f'name="scheme_ids" type="checkbox" value="{current_scheme}"' in page
    for scheme_id in (other_body_scheme, retired_scheme):
        assert f'name="scheme_ids" type="checkbox" value="{scheme_id}"' not in page
    for scheme_id in (other_body_scheme, retired_scheme):
        response = client.post(
            "/sertifikasi/asesor/baru", data=add_form(candidate.email, name="X", scheme_ids=[str(scheme_id)])
        )
        assert response.status_code == 422


# --- Edit, deactivate, list -------------------------------------------------------------------------


def test_edit_changes_the_entry_but_never_the_account_or_body(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    scheme_a, _v = create_scheme(app)
    scheme_b, _v = create_scheme(app)
    assessor_id, user_id = create_assessor(app, scheme_ids=(scheme_a,))
    page = client.get(f"/sertifikasi/asesor/{assessor_id}").get_data(as_text=True)
    assert 'name="email"' not in page and 'name="body_code"' not in page
    response = client.post(
        f"/sertifikasi/asesor/{assessor_id}",
        data={
            "name": "Dr. Asesor Baru",
            "met_number": "MET.999",
            "institution_name": "LKS Harapan",
            "licence_valid_until": "2031-06-30",
            "scheme_ids": [str(scheme_b)],
            "email": "lain@uji.example.id",
            "body_code": "LSPENSOS",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assessor = db.session.get(Assessor, assessor_id)
        assert (assessor.name, assessor.met_number, assessor.institution_name) == (
            "Dr. Asesor Baru",
            "MET.999",
            "LKS Harapan",
        )
        assert assessor.licence_valid_until == date(2031, 6, 30)
        assert [link.scheme_id for link in assessor.schemes] == [scheme_b]
        assert (assessor.user_id, assessor.body_code) == (user_id, "LSPS")
    [event] = audit_events(app, "assessor.updated", assessor_id)
    assert event.before["scheme_ids"] == [scheme_a] and event.after["scheme_ids"] == [scheme_b]


def test_edit_refuses_bad_input_and_keeps_what_was_typed(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    assessor_id, _user = create_assessor(app)
    response = client.post(
        f"/sertifikasi/asesor/{assessor_id}",
        data={
            "name": "",
            "met_number": "MET.777",
            "institution_name": "LKS Sejahtera",
            "licence_valid_until": "",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("Wajib diisi.") >= 2
    assert 'value="MET.777"' in page and 'value="LKS Sejahtera"' in page
    with app.app_context():
        assert db.session.get(Assessor, assessor_id).met_number != "MET.777"


def test_deactivation_keeps_the_entry_and_can_be_undone(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    assessor_id, user_id = create_assessor(app)
    page = client.get(f"/sertifikasi/asesor/{assessor_id}").get_data(as_text=True)
    assert 'data-testid="confirm-deactivate"' in page
    assert client.post(f"/sertifikasi/asesor/{assessor_id}/aktif", data={"active": "0"}).status_code == 302
    with app.app_context():
        assessor = db.session.get(Assessor, assessor_id)
        assert not assessor.active and not assessor.licensed_on(date.today())
    assert assessor_grants(app, user_id) == [("LSPS", True)]  # their history stays readable
    assert audit_events(app, "assessor.deactivated", assessor_id)
    assert "Nonaktif" in client.get("/sertifikasi/asesor").get_data(as_text=True)
    assert client.post(f"/sertifikasi/asesor/{assessor_id}/aktif", data={"active": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(Assessor, assessor_id).active
    assert audit_events(app, "assessor.activated", assessor_id)


def test_list_searches_by_name_or_met_and_flags_expired_licences(app, client, logged_in):
    logged_in(Role.BOARD_ADMIN)
    expired_id, _u = create_assessor(app, licence_valid_until=date.today() - timedelta(days=1))
    valid_id, _u = create_assessor(app)
    with app.app_context():
        db.session.get(Assessor, valid_id).name = "Hj. Nur_Aini 100%"
        expired_met = db.session.get(Assessor, expired_id).met_number
        db.session.commit()
    listing = client.get("/sertifikasi/asesor").get_data(as_text=True)
    assert f'data-assessor="{expired_id}"' in listing and f'data-assessor="{valid_id}"' in listing
    assert listing.count('data-testid="expired"') == 1 and "Kedaluwarsa" in listing

    found = client.get("/sertifikasi/asesor?cari=nur_aini 100%").get_data(as_text=True)
    assert f'data-assessor="{valid_id}"' in found and f'data-assessor="{expired_id}"' not in found
    assert 'value="nur_aini 100%"' in found  # the search is kept in the page
    found = client.get(f"/sertifikasi/asesor?cari={expired_met.lower()}").get_data(as_text=True)
    assert f'data-assessor="{expired_id}"' in found and f'data-assessor="{valid_id}"' not in found
    none = client.get("/sertifikasi/asesor?cari=_").get_data(as_text=True)  # "_" is no wildcard
    assert f'data-assessor="{expired_id}"' not in none
    assert "Tidak ada asesor yang cocok" in client.get("/sertifikasi/asesor?cari=zzzz").get_data(as_text=True)


def test_the_list_is_keyset_paginated(app, client, logged_in, monkeypatch):
    from app.certification.assessors import routes

    logged_in(Role.BOARD_ADMIN)
    ids = [create_assessor(app)[0] for _ in range(3)]
    # Found by a name of their own: live browser tests commit LSPS assessors of their own.
    with app.app_context():
        for assessor_id in ids:
            db.session.get(Assessor, assessor_id).name = f"Halaman Keyset {ids[0]}"
        db.session.commit()
    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    search = f"cari=Halaman+Keyset+{ids[0]}"
    first = client.get(f"/sertifikasi/asesor?{search}").get_data(as_text=True)
    assert f'data-assessor="{ids[0]}"' in first and f'data-assessor="{ids[2]}"' not in first
    assert 'rel="next"' in first
    second = client.get(f"/sertifikasi/asesor?{search}&setelah={ids[1]}").get_data(as_text=True)
    assert f'data-assessor="{ids[2]}"' in second and f'data-assessor="{ids[0]}"' not in second


# --- Body scoping ----------------------------------------------------------------------------------


def test_another_bodys_admin_gets_404_and_the_attempt_is_audited(app, client, logged_in):
    assessor_id, _user = create_assessor(app)  # an LSPS assessor
    logged_in(Role.BOARD_ADMIN, body_code="LSPENSOS")
    assert f'data-assessor="{assessor_id}"' not in client.get("/sertifikasi/asesor").get_data(as_text=True)
    assert client.get(f"/sertifikasi/asesor/{assessor_id}").status_code == 404
    response = client.post(
        f"/sertifikasi/asesor/{assessor_id}",
        data={"name": "Diambil", "met_number": "X", "licence_valid_until": NEXT_YEAR},
    )
    assert response.status_code == 404
    assert client.post(f"/sertifikasi/asesor/{assessor_id}/aktif", data={"active": "0"}).status_code == 404
    assert len(audit_events(app, "assessor.access_denied", assessor_id)) == 3
    outsider_ref = create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS")
    account = create_user(app, Role.APPLICANT)
    with app.app_context():
        assessor = db.session.get(Assessor, assessor_id)
        assert assessor.active and assessor.name != "Diambil"
        outsider = db.session.get(User, outsider_ref.id)
        with pytest.raises(PermissionDenied):
            services.set_assessor_active(assessor, False, outsider)
        with pytest.raises(PermissionDenied):
            services.add_assessor(
                body_code="LSPS",
                email=account.email,
                data=services.AssessorData(name="X", met_number="Y", licence_valid_until=date(2030, 1, 1)),
                actor=outsider,
            )


def test_a_ministry_admin_sees_every_bodys_assessors(app, client, logged_in):
    lsps_id, _u = create_assessor(app)
    lspensos_id, _u = create_assessor(app, body="LSPENSOS")
    logged_in(Role.MINISTRY_ADMIN)
    listing = client.get("/sertifikasi/asesor").get_data(as_text=True)
    assert f'data-assessor="{lsps_id}"' in listing and f'data-assessor="{lspensos_id}"' in listing
    assert client.get(f"/sertifikasi/asesor/{lspensos_id}").status_code == 200


def test_an_assessor_cannot_open_the_registry(app, client, logged_in):
    logged_in(Role.ASSESSOR)
    assert client.get("/sertifikasi/asesor").status_code == 403
    assert client.get("/sertifikasi/skema").status_code == 403


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(app, client, logged_in):
    from tests.test_cert_schemes import count_queries

    logged_in(Role.BOARD_ADMIN)
    scheme_id, _v = create_scheme(app)
    institution_id = create_institution(app)
    create_assessor(app, scheme_ids=(scheme_id,), institution_id=institution_id)
    few = count_queries(app, client, "/sertifikasi/asesor")
    for _ in range(4):
        create_assessor(app, scheme_ids=(scheme_id,), institution_id=institution_id)
    assert count_queries(app, client, "/sertifikasi/asesor") == few
