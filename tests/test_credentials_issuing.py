"""Issuing certificates of competence: a decided session's K candidates in one background job (held
back with the reason, idempotent, refused for another body or a session not decided, refused when the
signing key is missing), the snapshot and validity, the signed PDF (text, signature, QR code with its
signed statement), the admin's page and download, and corrections."""

from __future__ import annotations

import hashlib
import io
import threading
from datetime import date, timedelta
from urllib.parse import urlsplit

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import func, select

from app.certification.models import Appeal, Candidacy, ExamSession, SchemeVersion
from app.certification.states import AppealGround, AppealStatus, SessionStatus, Verdict
from app.core.actors import SYSTEM
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.jobs import Job, JobStatus
from app.core.models import local_today
from app.core.roles import Role
from app.credentials import statements
from app.credentials.certificates import issuing
from app.credentials.models import Certificate, CertificateEvent
from app.credentials.states import CertificateStatus, CredentialError
from app.documents import signing
from app.documents.models import IssuedDocument
from app.documents.signing import SigningUnavailable
from app.extensions import db
from app.people.models import Person
from tests.certification_factories import (
    create_candidacy,
    create_decision,
    create_exam_session,
    create_scheme,
)
from tests.factories import create_user, login
from tests.training_factories import create_verified_person

LONG_UNITS = tuple((f"KS.02.{i:03d}", f"Unit kompetensi panjang nomor {i}") for i in range(1, 9))


def decided_session(
    app, results: list[Verdict], *, body: str = "LSPS", names=None, **scheme
) -> tuple[int, list[int]]:
    """A decided exam session of `body` with one candidacy per result (people with verified
    registrations in 32.04); returns (session_id, candidacy_ids)."""
    scheme.setdefault("category", "PEKSOS")
    _scheme_id, version_id = create_scheme(app, body=body, **scheme)
    session_id = create_exam_session(app, version_id, body=body, status=SessionStatus.DECIDED)
    candidacies = []
    for index, result in enumerate(results):
        name = (names or {}).get(index, f"Asesi Sertifikat {index + 1}")
        person_id, registration_id = create_verified_person(app, full_name=name)
        candidacy_id = create_candidacy(app, session_id, version_id, person_id, registration_id)
        create_decision(app, candidacy_id, result)
        candidacies.append(candidacy_id)
    return session_id, candidacies


def open_appeal(app, candidacy_id: int) -> None:
    with app.app_context():
        candidacy = db.session.get(Candidacy, candidacy_id)
        db.session.add(
            Appeal(
                candidacy_id=candidacy.id,
                decision_id=candidacy.decision.id,
                body_code=candidacy.body_code,
                ground=AppealGround.PROCEDURE,
                statement="Prosedur asesmen tidak diikuti.",
                status=AppealStatus.FILED,
            )
        )
        db.session.commit()


def certificates_of(session_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .join(Candidacy, Candidacy.id == Certificate.candidacy_id)
            .where(Candidacy.session_id == session_id)
            .order_by(Certificate.id)
        )
    )


def issue(app, session_id: int, actor=SYSTEM) -> int:
    """Start issuing as the actor (the job runs right after the commit: immediate mode); the job id."""
    with app.app_context():
        record = issuing.issue_for_session(db.session.get(ExamSession, session_id), actor)
        job_id = record.id
        db.session.commit()
    return job_id


def pdf_bytes(certificate: Certificate) -> bytes:
    return issuing.read_pdf(certificate.document)


