"""Operator commands: `flask users …`, `flask nik check`, `flask demo accounts` (run through Flask's
CLI runner, which shares the test's transaction)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.cli import DEMO_ACCOUNTS, DEMO_APPLICANT, DEMO_PASSWORD
from app.accounts.models import User
from app.core.roles import Role
from app.extensions import db
from tests.factories import create_user, login, unique_email


@pytest.fixture
def flask_cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=[str(a) for a in args])

    return run


def grants(app, user_id: int) -> list[tuple]:
    """(role, region, body, provider) of the user's active grants."""
    with app.app_context():
        user = db.session.get(User, user_id)
        return [
            (str(g.role), g.region_code, g.certification_body_code, g.training_provider_code)
            for g in user.active_grants
        ]


def find(app, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email.lower()))
        if user is not None:
            db.session.expunge(user)
        return user


# --- users ------------------------------------------------------------------------------------------


def test_users_create_agency_officer(app, flask_cli, outbox):
    email = unique_email("cli")
    result = flask_cli("users", "create", "--email", email, "--role", "agency_officer", "--region", "32.04")
    assert result.exit_code == 0, result.output
    assert f"{email} (agency_officer)" in result.output
    user = find(app, email)
    assert grants(app, user.id) == [("agency_officer", "32.04", None, None)]
    assert user.full_name == email.split("@")[0]  # the default name
    assert user.active and user.email_verified_at is not None
    # Without --password the new user is invited to set one.
    assert "/akun/atur-sandi/" in outbox.body(outbox.last_to(email))


def test_users_create_with_password_can_log_in(app, flask_cli, outbox):
    email = unique_email("cli")
    result = flask_cli(
        "users",
        "create",
        "--email",
        email,
        "--name",
        "Budi Santoso",
        "--role",
        "training_officer",
        "--provider",
        "BBPPKS-YOGYAKARTA",
        "--password",
        "sandi-operator-123",
    )
    assert result.exit_code == 0, result.output
    user = find(app, email)
    assert user.full_name == "Budi Santoso"
    assert grants(app, user.id) == [("training_officer", None, None, "BBPPKS-YOGYAKARTA")]
    assert outbox.to(email) == []  # nothing to invite to
    client = app.test_client()
    assert login(client, email, "sandi-operator-123").headers["Location"] == "/dasbor"


def test_users_create_training_officer_needs_a_provider(app, flask_cli):
    email = unique_email("cli")
    result = flask_cli("users", "create", "--email", email, "--role", "training_officer")
    assert result.exit_code == 1
    assert "Penyelenggara diklat harus terikat pada satu lembaga penyelenggara diklat." in result.output
    assert find(app, email) is None


def test_users_create_officer_without_region_fails_clearly(app, flask_cli):
    email = unique_email("cli")
    result = flask_cli("users", "create", "--email", email, "--role", "agency_officer")
    assert result.exit_code == 1
    assert "Petugas Dinas Sosial harus terikat pada satu provinsi atau kabupaten/kota." in result.output
    assert find(app, email) is None


def test_users_create_officer_at_district_level_fails(app, flask_cli):
    email = unique_email("cli")
    result = flask_cli(
        "users", "create", "--email", email, "--role", "agency_officer", "--region", "32.04.12"
    )
    assert result.exit_code == 1
    assert "provinsi atau kabupaten/kota" in result.output
    assert find(app, email) is None


def test_users_create_unknown_role_fails(app, flask_cli):
    email = unique_email("cli")
    result = flask_cli("users", "create", "--email", email, "--role", "superuser")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert "superuser" in result.output
    # Applicants sign up themselves; the command does not offer the role.
    assert flask_cli("users", "create", "--email", email, "--role", "applicant").exit_code == 2
    assert find(app, email) is None


def test_users_create_board_admin(app, flask_cli):
    email = unique_email("cli")
    result = flask_cli("users", "create", "--email", email, "--role", "board_admin", "--body", "LSPS")
    assert result.exit_code == 0, result.output
    user = find(app, email)
    assert grants(app, user.id) == [("board_admin", None, "LSPS", None)]


def test_users_create_board_admin_needs_a_known_body(app, flask_cli):
    email = unique_email("cli")
    for extra in ([], ["--body", "TIDAK-ADA"]):
        result = flask_cli("users", "create", "--email", email, "--role", "board_admin", *extra)
        assert result.exit_code == 1
        assert "harus terikat pada satu lembaga sertifikasi" in result.output
    assert find(app, email) is None


def test_users_create_duplicate_email_fails(app, flask_cli):
    existing = create_user(app, Role.TRAINING_OFFICER)
    result = flask_cli("users", "create", "--email", existing.email.upper(), "--role", "training_officer")
    assert result.exit_code == 1
    assert "Alamat surel ini sudah digunakan oleh akun lain." in result.output


