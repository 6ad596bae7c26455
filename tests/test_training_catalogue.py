"""Training catalogue: providers (ministry admin), programmes and sessions (training officer), the
session lifecycle actions with their confirmation and e-mails, facilitators, provider scoping, and the
public catalogue. Bad input is tested as carefully as good input: every refusal has an Indonesian
message beside its field and nothing typed is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.models import local_today
from app.core.roles import Role
from app.extensions import db
from app.reference import targets
from app.reference.models import ProviderKind, TrainingProvider
from app.training.catalogue import services
from app.training.models import Enrolment, Facilitator, Programme, ProgrammeTarget, TrainingSession
from app.training.states import EnrolmentStatus, SessionAction, SessionStatus, TrainingError
from tests.factories import create_user, login
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_verified_person,
)

JAKARTA = "BBPPKS-JAKARTA"


def audit_actions(app, action: str, object_id=None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(stmt))


def programme_form(**overrides) -> dict:
    data = {
        "provider_code": "BBPPKS-BANDUNG",
        "code": "pdps-01",
        "title": "Pelatihan Dasar Pendampingan Sosial",
        "jp": "40",
        "target_RELAWAN": "*",
        "target_PEKSOS": "GENERALIS",
        "learning_outcomes": "Peserta mampu melakukan asesmen sosial dasar.",
        "competency_units": "kso.01, KSO.02\nKSO.01",
        "attendance_threshold": "90",
        "pass_score": "70,5",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def session_form(programme_id: int, **overrides) -> dict:
    today = local_today()
    data = {
        "programme_id": str(programme_id),
        "name": "Angkatan I Tahun 2027",
        "starts_on": (today + timedelta(days=30)).isoformat(),
        "ends_on": (today + timedelta(days=34)).isoformat(),
        "mode": "in_person",
        "venue": "Jl. Raya Lembang No. 100",
        "region_code-1": "32",
        "region_code-2": "32.17",
        "capacity": "30",
        "enrolment_opens_on": today.isoformat(),
        "enrolment_closes_on": (today + timedelta(days=20)).isoformat(),
        "signatory_name": "Dr. Sri Wahyuni, M.Si.",
        "signatory_title": "Kepala BBPPKS Bandung",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def session_data(programme_id: int, **overrides) -> services.SessionData:
    today = local_today()
    values = {
        "programme_id": programme_id,
        "name": "Angkatan II Tahun 2027",
        "starts_on": today + timedelta(days=30),
        "ends_on": today + timedelta(days=34),
        "mode": "in_person",
        "venue": "Jl. Raya Lembang No. 100",
        "region_code": "32.17",
        "capacity": 30,
        "enrolment_opens_on": today,
        "enrolment_closes_on": today + timedelta(days=20),
        "signatory_name": "Dr. Sri Wahyuni, M.Si.",
        "signatory_title": "Kepala BBPPKS Bandung",
    }
    values.update(overrides)
    return services.SessionData(**values)


def user_of(ref) -> User:
    return db.session.get(User, ref.id)


# --- Providers -------------------------------------------------------------------------------------


def test_ministry_admin_adds_edits_and_deactivates_a_provider(app, client, logged_in):
    logged_in(Role.MINISTRY_ADMIN)
    assert "Penyelenggara diklat" in client.get("/admin/penyelenggara-diklat").get_data(as_text=True)
    response = client.post(
        "/admin/penyelenggara-diklat/baru",
        data={"code": " bbppks-medan ", "name": "BBPPKS Medan", "kind": "bbppks", "region_code-1": "12"},
    )
    assert response.status_code == 302
    with app.app_context():
        provider = db.session.get(TrainingProvider, "BBPPKS-MEDAN")
        assert (provider.name, provider.kind, provider.region_code, provider.active) == (
            "BBPPKS Medan",
            ProviderKind.BBPPKS,
            "12",
            True,
        )
    assert audit_actions(app, "training_provider.created", "BBPPKS-MEDAN")

    page = client.get("/admin/penyelenggara-diklat/BBPPKS-MEDAN/ubah").get_data(as_text=True)
    assert "BBPPKS-MEDAN" in page and 'name="code"' not in page  # the code is never edited
    response = client.post(
        "/admin/penyelenggara-diklat/BBPPKS-MEDAN/ubah",
        data={"code": "LAIN", "name": "BBPPKS Medan (Sumatera Utara)", "kind": "bbppks", "active": "y"},
    )
    assert response.status_code == 302
    response = client.post("/admin/penyelenggara-diklat/BBPPKS-MEDAN/aktif", data={"active": "0"})
    assert response.status_code == 302
    with app.app_context():
        provider = db.session.get(TrainingProvider, "BBPPKS-MEDAN")
        assert provider.name == "BBPPKS Medan (Sumatera Utara)" and not provider.active
        assert db.session.get(TrainingProvider, "LAIN") is None
    assert audit_actions(app, "training_provider.updated", "BBPPKS-MEDAN")
    assert audit_actions(app, "training_provider.deactivated", "BBPPKS-MEDAN")
    assert "Nonaktif" in client.get("/admin/penyelenggara-diklat").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "BBPPKS-BANDUNG"}, "Kode BBPPKS-BANDUNG sudah dipakai penyelenggara lain."),
        ({"code": "BB PP!"}, "Kode hanya boleh berisi huruf, angka dan tanda hubung"),
        ({"code": ""}, "Wajib diisi."),
        ({"name": "  "}, "Nama penyelenggara wajib diisi."),
        ({"kind": "kampus"}, "Pilih salah satu pilihan yang tersedia."),
    ],
)
def test_a_provider_with_bad_input_is_refused_and_the_form_kept(app, client, logged_in, data, message):
    logged_in(Role.MINISTRY_ADMIN)
    form = {"code": "LPK-MAJU", "name": "LPK Maju Bersama", "kind": "other", **data}
    response = client.post("/admin/penyelenggara-diklat/baru", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and 'data-testid="error-summary"' in html
    assert 'value="LPK Maju Bersama"' in html or not form["name"].strip()


def test_provider_pages_are_for_the_ministry_admin_only(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    assert client.get("/admin/penyelenggara-diklat").status_code == 403
    assert (
        client.post("/admin/penyelenggara-diklat/BBPPKS-BANDUNG/aktif", data={"active": "0"}).status_code
        == 403
    )


# --- Programmes ------------------------------------------------------------------------------------


def test_officer_creates_a_programme_with_targets_units_and_defaults(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    page = client.get("/diklat/program/baru").get_data(as_text=True)
    assert 'value="90"' in page  # TRAINING_ATTENDANCE_THRESHOLD
    assert "1 JP = 45 menit." in page
    response = client.post("/diklat/program/baru", data=programme_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        programme = db.session.scalar(select(Programme).where(Programme.code == "PDPS-01"))
        assert programme.provider_code == "BBPPKS-BANDUNG"
        assert programme.competency_units == ["KSO.01", "KSO.02"]
        assert str(programme.pass_score) == "70.50"
        assert sorted((t.category_code, t.subtype) for t in programme.targets) == [
            ("PEKSOS", "GENERALIS"),
            ("RELAWAN", ""),
        ]
        assert programme.serves("RELAWAN", "TAGANA") and programme.serves("PEKSOS", "GENERALIS")
        assert not programme.serves("PEKSOS", "ASISTEN") and not programme.serves("TKS", "ASN")
        programme_id = programme.id
    assert audit_actions(app, "training_programme.created", programme_id)
    page = client.get(response.location).get_data(as_text=True)
    assert "40 JP = 30 jam." in page
    assert "KSO.01\nKSO.02" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("jp", "empat puluh", "Isi dengan bilangan bulat, misalnya 40."),
        ("jp", "0", "Isi jumlah JP dengan bilangan bulat 1 sampai 1000."),
        ("jp", "-3", "Isi jumlah JP dengan bilangan bulat 1 sampai 1000."),
        ("jp", "99999999999", "Angka terlalu besar."),
        ("attendance_threshold", "150", "Isi batas kehadiran dengan bilangan bulat 1 sampai 100 (persen)."),
        ("pass_score", "tujuh puluh", "Isi dengan angka, misalnya 70 atau 72,5."),
        ("pass_score", "101", "Nilai kelulusan harus antara 0 dan 100."),
        ("pass_score", "NaN", "Isi dengan angka, misalnya 70 atau 72,5."),
        ("competency_units", "KSO.01\nKSO 02!", "Kode unit kompetensi KSO 02! tidak valid"),
        ("code", "PDPS 01", "Kode hanya boleh berisi huruf, angka, titik, garis miring dan tanda hubung"),
        ("title", "", "Wajib diisi."),
        ("target_PEKSOS", "PALSU", "Pilih salah satu pilihan yang tersedia."),
    ],
)
def test_programme_bad_input_is_refused_beside_its_field(app, client, logged_in, field, value, message):
    logged_in(Role.TRAINING_OFFICER)
    response = client.post("/diklat/program/baru", data=programme_form(**{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'data-testid="error-summary"' in html
    # Nothing typed is lost: the other fields come back as typed.
    assert 'value="Pelatihan Dasar Pendampingan Sosial"' in html or field == "title"
    assert "Peserta mampu melakukan asesmen sosial dasar." in html
    if field in ("jp", "pass_score", "code"):
        assert f'value="{value}"' in html
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(Programme).where(Programme.title == "x")) == 0
        )


def test_a_programme_needs_a_category_and_a_code_unique_per_provider(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    html = client.post(
        "/diklat/program/baru", data=programme_form(target_RELAWAN="", target_PEKSOS="")
    ).get_data(as_text=True)
    assert "Pilih sekurang-kurangnya satu kategori yang dilayani program ini." in html
    existing = create_programme(app)
    with app.app_context():
        code = db.session.get(Programme, existing).code
    response = client.post("/diklat/program/baru", data=programme_form(code=code.lower()))
    assert response.status_code == 422
    assert f"Kode {code} sudah dipakai program lain penyelenggara ini." in response.get_data(as_text=True)
    # The same code at another provider is fine.
    create_programme(app, provider=JAKARTA)


def test_an_officer_with_two_providers_chooses_one_and_only_theirs(app, client):
    officer = create_user(
        app, Role.TRAINING_OFFICER, also=((Role.TRAINING_OFFICER, {"provider_code": JAKARTA}),)
    )
    login(client, officer)
    page = client.get("/diklat/program/baru").get_data(as_text=True)
    assert '<select class="form-select" id="provider_code"' in page.replace(
        ' aria-describedby="provider_code-help"', ""
    )
    assert client.post("/diklat/program/baru", data=programme_form(provider_code=JAKARTA)).status_code == 302
    response = client.post(
        "/diklat/program/baru", data=programme_form(provider_code="BBPPKS-PADANG", code="X1")
    )
    assert response.status_code == 422
    assert "Pilih salah satu pilihan yang tersedia." in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(Programme.provider_code).where(Programme.code == "PDPS-01")) == JAKARTA
        )
        # The service refuses a provider outside the actor's grants too (a tampered request).
        with pytest.raises(PermissionDenied):
            services.save_programme(
                services.ProgrammeData(
                    "BBPPKS-PADANG", "X2", "T", 10, {"RELAWAN": ""}, attendance_threshold=90
                ),
                user_of(officer),
            )


def test_officer_edits_retires_and_deletes_programmes(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    used = create_programme(app)
    create_session(app, used, status=SessionStatus.PLANNED)
    unused = create_programme(app)
    with app.app_context():
        code = db.session.get(Programme, used).code
    form = programme_form(
        code=code, title="Pelatihan Lanjutan", target_PEKSOS="", target_TKS="MASYARAKAT:PKH"
    )
    assert client.post(f"/diklat/program/{used}", data=form).status_code == 302
    page = client.get(f"/diklat/program/{used}").get_data(as_text=True)
    assert 'data-testid="delete-blocked"' in page and 'data-testid="confirm-retire"' in page
    # A used programme is never deleted.
    client.post(f"/diklat/program/{used}/hapus")
    with app.app_context():
        programme = db.session.get(Programme, used)
        assert programme is not None and programme.title == "Pelatihan Lanjutan"
        assert sorted((t.category_code, t.subtype) for t in programme.targets) == [
            ("RELAWAN", ""),
            ("TKS", "MASYARAKAT:PKH"),
        ]
    assert "tidak dapat dihapus" in client.get(f"/diklat/program/{used}").get_data(as_text=True)
    assert client.post(f"/diklat/program/{used}/pensiun").status_code == 302
    assert client.post(f"/diklat/program/{unused}/hapus").status_code == 302
    with app.app_context():
        assert db.session.get(Programme, used).retired
        assert db.session.get(Programme, unused) is None
        assert db.session.scalar(select(func.count()).where(ProgrammeTarget.programme_id == unused)) == 0
    assert audit_actions(app, "training_programme.retired", used)
    assert audit_actions(app, "training_programme.deleted", unused)
    retired_tab = client.get("/diklat/program?status=pensiun").get_data(as_text=True)
    active_tab = client.get("/diklat/program").get_data(as_text=True)
    assert f'data-programme="{used}"' in retired_tab and f'data-programme="{used}"' not in active_tab
    # A retired programme is not edited any more.
    response = client.post(f"/diklat/program/{used}", data=form)
    assert response.status_code == 422
    assert "Program yang sudah dipensiunkan tidak dapat diubah." in response.get_data(as_text=True)


def test_a_retired_programme_is_reactivated_after_a_confirmation(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    programme_id = create_programme(app, title="Program Kembali")
    create_session(app, programme_id, status=SessionStatus.CLOSED)
    assert client.post(f"/diklat/program/{programme_id}/pensiun").status_code == 302
    page = client.get(f"/diklat/program/{programme_id}").get_data(as_text=True)
    assert 'data-testid="confirm-reactivate"' in page and "Ya, aktifkan kembali" in page
    response = client.post(f"/diklat/program/{programme_id}/aktifkan", follow_redirects=True)
    assert "aktif kembali dan dapat ditawarkan untuk angkatan baru" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(Programme, programme_id).retired
    (event,) = audit_actions(app, "training_programme.reactivated", programme_id)
    assert event.before["retired_at"] and not event.after["retired_at"]
    active_tab = client.get("/diklat/program").get_data(as_text=True)
    assert f'data-programme="{programme_id}"' in active_tab
    page = client.get(f"/diklat/program/{programme_id}").get_data(as_text=True)
    assert 'data-testid="confirm-reactivate"' not in page and 'data-testid="confirm-retire"' in page
    # Reactivating an active programme: refused with a message, nothing recorded.
    response = client.post(f"/diklat/program/{programme_id}/aktifkan", follow_redirects=True)
    assert "Program ini masih aktif." in response.get_data(as_text=True)
    assert len(audit_actions(app, "training_programme.reactivated", programme_id)) == 1


def test_reactivation_needs_an_active_provider_and_the_providers_officer(app, ctx):
    programme_id = create_programme(app, provider="BBPPKS-PADANG")
    officer_ref = create_user(app, Role.TRAINING_OFFICER, provider_code="BBPPKS-PADANG")
    stranger_ref = create_user(app, Role.TRAINING_OFFICER)
    officer, stranger = db.session.get(User, officer_ref.id), db.session.get(User, stranger_ref.id)
    programme = db.session.get(Programme, programme_id)
    services.retire_programme(programme, officer)
    with pytest.raises(PermissionDenied):
        services.reactivate_programme(programme, stranger)
    db.session.get(TrainingProvider, "BBPPKS-PADANG").active = False
    with pytest.raises(TrainingError, match="Penyelenggara program ini tidak aktif"):
        services.reactivate_programme(programme, officer)
    assert programme.retired


def test_subtype_choices_follow_the_registration_subtypes(ctx):
    peksos = dict(targets.subtype_choices("PEKSOS"))
    assert "GENERALIS" in peksos and "SPESIALIS:MEDIS" in peksos and "SPESIALIS" not in peksos
    assert "ASISTEN:MEDIS" not in peksos
    tks = dict(targets.subtype_choices("TKS"))
    assert "ASN" in tks and "MASYARAKAT:PKH" in tks
    assert (
        tks["MASYARAKAT:PKH"]
        == "Masyarakat (Pendamping Sosial) — Pendamping Sosial Program Keluarga Harapan (PKH)"
    )
    assert services.parse_competency_units(" a.1 ;b-2\n\n,A.1") == ["A.1", "B-2"]
    with pytest.raises(TrainingError):
        services.parse_competency_units("ÜNIT")


# --- Provider scoping ------------------------------------------------------------------------------


def test_another_providers_programme_and_session_answer_404_and_are_audited(app, client, logged_in):
    officer = logged_in(Role.TRAINING_OFFICER)
    programme = create_programme(app, provider=JAKARTA)
    session = create_session(app, programme)
    urls = [
        ("GET", f"/diklat/program/{programme}"),
        ("POST", f"/diklat/program/{programme}/pensiun"),
        ("POST", f"/diklat/program/{programme}/hapus"),
        ("GET", f"/diklat/angkatan/{session}"),
        ("GET", f"/diklat/angkatan/{session}/ubah"),
        ("POST", f"/diklat/angkatan/{session}/status"),
        ("POST", f"/diklat/angkatan/{session}/pengajar"),
    ]
    for method, url in urls:
        assert client.open(url, method=method, data={"action": "cancel", "reason": "x"}).status_code == 404, (
            url
        )
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.actor_id == officer.id, AuditEvent.action.like("%access_denied")
            )
        ).all()
        assert denied.count("training_programme.access_denied") == 3
        assert denied.count("training_session.access_denied") == 4
        assert db.session.get(TrainingSession, session).status == SessionStatus.OPEN
    # Listings show only the officer's provider.
    own = create_session(app, create_programme(app))
    listing = client.get("/diklat/angkatan").get_data(as_text=True)
    assert f'data-session="{own}"' in listing and f'data-session="{session}"' not in listing
    assert f'data-programme="{programme}"' not in client.get("/diklat/program").get_data(as_text=True)
    # A tampered programme id in the session form is refused without creating anything.
    response = client.post("/diklat/angkatan/baru", data=session_form(programme))
    assert response.status_code == 422
    assert "Pilih salah satu pilihan yang tersedia." in response.get_data(as_text=True)


def test_the_ministry_admin_manages_every_provider(app, client, logged_in):
    logged_in(Role.MINISTRY_ADMIN)
    session = create_session(app, create_programme(app, provider=JAKARTA))
    assert client.get(f"/diklat/angkatan/{session}").status_code == 200
    assert f'data-session="{session}"' in client.get("/diklat/angkatan").get_data(as_text=True)


# --- Sessions --------------------------------------------------------------------------------------


def test_officer_creates_a_session_which_starts_planned(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    programme = create_programme(app)
    page = client.get(f"/diklat/angkatan/baru?program={programme}").get_data(as_text=True)
    assert f'<option selected value="{programme}">' in page or f'value="{programme}" selected' in page
    response = client.post("/diklat/angkatan/baru", data=session_form(programme))
    assert response.status_code == 302, response.get_data(as_text=True)
    session_id = int(response.location.rsplit("/", 1)[1])
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        assert session.status == SessionStatus.PLANNED and session.provider_code == "BBPPKS-BANDUNG"
        assert (session.province_code, session.regency_code, session.capacity) == ("32", "32.17", 30)
        assert [e.to_status for e in session.events] == [SessionStatus.PLANNED]
    assert audit_actions(app, "training_session.created", session_id)
    page = client.get(f"/diklat/angkatan/{session_id}").get_data(as_text=True)
    assert 'data-testid="timeline"' in page and "Direncanakan" in page and "Staf training_officer" in page
    assert 'aria-current="page"' in page and "Ringkasan" in page  # the shared tabs
    assert 'data-testid="confirm-open"' in page and 'data-testid="confirm-cancel"' in page
    assert "Tutup" not in page.split('id="status"')[1].split("</section>")[0]  # closing is not offered here


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_on": "+29"}, "ends_on", "Tanggal selesai tidak boleh sebelum tanggal mulai."),
        ({"starts_on": "-1", "ends_on": "+3"}, "starts_on", "Tanggal mulai tidak boleh sebelum hari ini."),
        (
            {"enrolment_closes_on": "+31"},
            "enrolment_closes_on",
            "Pendaftaran harus ditutup paling lambat pada tanggal mulai.",
        ),
        (
            {"enrolment_opens_on": "+25"},
            "enrolment_closes_on",
            "Pendaftaran tidak boleh ditutup sebelum dibuka.",
        ),
        (
            {"enrolment_opens_on": "+40"},
            "enrolment_opens_on",
            "Pendaftaran harus dibuka sebelum tanggal mulai.",
        ),
        ({"ends_on": "+500"}, "ends_on", "Satu angkatan paling lama 366 hari."),
        (
            {"starts_on": "+2000", "ends_on": "+2001"},
            "starts_on",
            "Tanggal mulai paling lambat 3 tahun dari sekarang.",
        ),
        ({"capacity": "0"}, "capacity", "Isi kapasitas dengan bilangan bulat 1 sampai 10000."),
        ({"capacity": "tiga puluh"}, "capacity", "Isi dengan bilangan bulat, misalnya 40."),
        ({"venue": ""}, "venue", "Tempat wajib diisi untuk diklat tatap muka atau campuran."),
        ({"region_code-1": "", "region_code-2": ""}, "region_code", "Pilih wilayah tempat diklat"),
        ({"region_code-2": "33.74"}, "region_code", "Pilihan wilayah tidak saling sesuai."),
        ({"mode": "hibrida"}, "mode", "Pilih salah satu pilihan yang tersedia."),
        ({"starts_on": "31-12-2027"}, "starts_on", "Tanggal tidak valid. Gunakan format TTTT-BB-HH."),
        ({"signatory_name": ""}, "signatory_name", "Wajib diisi."),
        ({"name": "A" * 121}, "name", "Maksimal 120 karakter."),
        ({"name": "Angkatan\x00I"}, "name", "Isian berisi karakter yang tidak diizinkan."),
    ],
)
def test_session_bad_input_is_refused_beside_its_field(app, client, logged_in, overrides, field, message):
    logged_in(Role.TRAINING_OFFICER)
    programme = create_programme(app)
    today = local_today()
    values = {
        k: (today + timedelta(days=int(v))).isoformat() if k.endswith("_on") and v[:1] in "+-" else v
        for k, v in overrides.items()
    }
    response = client.post("/diklat/angkatan/baru", data=session_form(programme, **values))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'href="#{field}' in html or f'href="#{field}-' in html or field == "region_code"
    # Nothing typed is lost.
    assert 'value="Dr. Sri Wahyuni, M.Si."' in html or field == "signatory_name"
    assert 'value="Jl. Raya Lembang No. 100"' in html or field == "venue"
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(TrainingSession.programme_id == programme)) == 0


def test_an_online_session_needs_no_venue_or_region(app, ctx, make_user):
    officer = make_user(Role.TRAINING_OFFICER)
    programme = create_programme(app)
    session = services.create_session(
        session_data(programme, mode="online", venue="", region_code=None), user_of(officer)
    )
    assert session.region_code is None and session.province_code is None


def test_retired_programmes_are_not_offered_for_new_sessions(app, client, logged_in):
    officer = logged_in(Role.TRAINING_OFFICER)
    retired = create_programme(app, title="Program Lama")
    active = create_programme(app, title="Program Baru")
    with app.app_context():
        db.session.get(Programme, retired).retired_at = db.func.now()
        db.session.commit()
    page = client.get("/diklat/angkatan/baru").get_data(as_text=True)
    assert "Program Baru" in page and "Program Lama" not in page
    response = client.post("/diklat/angkatan/baru", data=session_form(retired))
    assert response.status_code == 422
    with app.app_context():
        with pytest.raises(TrainingError) as refused:
            services.create_session(session_data(retired), user_of(officer))
        assert refused.value.errors["programme_id"][0] == (
            "Program ini sudah dipensiunkan; pilih program yang masih aktif."
        )
        assert services.create_session(session_data(active), user_of(officer)).programme_id == active


def test_capacity_is_never_set_below_the_seats_taken(app, client, logged_in):
    officer = logged_in(Role.TRAINING_OFFICER)
    programme = create_programme(app)
    session_id = create_session(app, programme, capacity=3)
    for _ in range(2):
        person, registration = create_verified_person(app)
        create_enrolment(app, session_id, person, registration)
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        form = session_form(
            programme,
            capacity="1",
            starts_on=session.starts_on.isoformat(),
            ends_on=session.ends_on.isoformat(),
            enrolment_opens_on=session.enrolment_opens_on.isoformat(),
            enrolment_closes_on=session.enrolment_closes_on.isoformat(),
        )
    response = client.post(f"/diklat/angkatan/{session_id}/ubah", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kapasitas tidak boleh kurang dari jumlah peserta yang sudah diterima (2)." in html
    assert 'value="1"' in html
    # Programme changes are refused once people applied.
    other = create_programme(app)
    response = client.post(
        f"/diklat/angkatan/{session_id}/ubah", data={**form, "capacity": "2", "programme_id": str(other)}
    )
    assert "Program tidak dapat diganti karena sudah ada peserta yang mendaftar." in response.get_data(
        as_text=True
    )
    assert (
        client.post(f"/diklat/angkatan/{session_id}/ubah", data={**form, "capacity": "2"}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(TrainingSession, session_id).capacity == 2
        with pytest.raises(TrainingError):
            services.update_session(
                db.session.get(TrainingSession, session_id),
                session_data(
                    programme,
                    capacity=1,
                    starts_on=session.starts_on,
                    ends_on=session.ends_on,
                    enrolment_opens_on=session.enrolment_opens_on,
                    enrolment_closes_on=session.enrolment_closes_on,
                ),
                user_of(officer),
            )
    assert audit_actions(app, "training_session.updated", session_id)


def test_an_open_session_keeps_past_dates_it_already_had(app, ctx, make_user):
    """Editing an open session whose enrolment opened days ago does not trip "not before today"."""
    officer_ref = make_user(Role.TRAINING_OFFICER)
    programme = create_programme(app)
    session_id = create_session(app, programme, capacity=10)
    officer, session = user_of(officer_ref), db.session.get(TrainingSession, session_id)
    data = session_data(
        programme,
        starts_on=session.starts_on,
        ends_on=session.ends_on,
        enrolment_opens_on=session.enrolment_opens_on,
        enrolment_closes_on=session.enrolment_closes_on,
        capacity=12,
    )
    services.update_session(session, data, officer)
    assert session.capacity == 12 and session.enrolment_opens_on < local_today()


def test_a_running_session_is_not_edited(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    programme = create_programme(app)
    session_id = create_session(app, programme, status=SessionStatus.RUNNING, starts_on=local_today())
    response = client.post(f"/diklat/angkatan/{session_id}/ubah", data=session_form(programme))
    assert response.status_code == 422
    assert "Angkatan berstatus Berlangsung tidak dapat diubah lagi." in response.get_data(as_text=True)
    assert "Ubah angkatan</a>" not in client.get(f"/diklat/angkatan/{session_id}").get_data(as_text=True)
    response = client.get(f"/diklat/angkatan/{session_id}/ubah", follow_redirects=True)
    assert "Angkatan berstatus Berlangsung tidak dapat diubah lagi." in response.get_data(as_text=True)


def test_session_list_tabs_newest_first(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    programme = create_programme(app)
    today = local_today()
    early = create_session(app, programme, starts_on=today + timedelta(days=10))
    late = create_session(app, programme, starts_on=today + timedelta(days=40), status=SessionStatus.PLANNED)
    cancelled = create_session(app, programme, status=SessionStatus.CANCELLED)
    listing = client.get("/diklat/angkatan").get_data(as_text=True)
    assert listing.index(f'data-session="{late}"') < listing.index(f'data-session="{early}"')
    planned = client.get("/diklat/angkatan?status=direncanakan").get_data(as_text=True)
    assert f'data-session="{late}"' in planned and f'data-session="{early}"' not in planned
    assert f'data-session="{cancelled}"' in client.get("/diklat/angkatan?status=dibatalkan").get_data(
        as_text=True
    )
    assert client.get("/diklat/angkatan?status=%27x").status_code == 200


# --- Lifecycle actions -----------------------------------------------------------------------------


def test_open_start_and_illegal_actions(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    programme = create_programme(app)
    future = create_session(app, programme, status=SessionStatus.PLANNED)
    assert client.post(f"/diklat/angkatan/{future}/status", data={"action": "open"}).status_code == 302
    # Opening twice: the lifecycle refuses, with its message.
    response = client.post(f"/diklat/angkatan/{future}/status", data={"action": "open"})
    assert response.status_code == 409
    assert "Data ini sudah berstatus Pendaftaran dibuka; tindakan itu tidak dapat dilakukan." in (
        response.get_data(as_text=True)
    )
    # Not started before its start date.
    response = client.post(f"/diklat/angkatan/{future}/status", data={"action": "start"})
    assert "Angkatan baru dapat dimulai pada tanggal mulainya" in response.get_data(as_text=True)
    page = client.get(f"/diklat/angkatan/{future}").get_data(as_text=True)
    assert 'data-testid="start-blocked"' in page and 'data-testid="confirm-start"' not in page
    # Closing belongs to the completion; unknown actions are bad requests.
    for action in ("close", "hapus", ""):
        assert client.post(f"/diklat/angkatan/{future}/status", data={"action": action}).status_code == 400
    today_session = create_session(app, programme, starts_on=local_today())
    assert (
        client.post(f"/diklat/angkatan/{today_session}/status", data={"action": "start"}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(TrainingSession, future).status == SessionStatus.OPEN
        started = db.session.get(TrainingSession, today_session)
        assert started.status == SessionStatus.RUNNING
        assert [e.to_status for e in started.events][-1] == SessionStatus.RUNNING
    assert audit_actions(app, "training_session.open", future)
    assert audit_actions(app, "training_session.start", today_session)
    page = client.get(f"/diklat/angkatan/{today_session}").get_data(as_text=True)
    assert 'data-testid="confirm-start"' not in page and 'data-testid="confirm-cancel"' in page


def test_opening_after_the_enrolment_window_is_refused(app, ctx, make_user):
    officer_ref = make_user(Role.TRAINING_OFFICER)
    other_ref = create_user(app, Role.TRAINING_OFFICER, provider_code=JAKARTA)
    session_id = create_session(app, create_programme(app), status=SessionStatus.PLANNED)
    officer, other, session = (
        user_of(officer_ref),
        user_of(other_ref),
        db.session.get(TrainingSession, session_id),
    )
    too_late = session.enrolment_closes_on + timedelta(days=1)
    with pytest.raises(TrainingError, match="Masa pendaftaran angkatan ini sudah berakhir"):
        services.act_on_session(session, SessionAction.OPEN, officer, today=too_late)
    with pytest.raises(PermissionDenied):
        services.act_on_session(session, SessionAction.OPEN, other)
    assert session.status == SessionStatus.PLANNED
    services.act_on_session(session, SessionAction.OPEN, officer)
    assert session.status == SessionStatus.OPEN


def test_cancel_needs_a_reason_and_emails_everyone_enrolled(app, client, logged_in, outbox):
    logged_in(Role.TRAINING_OFFICER)
    session_id = create_session(app, create_programme(app, title="Pelatihan Tagana"))
    people = {}
    for status in (
        EnrolmentStatus.APPLIED,
        EnrolmentStatus.ACCEPTED,
        EnrolmentStatus.WAIT_LISTED,
        EnrolmentStatus.REJECTED,
        EnrolmentStatus.WITHDRAWN,
    ):
        person, registration = create_verified_person(app, full_name=f"Peserta {status}")
        create_enrolment(app, session_id, person, registration, status=status)
        people[status] = person
    response = client.post(f"/diklat/angkatan/{session_id}/status", data={"action": "cancel", "reason": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Mohon tuliskan alasannya." in html
    assert "open" in html.split('data-testid="confirm-cancel"')[1][:20]  # the panel stays open
    with app.app_context():
        assert db.session.get(TrainingSession, session_id).status == SessionStatus.OPEN
    cancellations = lambda: [m for m in outbox.messages() if m["Subject"].startswith("Diklat dibatalkan")]  # noqa: E731
    assert cancellations() == []

    reason = "Gedung diklat digunakan untuk penanganan bencana."
    response = client.post(
        f"/diklat/angkatan/{session_id}/status", data={"action": "cancel", "reason": reason}
    )
    assert response.status_code == 302
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        assert session.status == SessionStatus.CANCELLED
        assert session.events[-1].reason == reason
        statuses = {
            e.person_id: e.status
            for e in db.session.scalars(select(Enrolment).where(Enrolment.session_id == session_id))
        }
        # Nothing else is marked: the enrolments keep their statuses.
        assert statuses == {person: status for status, person in people.items()}
        from app.people.models import Person

        addresses = {status: db.session.get(Person, pid).email for status, pid in people.items()}
    messages = cancellations()
    assert sorted(m["To"] for m in messages) == sorted(
        addresses[s] for s in (EnrolmentStatus.APPLIED, EnrolmentStatus.ACCEPTED, EnrolmentStatus.WAIT_LISTED)
    )
    body = outbox.body(outbox.last_to(addresses[EnrolmentStatus.ACCEPTED]))
    assert body.startswith("Yth. Peserta accepted,")
    assert "Pelatihan Tagana" in body and reason in body and "/diklat" in body
    assert "Diklat dibatalkan" in messages[0]["Subject"]
    assert audit_actions(app, "training_session.cancel", session_id)
    page = client.get(f"/diklat/angkatan/{session_id}").get_data(as_text=True)
    assert reason in page and '<section class="mb-4 border rounded p-3" id="status">' not in page


# --- Facilitators ------------------------------------------------------------------------------------


def test_facilitators_with_an_account_or_from_outside(app, client, logged_in):
    logged_in(Role.TRAINING_OFFICER)
    teacher = create_user(app, Role.APPLICANT)
    session_id = create_session(app, create_programme(app), status=SessionStatus.PLANNED)
    url = f"/diklat/angkatan/{session_id}/pengajar"
    response = client.post(
        url, data={"kind": "akun", "email": teacher.email.upper(), "subject": "Asesmen sosial"}
    )
    assert response.status_code == 302
    # Bad input: an unknown e-mail, the same person twice, an outsider without institution.
    bad = [
        (
            {"kind": "akun", "email": "tidak.ada@uji.example.id", "subject": "Etika"},
            "Tidak ada akun dengan alamat surel ini.",
        ),
        ({"kind": "akun", "email": teacher.email, "subject": "Etika"}, "sudah tercatat sebagai pengajar"),
        ({"kind": "akun", "email": "bukan-email", "subject": "Etika"}, "Alamat surel tidak valid."),
        (
            {"kind": "luar", "name": "Drs. Bambang", "institution": "", "subject": "Etika"},
            "Instansi pengajar wajib diisi.",
        ),
        (
            {"kind": "luar", "name": "", "institution": "UNPAD", "subject": "Etika"},
            "Nama pengajar wajib diisi.",
        ),
        ({"kind": "luar", "name": "Drs. Bambang", "institution": "UNPAD", "subject": ""}, "Wajib diisi."),
        (
            {"kind": "lain", "name": "Drs. Bambang", "subject": "Etika"},
            "Pilih salah satu pilihan yang tersedia.",
        ),
    ]
    for data, message in bad:
        response = client.post(url, data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert message in html, data
        assert 'data-testid="error-summary"' in html
        assert "Etika" in html or not data.get("subject")  # kept
    response = client.post(
        url, data={"kind": "luar", "name": "Drs. Bambang", "institution": "UNPAD", "subject": "Etika"}
    )
    assert response.status_code == 302
    with app.app_context():
        facilitators = db.session.scalars(
            select(Facilitator).where(Facilitator.session_id == session_id).order_by(Facilitator.id)
        ).all()
        assert [(f.person_id is not None, f.display_name, f.subject) for f in facilitators] == [
            (True, "Staf applicant" if False else facilitators[0].person.full_name, "Asesmen sosial"),
            (False, "Drs. Bambang", "Etika"),
        ]
        outsider = facilitators[1].id
    assert audit_actions(app, "training_session.facilitator_added", session_id)
    assert client.post(f"/diklat/angkatan/{session_id}/pengajar/{outsider}/hapus").status_code == 302
    with app.app_context():
        assert db.session.get(Facilitator, outsider) is None
    assert audit_actions(app, "training_session.facilitator_removed", session_id)


def test_facilitators_stay_once_the_session_started(app, client, logged_in):
    officer = logged_in(Role.TRAINING_OFFICER)
    session_id = create_session(
        app, create_programme(app), status=SessionStatus.RUNNING, starts_on=local_today()
    )
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        facilitator = services.add_facilitator(
            session, actor=user_of(officer), subject="Etika", name="Drs. Bambang", institution="UNPAD"
        )
        db.session.commit()
        facilitator_id = facilitator.id
    client.post(f"/diklat/angkatan/{session_id}/pengajar/{facilitator_id}/hapus")
    with app.app_context():
        assert db.session.get(Facilitator, facilitator_id) is not None
    page = client.get(f"/diklat/angkatan/{session_id}").get_data(as_text=True)
    assert "Drs. Bambang" in page and f"pengajar/{facilitator_id}/hapus" not in page
    other = create_session(app, create_programme(app))
    assert client.post(f"/diklat/angkatan/{other}/pengajar/{facilitator_id}/hapus").status_code == 404


# --- Public catalogue -------------------------------------------------------------------------------


def test_public_catalogue_needs_no_login_and_filters_by_category_and_province(app, client):
    relawan = create_programme(app, title="Diklat Relawan", categories=("RELAWAN",))
    penyuluh = create_programme(app, title="Diklat Penyuluh", categories=("PENYULUH",))
    west_java = create_session(app, relawan, region="32.04")
    central_java = create_session(app, penyuluh, region="33.74")
    planned = create_session(app, relawan, status=SessionStatus.PLANNED)
    with app.app_context():
        closed_window = db.session.get(TrainingSession, create_session(app, relawan))
        closed_window.enrolment_closes_on = local_today() - timedelta(days=1)
        closed_window.enrolment_opens_on = local_today() - timedelta(days=5)
        db.session.commit()
        closed_window = closed_window.id
    response = client.get("/diklat")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-session="{west_java}"' in html and f'data-session="{central_java}"' in html
    assert f'data-session="{planned}"' not in html and f'data-session="{closed_window}"' not in html
    html = client.get("/diklat?kategori=RELAWAN").get_data(as_text=True)
    assert f'data-session="{west_java}"' in html and f'data-session="{central_java}"' not in html
    assert '<option value="RELAWAN" selected>' in html
    html = client.get("/diklat?provinsi=33").get_data(as_text=True)
    assert f'data-session="{west_java}"' not in html and f'data-session="{central_java}"' in html
    html = client.get("/diklat?provinsi=33&kategori=RELAWAN").get_data(as_text=True)
    assert 'data-testid="no-sessions"' in html
    # Unknown filters are ignored rather than failing.
    assert client.get("/diklat?provinsi=99&kategori=%27").status_code == 200
    assert client.get("/diklat?setelah=rusak~x").status_code == 200


def test_public_catalogue_pages_keep_the_filters(app, client, monkeypatch):
    from app.training.catalogue import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 1)
    programme = create_programme(app)
    first = create_session(app, programme, starts_on=local_today() + timedelta(days=10))
    second = create_session(app, programme, starts_on=local_today() + timedelta(days=11))
    html = client.get("/diklat?kategori=RELAWAN").get_data(as_text=True)
    assert f'data-session="{first}"' in html and f'data-session="{second}"' not in html
    next_link = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "kategori=RELAWAN" in next_link
    html = client.get(next_link).get_data(as_text=True)
    assert f'data-session="{second}"' in html


def test_public_session_page_shows_the_session_and_no_personal_data(app, client):
    programme = create_programme(app, title="Pelatihan Tagana", jp=40, categories=("RELAWAN", "TKS"))
    session_id = create_session(app, programme, capacity=20)
    person, registration = create_verified_person(app, full_name="Siti Rahmawati Peserta")
    create_enrolment(app, session_id, person, registration)
    response = client.get(f"/diklat/jadwal/{session_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pelatihan Tagana" in html and "40 JP (30 jam)" in html
    assert "19 dari 20" in html and "Relawan Sosial" in html and "Tenaga Kesejahteraan Sosial" in html
    assert "BBPPKS" in html and "Tatap muka" in html
    assert "Siti Rahmawati" not in html
    planned = create_session(app, programme, status=SessionStatus.PLANNED)
    assert client.get(f"/diklat/jadwal/{planned}").status_code == 404
    assert client.get("/diklat/jadwal/999999").status_code == 404


def test_the_apply_button_appears_once_the_enrolment_form_exists(app, client):
    session_id = create_session(app, create_programme(app))
    html = client.get(f"/diklat/jadwal/{session_id}").get_data(as_text=True)
    if "enrolment.apply" not in app.view_functions:
        assert 'data-testid="apply"' not in html
    else:
        assert 'data-testid="apply"' in html and "/akun/masuk?next=" in html
    cancelled = create_session(app, create_programme(app), status=SessionStatus.CANCELLED)
    html = client.get(f"/diklat/jadwal/{cancelled}").get_data(as_text=True)
    assert 'data-testid="apply"' not in html and 'data-testid="not-open"' in html


def test_the_apply_url_helper(app, monkeypatch):
    """The "Daftar" link: only once enrolment.apply exists; visitors go through the login page."""
    from app.training.catalogue import routes

    session_id = create_session(app, create_programme(app))
    fake_urls = {"enrolment.apply": "/daftar/{session_id}", "accounts.login": "/akun/masuk?next={next}"}
    with app.test_request_context():
        session = db.session.get(TrainingSession, session_id)
        if "enrolment.apply" not in app.view_functions:
            assert routes.apply_url(session) is None
        monkeypatch.setitem(app.view_functions, "enrolment.apply", lambda session_id: "")
        monkeypatch.setattr(
            routes, "url_for", lambda endpoint, **values: fake_urls[endpoint].format(**values)
        )
        assert routes.apply_url(session) == f"/akun/masuk?next=/daftar/{session_id}"


def test_the_home_page_links_the_public_catalogue(client):
    assert 'href="/diklat"' in client.get("/").get_data(as_text=True)