def qr_texts(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    # QR codes only: a detector looking for every format may also "find" a linear barcode in the text.
    return [result.text for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# --- Issuing a session -------------------------------------------------------------------------------


def test_issues_one_certificate_per_k_decision_and_never_for_bk(app):
    session_id, (k1, bk, k2) = decided_session(app, [Verdict.K, Verdict.BK, Verdict.K])
    job_id = issue(app, session_id)
    with app.app_context():
        record = db.session.get(Job, job_id)
        assert record.status == JobStatus.DONE
        assert (record.result["issued"], record.result["existing"], record.result["held"]) == (2, 0, 0)
        certificates = certificates_of(session_id)
        assert sorted(c.candidacy_id for c in certificates) == sorted([k1, k2])
        for certificate in certificates:
            assert certificate.status == CertificateStatus.ACTIVE
            assert certificate.document.sha256 and not issuing.issuing.is_pending(certificate.document)
            assert certificate.number.startswith("0000") and "/LSPS/" in certificate.number
            assert certificate.number.endswith(f"/{local_today().year}")
            assert certificate.number == certificate.document.number
            assert certificate.issued_on == local_today()
            assert certificate.regency_code == "32.04" and certificate.province_code == "32"
            [event] = certificate.events
            assert (event.from_status, event.to_status) == (None, CertificateStatus.ACTIVE)
            assert db.session.scalar(
                select(AuditEvent).where(
                    AuditEvent.action == "certificate.issued", AuditEvent.object_id == str(certificate.id)
                )
            )
        assert len({c.number for c in certificates}) == 2
        plan = issuing.session_plan(db.session.get(ExamSession, session_id))
        assert (len(plan.to_issue), len(plan.issued), len(plan.held), plan.not_competent) == (0, 2, 0, 1)


def test_a_bk_decision_is_never_issued_even_when_asked_directly(app):
    session_id, (bk,) = decided_session(app, [Verdict.BK])
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        with pytest.raises(CredentialError, match="Tidak ada sertifikat"):
            issuing.issue_for_session(session, SYSTEM)
        decision = db.session.get(Candidacy, bk).decision
        with pytest.raises(CredentialError, match="Kompeten"):
            issuing.new_certificate(decision, SYSTEM, local_today())
        db.session.rollback()
        assert certificates_of(session_id) == []


def test_an_open_appeal_holds_the_certificate_back_with_the_reason(app):
    session_id, (k1, appealed) = decided_session(app, [Verdict.K, Verdict.K])
    open_appeal(app, appealed)
    job_id = issue(app, session_id)
    with app.app_context():
        assert [c.candidacy_id for c in certificates_of(session_id)] == [k1]
        plan = issuing.session_plan(db.session.get(ExamSession, session_id))
        assert [(h.candidacy.id, h.reason) for h in plan.held] == [(appealed, "Banding masih diproses")]
        assert db.session.get(Job, job_id).result["issued"] == 1


def test_an_appeal_filed_after_the_job_was_queued_is_still_held_back(app):
    session_id, (k1, late) = decided_session(app, [Verdict.K, Verdict.K])
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        # Queue the job without running it (as a worker would later), then the candidate appeals.
        from app.core import jobs

        record = jobs.start_job(issuing.job_kind(session), total=2, actor=SYSTEM)
        plan = issuing.session_plan(session)
        record.result = {"session_id": session_id, "decision_ids": sorted(d.id for d in plan.to_issue)}
        db.session.commit()
        job_id = record.id
    open_appeal(app, late)
    with app.app_context():
        issuing.run_issue(job_id)
        db.session.commit()
        record = db.session.get(Job, job_id)
        assert record.result["held"] == 1 and record.result["issued"] == 1
        assert record.result["held_back"][0]["reason"] == "Banding masih diproses"
        assert [c.candidacy_id for c in certificates_of(session_id)] == [k1]


def test_another_bodys_session_and_an_undecided_session_are_refused(app):
    other_session, _ = decided_session(app, [Verdict.K], body="LSPENSOS", category="PENYULUH")
    admin = create_user(app, Role.BOARD_ADMIN)  # LSPS
    _scheme, version_id = create_scheme(app, category="PEKSOS")
    plenary = create_exam_session(app, version_id, status=SessionStatus.PLENARY)
    with app.app_context():
        from app.accounts.models import User

        user = db.session.get(User, admin.id)
        with pytest.raises(PermissionDenied):
            issuing.issue_for_session(db.session.get(ExamSession, other_session), user)
        with pytest.raises(CredentialError, match="sudah diputuskan"):
            issuing.issue_for_session(db.session.get(ExamSession, plenary), user)
        assert certificates_of(other_session) == []


def test_issuing_again_issues_only_what_is_missing(app):
    session_id, (k1, k2) = decided_session(app, [Verdict.K, Verdict.K])
    open_appeal(app, k2)
    issue(app, session_id)
    with app.app_context():
        first = {c.candidacy_id: c.number for c in certificates_of(session_id)}
        assert list(first) == [k1]
        appeal = db.session.scalar(select(Appeal).where(Appeal.candidacy_id == k2))
        appeal.status = AppealStatus.WITHDRAWN
        db.session.commit()
    job_id = issue(app, session_id)
    with app.app_context():
        again = {c.candidacy_id: c.number for c in certificates_of(session_id)}
        assert again[k1] == first[k1] and set(again) == {k1, k2}
        assert db.session.get(Job, job_id).result["issued"] == 1
        with pytest.raises(CredentialError, match="Tidak ada sertifikat"):
            issuing.issue_for_session(db.session.get(ExamSession, session_id), SYSTEM)


def test_a_second_run_of_the_same_job_creates_nothing_twice(app):
    session_id, _ = decided_session(app, [Verdict.K, Verdict.K])
    with app.app_context():
        from app.core import jobs

        session = db.session.get(ExamSession, session_id)
        plan = issuing.session_plan(session)
        ids = sorted(d.id for d in plan.to_issue)
        twins = []
        for _ in range(2):  # a double click: two jobs queued for the same decisions
            record = jobs.start_job(issuing.job_kind(session), total=2, actor=SYSTEM)
            record.result = {"session_id": session_id, "decision_ids": ids}
            twins.append(record.id)
        db.session.commit()
        for job_id in twins:
            issuing.run_issue(job_id)
            db.session.commit()
        assert len(certificates_of(session_id)) == 2
        second = db.session.get(Job, twins[1]).result
        assert (second["issued"], second["existing"]) == (0, 2)


def test_the_unique_index_settles_a_race_and_returns_the_number(app):
    """The job's pre-check missed a certificate a concurrent job inserted: the insert fails inside a
    savepoint, nothing of the loser stays (no second certificate, no number used)."""
    session_id, (k1,) = decided_session(app, [Verdict.K])
    with app.app_context():
        decision = db.session.get(Candidacy, k1).decision
        issuing.new_certificate(decision, SYSTEM, local_today())
        db.session.commit()
        original = issuing._has_original
        answers = iter([False])  # the first look misses the certificate; the second finds it
        issuing._has_original = lambda decision_id: next(answers, True)
        try:
            assert issuing.issue_one(decision.id, SYSTEM, local_today()) == "existing"
        finally:
            issuing._has_original = original
        db.session.commit()
        assert len(certificates_of(session_id)) == 1
        documents = db.session.scalar(
            select(func.count())
            .select_from(IssuedDocument)
            .where(IssuedDocument.person_id == decision.candidacy.person_id)
        )
        assert documents == 1


@pytest.mark.live
def test_two_concurrent_runs_issue_one_certificate_per_decision(app):
    """Real commits from two threads (two workers): on PostgreSQL the loser's insert waits on the
    winner's uncommitted row in uq_certificates_decision, then fails in its savepoint; on SQLite the
    writers queue on BEGIN IMMEDIATE and the loser's pre-check finds the winner's certificate."""
    session_id, _ = decided_session(app, [Verdict.K] * 4)
    with app.app_context():
        from app.core import jobs

        session = db.session.get(ExamSession, session_id)
        ids = sorted(d.id for d in issuing.session_plan(session).to_issue)
        twins = []
        for _ in range(2):
            record = jobs.start_job(issuing.job_kind(session), total=len(ids), actor=SYSTEM)
            record.result = {"session_id": session_id, "decision_ids": ids}
            twins.append(record.id)
        db.session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def run(job_id: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                issuing.run_issue(job_id, batch_size=1)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job_id,)) for job_id in twins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        certificates = certificates_of(session_id)
        assert len(certificates) == 4 and len({c.decision_id for c in certificates}) == 4
        results = [db.session.get(Job, j).result for j in twins]
        assert sum(r["issued"] for r in results) == 4
        assert sum(r["existing"] for r in results) == 4


# --- Validity and snapshot ---------------------------------------------------------------------------


def test_validity_is_the_versions_years_and_leap_day_safe():
    assert issuing.add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)
    assert issuing.add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert issuing.add_years(date(2031, 11, 20), 3) == date(2034, 11, 20)
    assert issuing.valid_until_for(date(2030, 6, 1), SchemeVersion(validity_years=3)) == date(2033, 6, 1)


