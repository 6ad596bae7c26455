"""One unit of work per request and per CLI command (app/core/unit_of_work.py): a request that fails
after some writes leaves nothing behind — no row, no e-mail, no file — while refusals keep their audit
event, and a request that succeeds commits once without any view committing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core import audit
from app.core.audit import AuditEvent, record_regardless
from app.core.roles import Role
from app.core.unit_of_work import unit_of_work
from app.extensions import db
from app.registration import services as registration_services
from app.registration.models import Document, Registration
from tests.factories import create_person, create_registration, create_user, login, sample_file


def files_in(directory: str) -> set[Path]:
    return {p for p in Path(directory).rglob("*") if p.is_file()}


def count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


@pytest.fixture
def draft(app, client):
    owner = create_user(app)
    person_id = create_person(app, user_id=owner.id)
    registration_id = create_registration(app, person_id, documents=False, submit=False)
    assert login(client, owner).status_code == 302
    return registration_id


def test_an_exception_after_a_stored_upload_leaves_no_row_and_no_file(app, client, draft, monkeypatch):
    before = files_in(app.config["UPLOAD_DIR"])

    def broken_audit(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    # The file is written and the Document row flushed before the audit entry fails.
    monkeypatch.setattr(audit, "record", broken_audit)
    response = client.post(
        f"/pendaftaran/{draft}/dokumen",
        data={"kind": "KTP", "file": (io.BytesIO(sample_file()), "ktp.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 500
    assert count(app, Document, Document.registration_id == draft) == 0
    assert files_in(app.config["UPLOAD_DIR"]) == before


def test_an_exception_after_a_decision_commits_nothing_and_sends_no_mail(app, client, outbox, monkeypatch):
    person_id = create_person(app, email="pemohon.uow@uji.example.id")
    registration_id = create_registration(app, person_id)
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    assert login(client, officer).status_code == 302
    mails_before = len(outbox.to("pemohon.uow@uji.example.id"))  # the submission's own e-mail
    real_notify = registration_services._notify

    def notify_then_fail(registration, status):
        real_notify(registration, status)  # the e-mail is queued …
        raise RuntimeError("failure after every write of the decision")  # … then the request fails

    monkeypatch.setattr(registration_services, "_notify", notify_then_fail)
    response = client.post(f"/pendaftaran/{registration_id}/putusan", data={"action": "verify"})
    assert response.status_code == 500
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        assert registration.status == "submitted"
        assert registration.registration_number is None
        assert [e.to_status for e in registration.events] == ["draft", "submitted"]
        decided = (
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "registration.verify")
        )
        assert db.session.scalar(decided.where(AuditEvent.object_id == str(registration_id))) == 0
    assert len(outbox.to("pemohon.uow@uji.example.id")) == mails_before


def test_a_refused_form_rolls_back_what_the_service_wrote(app, client, draft, monkeypatch):
    """A service that writes and then refuses (a DomainError shown beside the form) leaves nothing."""
    real_save = registration_services.save_draft

    def save_then_refuse(*args, **kwargs):
        real_save(*args, **kwargs)  # the draft is written …
        raise registration_services.RegistrationError("ditolak setelah menulis")

    monkeypatch.setattr(registration_services, "save_draft", save_then_refuse)
    before = count(app, Registration)
    response = client.post(
        "/pendaftaran/baru/RELAWAN",
        data={
            "relawan_kind": "PSM",
            "registration_level": "KABKOTA",
            "region_code-1": "32",
            "region_code-2": "32.04",
        },
    )
    assert response.status_code == 422
    assert "ditolak setelah menulis" in response.get_data(as_text=True)
    assert count(app, Registration) == before


def test_a_successful_request_commits_without_any_view_committing(app, client, draft):
    response = client.post(
        f"/pendaftaran/{draft}/dokumen",
        data={"kind": "KTP", "file": (io.BytesIO(sample_file()), "ktp.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert count(app, Document, Document.registration_id == draft) == 1


def test_a_refusal_keeps_its_audit_event_although_the_request_rolls_back(app, client):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    login(client, officer)
    assert client.get("/admin/staf").status_code == 403
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "access.denied", AuditEvent.actor_id == officer.id)
        )
        assert event is not None
        assert event.object_id == "admin.staff_list"
        assert event.ip == "127.0.0.1"


def test_a_failed_login_is_audited_and_nothing_else_is_written(app, client):
    user = create_user(app)
    response = client.post("/akun/masuk", data={"email": user.email, "password": "salah-sekali-123"})
    assert response.status_code == 422
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "account.login_failed", AuditEvent.object_id == str(user.id)
            )
        ).all()
        assert len(failed) == 1
        assert db.session.get(User, user.id).last_login_at is None


def test_outside_a_request_the_block_commits_or_rolls_back_as_one(app):
    with app.app_context():
        with pytest.raises(RuntimeError), unit_of_work():
            audit.record("uow.dibatalkan")
            record_regardless("uow.tetap_dicatat")
            raise RuntimeError("job failed")
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("uow.%"))))
        assert actions == {"uow.tetap_dicatat"}
        with unit_of_work():
            audit.record("uow.selesai")
        assert db.session.scalar(select(func.count()).where(AuditEvent.action == "uow.selesai")) == 1


def test_a_cli_command_that_fails_creates_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "gagal.uow@uji.example.id",
            "--role",
            "agency_officer",
            "--region",
            "99",
        ]
    )
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "gagal.uow@uji.example.id")) is None
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "jadi.uow@uji.example.id",
            "--role",
            "agency_officer",
            "--region",
            "32",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "jadi.uow@uji.example.id")) is not None


@pytest.mark.parametrize(
    ("status", "kept"), [(200, True), (302, True), (400, False), (404, False), (422, False)]
)
def test_a_response_of_400_or_more_rolls_back_even_without_an_error(app, status, kept):
    from flask import Response

    from app.core.unit_of_work import run_request

    def view():
        audit.record("uow.status", object_id=status)
        return Response(status=status)

    with app.test_request_context("/"):
        run_request(view, handle_error=lambda error: pytest.fail(f"unexpected {error!r}"))
        stored = select(func.count()).where(
            AuditEvent.action == "uow.status", AuditEvent.object_id == str(status)
        )
        assert db.session.scalar(stored) == (1 if kept else 0)


def test_an_error_shown_as_a_message_before_a_redirect_rolls_back_too(app, client, draft, monkeypatch):
    """The redirect answers 302, yet the refused attempt's writes are not committed."""

    def write_then_refuse(registration, actor, note=None):
        audit.record("uow.setengah_jalan", object_type="registration", object_id=registration.id)
        raise registration_services.RegistrationError("Belum lengkap.")

    monkeypatch.setattr(registration_services, "submit", write_then_refuse)
    response = client.post(f"/pendaftaran/{draft}/ajukan")
    assert response.status_code == 302
    assert "Belum lengkap." in client.get(response.location).get_data(as_text=True)
    assert count(app, AuditEvent, AuditEvent.action == "uow.setengah_jalan") == 0


