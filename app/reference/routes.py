"""Small JSON endpoint for the dependent region picker: one level at a time, never all villages."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.core.display import region_title
from app.core.permissions import SIGNED_IN, allow
from app.reference.regions import children_of

bp = Blueprint("reference", __name__, url_prefix="/wilayah")


@bp.get("/anak/", defaults={"parent_code": None})
@bp.get("/anak/<parent_code>")
@allow(SIGNED_IN)
def region_children(parent_code: str | None):
    regions = children_of(parent_code)
    response = jsonify([{"code": r.code, "name": region_title(r.name)} for r in regions])
    response.cache_control.max_age = 3600
    response.cache_control.private = True
    return response