def test_valid_until_follows_the_scheme_version(app):
    session_id, _ = decided_session(app, [Verdict.K], validity_years=3)
    issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        assert certificate.valid_until == issuing.add_years(local_today(), 3)
        assert certificate.document.snapshot["valid_until"] == certificate.valid_until.isoformat()


def test_the_snapshot_holds_what_is_printed_and_never_the_full_nik(app):
    session_id, (k1,) = decided_session(
        app, [Verdict.K], names={0: "Siti Rahayu"}, subtype="GENERALIS", name="Pekerja Sosial Generalis PS"
    )
    issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        person = db.session.get(Person, certificate.person_id)
        snapshot = certificate.document.snapshot
        assert snapshot["holder"] == {"name": "Siti Rahayu", "nik_masked": person.nik_masked}
        assert "*" in person.nik_masked and person.nik not in str(snapshot)
        assert snapshot["scheme"]["code"] == certificate.scheme.code
        assert snapshot["scheme"]["name"] == "Pekerja Sosial Generalis PS"
        assert snapshot["level"] == {"id": "Pekerja Sosial Generalis", "en": "Generalist Social Worker"}
        assert [u["code"] for u in snapshot["units"]] == ["KS.01.001", "KS.01.002", "KS.01.003"]
        decision = db.session.get(Candidacy, k1).decision
        assert snapshot["decree"]["number"] == decision.decree.number
        assert snapshot["signatory"] == {
            "name": "Dr. Bambang Sutrisno, M.Si.",
            "title": "Ketua Lembaga Sertifikasi Pekerjaan Sosial",
        }
        assert snapshot["issued_place"] == "Jakarta"
        assert snapshot["signed_by"] == "LSPS" and snapshot["kind"] == "certificate"
        url, jws = statements.split_qr_text(snapshot["qr_text"])
        assert url == snapshot["verification_url"] and url.endswith(certificate.token)
        claims = statements.verify_statement(jws).claims
        assert claims == {
            "iss": "LSPS",
            "typ": "certificate",
            "no": certificate.number,
            "nm": "Siti Rahayu",
            "sc": certificate.scheme.code,
            "lv": "Pekerja Sosial Generalis",
            "vu": certificate.valid_until.isoformat(),
        }


