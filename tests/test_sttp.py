"""STTP: completing a session in the background (decisions checked, enrolments completed or failed,
STTPs numbered, rendered and stored, JP-ledger lines, e-mails, the session closed), the job's restart
after a crash, the PDF's content and QR code, reprints, and who may download an STTP."""

from __future__ import annotations

import hashlib
import io
import os
import re
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.jobs import Job, JobStatus
from app.core.models import local_today
from app.core.numbering import roman_month
from app.core.roles import Role
from app.documents import issuing
from app.documents.models import IssuedDocument
from app.extensions import db
from app.people.models import Person
from app.training.models import Enrolment, TrainingRecord, TrainingSession
from app.training.states import EnrolmentStatus, RecordKind, RecordStatus, SessionStatus, TrainingError
from app.training.sttp import services
from app.training.sttp.services import CompletionDecision
from tests.factories import create_user, login
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_verified_person,
)

NUMBER = re.compile(r"^(\d{6})/STTP/BBPPKS-BANDUNG/([IVX]+)/(\d{4})$")


@pytest.fixture(autouse=True)
def _forget_live_progress():
    """Job ids are reused after each test's rollback: drop the live progress the queue keeps for them,
    so no later test reads this test's progress."""
    from app.core.jobs import huey

    yield
    huey.storage.flush_results()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qr_codes(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def running_session(
    app, people: int = 2, *, pass_score=None, full_name=None, region: str = "32.04"
) -> tuple[int, list[int]]:
    """A running session (ended yesterday) of BBPPKS Bandung with `people` accepted participants
    (living in `region`)."""
    programme_id = create_programme(app, pass_score=pass_score)
    session_id = create_session(
        app, programme_id, status=SessionStatus.RUNNING, starts_on=date.today() - timedelta(days=5)
    )
    enrolments = []
    for index in range(people):
        person_id, registration_id = create_verified_person(
            app, full_name=full_name or f"Peserta Uji {index + 1}", region=region
        )
        enrolments.append(create_enrolment(app, session_id, person_id, registration_id))
    return session_id, enrolments


def officer_of(app, provider: str = "BBPPKS-BANDUNG"):
    return create_user(app, Role.TRAINING_OFFICER, provider_code=provider)


def complete(app, session_id: int, decisions: list[CompletionDecision], actor_id: int | None) -> int:
    """start_completion as a request would do it; the job runs when the unit commits. Returns the job id."""
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        actor = db.session.get(User, actor_id)
        job = services.start_completion(session, actor, decisions)
        db.session.commit()
        return job.id


def count_documents(enrolments: list[int]) -> int:
    """STTPs of these enrolments (other tests' committed rows never count)."""
    return db.session.scalar(
        select(func.count())
        .select_from(IssuedDocument)
        .join(Enrolment, Enrolment.sttp_id == IssuedDocument.id)
        .where(Enrolment.id.in_(enrolments))
    )


def count_records(enrolments: list[int]) -> int:
    return db.session.scalar(
        select(func.count()).select_from(TrainingRecord).where(TrainingRecord.enrolment_id.in_(enrolments))
    )


def all_pass(enrolments: list[int]) -> list[CompletionDecision]:
    return [CompletionDecision(e, True, 100) for e in enrolments]


# --- The whole completion ---------------------------------------------------------------------------


def test_completion_issues_numbered_sttps_ledger_lines_and_mails_and_closes_the_session(app, outbox):
    session_id, (passed, failed) = running_session(app, 2)
    officer = officer_of(app)
    job_id = complete(
        app,
        session_id,
        [
            CompletionDecision(passed, True, 100, final_score=Decimal("87.5")),
            CompletionDecision(failed, False, 40, reason="Kehadiran hanya 2 dari 5 hari."),
        ],
        officer.id,
    )
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.DONE and job.result["counts"] == {
            "completed": 1,
            "not_completed": 1,
            "skipped": 0,
        }
        assert db.session.get(TrainingSession, session_id).status == SessionStatus.CLOSED

        done = db.session.get(Enrolment, passed)
        assert done.status == EnrolmentStatus.COMPLETED and done.completed_at is not None
        assert done.attendance_percent == 100 and done.final_score == Decimal("87.5")
        match = NUMBER.match(done.sttp.number)
        today = local_today()
        assert match and match.group(2) == roman_month(today.month) and match.group(3) == str(today.year)
        assert done.sttp.person_id == done.person_id and done.sttp.issued_by_id == officer.id
        assert done.sttp.sha256 == hashlib.sha256(issuing.path_of(done.sttp).read_bytes()).hexdigest()
        assert done.events[-1].to_status == EnrolmentStatus.COMPLETED
        assert done.events[-1].actor_id == officer.id

        record = db.session.scalar(select(TrainingRecord).where(TrainingRecord.enrolment_id == passed))
        assert record.kind == RecordKind.INTERNAL and record.status == RecordStatus.ACCEPTED
        assert record.certificate_number == done.sttp.number and record.jp == 40
        assert (record.started_on, record.ended_on) == (done.session.starts_on, done.session.ends_on)
        assert record.title == done.session.programme.title
        assert record.provider_name == done.session.provider.name
        assert (record.province_code, record.regency_code) == (done.province_code, done.regency_code)
        assert [e.to_status for e in record.events] == [RecordStatus.ACCEPTED]

        not_done = db.session.get(Enrolment, failed)
        assert not_done.status == EnrolmentStatus.NOT_COMPLETED and not_done.sttp_id is None
        assert not_done.decision_reason == "Kehadiran hanya 2 dari 5 hari."
        assert not_done.events[-1].reason == "Kehadiran hanya 2 dari 5 hari."
        assert db.session.scalar(select(TrainingRecord).where(TrainingRecord.enrolment_id == failed)) is None

        # One issue audited for the completed participant; none for the other (live tests, such as
        # the browser journey, may have issued documents of their own before this test).
        issued = db.session.scalars(
            select(AuditEvent.object_id).where(
                AuditEvent.action == "issued_document.issued", AuditEvent.object_id == str(done.sttp_id)
            )
        ).all()
        assert issued == [str(done.sttp_id)]
        passed_mail, failed_mail = done.person.email, not_done.person.email
        number = done.sttp.number
    body = outbox.body(outbox.last_to(passed_mail))
    assert body.startswith("Yth. Peserta Uji 1,") and number in body and "/sttp/saya" in body
    assert "/verifikasi-dokumen/" in body
    body = outbox.body(outbox.last_to(failed_mail))
    assert body.startswith("Yth. Peserta Uji 2,") and "Kehadiran hanya 2 dari 5 hari." in body


def test_numbers_count_per_provider_and_follow_the_sequence(app):
    session_id, enrolments = running_session(app, 3)
    complete(app, session_id, all_pass(enrolments), officer_of(app).id)
    with app.app_context():
        numbers = [db.session.get(Enrolment, e).sttp.number for e in enrolments]
    sequences = [int(NUMBER.match(n).group(1)) for n in numbers]
    assert sequences == list(range(sequences[0], sequences[0] + 3))
    # Another provider's counter starts on its own.
    programme_id = create_programme(app, provider="BBPPKS-MAKASSAR")
    other = create_session(
        app, programme_id, status=SessionStatus.RUNNING, starts_on=date.today() - timedelta(5)
    )
    person_id, registration_id = create_verified_person(app)
    enrolment = create_enrolment(app, other, person_id, registration_id)
    complete(app, other, all_pass([enrolment]), officer_of(app, "BBPPKS-MAKASSAR").id)
    with app.app_context():
        assert db.session.get(Enrolment, enrolment).sttp.number.startswith("000001/STTP/BBPPKS-MAKASSAR/")


def test_a_number_pattern_of_the_provider_is_used(app):
    from app.core.numbering import NumberPattern

    with app.app_context():
        db.session.add(
            NumberPattern(
                series="sttp",
                scope_kind="training_provider",
                scope_code="BBPPKS-BANDUNG",
                pattern="STTP-LBG/{seq:04d}/{year}",
            )
        )
        db.session.commit()
    session_id, enrolments = running_session(app, 1)
    complete(app, session_id, all_pass(enrolments), officer_of(app).id)
    with app.app_context():
        assert db.session.get(Enrolment, enrolments[0]).sttp.number == f"STTP-LBG/0001/{local_today().year}"


# --- The STTP itself -------------------------------------------------------------------------------


def test_the_pdf_states_what_was_issued_and_its_qr_opens_the_verification_page(app, client):
    session_id, enrolments = running_session(app, 1, full_name="Siti Nurhaliza")
    complete(
        app, session_id, [CompletionDecision(enrolments[0], True, 95, Decimal("88.25"))], officer_of(app).id
    )
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolments[0])
        document, person, session = enrolment.sttp, enrolment.person, enrolment.session
        data = issuing.path_of(document).read_bytes()
        nik, masked, url = person.nik, person.nik_masked, issuing.verification_url(document)
        number, provider, starts, ends = (
            document.number,
            session.provider.name,
            session.starts_on,
            session.ends_on,
        )
    text = pdf_text(data)
    flat = " ".join(text.split())
    for expected in (
        "KEMENTERIAN SOSIAL REPUBLIK INDONESIA",
        "SURAT TANDA TAMAT PELATIHAN",
        f"Nomor: {number}",
        "Siti Nurhaliza",
        f"NIK {masked}",
        "Pelatihan Dasar Pendampingan Sosial",
        "40 JP",
        services.dates_text(starts, ends),
        "Jl. Raya Lembang No. 100",
        "LULUS",
        "95%",
        "88,25",
        "Dr. Sri Wahyuni, M.Si.",
        "Kepala BBPPKS Bandung",
        " ".join(provider.split()),
    ):
        assert expected in flat, expected
    assert nik not in flat and nik[4:12] not in flat
    assert masked.startswith(nik[:4]) and "*" in masked
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, in points
    assert reader.metadata.title == f"STTP {number}"
    assert reader.metadata["/CreationDate"] == f"D:{local_today():%Y%m%d}"
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }
    # Subsets of the shipped files (app/core/pdf_layout.py), never a system fallback.
    shipped = re.compile(r"/[A-Z]{6}\+DejaVu(Sans|Serif)(-Bold)?")
    assert fonts and all(shipped.fullmatch(font) for font in fonts), fonts
    assert qr_codes(data) == [url]
    assert client.get(urlsplit(url).path).status_code == 200


