"""Administrative screening of candidacies by the body's board admin: the queue of a session (tabs,
keyset pages, no N+1), one candidacy's page, accept / return / reject / mark absent with their rules
(reasons, the override of a failed eligibility rule, seats, the session's stage), e-mails, and
scoping to the admin's body."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.certification.models import Candidacy, ExamSession
from app.certification.screening import services
from app.certification.states import CandidacyAction, CandidacyStatus, CertificationError, SessionStatus
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.roles import Role
from app.documents.models import Document, Purpose
from app.extensions import db
from tests.certification_factories import create_candidacy, create_exam_session, create_scheme
from tests.factories import create_user, login
from tests.test_queue import counted_statements
from tests.training_factories import create_verified_person

PASSED = [
    {"rule": "education", "met": True, "actual": "S1", "required": "SMA/SMK", "text": "Pendidikan: S1"},
    {"rule": "training_jp", "met": True, "actual": 80, "required": 60, "text": "JP pelatihan: 80 dari 60"},
]
FAILED = [
    {"rule": "education", "met": True, "actual": "S1", "required": "SMA/SMK", "text": "Pendidikan: S1"},
    {"rule": "training_jp", "met": False, "actual": 48, "required": 60, "text": "JP pelatihan: 48 dari 60"},
    {
        "rule": "experience",
        "met": False,
        "actual": 10,
        "required": 24,
        "text": "Pengalaman: 10 dari 24 bulan",
    },
]


@pytest.fixture
def scheme(app):
    return create_scheme(app)


def new_session(app, scheme, **kwargs) -> int:
    return create_exam_session(app, scheme[1], **kwargs)


def new_candidacy(app, session_id, scheme, *, status=CandidacyStatus.SUBMITTED, eligibility=PASSED, **person):
    person_id, registration_id = create_verified_person(app, **person)
    cid = create_candidacy(app, session_id, scheme[1], person_id, registration_id, status=status)
    with app.app_context():
        db.session.get(Candidacy, cid).eligibility = eligibility
        db.session.commit()
    return cid


def admin_of(app, body="LSPS"):
    return create_user(app, Role.BOARD_ADMIN, body_code=body)


def as_user(app, user_ref):
    return db.session.get(User, user_ref.id)


def load(app, cid) -> Candidacy:
    with app.app_context():
        c = db.session.get(Candidacy, cid)
        c.status, c.session.seats_taken  # noqa: B018 - loaded before the context closes
        return c


def status_of(app, cid) -> CandidacyStatus:
    with app.app_context():
        return db.session.get(Candidacy, cid).status


def seats(app, session_id) -> int:
    with app.app_context():
        return db.session.get(ExamSession, session_id).seats_taken


def audits(app, action, object_id=None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(stmt))


def decide(client, cid, action, **data):
    return client.post(f"/sertifikasi/seleksi/asesi/{cid}/putusan", data={"action": action, **data})


# --- Transitions ---------------------------------------------------------------------------------


def test_accept_takes_a_seat_records_the_screener_and_emails_the_candidate(app, client, scheme, outbox):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme, email="asesi.terima@uji.example.id")
    admin = admin_of(app)
    login(client, admin)

    response = decide(client, cid, "accept")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sertifikasi/seleksi/jadwal/{sid}")
    with app.app_context():
        c = db.session.get(Candidacy, cid)
        assert c.status == CandidacyStatus.ACCEPTED
        assert c.screened_by_id == admin.id and c.screened_at is not None
        assert c.override_reason is None
        assert c.session.seats_taken == 1
        assert [e.to_status for e in c.events][-1] == CandidacyStatus.ACCEPTED
    assert audits(app, "candidacy.accept", cid)
    message = outbox.last_to("asesi.terima@uji.example.id")
    body = outbox.body(message)
    assert "Memenuhi syarat" in message["Subject"]
    assert body.startswith("Yth. Dewi Lestari,")
    assert "Hormat kami," in body
    assert "memenuhi syarat untuk mengikuti uji kompetensi" in body
    assert "Lihat rinciannya" not in body  # no account: no link


def test_the_decision_mail_links_an_account_holder_to_the_candidacy_page(app, client, scheme, outbox):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme, email="asesi.akun@uji.example.id")
    with app.app_context():
        account = User(email="asesi.akun@uji.example.id", full_name="Dewi Lestari")
        account.set_password("Rahasia-Uji-2026")
        db.session.add(account)
        db.session.flush()
        db.session.get(Candidacy, cid).person.user_id = account.id
        db.session.commit()
    login(client, admin_of(app))
    assert decide(client, cid, "accept").status_code == 302
    body = outbox.body(outbox.last_to("asesi.akun@uji.example.id"))
    assert f"Lihat rinciannya: {app.config['BASE_URL']}/sertifikasi/asesi/{cid}\n" in body


def test_return_and_reject_need_a_reason_which_is_emailed(app, client, scheme, outbox):
    sid = new_session(app, scheme)
    returned = new_candidacy(app, sid, scheme, email="asesi.kembali@uji.example.id")
    rejected = new_candidacy(app, sid, scheme, email="asesi.tolak@uji.example.id")
    login(client, admin_of(app))

    for cid, action in ((returned, "return"), (rejected, "reject")):
        response = decide(client, cid, action, reason="  ")
        assert response.status_code == 422
        assert "Mohon tuliskan alasannya." in response.get_data(as_text=True)
        assert status_of(app, cid) == CandidacyStatus.SUBMITTED

    assert (
        decide(client, returned, "return", reason="Surat pengalaman belum ditandatangani.").status_code == 302
    )
    assert decide(client, rejected, "reject", reason="Bukan sasaran skema ini.").status_code == 302
    assert status_of(app, returned) == CandidacyStatus.RETURNED
    assert status_of(app, rejected) == CandidacyStatus.REJECTED
    assert seats(app, sid) == 0
    body = outbox.body(outbox.last_to("asesi.kembali@uji.example.id"))
    assert "Keterangan: Surat pengalaman belum ditandatangani." in body
    assert "Silakan perbaiki" in body
    assert "Bukan sasaran skema ini." in outbox.body(outbox.last_to("asesi.tolak@uji.example.id"))


def test_a_reason_too_long_is_refused_beside_its_field(app, client, scheme):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme)
    login(client, admin_of(app))
    response = decide(client, cid, "reject", reason="x" * 2001)
    assert response.status_code == 422
    assert "Maksimal 2000 karakter." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "status",
    [
        CandidacyStatus.DRAFT,
        CandidacyStatus.RETURNED,
        CandidacyStatus.ACCEPTED,
        CandidacyStatus.REJECTED,
        CandidacyStatus.WITHDRAWN,
    ],
)
def test_screening_decisions_are_refused_outside_submitted(app, scheme, status):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme, status=status)
    admin = admin_of(app)
    taken = seats(app, sid)
    with app.app_context():
        candidacy = db.session.get(Candidacy, cid)
        for action in services.DECISIONS:
            with pytest.raises(CertificationError) as refused:
                services.screen(candidacy, action, as_user(app, admin), reason="Alasan uji.")
            assert "tindakan itu tidak dapat dilakukan" in str(refused.value.message)
        assert db.session.get(ExamSession, sid).seats_taken == taken


def test_accept_from_draft_is_refused_through_the_page_too(app, client, scheme):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme, status=CandidacyStatus.DRAFT)
    login(client, admin_of(app))
    response = decide(client, cid, "accept")
    assert response.status_code == 422
    assert "Belum dikirim; tindakan itu tidak dapat dilakukan." in response.get_data(as_text=True)
    assert status_of(app, cid) == CandidacyStatus.DRAFT
    assert seats(app, sid) == 0


def test_an_unknown_action_is_a_bad_request(app, client, scheme):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme)
    login(client, admin_of(app))
    assert decide(client, cid, "decide").status_code == 400
    admin = admin_of(app)
    with app.app_context(), pytest.raises(CertificationError, match="Tindakan tidak dikenal"):
        services.screen(db.session.get(Candidacy, cid), CandidacyAction.WITHDRAW, as_user(app, admin))


# --- Eligibility override ------------------------------------------------------------------------


def test_accepting_with_a_failed_rule_needs_an_override_justification(app, client, scheme):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme, eligibility=FAILED)
    login(client, admin_of(app))

    page = client.get(f"/sertifikasi/seleksi/asesi/{cid}").get_data(as_text=True)
    assert "JP pelatihan: 48 dari 60" in page and 'data-met="tidak"' in page
    assert "2 syarat belum terpenuhi" in page

    response = decide(client, cid, "accept", reason="", override_reason="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ada 2 syarat yang belum terpenuhi. Mohon tuliskan alasan Anda tetap menerima asesi ini." in html
    assert 'data-testid="error-summary"' in html
    assert status_of(app, cid) == CandidacyStatus.SUBMITTED
    assert seats(app, sid) == 0

    reason = "Pengalaman 10 bulan di LKS ditambah 3 tahun sebagai relawan Tagana; disetujui rapat komite."
    assert decide(client, cid, "accept", override_reason=reason).status_code == 302
    with app.app_context():
        c = db.session.get(Candidacy, cid)
        assert c.status == CandidacyStatus.ACCEPTED
        assert c.override_reason == reason
    [override] = audits(app, "candidacy.accepted_with_override", cid)
    assert override.after["override_reason"] == reason
    assert [r["rule"] for r in override.after["failed_rules"]] == ["training_jp", "experience"]
    assert reason in client.get(f"/sertifikasi/seleksi/asesi/{cid}").get_data(as_text=True)


def test_an_override_reason_is_not_kept_when_every_rule_passed(app, client, scheme):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme, eligibility=PASSED)
    login(client, admin_of(app))
    assert decide(client, cid, "accept", override_reason="Tidak perlu.").status_code == 302
    with app.app_context():
        assert db.session.get(Candidacy, cid).override_reason is None
    assert not audits(app, "candidacy.accepted_with_override", cid)


# --- Seats and the session's stage ---------------------------------------------------------------


def test_accept_is_refused_when_the_session_is_full(app, client, scheme):
    sid = new_session(app, scheme, capacity=1)
    first = new_candidacy(app, sid, scheme)
    second = new_candidacy(app, sid, scheme)
    login(client, admin_of(app))
    assert decide(client, first, "accept").status_code == 302
    response = decide(client, second, "accept")
    assert response.status_code == 422
    assert "Kuota jadwal uji ini sudah penuh; asesi tidak dapat diterima lagi." in response.get_data(
        as_text=True
    )
    assert status_of(app, second) == CandidacyStatus.SUBMITTED
    assert seats(app, sid) == 1


@pytest.mark.parametrize("status", [SessionStatus.OPEN, SessionStatus.CLOSED])
def test_screening_is_allowed_while_the_session_is_open_or_closed(app, client, scheme, status):
    sid = new_session(app, scheme, status=status)
    cid = new_candidacy(app, sid, scheme)
    login(client, admin_of(app))
    assert decide(client, cid, "accept").status_code == 302
    assert status_of(app, cid) == CandidacyStatus.ACCEPTED


@pytest.mark.parametrize(
    "status", [SessionStatus.PLANNED, SessionStatus.ASSESSING, SessionStatus.PLENARY, SessionStatus.CANCELLED]
)
def test_late_screening_is_refused_with_a_message(app, client, scheme, status):
    sid = new_session(app, scheme, status=status)
    cid = new_candidacy(app, sid, scheme)
    login(client, admin_of(app))
    page = client.get(f"/sertifikasi/seleksi/asesi/{cid}").get_data(as_text=True)
    assert 'data-testid="screening-closed"' in page
    for action in ("accept", "return", "reject"):
        response = decide(client, cid, action, reason="Terlambat.")
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert (
            "Seleksi administrasi hanya dapat dilakukan selama pendaftaran dibuka atau sudah ditutup" in html
        )
    assert status_of(app, cid) == CandidacyStatus.SUBMITTED
    assert seats(app, sid) == 0


def test_an_accept_racing_the_start_of_the_assessment_is_refused(app, scheme):
    """The session's stage is part of the seat's compare-and-set: a session that started its
    assessment after the page was loaded takes nobody more."""
    from sqlalchemy import update

    sid = new_session(app, scheme, status=SessionStatus.CLOSED)
    cid = new_candidacy(app, sid, scheme)
    admin = admin_of(app)
    with app.app_context():
        candidacy = db.session.get(Candidacy, cid)
        assert candidacy.session.status == SessionStatus.CLOSED  # loaded as the page saw it
        db.session.execute(
            update(ExamSession)
            .where(ExamSession.id == sid)
            .values(status=SessionStatus.ASSESSING)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(CertificationError) as refused:
            services.screen(candidacy, CandidacyAction.ACCEPT, as_user(app, admin))
        assert "Seleksi administrasi hanya dapat dilakukan" in str(refused.value.message)
        db.session.refresh(candidacy)
        assert candidacy.status == CandidacyStatus.SUBMITTED
        assert candidacy.session.seats_taken == 0


# --- Absent --------------------------------------------------------------------------------------


def test_mark_absent_needs_a_reason_gives_the_seat_back_and_emails(app, client, scheme, outbox):
    sid = new_session(app, scheme, status=SessionStatus.ASSESSING)
    cid = new_candidacy(app, sid, scheme, status=CandidacyStatus.ACCEPTED, email="asesi.absen@uji.example.id")
    assert seats(app, sid) == 1
    login(client, admin_of(app))
    url = f"/sertifikasi/seleksi/asesi/{cid}/tidak-hadir"

    response = client.post(url, data={"reason": ""})
    assert response.status_code == 422
    assert "Wajib diisi." in response.get_data(as_text=True)

    assert client.post(url, data={"reason": "Tidak datang pada hari asesmen."}).status_code == 302
    assert status_of(app, cid) == CandidacyStatus.ABSENT
    assert seats(app, sid) == 0
    assert audits(app, "candidacy.mark_absent", cid)
    body = outbox.body(outbox.last_to("asesi.absen@uji.example.id"))
    assert "tercatat tidak hadir" in body and "Tidak datang pada hari asesmen." in body


def test_mark_absent_is_refused_for_a_candidacy_not_accepted(app, scheme):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme, status=CandidacyStatus.SUBMITTED)
    admin = admin_of(app)
    with app.app_context(), pytest.raises(CertificationError, match="tindakan itu tidak dapat dilakukan"):
        services.mark_absent(db.session.get(Candidacy, cid), as_user(app, admin), "Tidak datang.")


def test_mark_absent_is_refused_once_the_plenary_is_open(app, scheme):
    sid = new_session(app, scheme, status=SessionStatus.PLENARY)
    cid = new_candidacy(app, sid, scheme, status=CandidacyStatus.ACCEPTED)
    admin = admin_of(app)
    with app.app_context(), pytest.raises(CertificationError, match="sebelum rapat pleno"):
        services.mark_absent(db.session.get(Candidacy, cid), as_user(app, admin), "Tidak datang.")


# --- The queue -----------------------------------------------------------------------------------


def shown(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-candidacy="(\d+)"', html)]


def test_queue_tabs_show_each_status_with_counts_and_row_details(app, client, scheme):
    sid = new_session(app, scheme)
    waiting = new_candidacy(app, sid, scheme, eligibility=FAILED, full_name="Siti Menunggu")
    returned = new_candidacy(app, sid, scheme, status=CandidacyStatus.RETURNED)
    accepted = new_candidacy(app, sid, scheme, status=CandidacyStatus.ACCEPTED)
    rejected = new_candidacy(app, sid, scheme, status=CandidacyStatus.REJECTED)
    absent = new_candidacy(app, sid, scheme, status=CandidacyStatus.ABSENT)
    draft = new_candidacy(app, sid, scheme, status=CandidacyStatus.DRAFT)
    login(client, admin_of(app))
    base = f"/sertifikasi/seleksi/jadwal/{sid}"

    html = client.get(base).get_data(as_text=True)
    assert shown(html) == [waiting]  # the default tab: waiting for screening
    assert "Siti Menunggu" in html
    assert "2 syarat belum terpenuhi" in html
    assert "Sertifikasi pertama" in html and "hari ini" in html
    with app.app_context():
        masked = db.session.get(Candidacy, waiting).person.nik_masked
    assert masked in html
    for slug, expected in (
        ("dikembalikan", [returned]),
        ("memenuhi-syarat", [accepted]),
        ("ditolak", [rejected]),
        ("tidak-hadir", [absent]),
        ("semua", [waiting, returned, accepted, rejected, absent]),
    ):
        page = client.get(base, query_string={"status": slug}).get_data(as_text=True)
        assert shown(page) == expected, slug
        assert f"status={slug}" in page
    assert draft not in shown(client.get(base, query_string={"status": "semua"}).get_data(as_text=True))


def test_queue_pages_by_keyset_keeping_the_tab(app, client, scheme, monkeypatch):
    from app.certification.screening import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    sid = new_session(app, scheme)
    ids = [new_candidacy(app, sid, scheme, status=CandidacyStatus.ACCEPTED) for _ in range(5)]
    login(client, admin_of(app))
    seen, params = [], {"status": "memenuhi-syarat"}
    while True:
        html = client.get(f"/sertifikasi/seleksi/jadwal/{sid}", query_string=params).get_data(as_text=True)
        seen += shown(html)
        found = re.search(r'rel="next" href="[^"]*setelah=([^"&]+)', html)
        if not found:
            break
        assert "status=memenuhi-syarat" in re.search(r'rel="next" href="([^"]+)"', html).group(1)
        params = {**params, "setelah": found.group(1)}
    assert seen == ids


def test_the_queue_takes_the_same_number_of_statements_for_2_or_12_rows(app, client, scheme):
    sid = new_session(app, scheme)
    login(client, admin_of(app))
    for _ in range(2):
        new_candidacy(app, sid, scheme, eligibility=FAILED)
    with counted_statements(app) as few:
        assert len(shown(client.get(f"/sertifikasi/seleksi/jadwal/{sid}").get_data(as_text=True))) == 2
    for _ in range(10):
        new_candidacy(app, sid, scheme, eligibility=FAILED)
    with counted_statements(app) as many:
        assert len(shown(client.get(f"/sertifikasi/seleksi/jadwal/{sid}").get_data(as_text=True))) == 12
    assert len(many) == len(few), many
    assert len(many) <= 10, many


def test_the_candidacy_page_shows_apl01_apl02_portfolio_and_timeline(app, client, scheme):
    from app.certification.models import SchemeUnit, SelfAssessment
    from app.certification.states import Verdict
    from app.core.models import utcnow

    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme, full_name="Rina Portofolio")
    with app.app_context():
        c = db.session.get(Candidacy, cid)
        c.declared_experience_months = 30
        c.experience_summary = "Pendamping PKH di Kecamatan Dayeuhkolot sejak 2023."
        unit = db.session.scalar(select(SchemeUnit).where(SchemeUnit.version_id == scheme[1]).limit(1))
        db.session.add(
            SelfAssessment(
                candidacy_id=cid, unit_id=unit.id, verdict=Verdict.K, evidence_notes="Laporan kasus"
            )
        )
        db.session.add(
            Document(
                candidacy_id=cid,
                purpose=Purpose.EXPERIENCE_LETTER,
                original_name="surat-pengalaman.pdf",
                stored_name="screening-test-0001",
                content_type="application/pdf",
                size=2048,
                sha256="0" * 64,
                uploaded_at=utcnow(),
            )
        )
        db.session.commit()
        document_id = db.session.scalar(select(Document.id).where(Document.candidacy_id == cid))
    login(client, admin_of(app))
    with counted_statements(app) as statements:
        response = client.get(f"/sertifikasi/seleksi/asesi/{cid}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(statements) <= 16, statements
    for text in (
        "Rina Portofolio",
        "30 bulan",
        "Pendamping PKH di Kecamatan Dayeuhkolot",
        "Laporan kasus",
        "Surat keterangan pengalaman praktik",
        "surat-pengalaman.pdf",
        "Menunggu pemeriksaan",  # the timeline
        "JP pelatihan: 80 dari 60",
    ):
        assert text in html, text
    assert f"/sertifikasi/seleksi/asesi/{cid}/dokumen/{document_id}" in html
    # The NIK is masked, never in full; no address or birth date.
    with app.app_context():
        person = db.session.get(Candidacy, cid).person
        assert person.nik_masked in html
        assert "Jl. Melati 5" not in html


def test_a_portfolio_document_is_downloaded_with_an_audit_entry(app, client, scheme):
    import io

    from app.core import uploads
    from tests.factories import sample_file

    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme)
    other = new_candidacy(app, sid, scheme)
    pdf = sample_file("pdf")
    with app.app_context():
        checked = uploads.check_upload("surat-pengalaman.pdf", io.BytesIO(pdf))
        document = Document(
            candidacy_id=cid,
            purpose=Purpose.EXPERIENCE_LETTER,
            original_name=checked.original_name,
            stored_name=uploads.store(checked, db.session),
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        db.session.add(document)
        db.session.commit()
        document_id = document.id
    login(client, admin_of(app))
    response = client.get(f"/sertifikasi/seleksi/asesi/{cid}/dokumen/{document_id}")
    assert response.status_code == 200
    assert response.data == pdf
    assert "attachment" in response.headers["Content-Disposition"]
    [entry] = audits(app, "screening.document_downloaded", document_id)
    assert entry.after == {"candidacy_id": cid}
    # Through another candidacy's URL the document does not exist.
    assert client.get(f"/sertifikasi/seleksi/asesi/{other}/dokumen/{document_id}").status_code == 404


# --- Scoping -------------------------------------------------------------------------------------


def test_another_bodys_admin_gets_404_with_an_audit_entry(app, client, scheme):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme)
    login(client, admin_of(app, "LSPENSOS"))
    for url in (
        f"/sertifikasi/seleksi/jadwal/{sid}",
        f"/sertifikasi/seleksi/jadwal/{sid}/asesor",
        f"/sertifikasi/seleksi/asesi/{cid}",
    ):
        assert client.get(url).status_code == 404, url
    assert decide(client, cid, "accept").status_code == 404
    assert status_of(app, cid) == CandidacyStatus.SUBMITTED
    denied = audits(app, "screening.access_denied")
    assert {(e.object_type, e.object_id) for e in denied} >= {
        ("exam_session", str(sid)),
        ("candidacy", str(cid)),
    }
    stranger = admin_of(app, "LSPENSOS")
    with app.app_context(), pytest.raises(PermissionDenied):
        services.screen(db.session.get(Candidacy, cid), CandidacyAction.ACCEPT, as_user(app, stranger))


def test_the_ministry_admin_screens_any_body(app, client, scheme):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme)
    login(client, create_user(app, Role.MINISTRY_ADMIN))
    assert client.get(f"/sertifikasi/seleksi/jadwal/{sid}").status_code == 200
    assert decide(client, cid, "accept").status_code == 302
    assert status_of(app, cid) == CandidacyStatus.ACCEPTED


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.AGENCY_OFFICER, Role.APPLICANT, Role.TRAINING_OFFICER])
def test_other_roles_may_not_open_screening(app, client, scheme, role):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme)
    login(client, create_user(app, role))
    assert client.get(f"/sertifikasi/seleksi/jadwal/{sid}").status_code == 403
    assert client.get(f"/sertifikasi/seleksi/asesi/{cid}").status_code == 403
    assert decide(client, cid, "accept").status_code == 403


def test_screening_forms_need_the_csrf_token(app, client, scheme, csrf_enabled):
    sid = new_session(app, scheme)
    cid = new_candidacy(app, sid, scheme)
    login_page = client.get("/akun/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    admin = admin_of(app)
    client.post("/akun/masuk", data={"email": admin.email, "password": admin.password, "csrf_token": token})
    assert decide(client, cid, "accept").status_code == 400
    assert status_of(app, cid) == CandidacyStatus.SUBMITTED
    page = client.get(f"/sertifikasi/seleksi/asesi/{cid}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert decide(client, cid, "accept", csrf_token=token).status_code == 302
    assert status_of(app, cid) == CandidacyStatus.ACCEPTED