def test_a_configured_body_signatory_signs_instead_of_the_session(app):
    session_id, _ = decided_session(app, [Verdict.K])
    app.config["CERTIFICATE_SIGNATORY_NAME"] = {"LSPS": "Prof. Dr. Ani Suryani"}
    try:
        issue(app, session_id)
    finally:
        app.config["CERTIFICATE_SIGNATORY_NAME"] = {}
    with app.app_context():
        [certificate] = certificates_of(session_id)
        assert certificate.document.snapshot["signatory"] == {
            "name": "Prof. Dr. Ani Suryani",
            "title": "Ketua Lembaga Sertifikasi Pekerjaan Sosial",
        }


# --- The PDF -----------------------------------------------------------------------------------------


def test_the_pdf_is_signed_reads_back_and_carries_a_verifiable_qr_code(app):
    session_id, _ = decided_session(app, [Verdict.K], names={0: "Bagus Pratama Wijaya"})
    issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        data = pdf_bytes(certificate)
        text = pdf_text(data)
        for expected in (
            "Bagus Pratama Wijaya",
            certificate.number,
            "SERTIFIKAT KOMPETENSI",
            "CERTIFICATE OF COMPETENCE",
            "KEMENTERIAN SOSIAL REPUBLIK INDONESIA",
            "Lembaga Sertifikasi Pekerjaan Sosial",
            "KS.01.001",
        ):
            assert expected in text, expected
        person = db.session.get(Person, certificate.person_id)
        assert person.nik not in text and person.nik_masked in text
        assert len(PdfReader(io.BytesIO(data)).pages) == 1
        check = signing.check_pdf(data)
        assert check.valid and "LSPS" in check.signer
        [qr] = qr_texts(data)
        url, jws = statements.split_qr_text(qr)
        assert url.endswith(f"/verifikasi-dokumen/{certificate.token}")
        assert statements.verify_statement(jws).claims["no"] == certificate.number


def test_long_unit_lists_go_to_a_second_page(app):
    session_id, _ = decided_session(app, [Verdict.K], units=LONG_UNITS)
    issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        reader = PdfReader(io.BytesIO(pdf_bytes(certificate)))
        assert len(reader.pages) == 2
        assert "KS.02.008" in reader.pages[1].extract_text()
        assert "KS.02.008" not in reader.pages[0].extract_text()


def test_a_tampered_pdf_no_longer_validates(app):
    session_id, _ = decided_session(app, [Verdict.K], names={0: "Rina Marlina"})
    issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        data = pdf_bytes(certificate)
        assert not signing.check_pdf(data + b"\n%% appended\n").valid


# --- Signing keys ------------------------------------------------------------------------------------


def test_a_missing_signing_key_refuses_with_a_clear_message_and_issues_nothing(app, tmp_path):
    session_id, _ = decided_session(app, [Verdict.K])
    saved = app.config["SIGNING_DEV_KEYS"], app.config["SIGNING_DIR"]
    app.config["SIGNING_DEV_KEYS"], app.config["SIGNING_DIR"] = False, str(tmp_path / "empty")
    signing.forget_signers()
    try:
        with app.app_context():
            jobs_before = db.session.scalar(select(func.count()).select_from(Job))
            with pytest.raises(SigningUnavailable, match="belum dipasang"):
                issuing.issue_for_session(db.session.get(ExamSession, session_id), SYSTEM)
            db.session.rollback()
            assert certificates_of(session_id) == []
            assert db.session.scalar(select(func.count()).select_from(Job)) == jobs_before
    finally:
        app.config["SIGNING_DEV_KEYS"], app.config["SIGNING_DIR"] = saved
        signing.forget_signers()


def test_the_admin_sees_the_signing_problem_on_the_page(app, client, tmp_path):
    session_id, _ = decided_session(app, [Verdict.K])
    admin = create_user(app, Role.BOARD_ADMIN)
    login(client, admin)
    saved = app.config["SIGNING_DEV_KEYS"], app.config["SIGNING_DIR"]
    app.config["SIGNING_DEV_KEYS"], app.config["SIGNING_DIR"] = False, str(tmp_path / "empty")
    signing.forget_signers()
    try:
        response = client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/terbitkan", follow_redirects=True)
    finally:
        app.config["SIGNING_DEV_KEYS"], app.config["SIGNING_DIR"] = saved
        signing.forget_signers()
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kunci tanda tangan elektronik untuk LSPS belum dipasang" in page
    with app.app_context():
        assert certificates_of(session_id) == []


# --- Pages and downloads -----------------------------------------------------------------------------