def test_a_civil_servant_gets_a_masked_nip(app):
    with app.app_context():
        person = Person(full_name="Budi ASN", is_civil_servant=True, nip="199008122015031001")
        assert services.holder_identity(person) == ("NIP", "1990**********1001")
        person = Person(full_name="Budi", is_civil_servant=True, nip=None, nik_masked="3204********0001")
        assert services.holder_identity(person) == ("NIK", "3204********0001")


def test_dates_text_in_indonesian():
    assert services.dates_text(date(2026, 12, 14), date(2026, 12, 18)) == "14–18 Desember 2026"
    assert services.dates_text(date(2026, 11, 28), date(2026, 12, 2)) == "28 November – 2 Desember 2026"
    assert services.dates_text(date(2026, 12, 30), date(2027, 1, 2)) == "30 Desember 2026 – 2 Januari 2027"
    assert services.dates_text(date(2027, 1, 5), date(2027, 1, 5)) == "5 Januari 2027"


def test_a_reprint_shows_what_was_issued_after_the_name_and_programme_change(app):
    session_id, enrolments = running_session(app, 1, full_name="Nama Lama")
    complete(app, session_id, all_pass(enrolments), officer_of(app).id)
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolments[0])
        enrolment.person.full_name = "Nama Baru Sekali"
        enrolment.session.programme.title = "Judul Program Yang Diganti"
        enrolment.session.programme.jp = 99
        db.session.commit()
        document = enrolment.sttp
        reprinted = issuing.reprint(document)
        assert hashlib.sha256(reprinted).hexdigest() == document.sha256  # the same bytes as issued
        text = pdf_text(reprinted)
        assert "Nama Lama" in text and "Nama Baru" not in text
        assert "Pelatihan Dasar Pendampingan Sosial" in text and "Diganti" not in text
        assert "40 JP" in text and "99 JP" not in text


