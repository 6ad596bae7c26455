"""`flask audit seal` and `flask audit verify`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.core.audit import DEFAULT_SEAL_BATCH, anchor_path, seal_pending, verify_chain

audit_cli = AppGroup("audit", help="The audit trail.")


@audit_cli.command("seal")
@click.option("--batch-size", default=DEFAULT_SEAL_BATCH, show_default=True, help="Events per seal.")
def audit_seal(batch_size: int) -> None:
    """Chain the pending events now (the job queue does it every minute)."""
    report = seal_pending(batch_size=batch_size)
    if not report.sealed:
        click.echo(f"nothing to seal; chain head at seq {report.last_seq}")
        return
    click.echo(
        f"sealed {report.sealed} events in {report.seals} seals; "
        f"head at seq {report.last_seq}, mac {report.head_mac}"
    )


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the keyed chain; exit 1 and name the first broken event if it was altered."""
    report = verify_chain()
    if not report.anchor_checked:
        click.echo(
            f"warning: anchor file {anchor_path()} missing or empty: "
            "the chain's end was checked against the database only",
            err=True,
        )
    if report.intact:
        click.echo(f"audit chain intact: {report.checked} events checked ({report.pending} pending)")
        return
    click.echo(
        f"audit chain BROKEN at {report.location}: {report.reason} "
        f"({report.checked} events before it are intact; {report.pending} pending)",
        err=True,
    )
    sys.exit(1)