def test_the_board_admin_issues_from_the_session_page_and_downloads(app, client):
    session_id, (k1, appealed, bk) = decided_session(
        app, [Verdict.K, Verdict.K, Verdict.BK], names={0: "Dewi Anggraini", 1: "Yusuf Maulana"}
    )
    open_appeal(app, appealed)
    admin = create_user(app, Role.BOARD_ADMIN)
    login(client, admin)
    plenary = client.get(f"/sertifikasi/pleno/jadwal/{session_id}").get_data(as_text=True)
    assert f"/penerbitan-sertifikat/jadwal/{session_id}" in plenary
    page = client.get(f"/penerbitan-sertifikat/jadwal/{session_id}").get_data(as_text=True)
    assert "Terbitkan sertifikat" in page and "Yusuf Maulana" in page and "Banding masih diproses" in page
    response = client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/terbitkan", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 sertifikat diterbitkan, 0 sudah terbit sebelumnya, 0 ditahan" in page
    assert page.count("sudah terbit sebelumnya") == 1  # the result is stated once
    assert "Dewi Anggraini" in page and "Banding masih diproses" in page
    with app.app_context():
        [certificate] = certificates_of(session_id)
        certificate_id, number = certificate.id, certificate.number
    assert number in page
    # The page links to the one certificate download (the register's); the old admin-only route is gone.
    assert f'href="/sertifikat/{certificate_id}/unduh"' in page
    assert client.get(f"/penerbitan-sertifikat/sertifikat/{certificate_id}/unduh").status_code == 404
    download = client.get(f"/sertifikat/{certificate_id}/unduh")
    assert download.status_code == 200 and download.headers["Content-Type"] == "application/pdf"
    with app.app_context():
        assert signing.check_pdf(download.data).valid
    assert "no-store" in download.headers.get("Cache-Control", "")


def test_another_bodys_admin_gets_404_and_the_attempt_is_audited(app, client):
    session_id, _ = decided_session(app, [Verdict.K])
    issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        certificate_id = certificate.id
    stranger = create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS")
    login(client, stranger)
    assert client.get(f"/sertifikat/{certificate_id}/unduh").status_code == 404
    assert client.get(f"/penerbitan-sertifikat/jadwal/{session_id}").status_code == 404
    assert client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/terbitkan").status_code == 404
    with app.app_context():
        denied = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "certificate.access_denied", AuditEvent.object_id == str(certificate_id)
            )
        )
        assert denied == 1


def test_the_issue_button_needs_csrf(app, client, csrf_enabled):
    session_id, _ = decided_session(app, [Verdict.K])
    login(client, create_user(app, Role.BOARD_ADMIN))
    assert client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/terbitkan").status_code == 400
    with app.app_context():
        assert certificates_of(session_id) == []


# --- Resuming a stopped issuing job --------------------------------------------------------------------


class WorkerKilled(BaseException):
    """The worker process dies: nothing in the job catches it (no `fail_job`), the row stays running."""


def _user(user_ref):
    from app.accounts.models import User

    return db.session.get(User, user_ref.id)


def _issued(session_id: int) -> dict[int, str]:
    """decision id → number of the session's original certificates (none twice: asserted)."""
    certificates = certificates_of(session_id)
    assert len({c.decision_id for c in certificates}) == len(certificates)
    return {c.decision_id: c.number for c in certificates}


def _resumed_audits(session_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "certificate.issue_resumed", AuditEvent.object_id == str(session_id))
    )


def test_a_failed_job_is_resumed_from_the_page_and_issues_only_what_is_missing(app, client, monkeypatch):
    session_id, _ = decided_session(app, [Verdict.K] * 3)
    admin = create_user(app, Role.BOARD_ADMIN)
    real_issue_one = issuing.issue_one
    calls = []

    def fails_on_the_second(decision_id, *args, **kwargs):
        calls.append(decision_id)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real_issue_one(decision_id, *args, **kwargs)

    monkeypatch.setattr(issuing, "BATCH_SIZE", 1)  # one committed batch per decision
    monkeypatch.setattr(issuing, "issue_one", fails_on_the_second)
    login(client, admin)
    client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/terbitkan")
    monkeypatch.undo()
    with app.app_context():
        record = db.session.scalar(select(Job).where(Job.kind == f"certificate_issue:{session_id}"))
        job_id, plan = record.id, record.result
        assert record.status == JobStatus.FAILED and "terhenti karena galat" in record.message
        first = _issued(session_id)
        assert len(first) == 1
        assert not issuing.issuing.is_pending(certificates_of(session_id)[0].document)
    page = client.get(f"/penerbitan-sertifikat/jadwal/{session_id}").get_data(as_text=True)
    assert 'data-testid="issue-stopped"' in page and "terhenti karena galat" in page
    assert "Lanjutkan penerbitan" in page and f"/penerbitan-sertifikat/jadwal/{session_id}/lanjutkan" in page
    assert 'data-testid="confirm-issue"' not in page  # one way on: the resume button

    response = client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/lanjutkan", follow_redirects=True)
    assert response.status_code == 200 and "Penerbitan sertifikat dilanjutkan" in response.get_data(
        as_text=True
    )
    with app.app_context():
        record = db.session.get(Job, job_id)
        assert record.status == JobStatus.DONE
        assert (record.result["issued"], record.result["existing"]) == (2, 1)
        assert record.result["decision_ids"] == plan["decision_ids"]
        again = _issued(session_id)
        assert len(again) == 3 and set(again) == set(plan["decision_ids"])
        assert all(again[d] == n for d, n in first.items())  # the first keeps its number
        assert len(set(again.values())) == 3
        assert not any(issuing.issuing.is_pending(c.document) for c in certificates_of(session_id))
        assert _resumed_audits(session_id) == 1
        assert (
            db.session.scalar(select(func.count()).where(Job.kind == f"certificate_issue:{session_id}")) == 1
        )
    page = client.get(f"/penerbitan-sertifikat/jadwal/{session_id}").get_data(as_text=True)
    assert "Lanjutkan penerbitan" not in page
    assert "2 sertifikat diterbitkan, 1 sudah terbit sebelumnya" in page
    # Resuming a finished job: refused with the reason, nothing changes.
    response = client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/lanjutkan", follow_redirects=True)
    assert "sudah selesai" in response.get_data(as_text=True)
    with app.app_context():
        assert _issued(session_id) == again and _resumed_audits(session_id) == 1


