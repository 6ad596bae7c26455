"""Mail: through a real SMTP server when MAIL_SERVER is set, into the file outbox otherwise."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from app.core import mail
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
    assert "Halo Budi," in message.get_content()
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