def test_a_missing_or_damaged_file_is_served_from_the_snapshot_and_restored(app):
    session_id, enrolments = running_session(app, 1)
    complete(app, session_id, all_pass(enrolments), officer_of(app).id)
    with app.app_context():
        document = db.session.get(Enrolment, enrolments[0]).sttp
        path = issuing.path_of(document)
        original = path.read_bytes()
        path.unlink()
        assert issuing.read_pdf(document) == original and path.read_bytes() == original
        path.write_bytes(b"%PDF-1.7 damaged")
        assert issuing.read_pdf(document) == original and path.read_bytes() == original


def test_stored_names_follow_the_document_id():
    assert issuing.stored_name_for("sttp", 123) == "sttp/0000/sttp-00000123.pdf"
    assert issuing.stored_name_for("sttp", 123456) == "sttp/0012/sttp-00123456.pdf"
    with pytest.raises(ValueError):
        issuing.stored_name_for("../etc", 1)


def test_tokens_are_unguessable_and_distinct_from_numbers(app):
    session_id, enrolments = running_session(app, 3)
    complete(app, session_id, all_pass(enrolments), officer_of(app).id)
    with app.app_context():
        documents = [db.session.get(Enrolment, e).sttp for e in enrolments]
        tokens = {d.token for d in documents}
        assert len(tokens) == 3
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)
        assert all(d.token not in d.number and str(d.id) != d.token for d in documents)


# --- Restart and idempotency -----------------------------------------------------------------------


def issued_audits(documents) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "issued_document.issued",
            AuditEvent.object_id.in_([str(d.id) for d in documents]),
        )
    )


def sttp_mails(outbox, address: str) -> int:
    return sum(1 for m in outbox.to(address) if m["Subject"].startswith("STTP Anda sudah terbit"))


