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
            select(AuditEvent.action).where(
                AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id)
            )
        ).all()
    assert "account.logged_out_everywhere" in actions
    assert login(phone, user).status_code == 302  # the password still works: only the sessions ended


def test_log_out_everywhere_needs_a_signed_in_post(client):
    assert client.get("/akun/keluar-semua").status_code == 405
    response = client.post("/akun/keluar-semua")
    assert response.status_code == 302
    assert "/akun/masuk" in response.headers["Location"]


# --- Item 11: weak passwords are refused -----------------------------------------------------------

WEAK = {
    "1234567890": "paling sering digunakan",
    "qwertyuiop": "paling sering digunakan",
    "Password2024!": "paling sering digunakan",
    "bismillah123": "paling sering digunakan",
    "aaaaaaaaaaaa": "mudah ditebak",
    "abcdefghijkl": "mudah ditebak",
}


def _sign_up(client, email, password, name="Siti Aminah"):
    return client.post(
        "/akun/daftar",
        data={"full_name": name, "email": email, "password": password, "password_confirm": password},
    )


def test_passwords_module_accepts_strong_and_refuses_weak(ctx):
    from app.accounts import passwords

    assert passwords.common_passwords() >= {"123456", "password", "bismillah123"}
    assert len(passwords.common_passwords()) > 5000
    for password, why in WEAK.items():
        assert why in str(passwords.weakness(password)), password
    assert passwords.weakness("kuda-pelangi-tropis-42") is None
    assert "sama dengan alamat surel atau nama" in str(passwords.weakness("Siti Aminah", ("", "siti aminah")))
    assert "mudah ditebak" in str(passwords.weakness("sitiaminah1990", ("siti@contoh.id", "Siti Aminah")))


def test_sign_up_refuses_a_common_password_beside_the_field_and_keeps_the_input(client, outbox):
    from tests.factories import unique_email

    email = unique_email("lemah")
    response = _sign_up(client, email, "1234567890")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "paling sering digunakan" in page
    assert email in page and "Siti Aminah" in page  # nothing typed is lost (passwords are never echoed)
    assert outbox.to(email) == []


def test_reset_and_change_refuse_weak_passwords(app, client, make_user, outbox):
    from tests.factories import PASSWORD

    user = make_user()
    login(client, user)
    response = client.post(
        "/akun/ubah-sandi",
        data={"current_password": PASSWORD, "password": "qwertyuiop", "password_confirm": "qwertyuiop"},
    )
    assert response.status_code == 200
    assert "paling sering digunakan" in response.get_data(as_text=True)
    client.post("/akun/keluar")

    client.post("/akun/lupa-sandi", data={"email": user.email})
    link = outbox.link_to(user.email, "/akun/atur-sandi/")
    path = link[link.index("/akun/") :]
    response = client.post(path, data={"password": "aaaaaaaaaaaa", "password_confirm": "aaaaaaaaaaaa"})
    assert "mudah ditebak" in response.get_data(as_text=True)
    assert login(client, user).status_code == 302  # the old password still works: nothing changed


def test_staff_invitation_refuses_weak_passwords(ctx):
    import pytest

    from app.accounts import services
    from app.core.roles import Role

    with pytest.raises(services.AccountError) as error:
        services.create_staff(
            email="staf-lemah@uji.example.id",
            full_name="Staf",
            role=Role.MINISTRY_ADMIN,
            password="1234567890",
        )
    assert error.value.field == "password"


# --- Item 9: brute force is stopped without locking the owner out ----------------------------------

WRONG = "salah-sandi-000"


