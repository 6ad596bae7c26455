"""`flask audit verify`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.core.audit import verify_chain

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit 1 and name the first broken event if it was altered."""
    report = verify_chain()
    if report.intact:
        click.echo(f"audit chain intact: {report.checked} events checked")
        return
    click.echo(
        f"audit chain BROKEN at event {report.broken_at}: {report.reason} "
        f"({report.checked} events before it are intact)",
        err=True,
    )
    sys.exit(1)