def _killed_job(app, session_id: int, monkeypatch) -> int:
    """A job whose worker dies after registering the second certificate, before its PDF is rendered:
    the first certificate is complete, the second numbered with its PDF pending, the third missing."""
    from app.core import jobs
    from app.documents import issuing as documents_issuing

    real_render = documents_issuing.render_to_file
    rendered = []

    def killed_on_the_second(pending):
        if rendered:
            raise WorkerKilled()
        rendered.append(pending.document_id)
        return real_render(pending)

    monkeypatch.setattr(documents_issuing, "render_to_file", killed_on_the_second)
    with app.app_context():
        session = db.session.get(ExamSession, session_id)
        ids = sorted(d.id for d in issuing.session_plan(session).to_issue)
        record = jobs.start_job(issuing.job_kind(session), total=len(ids), actor=SYSTEM)
        record.result = {"session_id": session_id, "decision_ids": ids}
        db.session.commit()
        job_id = record.id
        with pytest.raises(WorkerKilled):
            issuing.run_issue(job_id, batch_size=1)
        db.session.rollback()
    monkeypatch.setattr(documents_issuing, "render_to_file", real_render)
    return job_id


def test_a_stalled_job_is_refused_while_it_may_run_then_resumed_without_duplicates(app, client, monkeypatch):
    from app.core import jobs

    session_id, _ = decided_session(app, [Verdict.K] * 3)
    job_id = _killed_job(app, session_id, monkeypatch)
    with app.app_context():
        record = db.session.get(Job, job_id)
        assert record.status == JobStatus.RUNNING  # nobody recorded a failure
        certificates = certificates_of(session_id)
        assert len(certificates) == 2
        assert [issuing.issuing.is_pending(c.document) for c in certificates] == [False, True]
        first = _issued(session_id)
    login(client, create_user(app, Role.BOARD_ADMIN))
    # Just now it showed a sign of life: it may still be running. No resume, no second job.
    page = client.get(f"/penerbitan-sertifikat/jadwal/{session_id}").get_data(as_text=True)
    assert "Lanjutkan penerbitan" not in page and "sedang diproses" in page
    response = client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/lanjutkan", follow_redirects=True)
    assert "sedang berjalan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.RUNNING
        assert _issued(session_id) == first and _resumed_audits(session_id) == 0

    monkeypatch.setattr(jobs, "STALLED_AFTER_SECONDS", 0)  # the silence has lasted long enough
    page = client.get(f"/penerbitan-sertifikat/jadwal/{session_id}").get_data(as_text=True)
    assert 'data-testid="issue-stopped"' in page and "tidak berjalan lagi" in page
    assert "Lanjutkan penerbitan" in page and 'data-testid="confirm-issue"' not in page
    response = client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/lanjutkan")
    assert response.status_code == 302
    monkeypatch.undo()
    with app.app_context():
        record = db.session.get(Job, job_id)
        assert record.status == JobStatus.DONE
        assert (record.result["issued"], record.result["existing"]) == (1, 2)
        again = _issued(session_id)
        assert len(again) == 3 and all(again[d] == n for d, n in first.items())
        for certificate in certificates_of(session_id):
            assert not issuing.issuing.is_pending(certificate.document)
            assert signing.check_pdf(pdf_bytes(certificate)).valid
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.issue_resumed"))
        assert event.after["was"] == "stalled" and event.after["job_id"] == job_id


def test_a_stopped_job_is_resumed_only_by_the_bodys_admins(app, client, monkeypatch):
    session_id, _ = decided_session(app, [Verdict.K] * 2)
    with app.app_context():
        from app.core import jobs

        session = db.session.get(ExamSession, session_id)
        record = jobs.start_job(issuing.job_kind(session), total=2, actor=SYSTEM)
        record.result = {
            "session_id": session_id,
            "decision_ids": [d.id for d in issuing.session_plan(session).to_issue],
        }
        db.session.commit()
        job_id = record.id
        jobs.fail_job(job_id, "Penerbitan sertifikat terhenti karena galat.")
        db.session.commit()
    stranger = create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS")
    login(client, stranger)
    assert client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/lanjutkan").status_code == 404
    with app.app_context():
        with pytest.raises(PermissionDenied):
            issuing.resume_issue(db.session.get(Job, job_id), _user(stranger))
        db.session.rollback()
        assert db.session.get(Job, job_id).status == JobStatus.FAILED
        assert certificates_of(session_id) == [] and _resumed_audits(session_id) == 0
        denied = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "certificate_issue.access_denied",
                AuditEvent.object_id == str(session_id),
            )
        )
        assert denied == 1
        # An applicant or an officer never reaches it (the route walk), and a job of another kind is
        # not an issuing job.
        other = jobs.start_job("certificate_render:1", total=1, actor=SYSTEM)
        with pytest.raises(CredentialError, match="bukan penerbitan"):
            issuing.resume_issue(other, SYSTEM)
        db.session.rollback()