def _client_at(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def test_the_login_page_says_how_many_tries_are_left(client, make_user):
    user = make_user()
    response = login(client, user.email, WRONG)
    assert response.status_code == 422
    assert "Sisa 4 percobaan" in response.get_data(as_text=True)
    login(client, user.email, WRONG)
    assert "Sisa 2 percobaan" in login(client, user.email, WRONG).get_data(as_text=True)


def test_the_attacker_is_blocked_and_the_owner_elsewhere_still_logs_in(app, make_user):
    user = make_user()
    attacker = _client_at(app, "203.0.113.9")
    counts = [login(attacker, user.email, WRONG).get_data(as_text=True) for _ in range(5)]
    assert "Sisa 4 percobaan" in counts[0]
    assert "Sisa 1 percobaan" in counts[3]
    assert "sudah habis" in counts[4]
    blocked = login(attacker, user)  # even the right password from the attacking client
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Terlalu banyak percobaan" in page
    assert "/akun/lupa-sandi" in page  # the 429 page for login offers the reset link

    owner = _client_at(app, "198.51.100.7")  # the officer at her desk, another address
    assert login(owner, user).status_code == 302
    assert owner.get("/dasbor").status_code == 200


def test_a_known_device_logs_in_even_after_the_account_ceiling_is_reached(app, make_user):
    app.config["LOGIN_LIMIT_PER_ACCOUNT_CEILING"] = "6 per hour"
    try:
        user = make_user()
        owner = _client_at(app, "198.51.100.7")
        assert login(owner, user).status_code == 302  # this browser now holds the device cookie
        owner.post("/akun/keluar")
        for number in range(6):  # attackers from many addresses, under the per-client limit each
            login(_client_at(app, f"203.0.113.{number + 10}"), user.email, WRONG)
        assert login(_client_at(app, "203.0.113.99"), user).status_code == 429  # any new client waits
        assert login(owner, user).status_code == 302  # the owner's own browser does not
        # and the owner's own failures count for her browser alone
        owner.post("/akun/keluar")
        for _ in range(5):
            login(owner, user.email, WRONG)
        assert login(owner, user).status_code == 429
    finally:
        app.config["LOGIN_LIMIT_PER_ACCOUNT_CEILING"] = "50 per hour"


def test_a_forged_device_cookie_is_ignored(app, make_user):
    user = make_user()
    attacker = _client_at(app, "203.0.113.9")
    attacker.set_cookie("sdm_perangkat", "palsu.palsu.palsu")
    for _ in range(5):
        login(attacker, user.email, WRONG)
    assert login(attacker, user).status_code == 429


# --- Item 32: the request path does the same work for known and unknown addresses -----------------


class _Statements:
    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, *args):
        self.statements.append(statement.split()[0].upper())


def _request_work(app, monkeypatch, path, data):
    """The statements the request itself runs, and what it queued (the queue is not run here)."""
    from app.accounts import services

    queued = []
    monkeypatch.setattr(services, "enqueue_after_commit", lambda task, *args: queued.append((task, args)))
    with app.app_context():
        engine = db.engine
    with _Statements(engine) as seen:
        response = app.test_client().post(path, data=data)
    return response, seen.statements, queued


def test_forgot_password_does_the_same_request_work_for_known_and_unknown(app, make_user, monkeypatch):
    user = make_user()
    known = _request_work(app, monkeypatch, "/akun/lupa-sandi", {"email": user.email.upper()})
    unknown = _request_work(app, monkeypatch, "/akun/lupa-sandi", {"email": "tidak-ada@uji.example.id"})
    assert known[0].status_code == unknown[0].status_code == 302
    assert known[0].headers["Location"] == unknown[0].headers["Location"]
    assert known[1] == unknown[1]  # the same statements (none that look the address up)
    assert [task for task, _ in known[2]] == [task for task, _ in unknown[2]]
    assert known[2][0][1] == (user.email,)  # the task gets the normalized address


def test_resend_verification_does_the_same_request_work(app, make_user, monkeypatch):
    user = make_user(verified=False)
    known = _request_work(app, monkeypatch, "/akun/verifikasi/kirim-ulang", {"email": user.email})
    unknown = _request_work(app, monkeypatch, "/akun/verifikasi/kirim-ulang", {"email": "x@uji.example.id"})
    assert known[0].status_code == unknown[0].status_code == 302
    assert known[1] == unknown[1]
    assert len(known[2]) == len(unknown[2]) == 1


