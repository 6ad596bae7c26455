"""Mail: stored in the outbox table with the caller's transaction, delivered by a queued task after the
commit (synchronously here: HUEY_BACKEND is immediate in tests) through a real SMTP server when
MAIL_SERVER is set, into the file outbox otherwise; retried while SMTP is down, never sent twice."""

from __future__ import annotations

import email
import socket
from datetime import timedelta
from email import policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.admin import mail_routes
from app.core import mail
from app.core.jobs import huey
from app.core.mail import MailStatus, OutgoingMail, deliver_mail, retry_delay, sweep_mail
from app.core.models import utcnow
from app.core.roles import Role
from app.extensions import db


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback; the app is pointed at it for the test."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd needs a real port number)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield inbox
    app.config.update(saved)
    controller.stop()


def test_mail_goes_through_smtp_when_configured(app, smtp_server, outbox):
    with app.test_request_context():
        mail.send(
            "penerima@uji.example.id",
            "Subjek uji",
            "verify_email",
            user=type("U", (), {"full_name": "Budi"})(),
            verify_url="http://x/verifikasi/abc",
        )
        assert smtp_server.messages == []  # queued until the transaction commits
        db.session.commit()
    [message] = smtp_server.messages
    assert message["To"] == "penerima@uji.example.id"
    assert message["Subject"] == "Subjek uji"
    assert "Yth. Budi," in message.get_content()
    assert "http://x/verifikasi/abc" in message.get_content()
    assert outbox.messages() == []  # nothing fell back to the file outbox


def test_sign_up_mail_reaches_the_smtp_server(client, smtp_server):
    client.post(
        "/akun/daftar",
        data={
            "full_name": "Rudi",
            "email": "rudi@uji.example.id",
            "password": "sandi-rahasia-1",
            "password_confirm": "sandi-rahasia-1",
        },
    )
    [message] = smtp_server.messages
    assert message["To"] == "rudi@uji.example.id"
    assert "/akun/verifikasi/" in message.get_content()


def test_without_smtp_each_message_is_a_file_in_the_outbox(app, outbox):
    with app.test_request_context():
        mail.send(
            "a@uji.example.id",
            "Satu",
            "verify_email",
            user=type("U", (), {"full_name": "A"})(),
            verify_url="http://x/1",
        )
        mail.send(
            "b@uji.example.id",
            "Dua",
            "verify_email",
            user=type("U", (), {"full_name": "B"})(),
            verify_url="http://x/2",
        )
        db.session.commit()
    files = sorted(outbox.directory.glob("*.eml"))
    assert len(files) == 2
    assert [m["Subject"] for m in outbox.messages()] == ["Satu", "Dua"]


def test_a_rolled_back_change_sends_no_mail(app, outbox):
    with app.test_request_context():
        mail.send(
            "c@uji.example.id",
            "Tiga",
            "verify_email",
            user=type("U", (), {"full_name": "C"})(),
            verify_url="http://x/3",
        )
        db.session.rollback()
        db.session.commit()
    assert outbox.messages() == []


def test_a_dead_mail_server_does_not_undo_a_committed_decision(app, client):
    from app.core.roles import Role
    from app.registration.models import Registration
    from tests.factories import create_person, create_registration, create_user, login

    rid = create_registration(app, create_person(app))
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=dead_port, MAIL_USE_TLS=False)
    try:
        response = client.post(f"/pendaftaran/{rid}/putusan", data={"action": "verify"})
    finally:
        app.config.update(saved)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Registration, rid).status == "verified"


def test_links_in_mail_use_base_url_not_the_request_host(app, client, make_user, outbox):
    user = make_user()
    client.post("/akun/lupa-sandi", data={"email": user.email}, headers={"Host": "evil.example"})
    link = outbox.link_to(user.email, "/akun/atur-sandi/")
    assert link.startswith(app.config["BASE_URL"] + "/akun/atur-sandi/"), link
    assert "evil.example" not in link


# --- The outbox table and the queue ----------------------------------------------------------------


