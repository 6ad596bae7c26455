"""Account security (issue 7): sessions end on logout, brute force without lock-out, weak passwords,
the same request work for known and unknown addresses."""

from __future__ import annotations

from sqlalchemy import select

from app.core.audit import AuditEvent
from app.extensions import db
from tests.factories import login


def _copy_cookie(source, target) -> None:
    """What an attacker does with a stolen cookie: replay it from another client."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


# --- Item 25: logging out ends the session on the server ----------------------------------------


def test_a_copied_cookie_no_longer_works_after_logout(app, make_user):
    user = make_user()
    owner, thief = app.test_client(), app.test_client()
    login(owner, user)
    _copy_cookie(owner, thief)
    assert thief.get("/dasbor").status_code == 200  # the copy works while the owner is signed in
    assert owner.post("/akun/keluar").status_code == 302
    assert owner.get("/dasbor").status_code == 302
    response = thief.get("/dasbor")
    assert response.status_code == 302
    assert "/akun/masuk" in response.headers["Location"]


def test_log_out_everywhere_ends_every_session(app, make_user):
    user = make_user()
    phone, desk = app.test_client(), app.test_client()
    login(phone, user)
    login(desk, user)
    page = desk.get("/akun/ubah-sandi").get_data(as_text=True)
    assert "Keluar dari semua perangkat" in page
    response = desk.post("/akun/keluar-semua")
    assert response.status_code == 302
    assert phone.get("/dasbor").status_code == 302
    assert desk.get("/dasbor").status_code == 302
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "user", AuditEvent.object_id == user.id)
        ).all()
    assert "account.logged_out_everywhere" in actions
    assert login(phone, user).status_code == 302  # the password still works: only the sessions ended


def test_log_out_everywhere_needs_a_signed_in_post(client):
    assert client.get("/akun/keluar-semua").status_code == 405
    response = client.post("/akun/keluar-semua")
    assert response.status_code == 302
    assert "/akun/masuk" in response.headers["Location"]