def assert_finished(job_id, enrolments, outbox) -> list[IssuedDocument]:
    """The job is done: every participant has one STTP, numbers without gap or duplicate, each file
    stored with its SHA-256, one issue audit entry and one e-mail each, a ledger line each."""
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.DONE and job.result["counts"]["completed"] == len(enrolments)
    documents = [db.session.get(Enrolment, e).sttp for e in enrolments]
    sequences = sorted(int(NUMBER.match(d.number).group(1)) for d in documents)
    assert sequences == list(range(sequences[0], sequences[0] + len(enrolments)))  # no gap, no duplicate
    for document in documents:
        assert hashlib.sha256(issuing.path_of(document).read_bytes()).hexdigest() == document.sha256
    assert count_documents(enrolments) == len(enrolments) and count_records(enrolments) == len(enrolments)
    assert issued_audits(documents) == len(enrolments)
    for document in documents:
        assert sttp_mails(outbox, document.person.email) == 1
    return documents


def test_a_job_killed_mid_way_finishes_when_run_again_without_duplicates_or_gaps(app, monkeypatch, outbox):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    session_id, enrolments = running_session(app, 5)
    officer = officer_of(app)
    real_render = issuing.render
    calls = {"n": 0}

    def crash_on_the_fourth(template, snapshot):
        calls["n"] += 1
        if calls["n"] == 4:  # the worker dies while rendering the 4th STTP (2nd batch)
            raise RuntimeError("worker killed")
        return real_render(template, snapshot)

    monkeypatch.setattr(issuing, "render", crash_on_the_fourth)
    with app.app_context():
        before_documents = db.session.scalar(select(func.count()).select_from(IssuedDocument))
    job_id = complete(app, session_id, all_pass(enrolments), officer.id)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.FAILED and "Jalankan lagi" in job.message
        statuses = [db.session.get(Enrolment, e).status for e in enrolments]
        # The 2nd batch's bookkeeping was committed before its STTPs were rendered.
        assert statuses == [EnrolmentStatus.COMPLETED] * 4 + [EnrolmentStatus.ACCEPTED]
        documents = [db.session.get(Enrolment, e).sttp for e in enrolments[:4]]
        assert db.session.scalar(select(func.count()).select_from(IssuedDocument)) == before_documents + 4
        assert [issuing.is_pending(d) for d in documents] == [False, False, True, True]
        assert issued_audits(documents) == 2
        assert db.session.get(TrainingSession, session_id).status == SessionStatus.RUNNING
        assert sum(sttp_mails(outbox, d.person.email) for d in documents) == 2  # only the rendered ones
        numbers = [d.number for d in documents]

    monkeypatch.setattr(issuing, "render", real_render)
    with app.app_context():
        services.resume_completion(db.session.get(Job, job_id), db.session.get(User, officer.id))
        db.session.commit()
    with app.app_context():
        documents = assert_finished(job_id, enrolments, outbox)
        assert [d.number for d in documents[:4]] == numbers  # the pending ones kept their numbers
        assert db.session.get(TrainingSession, session_id).status == SessionStatus.CLOSED


