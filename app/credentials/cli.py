"""`flask credentials …`: signing keys and offline verification.

flask credentials dev-keys ISSUER…      create development signers and statement keys (make run)
flask credentials rotate-key ISSUER     a new statement key for an issuer (old ones stay published)
flask credentials verify-qr TEXT        check a QR code's text (or a bare statement) offline
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.credentials import statements
from app.documents import signing

credentials_cli = AppGroup(
    "credentials", help="Signing keys and offline verification of certificates and licences."
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
