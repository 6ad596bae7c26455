"""`flask users create|set-active|list`, `flask demo accounts` and `flask demo chain` (app/demo)."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import User
from app.core.display import region_title
from app.core.errors import DomainError
from app.core.roles import Role
from app.core.unit_of_work import UnitOfWorkGroup
from app.demo.cli import demo_chain
from app.extensions import db

users_cli = UnitOfWorkGroup("users", help="Staff and applicant accounts.")
demo_cli = UnitOfWorkGroup("demo", help="Demo data for development (refused in production).")
demo_cli.add_command(demo_chain)


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", help="Full name (defaults to the e-mail's local part).")
@click.option("--role", type=click.Choice([str(r) for r in Role if r != Role.APPLICANT]), required=True)
@click.option("--region", "region_code", help="Region code for agency officers, e.g. 32 or 32.04.")
@click.option("--body", "body_code", help="Certification body code: LSPS or LSPENSOS.")
@click.option("--provider", "provider_code", help="Training provider code, e.g. BBPPKS-BANDUNG.")
@click.option("--password", help="Set a password now; without it an invitation link is e-mailed.")
def users_create(email, full_name, role, region_code, body_code, provider_code, password) -> None:
    """Create a staff account (with its person and its first role grant)."""
    try:
        user = services.create_staff(
            email=email,
            full_name=full_name or email.split("@")[0],
            role=Role(role),
            region_code=region_code,
            body_code=body_code,
            provider_code=provider_code,
            password=password,
        )
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"created user {user.id}: {user.email} ({role})")


@users_cli.command("set-active")
@click.argument("email")
@click.argument("active", type=click.BOOL)
def users_set_active(email: str, active: bool) -> None:
    """Activate (true) or deactivate (false) an account; deactivation ends its sessions."""
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with e-mail {email}")
    services.set_active(user, active)
    click.echo(f"{user.email}: {'active' if user.active else 'inactive'}")


@users_cli.command("list")
def users_list() -> None:
    for user in db.session.scalars(select(User).order_by(User.id)):
        grants = ",".join(
            f"{grant.role}:{grant.scope_code}" if grant.scope_code else str(grant.role)
            for grant in user.active_grants
        )
        click.echo(f"{user.id}\t{user.email}\t{grants or '-'}\t{'active' if user.active else 'inactive'}")


DEMO_PASSWORD = "demo-sdm-kesos"  # noqa: S105 - development-only, refused in production
DEMO_ACCOUNTS = [
    ("admin@demo.kemensos.go.id", "Admin Kemensos", Role.MINISTRY_ADMIN, None, None),
    (
        "dinsos.jabar@demo.kemensos.go.id",
        "Petugas Dinsos Jawa Barat",
        Role.AGENCY_OFFICER,
        "32",
        None,
    ),
    (
        "dinsos.bandung@demo.kemensos.go.id",
        "Petugas Dinsos Kab. Bandung",
        Role.AGENCY_OFFICER,
        "32.04",
        None,
    ),
    (
        "dinsos.jateng@demo.kemensos.go.id",
        "Petugas Dinsos Jawa Tengah",
        Role.AGENCY_OFFICER,
        "33",
        None,
    ),
    (
        "diklat@demo.kemensos.go.id",
        "Penyelenggara Diklat BBPPKS",
        Role.TRAINING_OFFICER,
        None,
        "BBPPKS-BANDUNG",
    ),
    ("lsps@demo.kemensos.go.id", "Admin LSPS", Role.BOARD_ADMIN, None, "LSPS"),
    ("asesor@demo.kemensos.go.id", "Asesor LSPS", Role.ASSESSOR, None, "LSPS"),
    ("asesor2@demo.kemensos.go.id", "Asesor Kedua LSPS", Role.ASSESSOR, None, "LSPS"),
]
DEMO_APPLICANT = ("pemohon@demo.kemensos.go.id", "Siti Rahayu")


def _grant_line(grant) -> str:
    """'Petugas Dinas Sosial — Kabupaten Bandung (32.04)': the role and its scope by name."""
    if not grant.scope_name:
        return grant.role.label
    name = region_title(grant.scope_name) if grant.region_code else grant.scope_name
    return f"{grant.role.label} — {name} ({grant.scope_code})"


@demo_cli.command("accounts")
def demo_accounts() -> None:
    """Create one demo account per role (idempotent) and print the credentials."""
    if not current_app.config.get("DEMO_ACCOUNTS_ALLOWED"):
        raise click.ClickException("demo accounts are refused in this configuration")
    for email, name, role, region, scope in DEMO_ACCOUNTS:
        if services.find_by_email(email) is None:
            services.create_staff(
                email=email,
                full_name=name,
                role=role,
                region_code=region,
                body_code=scope if Role(role).needs_body else None,
                provider_code=scope if Role(role).needs_provider else None,
                password=DEMO_PASSWORD,
            )
    applicant_email, applicant_name = DEMO_APPLICANT
    if services.find_by_email(applicant_email) is None:
        applicant = services.sign_up(applicant_name, applicant_email, DEMO_PASSWORD)
        services.verify_email_now(applicant)
    click.echo("Demo accounts (development only) — password for all: " + DEMO_PASSWORD)
    for email in [email for email, *_ in DEMO_ACCOUNTS] + [applicant_email]:
        user = services.find_by_email(email)
        roles = "; ".join(_grant_line(grant) for grant in user.active_grants)
        click.echo(f"  {email:<37} {roles}")