def test_a_commit_that_fails_answers_409_and_keeps_the_refusal_events(app, client):
    """Two accounts with one address, found only when the unit commits (no flush before)."""
    from app.core.unit_of_work import run_request

    def view():
        record_regardless("uow.percobaan_dicatat")
        db.session.add_all(
            [User(email="kembar@uji.example.id", full_name="A", password_hash="x") for _ in "ab"]
        )
        return app.response_class(status=200)

    def as_error_page(error):
        db.session.rollback()
        return app.response_class(type(error).__name__, status=409)

    with app.test_request_context("/"):
        response = run_request(view, as_error_page)
        assert (response.status_code, response.get_data(as_text=True)) == (409, "IntegrityError")
        assert db.session.scalar(select(func.count()).where(User.email == "kembar@uji.example.id")) == 0
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "uow.percobaan_dicatat")) == 1
        )


@pytest.mark.parametrize("status", [200, 404])
def test_a_reads_only_view_reads_without_the_write_lock_and_its_kept_writes_take_it(app, status):
    """@reads_only (the public verification page): its transaction begins deferred on SQLite; a write
    kept past it (a refusal's audit event) begins like any writer, whether the request commits or not."""
    from flask import Response

    from app.core.unit_of_work import begins_reading_only, keep, run_request

    seen = []

    def view():
        seen.append(("view", begins_reading_only()))
        keep(lambda: seen.append(("kept", begins_reading_only())))
        return Response(status=status)

    with app.test_request_context("/verifikasi-dokumen/abc"):
        run_request(view, handle_error=lambda error: pytest.fail(f"unexpected {error!r}"))

    def login_page():
        seen.append(("login", begins_reading_only()))
        return Response()

    with app.test_request_context("/masuk"):
        run_request(login_page, handle_error=pytest.fail)
    assert seen == [("view", True), ("kept", False), ("login", False)]
