"""Applicant sign-up, e-mail verification, login/logout, password reset and change."""

from __future__ import annotations

import re

from app.core.roles import Role
from tests.factories import PASSWORD, login, unique_email


def sign_up(client, email, password="sandi-rahasia-123", name="Siti"):
    return client.post(
        "/akun/daftar",
        data={
            "full_name": name,
            "email": email,
            "password": password,
            "password_confirm": password,
        },
    )


def test_sign_up_verify_login_logout(client, outbox):
    email = unique_email("daftar")
    response = sign_up(client, email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/akun/daftar/terkirim")

    # Not verified yet: the right password still does not open the account.
    response = login(client, email, "sandi-rahasia-123")
    assert "Alamat surel Anda belum diverifikasi" in response.get_data(as_text=True)

    link = outbox.link_to(email, "/akun/verifikasi/")
    assert client.get(link).status_code == 302

    response = login(client, email, "sandi-rahasia-123")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dasbor"
    assert "Selamat datang, Siti" in client.get("/dasbor").get_data(as_text=True)

    assert client.post("/akun/keluar").status_code == 302
    assert client.get("/dasbor").status_code == 302  # back to the login page


def test_sign_up_keeps_input_and_explains_errors(client):
    response = client.post(
        "/akun/daftar",
        data={
            "full_name": "Budi",
            "email": "bukan-email",
            "password": "pendek",
            "password_confirm": "lain",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Alamat surel tidak valid." in html
    assert "Kedua isian tidak sama." in html
    assert 'value="Budi"' in html and 'value="bukan-email"' in html


def test_short_password_is_rejected_beside_the_field(client):
    response = sign_up(client, unique_email(), password="pendek123")
    assert "Kata sandi minimal 10 karakter." in response.get_data(as_text=True)


def test_sign_up_does_not_reveal_existing_accounts(client, make_user, outbox):
    existing = make_user(Role.APPLICANT)
    fresh = unique_email("baru")
    r1 = sign_up(client, existing.email)
    r2 = sign_up(client, fresh)
    assert r1.status_code == r2.status_code == 302
    assert r1.headers["Location"] == r2.headers["Location"]
    # The owner of the existing account is told, and no verification link is sent to them.
    body = outbox.body(outbox.last_to(existing.email))
    assert "sudah memiliki akun" in body
    assert "/akun/verifikasi/" not in body


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    user = make_user()
    a = login(client, user.email, "salah-sandi-000")
    b = login(client, unique_email("tidak-ada"), "salah-sandi-000")
    assert a.status_code == b.status_code == 422
    assert "Alamat surel atau kata sandi salah." in a.get_data(as_text=True)
    assert "Alamat surel atau kata sandi salah." in b.get_data(as_text=True)


def test_login_redirects_only_to_local_next(client, make_user):
    user = make_user()
    for evil in (
        "https://evil.example/x",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ):
        client.post("/akun/keluar")
        r = client.post("/akun/masuk", data={"email": user.email, "password": PASSWORD, "next": evil})
        assert r.headers["Location"] == "/dasbor", evil
    client.post("/akun/keluar")
    r = client.post(
        "/akun/masuk", data={"email": user.email, "password": PASSWORD, "next": "/akun/ubah-sandi"}
    )
    assert r.headers["Location"] == "/akun/ubah-sandi"


def test_login_starts_a_new_session(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_login_is_rate_limited_per_account(client, make_user):
    user = make_user()
    for _ in range(5):
        assert login(client, user.email, "salah-sandi-000").status_code == 422
    response = login(client, user)  # even the right password is refused now
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.get_data(as_text=True)


def test_login_is_rate_limited_per_ip(client):
    for _ in range(30):
        login(client, unique_email("acak"), "salah-sandi-000")
    assert login(client, unique_email("acak"), "salah-sandi-000").status_code == 429


def test_password_reset_by_email(client, make_user, outbox):
    user = make_user()
    r = client.post("/akun/lupa-sandi", data={"email": user.email})
    assert r.status_code == 302
    link = outbox.link_to(user.email, "/akun/atur-sandi/")
    path = re.sub(r"^https?://[^/]+", "", link)
    r = client.post(path, data={"password": "sandi-baru-456", "password_confirm": "sandi-baru-456"})
    assert r.status_code == 302
    assert login(client, user.email, PASSWORD).status_code == 422
    assert login(client, user.email, "sandi-baru-456").status_code == 302
    # The link works once: the password it was bound to has changed.
    client.post("/akun/keluar")
    assert client.get(path).status_code == 400


def test_password_reset_answers_the_same_for_unknown_addresses(client, outbox):
    r = client.post("/akun/lupa-sandi", data={"email": unique_email("tidak-ada")})
    assert r.status_code == 302
    assert outbox.messages() == []


def test_tampered_links_are_refused(client):
    assert client.get("/akun/verifikasi/palsu").status_code == 400
    assert client.get("/akun/atur-sandi/palsu").status_code == 400


def test_change_password_ends_other_sessions(app, make_user):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    login(first, user)
    login(second, user)
    r = first.post(
        "/akun/ubah-sandi",
        data={
            "current_password": PASSWORD,
            "password": "sandi-baru-789",
            "password_confirm": "sandi-baru-789",
        },
    )
    assert r.status_code == 302
    assert first.get("/dasbor").status_code == 200
    assert second.get("/dasbor").status_code == 302


def test_change_password_requires_the_current_one(client, logged_in):
    logged_in()
    r = client.post(
        "/akun/ubah-sandi",
        data={
            "current_password": "salah-salah-1",
            "password": "sandi-baru-789",
            "password_confirm": "sandi-baru-789",
        },
    )
    assert "Kata sandi saat ini salah." in r.get_data(as_text=True)


def test_csrf_is_required_on_login(client, csrf_enabled, make_user):
    user = make_user()
    r = client.post("/akun/masuk", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 400
    assert "Permintaan tidak valid" in r.get_data(as_text=True)


def test_csrf_token_from_the_form_is_accepted(client, csrf_enabled, make_user):
    user = make_user()
    html = client.get("/akun/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post("/akun/masuk", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302


def test_staff_invitation_outlives_a_password_reset_link(app, client, outbox, make_user):
    app.config["PASSWORD_RESET_MAX_AGE"] = -1  # every reset link is already expired
    try:
        admin = make_user(Role.MINISTRY_ADMIN)
        login(client, admin)
        email = unique_email("undangan")
        client.post(
            "/admin/staf/baru",
            data={
                "full_name": "Staf Baru",
                "email": email,
                "role": "training_officer",
                "provider_code": "BBPPKS-JAKARTA",
            },
        )
        invitation = re.sub(r"^https?://[^/]+", "", outbox.link_to(email, "/akun/atur-sandi/"))
        client.post("/akun/keluar")
        client.post("/akun/lupa-sandi", data={"email": admin.email})
        reset = re.sub(r"^https?://[^/]+", "", outbox.link_to(admin.email, "/akun/atur-sandi/"))
        assert client.get(reset).status_code == 400
        assert client.get(invitation).status_code == 200
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600