def test_a_queued_job_is_not_resumed_and_the_session_without_jobs_has_nothing_to_resume(app, client):
    session_id, _ = decided_session(app, [Verdict.K])
    login(client, create_user(app, Role.BOARD_ADMIN))
    assert client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/lanjutkan").status_code == 404
    with app.app_context():
        from app.core import jobs

        session = db.session.get(ExamSession, session_id)
        record = jobs.start_job(issuing.job_kind(session), total=1, actor=SYSTEM)
        record.result = {
            "session_id": session_id,
            "decision_ids": [d.id for d in issuing.session_plan(session).to_issue],
        }
        db.session.commit()
        with pytest.raises(CredentialError, match="sedang berjalan"):
            issuing.resume_issue(record, SYSTEM)
        db.session.rollback()
        assert db.session.get(Job, record.id).status == JobStatus.QUEUED and certificates_of(session_id) == []


def test_the_resume_button_needs_csrf(app, client, csrf_enabled):
    session_id, _ = decided_session(app, [Verdict.K])
    with app.app_context():
        from app.core import jobs

        record = jobs.start_job(issuing.job_kind(session_id), total=1, actor=SYSTEM)
        record.result = {"session_id": session_id, "decision_ids": []}
        db.session.commit()
        jobs.fail_job(record.id, "galat")
        db.session.commit()
        job_id = record.id
    login(client, create_user(app, Role.BOARD_ADMIN))
    assert client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/lanjutkan").status_code == 400
    with app.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.FAILED


def test_the_stall_rule(app):
    """Unfinished and silent for longer than STALLED_AFTER_SECONDS: stalled; ended: never."""
    import time

    from app.core import jobs

    with app.app_context():
        record = jobs.start_job("certificate_issue:999999", total=2, actor=SYSTEM)
        db.session.commit()
        now = time.time()
        later = now + jobs.STALLED_AFTER_SECONDS + 5
        # Queued, never taken by a worker: judged by when it was created.
        assert not jobs.is_stalled(record, now=now)
        assert jobs.is_stalled(record, now=later)
        jobs.mark_running(record.id, "mulai")
        jobs.report_progress(record.id, 1)
        assert not jobs.is_stalled(record, now=time.time())
        assert jobs.is_stalled(record, now=time.time() + jobs.STALLED_AFTER_SECONDS + 5)
        for status in (JobStatus.DONE, JobStatus.FAILED):
            record.status = status
            assert not jobs.is_stalled(record, now=later + 10**6), status
        record.status = JobStatus.RUNNING
        jobs.fail_job(record.id, "galat")  # failing: the live state says so before the row does
        assert not jobs.is_stalled(record, now=later + 10**6)
        db.session.rollback()


# --- Correction ----------------------------------------------------------------------------------------


def test_a_correction_reissues_from_current_data_and_supersedes_the_old_one(app):
    session_id, _ = decided_session(app, [Verdict.K], names={0: "Siti Rahaju"})
    issue(app, session_id)
    with app.app_context():
        [old] = certificates_of(session_id)
        old_id, old_number, valid_until = old.id, old.number, old.valid_until
        db.session.get(Person, old.person_id).full_name = "Siti Rahayu"
        new = issuing.correct_certificate(old, SYSTEM, "Ejaan nama salah")
        new_id = new.id
        db.session.commit()
    with app.app_context():
        old, new = db.session.get(Certificate, old_id), db.session.get(Certificate, new_id)
        assert old.status == CertificateStatus.SUPERSEDED and old.superseded_by_id == new.id
        assert new.corrects_id == old.id and new.decision_id == old.decision_id
        assert new.number != old_number and new.valid_until == valid_until
        assert new.status == CertificateStatus.ACTIVE
        snapshot = new.document.snapshot
        assert snapshot["holder"]["name"] == "Siti Rahayu" and snapshot["corrects"] == old_number
        assert old.document.snapshot["holder"]["name"] == "Siti Rahaju"
        assert not issuing.issuing.is_pending(new.document)  # rendered by its job
        data = pdf_bytes(new)
        assert "Siti Rahayu" in pdf_text(data) and signing.check_pdf(data).valid
        assert issuing.render_job(new).status == JobStatus.DONE
        events = db.session.scalars(
            select(CertificateEvent)
            .where(CertificateEvent.certificate_id == old.id)
            .order_by(CertificateEvent.id)
        )
        assert [e.to_status for e in events] == [CertificateStatus.ACTIVE, CertificateStatus.SUPERSEDED]


