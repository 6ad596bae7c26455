"""Candidacy pages: applying, the workspace (APL.01, APL.02, portfolio with one submission for all
files, the checklist and its warning, submit and withdraw with confirmation), the candidate's list
with its timeline and result, nominations and the officer's list; another person's candidacy by URL
is a 404 with an audit entry."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from app.certification.models import Candidacy, Decision, Decree
from app.certification.states import CandidacyStatus, Verdict
from app.core.audit import AuditEvent
from app.core.models import utcnow
from app.core.roles import Role
from app.documents.models import Document
from app.extensions import db
from app.people.models import Person
from tests.certification_factories import create_candidacy, create_exam_session, create_scheme
from tests.factories import VILLAGE_SEMARANG, create_user, login, new_nik, sample_file
from tests.training_factories import create_verified_person


@pytest.fixture
def scheme(app):
    return create_scheme(
        app, name="Skema Relawan Sosial Dasar", min_training_jp=60, required_documents=["SURAT_PENGALAMAN"]
    )


@pytest.fixture
def open_session(app, scheme):
    return create_exam_session(app, scheme[1])


def _applicant(app, client=None, **person):
    user = create_user(app, Role.APPLICANT)
    person_id, registration_id = create_verified_person(app, user_id=user.id, **person)
    if client is not None:
        login(client, user)
    return user, person_id, registration_id


def _draft(app, client, open_session, scheme):
    user, person_id, registration_id = _applicant(app, client)
    response = client.post(
        f"/sertifikasi/asesi/daftar/{open_session}",
        data={"version_id": scheme[1], "purpose": "first", "declared_months": "30", "summary": "Pendamping."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    candidacy_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    return user, person_id, candidacy_id


def _units(app, candidacy_id):
    with app.app_context():
        return [u.id for u in db.session.get(Candidacy, candidacy_id).version.units]


def _denied(app, candidacy_id):
    with app.app_context():
        return db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "candidacy.access_denied", AuditEvent.object_id == str(candidacy_id)
            )
        )


# --- Applying ------------------------------------------------------------------------------------


def test_an_applicant_applies_through_the_page(app, client, open_session, scheme):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    html = client.get(f"/sertifikasi/asesi/{candidacy_id}").get_data(as_text=True)
    assert "Skema Relawan Sosial Dasar" in html and "Belum dikirim" in html
    assert "JP pelatihan: 0 dari 60" in html
    assert "Beberapa persyaratan belum terpenuhi" in html  # the warning, to the person who can fix it
    assert "Belum dapat dikirim" in html and "3 unit belum dijawab" in html


def test_the_apply_page_offers_the_only_version_and_refuses_bad_input(app, client, open_session, scheme):
    _applicant(app, client)
    page = client.get(f"/sertifikasi/asesi/daftar/{open_session}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Skema Relawan Sosial Dasar" in html and "checked" in html
    response = client.post(
        f"/sertifikasi/asesi/daftar/{open_session}",
        data={
            "version_id": scheme[1],
            "purpose": "first",
            "declared_months": "dua tahun",
            "summary": "Tetap",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Isi dengan bilangan bulat, mis. 24." in html and "Tetap" in html
    response = client.post(
        f"/sertifikasi/asesi/daftar/{open_session}",
        data={"version_id": scheme[1], "purpose": "first", "declared_months": "700"},
    )
    assert response.status_code == 422 and "Isi angka 0 sampai 600." in response.get_data(as_text=True)
    response = client.post(f"/sertifikasi/asesi/daftar/{open_session}", data={"version_id": scheme[1]})
    assert response.status_code == 422 and "Wajib diisi." in response.get_data(as_text=True)


def test_the_apply_page_says_why_a_session_takes_no_application(app, client, scheme):
    from app.certification.states import SessionStatus

    session_id = create_exam_session(app, scheme[1], status=SessionStatus.PLANNED)
    _applicant(app, client)
    html = client.get(f"/sertifikasi/asesi/daftar/{session_id}").get_data(as_text=True)
    assert "tidak sedang dibuka" in html and "disabled" in html
    assert client.get("/sertifikasi/asesi/daftar/999999").status_code == 404


def test_applying_twice_says_so(app, client, open_session, scheme):
    _draft_user, _person_id, _candidacy_id = _draft(app, client, open_session, scheme)
    response = client.post(
        f"/sertifikasi/asesi/daftar/{open_session}", data={"version_id": scheme[1], "purpose": "first"}
    )
    assert response.status_code == 422
    assert "Anda sudah mendaftar pada jadwal uji dan skema ini" in response.get_data(as_text=True)


# --- The workspace --------------------------------------------------------------------------------


def test_the_self_assessment_is_saved_and_bad_answers_keep_what_was_typed(app, client, open_session, scheme):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    first, second, third = _units(app, candidacy_id)
    response = client.post(
        f"/sertifikasi/asesi/{candidacy_id}/apl-02",
        data={
            f"verdict-{first}": "K",
            f"notes-{first}": "Laporan kasus",
            f"notes-{second}": "Bukti tanpa jawaban",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Pilih Kompeten atau Belum kompeten untuk unit ini." in html
    assert "Laporan kasus" in html and "Bukti tanpa jawaban" in html
    with app.app_context():
        assert db.session.get(Candidacy, candidacy_id).self_assessments == []
    response = client.post(
        f"/sertifikasi/asesi/{candidacy_id}/apl-02",
        data={f"verdict-{first}": "K", f"verdict-{second}": "BK", f"verdict-{third}": "K"},
        follow_redirects=True,
    )
    assert "Asesmen mandiri (APL.02) disimpan: 3 dari 3 unit." in response.get_data(as_text=True)


def test_the_application_data_is_edited_and_bad_input_refused(app, client, open_session, scheme):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    response = client.post(
        f"/sertifikasi/asesi/{candidacy_id}/apl-01",
        data={"purpose": "first", "declared_months": "-3", "declared_hours": "1400"},
    )
    assert response.status_code == 422 and "Isi angka 0 sampai 600." in response.get_data(as_text=True)
    response = client.post(
        f"/sertifikasi/asesi/{candidacy_id}/apl-01",
        data={"purpose": "first", "declared_months": "36", "declared_hours": "1400"},
    )
    assert response.status_code == 302
    with app.app_context():
        candidacy = db.session.get(Candidacy, candidacy_id)
        assert (candidacy.declared_experience_months, candidacy.declared_practice_hours) == (36, 1400)


def test_all_portfolio_files_come_in_one_submission_and_a_bad_one_does_not_lose_the_good(
    app, client, open_session, scheme
):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    response = client.post(
        f"/sertifikasi/asesi/{candidacy_id}/portofolio",
        data={
            "file-SURAT_PENGALAMAN": (io.BytesIO(sample_file("pdf")), "surat.pdf"),
            "file-PORTOFOLIO": [
                (io.BytesIO(sample_file("png")), "laporan.png"),
                (io.BytesIO(b"ini bukan berkas yang sah"), "rusak.png"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Berkas diunggah: surat.pdf, laporan.png." in html and "rusak.png:" in html
    with app.app_context():
        names = sorted(d.original_name for d in db.session.get(Candidacy, candidacy_id).documents)
    assert names == ["laporan.png", "surat.pdf"]
    assert "Dokumen wajib: 1 dari 1 lengkap" in client.get(f"/sertifikasi/asesi/{candidacy_id}").get_data(
        as_text=True
    )
    # Nothing chosen: said at the top, nothing changes.
    response = client.post(f"/sertifikasi/asesi/{candidacy_id}/portofolio", data={})
    assert response.status_code == 422 and "Pilih sekurang-kurangnya satu berkas" in response.get_data(
        as_text=True
    )


def test_only_bad_files_answer_422_and_store_nothing(app, client, open_session, scheme):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    response = client.post(
        f"/sertifikasi/asesi/{candidacy_id}/portofolio",
        data={"file-PORTOFOLIO": (io.BytesIO(b"%PDF-bukan"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Tidak ada berkas yang diunggah" in response.get_data(as_text=True)


def test_an_upload_over_the_request_limit_returns_to_the_portfolio(app, client, open_session, scheme):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        f"/sertifikasi/asesi/{candidacy_id}/portofolio",
        data={"file-PORTOFOLIO": (io.BytesIO(b"0" * (limit + 1)), "besar.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("berkas=terlalu-besar#portofolio")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Berkas terlalu besar dan tidak diunggah" in html


def test_the_candidate_downloads_and_deletes_a_portfolio_file(app, client, open_session, scheme):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    client.post(
        f"/sertifikasi/asesi/{candidacy_id}/portofolio",
        data={"file-PORTOFOLIO": (io.BytesIO(sample_file("png")), "laporan.png")},
        content_type="multipart/form-data",
    )
    with app.app_context():
        document_id = db.session.get(Candidacy, candidacy_id).documents[0].id
    download = client.get(f"/sertifikasi/asesi/{candidacy_id}/portofolio/{document_id}/unduh")
    assert download.status_code == 200 and download.data.startswith(b"\x89PNG")
    response = client.post(f"/sertifikasi/asesi/{candidacy_id}/portofolio/{document_id}/hapus")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Document, document_id) is None


def _complete(app, client, candidacy_id):
    units = _units(app, candidacy_id)
    client.post(f"/sertifikasi/asesi/{candidacy_id}/apl-02", data={f"verdict-{u}": "K" for u in units})
    client.post(
        f"/sertifikasi/asesi/{candidacy_id}/portofolio",
        data={"file-SURAT_PENGALAMAN": (io.BytesIO(sample_file("png")), "surat.png")},
        content_type="multipart/form-data",
    )


def test_submitting_through_the_page_with_a_failed_rule_warns_and_locks(app, client, open_session, scheme):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    refused = client.post(f"/sertifikasi/asesi/{candidacy_id}/kirim", follow_redirects=True)
    assert "3 unit belum dijawab" in refused.get_data(as_text=True)
    _complete(app, client, candidacy_id)
    html = client.get(f"/sertifikasi/asesi/{candidacy_id}").get_data(as_text=True)
    assert (
        'data-testid="confirm-submit"' in html and "Perhatian: ada persyaratan yang belum terpenuhi" in html
    )
    response = client.post(f"/sertifikasi/asesi/{candidacy_id}/kirim", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Beberapa persyaratan belum terpenuhi; lembaga sertifikasi akan memutuskan." in html
    assert "Menunggu pemeriksaan" in html and "JP pelatihan: 0 dari 60" in html
    detail = client.get(f"/sertifikasi/asesi/{candidacy_id}").get_data(as_text=True)
    assert 'data-testid="portfolio-form"' not in detail and 'data-testid="self-assessment-form"' not in detail
    again = client.post(f"/sertifikasi/asesi/{candidacy_id}/apl-02", data={}, follow_redirects=True)
    assert again.status_code == 422 and "tidak dapat diubah lagi" in again.get_data(as_text=True)


def test_withdrawing_through_the_page(app, client, open_session, scheme):
    _user, _person_id, candidacy_id = _draft(app, client, open_session, scheme)
    assert 'data-testid="confirm-withdraw"' in client.get(f"/sertifikasi/asesi/{candidacy_id}").get_data(
        as_text=True
    )
    response = client.post(
        f"/sertifikasi/asesi/{candidacy_id}/mundur", data={"reason": "Sakit."}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Anda telah mengundurkan diri" in html and "Mengundurkan diri" in html and "Sakit." in html
    again = client.post(f"/sertifikasi/asesi/{candidacy_id}/mundur", follow_redirects=True)
    assert "tindakan itu tidak dapat dilakukan" in again.get_data(as_text=True)


# --- Scoping --------------------------------------------------------------------------------------


def test_another_persons_candidacy_is_a_404_and_audited(app, client, open_session, scheme):
    other, other_person, other_registration = _applicant(app)
    theirs = create_candidacy(
        app, open_session, scheme[1], other_person, other_registration, status=CandidacyStatus.DRAFT
    )
    _applicant(app, client)
    for method, path in (
        ("get", ""),
        ("post", "/apl-01"),
        ("post", "/apl-02"),
        ("post", "/portofolio"),
        ("post", "/kirim"),
        ("post", "/mundur"),
        ("get", "/portofolio/1/unduh"),
        ("post", "/portofolio/1/hapus"),
    ):
        response = getattr(client, method)(f"/sertifikasi/asesi/{theirs}{path}")
        assert response.status_code == 404, path
    assert _denied(app, theirs) is not None
    with app.app_context():
        assert db.session.get(Candidacy, theirs).status == CandidacyStatus.DRAFT


def test_a_document_of_another_candidacy_is_not_reached_through_ones_own(app, client, open_session, scheme):
    other, other_person, other_registration = _applicant(app)
    theirs = create_candidacy(
        app, open_session, scheme[1], other_person, other_registration, status=CandidacyStatus.DRAFT
    )
    with app.app_context():
        from app.accounts.models import User
        from app.certification.candidacy import services

        candidacy = db.session.get(Candidacy, theirs)
        document = services.upload_evidence(
            candidacy, "PORTOFOLIO", "x.png", io.BytesIO(sample_file()), db.session.get(User, other.id)
        )
        db.session.commit()
        document_id = document.id
    _user, _person_id, mine = _draft(app, client, open_session, scheme)
    assert client.get(f"/sertifikasi/asesi/{mine}/portofolio/{document_id}/unduh").status_code == 404
    assert client.post(f"/sertifikasi/asesi/{mine}/portofolio/{document_id}/hapus").status_code == 404


def test_a_board_admin_of_the_body_downloads_the_portfolio_and_another_body_does_not(
    app, client, open_session, scheme
):
    owner, person_id, registration_id = _applicant(app)
    candidacy_id = create_candidacy(
        app, open_session, scheme[1], person_id, registration_id, status=CandidacyStatus.DRAFT
    )
    with app.app_context():
        from app.accounts.models import User
        from app.certification.candidacy import services

        document = services.upload_evidence(
            db.session.get(Candidacy, candidacy_id),
            "PORTOFOLIO",
            "x.png",
            io.BytesIO(sample_file()),
            db.session.get(User, owner.id),
        )
        db.session.commit()
        document_id = document.id
    url = f"/sertifikasi/asesi/{candidacy_id}/portofolio/{document_id}/unduh"
    login(client, create_user(app, Role.BOARD_ADMIN))
    assert client.get(url).status_code == 200
    client.post("/akun/keluar")
    login(client, create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS"))
    assert client.get(url).status_code == 404


# --- My candidacies -------------------------------------------------------------------------------


def _decide(app, candidacy_id, session_id, result, deadline):
    with app.app_context():
        candidacy = db.session.get(Candidacy, candidacy_id)
        candidacy.status = CandidacyStatus.DECIDED
        decree = Decree(body_code="LSPS", session_id=session_id, number=f"{candidacy_id}/LSPS/SK/XII/2026")
        db.session.add(decree)
        db.session.flush()
        db.session.add(
            Decision(
                candidacy_id=candidacy_id,
                decree_id=decree.id,
                round=1,
                result=result,
                decided_at=utcnow(),
                appeal_deadline=deadline,
            )
        )
        db.session.commit()
        return decree.number


def test_my_candidacies_show_the_timeline_result_decree_and_appeal_link(app, client, open_session, scheme):
    from app.core.models import local_today

    user, person_id, registration_id = _applicant(app, client)
    decided = create_candidacy(app, open_session, scheme[1], person_id, registration_id)
    number = _decide(app, decided, open_session, Verdict.BK, local_today() + timedelta(days=3))
    html = client.get("/sertifikasi/asesi/saya").get_data(as_text=True)
    assert "Belum Kompeten" in html and number in html
    assert f'href="/sertifikasi/banding/ajukan/{decided}"' in html and "Ajukan banding" in html
    assert 'data-testid="timeline"' in html
    with app.app_context():
        db.session.get(Candidacy, decided).decision.appeal_deadline = local_today() - timedelta(days=1)
        db.session.commit()
    html = client.get("/sertifikasi/asesi/saya").get_data(as_text=True)
    assert number in html and "Ajukan banding" not in html


def test_my_candidacies_lists_only_mine_and_says_when_empty(app, client, open_session, scheme):
    _other, other_person, other_registration = _applicant(app, full_name="Orang Lain Sekali")
    create_candidacy(
        app, open_session, scheme[1], other_person, other_registration, status=CandidacyStatus.DRAFT
    )
    _applicant(app, client)
    html = client.get("/sertifikasi/asesi/saya").get_data(as_text=True)
    assert "Anda belum mendaftar uji kompetensi apa pun." in html
    assert "Uji kompetensi saya" in client.get("/dasbor").get_data(as_text=True)  # the menu entry


# --- Nominations and the officer's list ---------------------------------------------------------


def test_the_officer_searches_their_jurisdiction_and_nominates(app, client, open_session, scheme, outbox):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _p, bandung_registration = create_verified_person(app, full_name="Ratna Sari Bandung")
    create_verified_person(app, full_name="Ratna Sari Semarang", region="33.74", village=VILLAGE_SEMARANG)
    login(client, officer)
    html = client.get(f"/sertifikasi/asesi/usulan?jadwal={open_session}&q=ratna").get_data(as_text=True)
    assert "Ratna Sari Bandung" in html and "Ratna Sari Semarang" not in html
    assert client.get(f"/sertifikasi/asesi/usulan?jadwal={open_session}&q=ra").status_code == 422
    response = client.post(
        f"/sertifikasi/asesi/usulan/{open_session}",
        data={"registration_id": bandung_registration, "version_id": scheme[1], "q": "ratna"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Ratna Sari Bandung diusulkan" in html and "Sudah terdaftar" in html
    listing = client.get("/sertifikasi/asesi/wilayah").get_data(as_text=True)
    assert "Ratna Sari Bandung" in listing and "Diusulkan" in listing and "Belum dikirim" in listing


def test_a_nomination_posted_by_hand_for_someone_outside_is_refused(app, client, open_session, scheme):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _p, registration_id = create_verified_person(app, region="33.74", village=VILLAGE_SEMARANG)
    login(client, officer)
    response = client.post(
        f"/sertifikasi/asesi/usulan/{open_session}",
        data={"registration_id": registration_id, "version_id": scheme[1]},
        follow_redirects=True,
    )
    assert "luar wilayah kerja Anda" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(Candidacy).where(Candidacy.registration_id == registration_id)) is None
        )


def test_the_officer_list_keeps_to_the_jurisdiction_and_filters_by_status(app, client, open_session, scheme):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _u, p1, r1 = _applicant(app, full_name="Asesi Bandung Satu")
    _u, p2, r2 = _applicant(app, full_name="Asesi Semarang Dua", region="33.74", village=VILLAGE_SEMARANG)
    create_candidacy(app, open_session, scheme[1], p1, r1, status=CandidacyStatus.SUBMITTED)
    create_candidacy(app, open_session, scheme[1], p2, r2, status=CandidacyStatus.SUBMITTED)
    login(client, officer)
    html = client.get("/sertifikasi/asesi/wilayah").get_data(as_text=True)
    assert "Asesi Bandung Satu" in html and "Asesi Semarang Dua" not in html
    assert "Asesi Bandung Satu" not in client.get("/sertifikasi/asesi/wilayah?status=diterima").get_data(
        as_text=True
    )
    assert "Asesi Bandung Satu" in client.get("/sertifikasi/asesi/wilayah?status=diperiksa").get_data(
        as_text=True
    )


def test_an_assigned_assessor_downloads_the_portfolio_and_another_assessor_does_not(
    app, client, open_session, scheme
):
    from tests.certification_factories import create_assessment, create_assessor

    owner, person_id, registration_id = _applicant(app)
    candidacy_id = create_candidacy(app, open_session, scheme[1], person_id, registration_id)
    assigned, assigned_user = create_assessor(app, scheme_ids=(scheme[0],), session_id=open_session)
    _other, other_user = create_assessor(app, scheme_ids=(scheme[0],), session_id=open_session)
    create_assessment(app, candidacy_id, assigned)
    with app.app_context():
        from app.accounts.models import User
        from app.certification.candidacy import services

        candidacy = db.session.get(Candidacy, candidacy_id)
        candidacy.status = CandidacyStatus.DRAFT  # uploaded while it was editable
        document = services.upload_evidence(
            candidacy, "PORTOFOLIO", "x.png", io.BytesIO(sample_file()), db.session.get(User, owner.id)
        )
        candidacy.status = CandidacyStatus.ACCEPTED
        db.session.commit()
        document_id = document.id
        emails = {uid: db.session.get(User, uid).email for uid in (assigned_user, other_user)}
    url = f"/sertifikasi/asesi/{candidacy_id}/portofolio/{document_id}/unduh"
    login(client, emails[assigned_user])
    assert client.get(url).status_code == 200
    client.post("/akun/keluar")
    login(client, emails[other_user])
    assert client.get(url).status_code == 404


# --- The officer's read-only candidacy page -------------------------------------------------------


def _document(app, candidacy_id, purpose, name, restricted=False) -> int:
    from app.documents.models import Sensitivity

    with app.app_context():
        candidacy = db.session.get(Candidacy, candidacy_id)
        document = Document(
            candidacy_id=candidacy_id,
            purpose=purpose,
            sensitivity=Sensitivity.RESTRICTED if restricted else Sensitivity.NORMAL,
            original_name=name,
            stored_name=f"uji-{candidacy_id}-{name}",
            content_type="application/pdf",
            size=2048,
            sha256="0" * 64,
            uploaded_by_id=candidacy.person.user_id,
        )
        db.session.add(document)
        db.session.commit()
        return document.id


def test_the_officer_reads_a_candidacy_of_their_jurisdiction_from_the_list(app, client, open_session, scheme):
    from app.accounts.models import User
    from app.certification.candidacy import services
    from app.certification.models import Appeal
    from app.certification.states import AppealGround, AppealStatus
    from app.core.models import local_today
    from app.people.identity import mask_nik

    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    nik = new_nik()
    user, person_id, registration_id = _applicant(app, full_name="Asesi Bandung Dibaca", nik=nik)
    cid = create_candidacy(
        app, open_session, scheme[1], person_id, registration_id, status=CandidacyStatus.DRAFT
    )
    with app.app_context():
        candidacy = db.session.get(Candidacy, cid)
        shown = services.upload_evidence(
            candidacy,
            "SURAT_PENGALAMAN",
            "pengalaman.png",
            io.BytesIO(sample_file()),
            db.session.get(User, user.id),
        ).id
        candidacy.eligibility = [
            {"rule": "training_jp", "met": False, "text": "Pelatihan minimal 60 JP (tercatat 12 JP)."}
        ]
        candidacy.declared_experience_months, candidacy.experience_summary = 30, "Pendamping PKH sejak 2021."
        db.session.commit()
    hidden = _document(app, cid, "SURAT_SEHAT", "surat-sehat.pdf", restricted=True)
    number = _decide(app, cid, open_session, Verdict.BK, local_today() + timedelta(days=5))
    with app.app_context():
        decision = db.session.get(Candidacy, cid).decision
        db.session.add(
            Appeal(
                candidacy_id=cid,
                decision_id=decision.id,
                body_code="LSPS",
                ground=AppealGround.PROCEDURE,
                statement="Waktu wawancara dipotong.",
                status=AppealStatus.UNDER_REVIEW,
            )
        )
        db.session.commit()
    login(client, officer)
    listing = client.get("/sertifikasi/asesi/wilayah").get_data(as_text=True)
    assert f'href="/sertifikasi/asesi/wilayah/{cid}"' in listing
    response = client.get(f"/sertifikasi/asesi/wilayah/{cid}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Asesi Bandung Dibaca" in html and "Skema Relawan Sosial Dasar" in html
    assert nik not in html and mask_nik(nik) in html
    assert 'data-rule="training_jp" data-met="tidak"' in html and "Pelatihan minimal 60 JP" in html
    assert "30 bulan" in html and "Pendamping PKH sejak 2021." in html
    assert number in html and "Belum Kompeten" in html
    assert "Diperiksa panel" in html
    assert 'data-testid="timeline"' in html and "Belum dikirim" in html
    assert f"/portofolio/{shown}/unduh" in html and "pengalaman.png" in html
    assert f"/portofolio/{hidden}/unduh" not in html and "surat-sehat.pdf" not in html
    assert "<form" not in html.split('data-testid="candidacy-header"')[1]  # read-only: no form
    assert client.get(f"/sertifikasi/asesi/{cid}/portofolio/{shown}/unduh").status_code == 200
    assert client.get(f"/sertifikasi/asesi/{cid}/portofolio/{hidden}/unduh").status_code == 404
    with app.app_context():
        viewed = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "person.viewed", AuditEvent.object_id == str(person_id)
            )
        )
        assert viewed is not None and viewed.after["candidacy_id"] == cid


def test_a_draft_on_the_officer_page_shows_the_live_checklist_and_no_result(
    app, client, open_session, scheme
):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32")
    _u, person_id, registration_id = _applicant(app)
    cid = create_candidacy(
        app, open_session, scheme[1], person_id, registration_id, status=CandidacyStatus.DRAFT
    )
    login(client, officer)
    html = client.get(f"/sertifikasi/asesi/wilayah/{cid}").get_data(as_text=True)
    assert "Dihitung dari data asesi saat ini." in html and 'data-testid="checklist"' in html
    assert "Belum ada keputusan rapat pleno." in html and "Belum ada dokumen portofolio." in html


def test_another_regions_candidacy_on_the_officer_page_is_a_404_and_audited(
    app, client, open_session, scheme
):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _u, person_id, registration_id = _applicant(
        app, full_name="Asesi Semarang Jauh", region="33.74", village=VILLAGE_SEMARANG
    )
    cid = create_candidacy(app, open_session, scheme[1], person_id, registration_id)
    login(client, officer)
    assert client.get(f"/sertifikasi/asesi/wilayah/{cid}").status_code == 404
    assert _denied(app, cid) is not None
    assert client.get("/sertifikasi/asesi/wilayah/999999").status_code == 404
    with app.app_context():
        assert (
            db.session.scalar(
                select(AuditEvent).where(
                    AuditEvent.action == "person.viewed", AuditEvent.object_id == str(person_id)
                )
            )
            is None
        )
    # The candidate and a board admin have their own pages: this one is not theirs.
    client.post("/akun/keluar")
    login(client, create_user(app, Role.BOARD_ADMIN))
    assert client.get(f"/sertifikasi/asesi/wilayah/{cid}").status_code == 403


# --- A nominee without an account ------------------------------------------------------------------


def _nominate(client, session_id, version_id, registration_id):
    return client.post(
        f"/sertifikasi/asesi/usulan/{session_id}",
        data={"registration_id": registration_id, "version_id": version_id},
        follow_redirects=True,
    )


def _invitations(app, person_id) -> int:
    from app.people.models import ClaimKind, PersonClaim

    with app.app_context():
        return len(
            db.session.scalars(
                select(PersonClaim).where(
                    PersonClaim.person_id == person_id, PersonClaim.kind == ClaimKind.INVITATION
                )
            ).all()
        )


def test_a_nominee_without_an_account_is_invited_claims_the_record_and_completes(
    app, client, open_session, scheme, outbox
):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    person_id, registration_id = create_verified_person(app, full_name="Walk In Dinominasikan")
    with app.app_context():
        address = db.session.get(Person, person_id).email
    login(client, officer)
    found = client.get(f"/sertifikasi/asesi/usulan?jadwal={open_session}&q=walk in din").get_data(
        as_text=True
    )
    assert "Walk In Dinominasikan" in found and "Belum memiliki akun" in found
    html = _nominate(client, open_session, scheme[1], registration_id).get_data(as_text=True)
    assert "Walk In Dinominasikan diusulkan" in html and "belum memiliki akun" in html and address in html
    with app.app_context():
        cid = db.session.scalar(select(Candidacy.id).where(Candidacy.person_id == person_id))
    *_earlier, nomination, invitation = outbox.to(address)
    assert nomination["Subject"].startswith("Anda diusulkan mengikuti uji kompetensi")
    assert "belum memiliki akun SDM Kesos" in outbox.body(nomination) and "/klaim" in outbox.body(nomination)
    assert invitation["Subject"] == "Undangan menghubungkan data SDM Kesos ke akun Anda"
    sent = len(outbox.to(address))
    link = outbox.link_to(address, "/klaim/undangan/")
    page = client.get(f"/sertifikasi/asesi/wilayah/{cid}").get_data(as_text=True)
    assert 'data-testid="no-account"' in page and 'data-testid="invitation"' in page and address in page
    assert 'data-testid="receipt-link"' in page
    # A second nomination does not replace the invitation the person may be about to open.
    other_session = create_exam_session(app, scheme[1])
    _nominate(client, other_session, scheme[1], registration_id)
    assert _invitations(app, person_id) == 1 and len(outbox.to(address)) == sent + 1  # the nomination

    client.post("/akun/keluar")
    applicant = create_user(app, Role.APPLICANT)
    login(client, applicant)
    assert client.post(urlsplit(link).path).status_code == 302
    mine = client.get("/sertifikasi/asesi/saya").get_data(as_text=True)
    assert f'href="/sertifikasi/asesi/{cid}"' in mine
    assert client.get(f"/sertifikasi/asesi/{cid}").status_code == 200  # theirs to complete now


def test_a_nominee_without_an_account_or_address_is_given_the_claim_code_step(
    app, client, open_session, scheme, outbox
):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    person_id, registration_id = create_verified_person(app, full_name="Walk In Tanpa Surel", email=None)
    login(client, officer)
    html = _nominate(client, open_session, scheme[1], registration_id).get_data(as_text=True)
    assert "tidak dapat diundang melalui surel" in html and "kode klaim" in html
    assert _invitations(app, person_id) == 0 and not outbox.messages()
    with app.app_context():
        cid = db.session.scalar(select(Candidacy.id).where(Candidacy.person_id == person_id))
    page = client.get(f"/sertifikasi/asesi/wilayah/{cid}").get_data(as_text=True)
    assert 'data-testid="no-account"' in page and "Belum ada undangan yang berlaku." in page
    receipt = re.search(r'href="([^"]+)" data-testid="receipt-link"', page)[1]
    assert client.get(receipt).status_code == 200


def test_a_nominee_with_an_account_gets_no_invitation(app, client, open_session, scheme, outbox):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _u, person_id, registration_id = _applicant(app, full_name="Punya Akun Sendiri")
    login(client, officer)
    html = _nominate(client, open_session, scheme[1], registration_id).get_data(as_text=True)
    assert "Yang bersangkutan diberi tahu melalui surel" in html and "belum memiliki akun" not in html
    assert _invitations(app, person_id) == 0
    with app.app_context():
        cid = db.session.scalar(select(Candidacy.id).where(Candidacy.person_id == person_id))
    assert 'data-testid="no-account"' not in client.get(f"/sertifikasi/asesi/wilayah/{cid}").get_data(
        as_text=True
    )


QUIET_REGENCY = "63.71"  # Kota Banjarmasin


def test_the_officer_list_pages_in_the_same_statements_for_few_or_many_rows(
    app, client, open_session, scheme, monkeypatch
):
    from tests.test_cert_plenary import counted_statements

    monkeypatch.setitem(app.config, "CERTIFICATION_PAGE_SIZE", 3)
    # A regency no live (committing) browser test uses, so only this test's candidacies are listed.
    officer = create_user(app, Role.AGENCY_OFFICER, region_code=QUIET_REGENCY)
    login(client, officer)

    def add(n: int, status: CandidacyStatus) -> list[int]:
        created = []
        for i in range(n):
            person_id, registration_id = create_verified_person(
                app, full_name=f"Asesi Wilayah {i}", region=QUIET_REGENCY
            )
            created.append(
                create_candidacy(app, open_session, scheme[1], person_id, registration_id, status=status)
            )
        return created

    def rows(url: str) -> tuple[int, int]:
        with counted_statements(app) as statements:
            html = client.get(url).get_data(as_text=True)
        return html.count('data-testid="candidacy-row"'), len(statements)

    add(1, CandidacyStatus.SUBMITTED)
    client.get("/sertifikasi/asesi/wilayah")  # warm the caches (catalogues, user)
    one, few = rows("/sertifikasi/asesi/wilayah?status=diperiksa")
    submitted = add(6, CandidacyStatus.SUBMITTED)
    add(2, CandidacyStatus.ACCEPTED)
    three, many = rows("/sertifikasi/asesi/wilayah?status=diperiksa")
    assert (one, three) == (1, 3) and many == few
    # A deep keyset page (newest first) of the status tab: the same statements again.
    deep, deep_statements = rows(f"/sertifikasi/asesi/wilayah?status=diperiksa&setelah={submitted[2]}")
    assert deep == 3 and deep_statements == few
    everything, all_statements = rows(f"/sertifikasi/asesi/wilayah?setelah={submitted[5]}")
    assert everything == 3 and all_statements == few