def test_sign_up_with_a_taken_address_mails_from_the_queue(app, make_user, monkeypatch):
    from app.accounts import services

    user = make_user()
    data = {"full_name": "Siti", "email": user.email, "password": "kuda-pelangi-tropis-42"}
    data["password_confirm"] = data["password"]
    response, _, queued = _request_work(app, monkeypatch, "/akun/daftar", data)
    assert response.status_code == 302
    assert [task for task, _ in queued] == [services.mail_account_exists]


def test_the_queued_tasks_still_mail_the_owner(client, make_user, outbox):
    user = make_user(verified=False)
    client.post("/akun/verifikasi/kirim-ulang", data={"email": user.email.upper()})
    assert "/akun/verifikasi/" in outbox.body(outbox.last_to(user.email))
    client.post("/akun/lupa-sandi", data={"email": "tidak-ada@uji.example.id"})
    assert outbox.to("tidak-ada@uji.example.id") == []


# --- Item 18: invited staff show as "Undangan terkirim" until they set a password -----------------


def test_invited_staff_is_pending_until_the_invitation_is_accepted(app, client, outbox, make_user):
    import re

    from app.accounts.models import User
    from app.core.roles import Role
    from tests.factories import unique_email

    admin = make_user(Role.MINISTRY_ADMIN)
    login(client, admin)
    email = unique_email("undangan")
    response = client.post(
        "/admin/staf/baru",
        data={
            "full_name": "Dewi Petugas",
            "email": email,
            "role": "agency_officer",
            "region_code-1": "32",
            "region_code-2": "32.04",
            "body_code": "",
        },
    )
    assert response.status_code == 302
    row = re.search(
        r"<tr>(?:(?!</tr>).)*" + re.escape(email) + r".*?</tr>",
        client.get("/admin/staf").get_data(as_text=True),
        re.S,
    )
    assert row and "Undangan terkirim" in row.group(0) and ">Aktif<" not in row.group(0)

    body = outbox.body(outbox.last_to(email))
    assert "Petugas Dinas Sosial — KABUPATEN BANDUNG" in body  # the role and its region, by name
    link = re.sub(r"^https?://[^/]+", "", outbox.link_to(email, "/akun/atur-sandi/"))
    client.post("/akun/keluar")
    page = client.get(link).get_data(as_text=True)
    assert "Terima undangan staf" in page and "KABUPATEN BANDUNG" in page

    response = client.post(
        link, data={"password": "kuda-pelangi-tropis-42", "password_confirm": "kuda-pelangi-tropis-42"}
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.password_set_at is not None
        actions = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id)
            )
        ).all()
    assert "account.invitation_accepted" in actions
    assert "account.password_reset" not in actions

    login(client, admin)
    row = re.search(
        r"<tr>(?:(?!</tr>).)*" + re.escape(email) + r".*?</tr>",
        client.get("/admin/staf").get_data(as_text=True),
        re.S,
    )
    assert ">Aktif<" in row.group(0) and "Undangan terkirim" not in row.group(0)


def test_a_password_reset_is_still_logged_as_such(app, client, outbox, make_user):
    import re

    user = make_user()
    client.post("/akun/lupa-sandi", data={"email": user.email})
    link = re.sub(r"^https?://[^/]+", "", outbox.link_to(user.email, "/akun/atur-sandi/"))
    assert "Terima undangan" not in client.get(link).get_data(as_text=True)
    client.post(
        link, data={"password": "kuda-pelangi-tropis-42", "password_confirm": "kuda-pelangi-tropis-42"}
    )
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id)
            )
        ).all()
    assert "account.password_reset" in actions and "account.invitation_accepted" not in actions


# --- Item 28: a registered NIK typed in the profile: limited, audited, answered with a reference ----