def test_a_correction_needs_a_reason_a_live_certificate_and_the_right_body(app):
    session_id, _ = decided_session(app, [Verdict.K])
    issue(app, session_id)
    stranger = create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS")
    with app.app_context():
        from app.accounts.models import User
        from app.credentials.services import suspend_certificate

        [certificate] = certificates_of(session_id)
        with pytest.raises(CredentialError, match="alasan"):
            issuing.correct_certificate(certificate, SYSTEM, "  ")
        with pytest.raises(PermissionDenied):
            issuing.correct_certificate(certificate, db.session.get(User, stranger.id), "Nama salah")
        suspend_certificate(certificate, SYSTEM, "Pemeriksaan etik")
        with pytest.raises(CredentialError, match="aktif"):
            issuing.correct_certificate(certificate, SYSTEM, "Nama salah")
        db.session.rollback()
        assert len(certificates_of(session_id)) == 1


def test_the_job_progress_is_followed_by_the_bodys_admins(app, client):
    session_id, _ = decided_session(app, [Verdict.K])
    admin = create_user(app, Role.BOARD_ADMIN)
    login(client, admin)
    client.post(f"/penerbitan-sertifikat/jadwal/{session_id}/terbitkan")
    with app.app_context():
        record = db.session.scalar(select(Job).where(Job.kind == f"certificate_issue:{session_id}"))
        assert record.created_by_id == admin.id
        job_id = record.id
    state = client.get(f"/tugas/{job_id}").get_json()
    assert state["status"] == "done" and state["percent"] == 100
    client.post("/akun/keluar")
    login(client, create_user(app, Role.BOARD_ADMIN))  # another admin of the body follows it too
    assert client.get(f"/tugas/{job_id}").status_code == 200
    client.post("/akun/keluar")
    login(client, create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS"))  # another body's does not
    assert client.get(f"/tugas/{job_id}").status_code == 404


def test_expired_decisions_or_changed_dates_do_not_matter_for_a_future_issue_date(app):
    """A decision taken long ago is issued today, valid from today."""
    session_id, (k1,) = decided_session(app, [Verdict.K])
    with app.app_context():
        decision = db.session.get(Candidacy, k1).decision
        decision.decree.decided_at = decision.decree.decided_at - timedelta(days=400)
        db.session.commit()
    issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        assert certificate.issued_on == local_today()
        assert certificate.document.snapshot["decree"]["date"] < local_today().isoformat()


def test_a_certificate_left_without_its_pdf_is_rendered_by_the_next_run(app):
    """A worker killed between registering and rendering: issuing again renders what is pending."""
    session_id, (k1,) = decided_session(app, [Verdict.K])
    with app.app_context():
        decision = db.session.get(Candidacy, k1).decision
        certificate = issuing.new_certificate(decision, SYSTEM, local_today())
        db.session.commit()
        assert issuing.issuing.is_pending(certificate.document)
        plan = issuing.session_plan(db.session.get(ExamSession, session_id))
        assert [c.id for c in plan.unfinished] == [certificate.id] and plan.to_issue == []
    job_id = issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        assert not issuing.issuing.is_pending(certificate.document)
        assert db.session.get(Job, job_id).result["existing"] == 1
        assert signing.check_pdf(pdf_bytes(certificate)).valid


def test_a_large_job_renders_in_renderer_processes(app):
    session_id, _ = decided_session(app, [Verdict.K] * 3, names={0: "Ayu Kinanti", 1: "Budi Santoso"})
    saved = app.config["CERTIFICATE_RENDER_POOL_MIN"], app.config["CERTIFICATE_RENDER_PROCESSES"]
    app.config["CERTIFICATE_RENDER_POOL_MIN"], app.config["CERTIFICATE_RENDER_PROCESSES"] = 1, 2
    try:
        job_id = issue(app, session_id)
    finally:
        app.config["CERTIFICATE_RENDER_POOL_MIN"], app.config["CERTIFICATE_RENDER_PROCESSES"] = saved
    with app.app_context():
        assert db.session.get(Job, job_id).result["issued"] == 3
        for certificate in certificates_of(session_id):
            assert not issuing.issuing.is_pending(certificate.document)
            data = pdf_bytes(certificate)
            assert certificate.document.sha256 == hashlib.sha256(data).hexdigest()
            assert signing.check_pdf(data).valid
            assert certificate.document.snapshot["holder"]["name"] in pdf_text(data)


def test_the_qr_code_opens_the_public_page_of_the_issued_certificate(app, client):
    session_id, _ = decided_session(app, [Verdict.K], names={0: "Lestari Handayani"})
    issue(app, session_id)
    with app.app_context():
        [certificate] = certificates_of(session_id)
        url, _jws = statements.split_qr_text(qr_texts(pdf_bytes(certificate))[0])
        person = db.session.get(Person, certificate.person_id)
        nik, number = person.nik, certificate.number
    page = client.get(urlsplit(url).path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lestari Handayani" in text and number in text and "Aktif" in text
    assert nik not in text and "3204" not in text.replace(number, "")