def test_a_job_killed_while_storing_the_hashes_renders_them_again(app, monkeypatch, outbox):
    """Killed after the PDFs were written but before their SHA-256 was stored: the run again renders
    them again (same files, same bytes) and issues no new number."""
    session_id, enrolments = running_session(app, 3)
    officer = officer_of(app)
    real_complete = issuing.complete

    def killed(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(issuing, "complete", killed)
    job_id = complete(app, session_id, all_pass(enrolments), officer.id)
    with app.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.FAILED
        documents = [db.session.get(Enrolment, e).sttp for e in enrolments[: services.BATCH_SIZE]]
        documents = [d for d in documents if d is not None]
        assert documents and all(issuing.is_pending(d) for d in documents)
        assert all(issuing.path_of(d).exists() for d in documents)  # rendered, not yet recorded
        assert issued_audits(documents) == 0
        assert not any(sttp_mails(outbox, d.person.email) for d in documents)
        numbers = {d.id: d.number for d in documents}

    monkeypatch.setattr(issuing, "complete", real_complete)
    with app.app_context():
        services.resume_completion(db.session.get(Job, job_id), db.session.get(User, officer.id))
        db.session.commit()
    with app.app_context():
        finished = assert_finished(job_id, enrolments, outbox)
        assert {d.id: d.number for d in finished if d.id in numbers} == numbers


def test_the_pdfs_are_rendered_outside_any_transaction(app, monkeypatch):
    session_id, enrolments = running_session(app, 3)
    real_render = issuing.render
    open_transactions = []

    def render(template, snapshot):
        open_transactions.append(db.session().in_transaction())
        return real_render(template, snapshot)

    monkeypatch.setattr(issuing, "render", render)
    complete(app, session_id, all_pass(enrolments), officer_of(app).id)
    assert open_transactions == [False, False, False]


def test_a_pending_sttp_is_recorded_and_mailed_once(app, outbox):
    """Two workers finishing the same rendered STTP: the second changes nothing."""
    session_id, enrolments = running_session(app, 1)
    officer = officer_of(app)
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        user = db.session.get(User, officer.id)
        services.settle(session, CompletionDecision(enrolments[0], True, 100), user)
        (pending,) = services.pending_renders(enrolments)
        sha256 = issuing.render_to_file(pending)
        services.finish_sttp(pending.document_id, sha256, user)
        services.finish_sttp(pending.document_id, "0" * 64, user)
        document = db.session.get(IssuedDocument, pending.document_id)
        assert document.sha256 == sha256 and services.pending_renders(enrolments) == []
        assert issued_audits([document]) == 1
        address = document.person.email
        db.session.commit()
    assert sttp_mails(outbox, address) == 1


def test_issue_does_all_three_steps_in_the_callers_transaction(app):
    """issuing.issue (for callers issuing one document in a request): row, file, SHA-256, audit."""
    session_id, enrolments = running_session(app, 1)
    with app.app_context():
        enrolment = db.session.get(Enrolment, enrolments[0])
        snapshot = services.sttp_snapshot(enrolment, date(2026, 12, 4))
        document = issuing.issue(
            "sttp", "999001/STTP/UJI/XII/2026", enrolment.person, snapshot, services.TEMPLATE, None
        )
        data = issuing.path_of(document).read_bytes()
        assert not issuing.is_pending(document) and hashlib.sha256(data).hexdigest() == document.sha256
        assert issuing.reprint(document) == data and issued_audits([document]) == 1
        path = issuing.path_of(document)
        db.session.rollback()
    assert not path.exists()  # the transaction rolled back: its file is gone


@pytest.mark.live
@pytest.mark.skipif(
    (os.environ.get("TEST_DATABASE_URL") or "sqlite").startswith("postgresql"),
    reason="SQLite's single write lock",
)
def test_on_sqlite_the_write_lock_is_free_while_the_pdfs_render(app, monkeypatch):
    """Another connection takes the write lock at once (no busy wait) while the job renders. Its rows
    are committed for real: its people live in Kota Surabaya, outside the regions other tests list
    exactly (Kabupaten Bandung, Kota Semarang)."""
    session_id, enrolments = running_session(app, 2, region="35.78")
    real_render = issuing.render
    took_the_lock = []

    def render(template, snapshot):
        other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the job holds the lock
            other.execute("ROLLBACK")
            took_the_lock.append(True)
        finally:
            other.close()
        return real_render(template, snapshot)

    monkeypatch.setattr(issuing, "render", render)
    complete(app, session_id, all_pass(enrolments), officer_of(app).id)
    assert took_the_lock == [True, True]


def test_running_the_job_again_changes_nothing(app, outbox):
    session_id, enrolments = running_session(app, 2)
    job_id = complete(app, session_id, all_pass(enrolments), officer_of(app).id)
    with app.app_context():
        before = sorted(d.number for d in db.session.scalars(select(IssuedDocument)))  # no new one below
        mails = len(outbox.messages())
        job = db.session.get(Job, job_id)
        job.status = JobStatus.RUNNING  # as if a second worker picked up the same job
        db.session.commit()
        services.run_completion(job_id)
        db.session.commit()
        assert sorted(d.number for d in db.session.scalars(select(IssuedDocument))) == before
        assert count_records(enrolments) == 2
        assert db.session.get(Job, job_id).status == JobStatus.DONE
    assert len(outbox.messages()) == mails


def test_a_completed_enrolment_without_its_sttp_or_ledger_line_gets_them(app):
    session_id, enrolments = running_session(app, 1)
    officer = officer_of(app)
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        user = db.session.get(User, officer.id)
        enrolment = db.session.get(Enrolment, enrolments[0])
        from app.training.states import ENROLMENT_LIFECYCLE, EnrolmentAction

        ENROLMENT_LIFECYCLE.transition(
            enrolment, EnrolmentAction.COMPLETE, user, values={"attendance_percent": 100}
        )
        assert services.settle(session, CompletionDecision(enrolment.id, True, 100), user) == "completed"
        assert enrolment.sttp_id is not None
        assert services.settle(session, CompletionDecision(enrolment.id, True, 100), user) == "completed"
        assert count_documents(enrolments) == 1 and count_records(enrolments) == 1


# --- Refusals ------------------------------------------------------------------------------------------


def _start(app, session_id, decisions, user_id):
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        services.start_completion(session, db.session.get(User, user_id), decisions)


def test_only_the_providers_officers_may_complete(app):
    session_id, enrolments = running_session(app, 1)
    for user in (officer_of(app, "BBPPKS-MAKASSAR"), create_user(app, Role.APPLICANT)):
        with pytest.raises(PermissionDenied):
            _start(app, session_id, all_pass(enrolments), user.id)
    with app.app_context(), pytest.raises(PermissionDenied):
        services.start_completion(db.session.get(TrainingSession, session_id), None, all_pass(enrolments))
    _start(app, session_id, all_pass(enrolments), create_user(app, Role.MINISTRY_ADMIN).id)


@pytest.mark.parametrize(
    ("decide", "message"),
    [
        (lambda e, o: [CompletionDecision(e[0], True, 100)], "Belum ada keputusan untuk"),
        (lambda e, o: all_pass(e) + [CompletionDecision(e[0], True, 100)], "satu kali"),
        (lambda e, o: all_pass(e) + [CompletionDecision(o, True, 100)], "tidak diterima"),
        (lambda e, o: [CompletionDecision(e[0], False, 40), *all_pass(e[1:])], "alasan"),
        (lambda e, o: [CompletionDecision(e[0], False, 40, reason="   "), *all_pass(e[1:])], "alasan"),
        (lambda e, o: [CompletionDecision(e[0], True, 80), *all_pass(e[1:])], "di bawah batas 90%"),
        (lambda e, o: [CompletionDecision(e[0], True, 101), *all_pass(e[1:])], "0–100%"),
        (lambda e, o: [CompletionDecision(e[0], True, -1), *all_pass(e[1:])], "0–100%"),
        (lambda e, o: [CompletionDecision(e[0], True, 100, Decimal("100.5")), *all_pass(e[1:])], "0–100"),
        (lambda e, o: [CompletionDecision(e[0], True, 100, Decimal("NaN")), *all_pass(e[1:])], "0–100"),
        (lambda e, o: [CompletionDecision(e[0], False, 10, reason="x" * 1001), *all_pass(e[1:])], "panjang"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_recorded(app, decide, message):
    session_id, enrolments = running_session(app, 2)
    other_session, other_enrolments = running_session(app, 1)
    officer = officer_of(app)
    with app.app_context():
        session = db.session.get(TrainingSession, session_id)
        with pytest.raises(TrainingError) as raised:
            services.start_completion(
                session, db.session.get(User, officer.id), decide(enrolments, other_enrolments[0])
            )
        shown = " ".join([str(raised.value.message), *(str(m) for m in (raised.value.errors or {}).values())])
        assert message in shown
        assert services.completion_jobs(session) == []


def test_completion_needs_the_pass_score_when_the_programme_has_one(app):
    session_id, enrolments = running_session(app, 1, pass_score=Decimal("70"))
    officer = officer_of(app)
    for score in (None, Decimal("69.99")):
        with pytest.raises(TrainingError):
            _start(app, session_id, [CompletionDecision(enrolments[0], True, 100, score)], officer.id)
    _start(app, session_id, [CompletionDecision(enrolments[0], True, 100, Decimal("70"))], officer.id)


def test_an_applied_or_wait_listed_enrolment_cannot_be_decided(app):
    session_id, enrolments = running_session(app, 1)
    person_id, registration_id = create_verified_person(app)
    applied = create_enrolment(app, session_id, person_id, registration_id, status=EnrolmentStatus.APPLIED)
    with pytest.raises(TrainingError):
        _start(app, session_id, all_pass([*enrolments, applied]), officer_of(app).id)


def test_session_status_and_dates_decide_whether_it_can_be_completed(app):
    officer = officer_of(app)
    programme_id = create_programme(app)
    for status in (SessionStatus.CLOSED, SessionStatus.CANCELLED):
        session_id = create_session(app, programme_id, status=status, starts_on=date.today() - timedelta(5))
        with pytest.raises(TrainingError, match="sudah"):
            _start(app, session_id, [], officer.id)
    future = create_session(app, programme_id, status=SessionStatus.OPEN)  # starts in two weeks
    person_id, registration_id = create_verified_person(app)
    enrolment = create_enrolment(app, future, person_id, registration_id)
    with pytest.raises(TrainingError, match="hari terakhirnya"):
        _start(app, future, all_pass([enrolment]), officer.id)
    # Open, and its last day is today: it is started and completed.
    today_ends = create_session(
        app, programme_id, status=SessionStatus.OPEN, starts_on=date.today() - timedelta(4)
    )
    person_id, registration_id = create_verified_person(app)
    enrolment = create_enrolment(app, today_ends, person_id, registration_id)
    complete(app, today_ends, all_pass([enrolment]), officer.id)
    with app.app_context():
        session = db.session.get(TrainingSession, today_ends)
        assert [e.to_status for e in session.events][-2:] == [SessionStatus.RUNNING, SessionStatus.CLOSED]


def test_a_running_session_is_not_completed_before_its_last_day(app):
    officer = officer_of(app)
    session_id = create_session(
        app, create_programme(app), status=SessionStatus.RUNNING, starts_on=date.today() - timedelta(1)
    )  # five days: it ends in three days
    enrolment = create_enrolment(app, session_id, *create_verified_person(app))
    with app.app_context():
        ends_on = db.session.get(TrainingSession, session_id).ends_on
    with pytest.raises(TrainingError) as refused:
        _start(app, session_id, all_pass([enrolment]), officer.id)
    message = str(refused.value.message)
    assert message == (
        "Angkatan ini belum berakhir; angkatan dapat diselesaikan mulai hari terakhirnya, "
        f"{services._id_date(ends_on)}."
    )
    client = app.test_client()
    login(client, officer)
    page = client.get(f"/diklat/angkatan/{session_id}/penyelesaian").get_data(as_text=True)
    assert "Angkatan ini belum berakhir" in page  # the button is disabled with the reason
    with app.app_context():
        assert db.session.get(Enrolment, enrolment).status == EnrolmentStatus.ACCEPTED
        assert services.completion_jobs(db.session.get(TrainingSession, session_id)) == []


def test_no_second_completion_while_one_is_queued(app):
    session_id, enrolments = running_session(app, 1)
    officer = officer_of(app)
    with app.app_context():
        db.session.add(
            Job(
                kind=f"{services.JOB_KIND}:{session_id}",
                total=1,
                status=JobStatus.QUEUED,
                result={"session_id": session_id},
            )
        )
        db.session.commit()
    with pytest.raises(TrainingError, match="sedang diproses"):
        _start(app, session_id, all_pass(enrolments), officer.id)


def test_a_session_without_accepted_participants_cannot_be_completed(app):
    programme_id = create_programme(app)
    session_id = create_session(
        app, programme_id, status=SessionStatus.RUNNING, starts_on=date.today() - timedelta(5)
    )
    with pytest.raises(TrainingError, match="Tidak ada peserta"):
        _start(app, session_id, [], officer_of(app).id)


def test_a_done_job_cannot_be_resumed_and_only_by_the_provider(app):
    session_id, enrolments = running_session(app, 1)
    officer = officer_of(app)
    job_id = complete(app, session_id, all_pass(enrolments), officer.id)
    other = officer_of(app, "BBPPKS-MAKASSAR")
    with app.app_context():
        job = db.session.get(Job, job_id)
        with pytest.raises(PermissionDenied):
            services.resume_completion(job, db.session.get(User, other.id))
        with pytest.raises(TrainingError, match="sudah selesai"):
            services.resume_completion(job, db.session.get(User, officer.id))


# --- Pages ---------------------------------------------------------------------------------------------


def _holder_with_sttp(app) -> tuple:
    """An applicant account whose person completed a session; returns (user, document id, session id)."""
    user = create_user(app, Role.APPLICANT)
    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.user_id == user.id))
    programme_id = create_programme(app)
    session_id = create_session(
        app, programme_id, status=SessionStatus.RUNNING, starts_on=date.today() - timedelta(5)
    )
    with app.app_context():  # the account's person gets a profile and a verified registration
        from app.people.services import ProfileData, save_profile
        from tests.factories import new_nik

        person = db.session.get(Person, person_id)
        save_profile(
            ProfileData(
                nik=new_nik(),
                full_name="Pemohon Uji",
                birth_place="Bandung",
                birth_date=date(1990, 8, 12),
                sex="L",
                village_code="32.04.12.2002",
                street="Jl. Melati 5",
                rt="001",
                rw="002",
                phone="081234567890",
                email=user.email,
                education_level_code="SMA/SMK",
            ),
            person=person,
        )
        db.session.commit()
    from tests.factories import create_registration

    registration_id = create_registration(app, person_id)
    with app.app_context():
        from app.core.actors import SYSTEM
        from app.registration import services as registration_services
        from app.registration.models import Registration
        from app.registration.states import Action

        registration_services.decide(db.session.get(Registration, registration_id), Action.VERIFY, SYSTEM)
        db.session.commit()
    enrolment = create_enrolment(app, session_id, person_id, registration_id)
    complete(app, session_id, all_pass([enrolment]), officer_of(app).id)
    with app.app_context():
        return user, db.session.get(Enrolment, enrolment).sttp_id, session_id


def test_download_for_the_holder_the_providers_officer_and_the_ministry(app):
    holder, document_id, _ = _holder_with_sttp(app)
    with app.app_context():
        document = db.session.get(IssuedDocument, document_id)
        sha, number = document.sha256, document.number
    for user in (holder, officer_of(app), create_user(app, Role.MINISTRY_ADMIN)):
        client = app.test_client()
        login(client, user)
        response = client.get(f"/sttp/{document_id}/unduh")
        assert response.status_code == 200, user
        assert response.mimetype == "application/pdf"
        assert hashlib.sha256(response.data).hexdigest() == sha
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "sandbox" in response.headers["Content-Security-Policy"]
    client = app.test_client()
    login(client, holder)
    page = client.get("/sttp/saya").get_data(as_text=True)
    assert number in page and f"/sttp/{document_id}/unduh" in page


@pytest.mark.parametrize("role", ["applicant", "other_provider", "agency"])
def test_others_get_404_and_the_attempt_is_audited(app, role):
    _, document_id, _ = _holder_with_sttp(app)
    user = {
        "applicant": lambda: create_user(app, Role.APPLICANT),
        "other_provider": lambda: officer_of(app, "BBPPKS-MAKASSAR"),
        "agency": lambda: create_user(app, Role.AGENCY_OFFICER),
    }[role]()
    client = app.test_client()
    login(client, user)
    assert client.get(f"/sttp/{document_id}/unduh").status_code == 404
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.object_id).where(
                AuditEvent.action == "issued_document.access_denied", AuditEvent.actor_id == user.id
            )
        ) == str(document_id)


