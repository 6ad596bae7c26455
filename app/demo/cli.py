"""`flask demo chain` (hung on the `demo` group of app/accounts/cli.py)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.core.errors import DomainError
from app.demo.chain import as_lines, run_chain


@click.command("chain")
@click.option(
    "--once",
    is_flag=True,
    help=(
        "Only the steps the demo person's chain still lacks (registration, STTP, decree, certificate, "
        "licence); when everything exists, print what exists."
    ),
)
@with_appcontext
def demo_chain(once: bool) -> None:
    """Take the demo applicant through a Pekerja Sosial registration, training and STTP, certification
    (the plenary's decree), the certificate and a practice licence; print one line per issued
    document: KIND, NUMBER, PUBLIC-VERIFICATION-URL, ABSOLUTE-PDF-PATH (tab-separated, '-' if none)."""
    if not current_app.config.get("DEMO_ACCOUNTS_ALLOWED"):
        raise click.ClickException("the demo chain is refused in this configuration")
    try:
        lines = run_chain(once=once)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(as_lines(lines))