def test_users_create_short_password_fails(app, flask_cli):
    email = unique_email("cli")
    result = flask_cli(
        "users",
        "create",
        "--email",
        email,
        "--role",
        "training_officer",
        "--provider",
        "BBPPKS-PADANG",
        "--password",
        "pendek",
    )
    assert result.exit_code == 1
    assert "Kata sandi minimal 10 karakter." in result.output
    assert find(app, email) is None


def test_users_set_active(app, flask_cli):
    user = create_user(app, Role.ASSESSOR)
    client = app.test_client()
    assert login(client, user).status_code == 302

    result = flask_cli("users", "set-active", user.email, "false")
    assert result.exit_code == 0, result.output
    assert f"{user.email}: inactive" in result.output
    assert find(app, user.email).active is False
    assert client.get("/dasbor").status_code == 302  # the open session ended
    assert "Akun ini dinonaktifkan" in login(client, user).get_data(as_text=True)

    result = flask_cli("users", "set-active", user.email, "true")
    assert result.exit_code == 0 and f"{user.email}: active" in result.output
    assert login(client, user).status_code == 302


def test_users_set_active_unknown_email(flask_cli):
    result = flask_cli("users", "set-active", unique_email("tidak-ada"), "false")
    assert result.exit_code == 1
    assert "no user with e-mail" in result.output


def test_users_list(app, flask_cli):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="33")
    result = flask_cli("users", "list")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if officer.email in line)
    assert line.split("\t") == [str(officer.id), officer.email, "agency_officer:33", "active"]
    # A user holding two grants lists both.
    both = create_user(app, Role.TRAINING_OFFICER, also=(Role.APPLICANT,))
    result = flask_cli("users", "list")
    line = next(line for line in result.output.splitlines() if both.email in line)
    assert line.split("\t")[2] == "training_officer:BBPPKS-BANDUNG,applicant"


# --- nik check --------------------------------------------------------------------------------------


def test_nik_check_accepts_a_valid_nik(flask_cli):
    result = flask_cli("nik", "check", "3204124908900001", "--sex", "P")
    assert result.exit_code == 0, result.output
    assert "JAWA BARAT" in result.output
    assert "KABUPATEN BANDUNG" in result.output
    assert "09-08-1990" in result.output  # day 49 = 9 for a woman
    assert "NIK dapat diterima." in result.output
    assert "3204124908900001" not in result.output  # personal data is shown masked


def test_nik_check_warns_when_the_sex_differs(flask_cli):
    result = flask_cli("nik", "check", "3204124908900001", "--sex", "L")
    assert result.exit_code == 0
    assert "Peringatan" in result.output
    assert "NIK dapat diterima dengan peringatan." in result.output


def test_nik_check_rejects_serial_0000(flask_cli):
    result = flask_cli("nik", "check", "3204124908900000", "--sex", "P")
    assert result.exit_code == 1
    assert "Kesalahan" in result.output
    assert "NIK ditolak." in result.output


@pytest.mark.parametrize("nik", ["123", "99041249089000001", "9904124908900001"])
def test_nik_check_rejects_malformed_or_unknown_province(flask_cli, nik):
    result = flask_cli("nik", "check", nik)
    assert result.exit_code == 1
    assert "NIK ditolak." in result.output


# --- demo accounts ----------------------------------------------------------------------------------


def test_demo_accounts_one_per_role(app, flask_cli):
    result = flask_cli("demo", "accounts")
    assert result.exit_code == 0, result.output
    assert f"password for all: {DEMO_PASSWORD}" in result.output
    # role and scope by name, one short line per account
    assert "Petugas Dinas Sosial — Jawa Barat (32)" in result.output
    assert "Petugas Dinas Sosial — Kabupaten Bandung (32.04)" in result.output
    assert len(result.output.strip().splitlines()) == len(DEMO_ACCOUNTS) + 2
    emails = [email for email, *_ in DEMO_ACCOUNTS] + [DEMO_APPLICANT[0]]
    roles = set()
    for email in emails:
        assert email in result.output
        user = find(app, email)
        assert user is not None and user.active and user.email_verified_at is not None
        roles.update(role for role, *_ in grants(app, user.id))
    assert roles == {str(role) for role in Role}
    assert grants(app, find(app, "diklat@demo.kemensos.go.id").id) == [
        ("training_officer", None, None, "BBPPKS-BANDUNG")
    ]
    client = app.test_client()
    assert login(client, "admin@demo.kemensos.go.id", DEMO_PASSWORD).headers["Location"] == "/dasbor"

    # Idempotent: a second run creates nothing new.
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(User))
    assert flask_cli("demo", "accounts").exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_demo_accounts_refused_when_not_allowed(app, flask_cli, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_ACCOUNTS_ALLOWED", False)
    result = flask_cli("demo", "accounts")
    assert result.exit_code == 1
    assert "refused" in result.output
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(User))
    assert flask_cli("demo", "accounts").exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == before
