"""`flask regions import` and `flask reference seed`."""

from __future__ import annotations

import time

import click

from app.core.unit_of_work import UnitOfWorkGroup
from app.reference.catalogues import seed_catalogues
from app.reference.models import LEVEL_NAMES
from app.reference.regions import import_regions

regions_cli = UnitOfWorkGroup("regions", help="Kemendagri region codes.")
reference_cli = UnitOfWorkGroup("reference", help="Catalogues: categories, education levels, religions.")


@regions_cli.command("import")
def regions_import() -> None:
    """Load provinces, regencies, districts and villages from the bundled idn-area-data files."""
    started = time.perf_counter()
    counts = import_regions()
    for level, count in counts.items():
        click.echo(f"{LEVEL_NAMES[level]}: {count}")
    click.echo(f"done in {time.perf_counter() - started:.1f} s")


@reference_cli.command("seed")
def reference_seed() -> None:
    """Create or update the catalogue tables (idempotent)."""
    changed = seed_catalogues()
    for table, count in changed.items():
        click.echo(f"{table}: {count} changed")
