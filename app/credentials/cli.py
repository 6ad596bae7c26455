"""`flask credentials …`: signing keys and offline verification.

flask credentials dev-keys ISSUER…      create development signers and statement keys (make run)
flask credentials rotate-key ISSUER     a new statement key for an issuer (old ones stay published)
flask credentials verify-qr TEXT        check a QR code's text (or a bare statement) offline
flask credentials expire [--today D]    record expiries, send expiry reminders (the daily job)
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from app.core.models import local_today
from app.credentials import statements
from app.credentials.registry import expiry
from app.documents import signing

credentials_cli = AppGroup(
    "credentials", help="Signing keys, offline verification and expiry of certificates and licences."
)


@credentials_cli.command("dev-keys")
@click.argument("issuers", nargs=-1, required=True)
def dev_keys(issuers: tuple[str, ...]) -> None:
    """Create the development signer and statement key of each issuer when missing."""
    from flask import current_app

    if not current_app.config["SIGNING_DEV_KEYS"]:
        raise click.ClickException(
            "development keys are switched off in this configuration (SIGNING_DEV_KEYS)"
        )
    for issuer in issuers:
        path = signing.create_dev_signer(issuer)
        kid, _ = statements.signing_key(issuer)
        click.echo(f"{issuer}: signer {path}, statement key {kid}")


@credentials_cli.command("rotate-key")
@click.argument("issuer")
def rotate_key(issuer: str) -> None:
    """Add a new statement key for ISSUER; it signs from now on, the old keys stay in the JWKS."""
    kid = statements.create_key(issuer)
    click.echo(f"{issuer}: new statement key {kid}")


@credentials_cli.command("verify-qr")
@click.argument("text")
@click.option(
    "--jwks",
    "jwks_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A saved copy of /.well-known/jwks.json (default: this installation's keys).",
)
def verify_qr(text: str, jwks_file: Path | None) -> None:
    """Check the signed statement in a QR code's TEXT (the full text, or the statement alone)."""
    url, statement = statements.split_qr_text(text)
    keys = statements.keys_from_jwks(json.loads(jwks_file.read_text())) if jwks_file else None
    try:
        verified = statements.verify_statement(statement, keys)
    except statements.InvalidStatement as error:
        click.echo(f"NOT VALID: {error}")
        sys.exit(1)
    click.echo(f"VALID: signed by key {verified.kid}")
    if url:
        click.echo(f"url: {url}")
    for name, value in verified.claims.items():
        click.echo(f"{name}: {value}")


@credentials_cli.command("expire")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Default: today (WIB)."
)
def expire(today) -> None:
    """Record certificates and licences past their valid-until as expired (a certificate's licences
    end with it) and e-mail the 90- and 30-day reminders. Each batch commits; running it again changes
    nothing. The job queue runs this daily (app.credentials.registry.expiry.expire_daily)."""
    day: date = today.date() if today else local_today()
    report = expiry.run(day)
    click.echo(
        f"{report.certificates} certificate(s) expired, {report.licences} licence(s) expired, "
        f"{report.reminders} reminder(s) sent"
    )
