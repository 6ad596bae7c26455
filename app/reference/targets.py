"""Who a programme or a scheme is for: the subtypes of a registration category (from
registration/categories.py SPECS and the category options) and the shape of a competency unit code.
Shared by the training catalogue and the certification schemes."""

from __future__ import annotations

import re
from itertools import product

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.reference.models import CategoryOption
from app.registration.categories import SPECS

UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,39}")


def subtype_choices(category_code: str) -> list[tuple[str, str]]:
    """Every subtype a registration of the category can have (registration/categories.py SPECS), as
    (code, label): "MASYARAKAT:PKH" → "Masyarakat (Pendamping Sosial) — Pendamping Sosial PKH"."""
    spec = SPECS.get(category_code)
    if spec is None:
        return []
    options: dict[str, list[tuple[str, str]]] = {}
    stmt = select(CategoryOption).filter_by(category_code=category_code).order_by(CategoryOption.sort_order)
    for option in db.session.scalars(stmt):
        options.setdefault(option.group, []).append((option.code, option.name))
    groups = spec.subtype_groups
    result = []
    for combination in product(*(options.get(g, []) for g in groups)):
        chosen = {g: code for g, (code, _name) in zip(groups, combination, strict=True)}
        subtype = spec.subtype(chosen)
        needed = [g for g in groups if spec._is_needed(g, chosen)]
        label = " — ".join(name for g, (_code, name) in zip(groups, combination, strict=True) if g in needed)
        if subtype and subtype not in {code for code, _label in result}:
            result.append((subtype, label))
    return result


def subtype_label(category_code: str, subtype: str) -> str:
    """The readable name of a target's subtype ('' = every subtype)."""
    if not subtype:
        return str(_l("semua jenis/jenjang"))
    return dict(subtype_choices(category_code)).get(subtype, subtype)