class SwitchableSmtp:
    """An SMTP server on a fixed loopback port that a test can take down and bring back."""

    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def up(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def received_by(self, address: str) -> int:
        return sum(1 for m in self.inbox.messages if m["To"] == address)


@pytest.fixture
def smtp(app):
    """The app pointed at an SMTP port where nothing listens yet ("down"); `smtp.up()` starts it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SwitchableSmtp(port)
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    huey.storage.flush_all()  # the in-memory schedule of the immediate mode
    yield server
    app.config.update(saved)
    server.down()
    huey.storage.flush_all()


_subjects = iter(range(1, 10**6))


def queue_mail(app, to: str) -> tuple[int, str]:
    """mail.send() in a request that commits; returns the row id and the (unique) subject."""
    subject = f"Uji antrean {next(_subjects)} {to}"
    with app.test_request_context():
        mail.send(
            to, subject, "verify_email", user=SimpleNamespace(full_name="Budi"), verify_url="http://x/v"
        )
        db.session.commit()
        return db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.subject == subject)), subject


def row(app, mail_id: int) -> OutgoingMail:
    with app.app_context():
        mail_row = db.session.get(OutgoingMail, mail_id)
        db.session.refresh(mail_row)
        db.session.expunge(mail_row)
        return mail_row


def make_due(app, mail_id: int) -> None:
    """As if the time of the next attempt had come."""
    with app.app_context():
        db.session.get(OutgoingMail, mail_id).next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def run_sweep(app) -> None:
    with app.app_context():
        sweep_mail.call_local()


def test_a_rolled_back_mail_leaves_no_row_and_is_never_sent(app, smtp):
    smtp.up()
    with app.test_request_context():
        before = db.session.scalar(select(func.count()).select_from(OutgoingMail))
        mail.send(
            "batal@uji.example.id",
            "Batal",
            "verify_email",
            user=SimpleNamespace(full_name="C"),
            verify_url="x",
        )
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == before + 1
        db.session.rollback()
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == before
    run_sweep(app)
    assert smtp.received_by("batal@uji.example.id") == 0


def test_mail_is_stored_then_delivered_after_commit_and_marked_sent(app, smtp):
    smtp.up()
    with app.test_request_context():
        mail.send(
            "kirim@uji.example.id",
            "Kirim",
            "verify_email",
            user=SimpleNamespace(full_name="D"),
            verify_url="x",
        )
        stored = db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.to == "kirim@uji.example.id")
        ).one()
        assert stored.status == MailStatus.QUEUED
        assert b"Subject: Kirim" in stored.raw
        assert smtp.received_by("kirim@uji.example.id") == 0  # not before the commit
        db.session.commit()
        mail_id = stored.id
    assert smtp.received_by("kirim@uji.example.id") == 1
    sent = row(app, mail_id)
    assert (sent.status, sent.attempts, sent.last_error, sent.next_attempt_at) == (
        MailStatus.SENT,
        1,
        None,
        None,
    )
    assert sent.sent_at is not None


def test_smtp_down_keeps_the_mail_queued_then_the_sweep_delivers_it_exactly_once(app, smtp):
    mail_id, _subject = queue_mail(app, "tunda@uji.example.id")  # SMTP is down
    waiting = row(app, mail_id)
    assert waiting.status == MailStatus.QUEUED
    assert waiting.attempts == 1
    assert "ConnectionRefusedError" in waiting.last_error
    assert waiting.next_attempt_at > utcnow() + timedelta(seconds=30)  # backoff: about a minute
    # The retry is scheduled on the queue, after that backoff.
    assert [t.args for t in huey.scheduled() if t.name == "deliver_mail"] == [(mail_id,)]

    run_sweep(app)  # not due yet: no new attempt
    assert row(app, mail_id).attempts == 1

    make_due(app, mail_id)
    run_sweep(app)  # due, still down: second attempt, longer wait
    second = row(app, mail_id)
    assert (second.status, second.attempts) == (MailStatus.QUEUED, 2)
    assert second.next_attempt_at > utcnow() + timedelta(seconds=90)

    smtp.up()
    make_due(app, mail_id)
    run_sweep(app)
    assert smtp.received_by("tunda@uji.example.id") == 1
    assert row(app, mail_id).status == MailStatus.SENT

    # Later sweeps and a duplicate task (the scheduled retry firing, say) do not send it again.
    run_sweep(app)
    with app.app_context():
        deliver_mail.call_local(mail_id)
        deliver_mail(mail_id)
    assert smtp.received_by("tunda@uji.example.id") == 1
    assert row(app, mail_id).attempts == 3


def test_calling_deliver_mail_twice_sends_once(app, smtp):
    smtp.up()
    with app.test_request_context():
        mail.send(
            "dua@uji.example.id",
            "Dua kali",
            "verify_email",
            user=SimpleNamespace(full_name="E"),
            verify_url="x",
        )
        db.session.flush()
        mail_id = db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.to == "dua@uji.example.id"))
        db.session.info.pop("jobs_pending")  # as if the enqueue after commit were lost
        db.session.commit()
    assert smtp.received_by("dua@uji.example.id") == 0
    with app.app_context():
        deliver_mail.call_local(mail_id)
        deliver_mail.call_local(mail_id)
    assert smtp.received_by("dua@uji.example.id") == 1
    assert row(app, mail_id).attempts == 1


def test_a_lost_enqueue_is_caught_up_by_the_sweep(app, smtp):
    smtp.up()
    with app.test_request_context():
        mail.send(
            "hilang@uji.example.id",
            "Hilang",
            "verify_email",
            user=SimpleNamespace(full_name="F"),
            verify_url="x",
        )
        db.session.info.pop("jobs_pending")
        db.session.commit()
    assert smtp.received_by("hilang@uji.example.id") == 0
    run_sweep(app)
    assert smtp.received_by("hilang@uji.example.id") == 1


def test_backoff_doubles_from_a_minute_up_to_half_an_hour_and_spans_hours(app):
    assert [retry_delay(n) for n in range(1, 8)] == [60, 120, 240, 480, 960, 1800, 1800]
    attempts = app.config["MAIL_MAX_ATTEMPTS"]
    assert attempts == 12
    assert sum(retry_delay(n) for n in range(1, attempts)) > 3 * 3600


def test_after_the_last_attempt_the_mail_fails_shows_to_the_admin_and_can_be_sent_again(
    app, client, smtp, logged_in, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    mail_id, subject = queue_mail(app, "gagal@uji.example.id")
    make_due(app, mail_id)
    run_sweep(app)
    failed = row(app, mail_id)
    assert (failed.status, failed.attempts, failed.next_attempt_at) == (MailStatus.FAILED, 2, None)
    make_due(app, mail_id)
    run_sweep(app)  # a failed mail is not retried by itself
    assert row(app, mail_id).attempts == 2

    logged_in(Role.MINISTRY_ADMIN)
    page = client.get("/admin/surel").get_data(as_text=True)
    assert subject in page
    assert "Gagal" in page and "ConnectionRefusedError" in page
    assert f"/admin/surel/{mail_id}/kirim-ulang" in page
    assert subject in client.get("/admin/surel?status=gagal").get_data(as_text=True)
    assert subject not in client.get("/admin/surel?status=menunggu").get_data(as_text=True)

    smtp.up()
    response = client.post(f"/admin/surel/{mail_id}/kirim-ulang?status=gagal")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/surel?status=gagal")
    assert smtp.received_by("gagal@uji.example.id") == 1
    sent = row(app, mail_id)
    assert (sent.status, sent.attempts) == (MailStatus.SENT, 1)
    assert subject not in client.get("/admin/surel").get_data(as_text=True)
    # Sending a sent mail again is refused: it is never delivered twice.
    client.post(f"/admin/surel/{mail_id}/kirim-ulang")
    assert smtp.received_by("gagal@uji.example.id") == 1


def test_the_admin_mail_list_pages_by_id_without_offset(app, client, logged_in, monkeypatch):
    monkeypatch.setattr(mail_routes, "PAGE_SIZE", 2)
    with app.app_context():
        rows = [
            OutgoingMail(to="p@uji.example.id", subject=f"Halaman {n}", raw=b"x", status=MailStatus.FAILED)
            for n in range(3)
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [r.id for r in rows]
    logged_in(Role.MINISTRY_ADMIN)
    first = client.get("/admin/surel?status=gagal").get_data(as_text=True)
    assert "Halaman 2" in first and "Halaman 1" in first and "Halaman 0" not in first
    assert f"sebelum={ids[1]}" in first
    second = client.get(f"/admin/surel?status=gagal&sebelum={ids[1]}").get_data(as_text=True)
    assert "Halaman 0" in second and "Halaman 1" not in second


def test_send_again_needs_the_csrf_token(app, client, logged_in, monkeypatch):
    with app.app_context():
        failed = OutgoingMail(to="csrf@uji.example.id", subject="CSRF", raw=b"x", status=MailStatus.FAILED)
        db.session.add(failed)
        db.session.commit()
        mail_id = failed.id
    logged_in(Role.MINISTRY_ADMIN)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/admin/surel?status=gagal").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert client.post(f"/admin/surel/{mail_id}/kirim-ulang").status_code == 400
    assert row(app, mail_id).status == MailStatus.FAILED


def test_the_database_rejects_an_unknown_mail_status(app, ctx):
    failed = OutgoingMail(to="x@uji.example.id", subject="X", raw=b"x", status=MailStatus.FAILED)
    db.session.add(failed)
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            text("UPDATE outgoing_mails SET status = 'lost' WHERE id = :id"), {"id": failed.id}
        )