def test_a_registered_nik_gets_a_reference_code_audited_and_rate_limited(app, client, logged_in):
    import re

    from app.core import reference_codes
    from tests.factories import create_person, new_nik, profile_form_data

    nik = new_nik()
    person_id = create_person(app, nik=nik, full_name="Ujang Sopandi")
    user = logged_in()
    data = profile_form_data(nik=nik)
    response = client.post("/profil/ubah", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ujang Sopandi" not in html  # nothing about whose record it is
    assert data["street"] in html  # nothing typed is lost
    code = re.search(r"RJK-[0-9A-Z]{4}-[0-9A-Z]{4}", html).group(0)
    assert reference_codes.normalize(code.lower().replace("-", " ")) == code
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "nik_check"))
        assert (event.action, event.object_id, event.actor_id) == ("person.nik_in_use", code, user.id)
        assert event.after["person_id"] == person_id

    for _ in range(4):  # five per hour in all
        assert "kode rujukan" in client.post("/profil/ubah", data=data).get_data(as_text=True)
    html = client.post("/profil/ubah", data=data).get_data(as_text=True)
    assert "Terlalu banyak percobaan NIK" in html and "RJK-" not in html
    with app.app_context():
        limited = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.nik_check_limited")
        ).all()
    assert [e.object_id for e in limited] == [str(user.id)]
    # a free NIK still saves: the limit only concerns registered ones
    assert client.post("/profil/ubah", data=profile_form_data()).status_code == 302


def test_reference_codes_are_normalized_or_refused():
    from app.core import reference_codes

    code = reference_codes.new_code()
    assert reference_codes.normalize(code) == code
    assert reference_codes.normalize(" rjk" + code[3:].lower()) == code
    for bad in ("", "RJK-0000-0000", "RJK-ABCD", "x" * 100, "RJK-ABCD-EFGH-JKLM", None):
        assert reference_codes.normalize(bad) is None


# --- Item 15: the audit trail as people read it ------------------------------------------------------


def _audit_page(client, **params):
    response = client.get("/admin/audit", query_string=params)
    return response, response.get_data(as_text=True)


def test_audit_page_shows_labels_and_names_with_links(app, client, logged_in, make_user):
    from app.core.roles import Role

    officer = make_user(Role.AGENCY_OFFICER)
    admin = logged_in(Role.MINISTRY_ADMIN)
    login(app.test_client(), officer)
    response, html = _audit_page(client, aksi="account.logged_in")
    assert response.status_code == 200
    assert "Masuk</a>" in html and ">account.logged_in<" not in html
    assert f'href="/admin/staf/{officer.id}"' in html  # the officer by name, linked to the staff page
    assert "Staf agency_officer" in html
    with app.app_context():
        from app.admin.audit_trail import action_label

        assert action_label("registration.verified") == "Pendaftaran diverifikasi"
        assert action_label("registration.something_new") == "Pendaftaran: something new"  # readable fallback
        assert action_label("weird") == "Weird"
    assert admin


def test_audit_filters_by_actor_object_dates_and_action(app, client, logged_in, make_user):
    from app.core.roles import Role

    officer = make_user(Role.AGENCY_OFFICER)
    logged_in(Role.MINISTRY_ADMIN)
    login(app.test_client(), officer)
    _, html = _audit_page(client, pelaku=officer.email)
    assert "Masuk</a>" in html
    _, html = _audit_page(client, objek="user", id_objek=str(officer.id))
    assert "Akun staf dibuat" in html and "Masuk</a>" in html
    _, html = _audit_page(client, objek="user", id_objek=str(officer.id), aksi="staff")
    assert "Akun staf dibuat" in html and "Masuk</a>" not in html
    _, html = _audit_page(
        client, dari="2000-01-01", sampai="2000-01-31", objek="user", id_objek=str(officer.id)
    )
    assert "Tidak ada catatan yang cocok" in html
    # bad input: a clear message beside the field, the typed value kept, never a 500
    response, html = _audit_page(client, dari="31-12-2026", sampai="2026-01-01")
    assert response.status_code == 422
    assert "Tanggal tidak valid" in html and "31-12-2026" in html
    response, html = _audit_page(client, dari="2026-02-01", sampai="2026-01-01")
    assert "Tanggal akhir tidak boleh sebelum tanggal awal" in html
    response, html = _audit_page(client, id_objek="12")
    assert "Pilih jenis objek" in html
    response, _ = _audit_page(client, pelaku="9" * 40, id_objek="x" * 500, objek="user", aksi="zz%_")
    assert response.status_code == 200
    assert _audit_page(client, aksi="\x00")[0].status_code == 400  # control characters: refused early