def test_download_of_an_unknown_document_and_anonymous_visitors(app, client):
    _, document_id, _ = _holder_with_sttp(app)
    response = client.get(f"/sttp/{document_id}/unduh")
    assert response.status_code == 302 and "/akun/masuk" in response.headers["Location"]
    login(client, create_user(app, Role.MINISTRY_ADMIN))
    assert client.get("/sttp/999999/unduh").status_code == 404
    assert client.get("/sttp/99999999999999/unduh").status_code == 404
    assert client.get("/sttp/abc/unduh").status_code == 404


def test_a_stalled_job_is_resumed_from_the_page_but_never_while_it_may_run(app, monkeypatch):
    """Queued and never taken by a worker (it died): once silent for STALLED_AFTER_SECONDS the page
    offers to resume it; before that, resuming is refused and nothing is queued twice."""
    from app.core import jobs

    session_id, enrolments = running_session(app, 2)
    officer = officer_of(app)
    monkeypatch.setattr(jobs.huey, "immediate", False)  # no worker takes it
    job_id = complete(app, session_id, all_pass(enrolments), officer.id)
    monkeypatch.setattr(jobs.huey, "immediate", True)
    client = app.test_client()
    login(client, officer)
    page = client.get(f"/sttp/angkatan/{session_id}").get_data(as_text=True)
    assert "Lanjutkan penerbitan" not in page
    response = client.post(f"/sttp/angkatan/{session_id}/lanjutkan", follow_redirects=True)
    assert "sedang berjalan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.QUEUED
    monkeypatch.setattr(jobs, "STALLED_AFTER_SECONDS", 0)
    page = client.get(f"/sttp/angkatan/{session_id}").get_data(as_text=True)
    assert "Lanjutkan penerbitan" in page
    assert client.post(f"/sttp/angkatan/{session_id}/lanjutkan").status_code == 302
    with app.app_context():
        assert db.session.get(Job, job_id).status == JobStatus.DONE
        assert count_documents(enrolments) == 2


