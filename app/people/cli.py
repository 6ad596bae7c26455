"""``flask nik …``: identity number tools for operators.

``flask nik check NIK [--birth-date YYYY-MM-DD] [--sex L|P]`` prints what a NIK encodes, or why
it is rejected. Exit status 0 when the NIK is acceptable (warnings allowed), 1 on a hard error.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask_babel import lazy_gettext as _l

from app.core.unit_of_work import UnitOfWorkGroup
from app.people.identity import SEX_MALE, IdentityCheck, NikParts, check_nik, mask_nik

nik_cli = UnitOfWorkGroup("nik", help="Identity number (NIK) tools.")

# The reference models are imported where they are used: this module is imported while the CLI is
# registered, and must not pull the models in at import time.


def _region_name(code: str) -> str | None:
    """The name of a region in the reference data, or None when the code is unknown."""
    from app.extensions import db
    from app.reference.models import Region

    region = db.session.get(Region, code)
    return region.name if region is not None else None


def _province_exists(code: str) -> bool:
    from app.extensions import db
    from app.reference.models import PROVINCE, Region

    region = db.session.get(Region, code)
    return region is not None and region.level == PROVINCE


def _district_exists(code: str) -> bool:
    return _region_name(code) is not None


def _describe(code: str) -> str:
    name = _region_name(code)
    unknown = _l("tidak ada di data wilayah")
    return f"{code} {name}" if name else f"{code} ({unknown})"


def _print_parts(parts: NikParts) -> None:
    sex = _l("laki-laki") if parts.sex == SEX_MALE else _l("perempuan")
    rows = [
        (_l("Provinsi"), _describe(parts.province_code)),
        (_l("Kabupaten/kota"), _describe(parts.regency_code)),
        (_l("Kecamatan"), _describe(parts.district_code)),
        (_l("Tanggal lahir"), parts.birth_date.strftime("%d-%m-%Y")),
        (_l("Jenis kelamin"), f"{parts.sex} ({sex})"),
        (_l("Nomor urut"), parts.serial),
    ]
    width = max(len(str(label)) for label, _ in rows)
    for label, value in rows:
        click.echo(f"  {str(label):<{width}}  {value}")


def _print_messages(result: IdentityCheck) -> None:
    for error in result.errors:
        click.echo(str(_l("Kesalahan: %(message)s", message=error)), err=True)
    for warning in result.warnings:
        click.echo(str(_l("Peringatan: %(message)s", message=warning)), err=True)


@nik_cli.command("check")
@click.argument("nik")
@click.option(
    "--birth-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Birth date as entered (YYYY-MM-DD), to compare with the NIK.",
)
@click.option(
    "--sex",
    type=click.Choice(["L", "P"], case_sensitive=False),
    default=None,
    help="Sex as entered (L = laki-laki, P = perempuan), to compare with the NIK.",
)
@click.pass_context
def check_command(ctx: click.Context, nik: str, birth_date: datetime | None, sex: str | None) -> None:
    """Check a NIK and show what it encodes (province, regency, district, birth date, sex)."""
    result = check_nik(
        nik,
        birth_date=birth_date.date() if birth_date else None,
        sex=sex.upper() if sex else None,
        province_exists=_province_exists,
        district_exists=_district_exists,
    )
    # The NIK is personal data (domain brief §10): show it masked, even in a terminal.
    shown = mask_nik(result.value) if result.value else mask_nik(nik)
    click.echo(f"NIK {shown}")
    if result.parts is not None:
        assert isinstance(result.parts, NikParts)
        _print_parts(result.parts)
    _print_messages(result)
    if not result.ok:
        click.echo(str(_l("NIK ditolak.")), err=True)
        ctx.exit(1)
    if result.warnings:
        click.echo(str(_l("NIK dapat diterima dengan peringatan.")))
    else:
        click.echo(str(_l("NIK dapat diterima.")))
