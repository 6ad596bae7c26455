"""`flask documents purge`."""

from __future__ import annotations

from datetime import date

import click

from app.core.models import local_today
from app.core.unit_of_work import UnitOfWorkGroup
from app.documents.services import purge_expired_documents

documents_cli = UnitOfWorkGroup("documents", help="Uploaded documents.")


@documents_cli.command("purge")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Default: today (WIB)."
)
def documents_purge(today) -> None:
    """Delete documents past their delete_after date (and their files, after commit).

    The job queue runs this daily (app.documents.services.purge_documents_daily)."""
    day: date = today.date() if today else local_today()
    count = purge_expired_documents(day)
    click.echo(f"{count} document(s) purged")