def test_the_session_page_shows_progress_results_and_resumes_a_failed_job(app, monkeypatch):
    session_id, enrolments = running_session(app, 2)
    officer = officer_of(app)
    monkeypatch.setattr(issuing, "render", lambda *a: (_ for _ in ()).throw(RuntimeError("crash")))
    complete(app, session_id, all_pass(enrolments), officer.id)
    monkeypatch.undo()
    client = app.test_client()
    login(client, officer)
    page = client.get(f"/sttp/angkatan/{session_id}").get_data(as_text=True)
    assert "Lanjutkan penerbitan" in page and "job-progress" in page
    response = client.post(f"/sttp/angkatan/{session_id}/lanjutkan")
    assert response.status_code == 302
    page = client.get(f"/sttp/angkatan/{session_id}").get_data(as_text=True)
    assert "Lanjutkan penerbitan" not in page and page.count("/unduh") == 2
    assert "Peserta Uji 1" in page and "/STTP/BBPPKS-BANDUNG/" in page
    # Resuming again: refused with a message, nothing changes.
    response = client.post(f"/sttp/angkatan/{session_id}/lanjutkan", follow_redirects=True)
    assert "sudah selesai" in response.get_data(as_text=True)


def test_the_session_page_is_404_for_another_provider(app):
    session_id, _ = running_session(app, 1)
    client = app.test_client()
    login(client, officer_of(app, "BBPPKS-MAKASSAR"))
    assert client.get(f"/sttp/angkatan/{session_id}").status_code == 404
    assert client.post(f"/sttp/angkatan/{session_id}/lanjutkan").status_code == 404
    client = app.test_client()
    login(client, officer_of(app))
    assert client.get(f"/sttp/angkatan/{session_id}").status_code == 200
    assert client.get("/sttp/angkatan/999999").status_code == 404