def test_audit_pages_are_keyset_and_load_names_in_bulk(app, client, logged_in, make_user):
    from app.admin import routes
    from app.core.roles import Role

    logged_in(Role.MINISTRY_ADMIN)
    for _ in range(4):
        login(app.test_client(), make_user())
    routes_page_size, routes.PAGE_SIZE = routes.PAGE_SIZE, 3
    try:
        with app.app_context():
            engine = db.engine
        with _Statements(engine) as few:
            _audit_page(client, aksi="account.logged_in")
        response, html = _audit_page(client, aksi="account.logged_in")
        assert 'rel="next"' in html and "setelah=" in html
        with _Statements(engine) as more:
            routes.PAGE_SIZE = 6
            _audit_page(client, aksi="account.logged_in")
        assert len(more.statements) == len(few.statements)  # names in bulk: no query per row
    finally:
        routes.PAGE_SIZE = routes_page_size


def test_reference_code_from_the_profile_is_found_on_the_audit_page(app, client, logged_in):
    import re

    from app.core.roles import Role
    from tests.factories import create_person, new_nik, profile_form_data

    nik = new_nik()
    create_person(app, nik=nik, full_name="Ujang Sopandi")
    applicant = app.test_client()
    login(applicant, logged_in())
    html = applicant.post("/profil/ubah", data=profile_form_data(nik=nik)).get_data(as_text=True)
    code = re.search(r"RJK-[0-9A-Z]{4}-[0-9A-Z]{4}", html).group(0)
    client.post("/akun/keluar")
    logged_in(Role.MINISTRY_ADMIN)
    _, page = _audit_page(client, id_objek=code.lower())  # as read out on the phone
    assert code in page and "Ujang Sopandi" in page


def test_small_export_is_a_csv_at_once(app, client, logged_in, make_user):
    import csv
    import io

    from app.core.roles import Role

    officer = make_user(Role.AGENCY_OFFICER)
    logged_in(Role.MINISTRY_ADMIN)
    response = client.post("/admin/audit/ekspor", data={"objek": "user", "id_objek": str(officer.id)})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["No.", "Waktu", "Pelaku", "Aksi"]
    actions = {row[3] for row in rows[1:]}
    assert "Akun staf dibuat" in actions
    assert all(not row[5].startswith("=") for row in rows[1:])  # no formula injection
    from app.admin.audit_trail import _cell

    assert [_cell(v) for v in ("=1+1", "+62", "-x", "@a", "Siti", None)] == [
        "'=1+1",
        "'+62",
        "'-x",
        "'@a",
        "Siti",
        "",
    ]
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.exported")) is not None
    response = client.post("/admin/audit/ekspor", data={"dari": "bukan-tanggal"})
    assert response.status_code == 302  # back to the page, which shows the message


def test_large_export_runs_on_the_queue_and_waits_for_download(
    app, client, logged_in, make_user, monkeypatch, outbox
):
    from app.admin import audit_trail
    from app.core.roles import Role

    monkeypatch.setattr(audit_trail, "EXPORT_INLINE_LIMIT", 2)
    monkeypatch.setattr(audit_trail, "EXPORT_BATCH", 2)
    admin = logged_in(Role.MINISTRY_ADMIN)
    for _ in range(3):
        make_user()
    response = client.post("/admin/audit/ekspor", data={"aksi": "role"})
    assert response.status_code == 302
    status_url = response.headers["Location"]
    assert "/admin/audit/ekspor/" in status_url
    html = client.get(status_url).get_data(as_text=True)
    assert "Unduh berkas CSV" in html and "job-progress" in html
    download = client.get(status_url + "/unduh")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.get_data(as_text=True).count("\n") >= 4
    ready = outbox.body(outbox.last_to(admin.email))
    assert ready.startswith("Yth. ") and status_url in ready
    # another admin's job is not found for an officer; a missing job is 404
    assert client.get("/admin/audit/ekspor/999999999").status_code == 404
    assert client.get("/admin/audit/ekspor/999999999/unduh").status_code == 404
