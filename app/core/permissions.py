"""Deny by default: who may open which endpoint, and which records a user may see.

Every endpoint is either on PUBLIC_ENDPOINTS or declares the roles allowed with @allow(...).
`enforce_access` runs before every request: anonymous users are sent to the login page, users none of
whose roles (the union of their active grants) is allowed get 403, and an endpoint that declares
nothing is refused to everyone — forgetting a declaration fails closed, and tests/test_route_access.py
walks every route against every role and a user holding two grants.

Record-level checks are named functions (can_*), used by views, services and templates alike. Every
listing restricted by region goes through `jurisdiction_filter`, which compares the stored
`province_code` / `regency_code` columns with "=" (an index lookup at a million rows, where a
`LIKE 'prefix.%'` is a range scan at best); listings scoped by certification body or training
provider go through `body_filter` / `provider_filter`. Each filter is built from the user's grants of
the role concerned, so a user with several grants sees the union of their scopes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, true

from app.core.audit import record_regardless
from app.core.roles import Role
from app.reference.models import PROVINCE, REGENCY

if TYPE_CHECKING:
    from app.accounts.models import User

# Endpoints anyone may open without signing in. Keep this list short and explicit.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "main.index",
        "main.healthz",
        "main.set_language",
        "accounts.login",
        "accounts.signup",
        "accounts.signup_done",
        "accounts.verify_email",
        "accounts.resend_verification",
        "accounts.forgot_password",
        "accounts.reset_password",
        # Public verification of issued documents (rate-limited, no personal data beyond the name).
        "verification.lookup",
        "verification.show",
        "verification.check_file",
        "verification.check_file_for",
        "verification.jwks",
        "catalogue.public_list",
        "catalogue.public_session",
        # Open exam sessions (jadwal uji kompetensi): no personal data.
        "exams.public_list",
        "exams.public_session",
    }
)

SIGNED_IN = "signed_in"  # pseudo-role: any active signed-in user


def allow(*roles: Role | str) -> Callable:
    """Declare which roles may open a view (SIGNED_IN for every signed-in user)."""

    def decorator(view: Callable) -> Callable:
        view.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return decorator


def allowed_roles(endpoint: str) -> frozenset[str] | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def roles_of(who: User | Role | str | None) -> frozenset[Role]:
    """The roles of a user (the union of their active grants), or of a bare role; none for anonymous."""
    if who is None:
        return frozenset()
    if isinstance(who, str):
        return frozenset({Role(who)})
    if not getattr(who, "is_authenticated", False):
        return frozenset()
    return who.roles


def role_may_open(who: User | Role | str | None, endpoint: str) -> bool:
    """May this user (any of their roles), or a user holding just this role, open the endpoint?
    Used by enforce_access, the menu and the route-walk test."""
    if endpoint in PUBLIC_ENDPOINTS:
        return True
    allowed = allowed_roles(endpoint)
    if not allowed or who is None:
        return False
    if SIGNED_IN in allowed:  # any signed-in account, even one whose grants were all revoked
        return isinstance(who, str) or bool(getattr(who, "is_authenticated", False))
    return bool(roles_of(who) & allowed)


def enforce_access() -> Any:
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None  # 404s and public pages
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not role_may_open(current_user, endpoint):
        deny(403, "access.denied", object_type="endpoint", object_id=endpoint)
    return None


def deny(status: int, action: str, *, object_type: str, object_id: Any) -> NoReturn:
    """Refuse the request with `status` and keep an audit event of the attempt (it survives the
    rollback of the refused request)."""
    record_regardless(
        action,
        object_type=object_type,
        object_id=object_id,
        after={"endpoint": request.endpoint, "path": request.path},
    )
    abort(status)


# --- Jurisdiction ------------------------------------------------------------------------------


def region_covers(scope_code: str | None, region_code: str | None) -> bool:
    """True when region_code lies inside scope_code ('32' covers '32.04.05.2001')."""
    if not scope_code or not region_code:
        return False
    return region_code == scope_code or region_code.startswith(scope_code + ".")


def _level(code: str) -> int:
    return code.count(".") + 1


def jurisdiction_scopes(user: User, level: int | None = None) -> list[str] | None:
    """The region codes of the user's agency-officer grants (only those at `level` when given);
    None means national scope (a ministry admin)."""
    if user.has_role(Role.MINISTRY_ADMIN):
        return None
    codes = [grant.region_code for grant in user.grants_for(Role.AGENCY_OFFICER) if grant.region_code]
    return [code for code in codes if level is None or _level(code) == level]


def in_jurisdiction(user: User, region_code: str | None, level: int | None = None) -> bool:
    """Does one of the user's grants cover the region? With level=REGENCY only a regency (or the
    ministry) counts — e.g. practice licences are granted by the regency of the practice place."""
    scopes = jurisdiction_scopes(user, level)
    if scopes is None:
        return True
    return any(region_covers(scope, region_code) for scope in scopes)


def _region_columns(model_or_columns: Any) -> tuple[Any, Any]:
    if isinstance(model_or_columns, tuple):
        return model_or_columns
    return model_or_columns.province_code, model_or_columns.regency_code


def jurisdiction_filter(user: User, model_or_columns: Any, level: int | None = None) -> ColumnElement[bool]:
    """The one filter that restricts a listing to the regions the user may see.

    `model_or_columns` is a model with `province_code` and `regency_code` columns (derived from its
    region when it is set), or a (province column, regency column) pair. A province grant compares
    the province column, a regency grant the regency column — both with "=" / IN.
    """
    scopes = jurisdiction_scopes(user, level)
    if scopes is None:
        return true()
    province_column, regency_column = _region_columns(model_or_columns)
    provinces = sorted({code for code in scopes if _level(code) == PROVINCE})
    regencies = sorted({code for code in scopes if _level(code) == REGENCY})
    conditions = []
    if provinces:
        conditions.append(
            province_column == provinces[0] if len(provinces) == 1 else province_column.in_(provinces)
        )
    if regencies:
        conditions.append(
            regency_column == regencies[0] if len(regencies) == 1 else regency_column.in_(regencies)
        )
    return or_(*conditions) if conditions else false()


def region_filter(model_or_columns: Any, region_code: str, region_column: Any = None) -> ColumnElement[bool]:
    """Narrow a listing to one region (a sub-region filter in a list): "=" on the column of its level;
    below regency level the record's own region column, which stores districts at most."""
    province_column, regency_column = _region_columns(model_or_columns)
    level = _level(region_code)
    if level == PROVINCE:
        return province_column == region_code
    if level == REGENCY:
        return regency_column == region_code
    if region_column is None:
        region_column = model_or_columns.region_code
    return region_column == region_code


def _scoped_filter(user: User, column: Any, roles: tuple[Role, ...], attribute: str) -> ColumnElement[bool]:
    if user.has_role(Role.MINISTRY_ADMIN):
        return true()
    codes = sorted({getattr(grant, attribute) for grant in user.grants_for(*roles)} - {None})
    if not codes:
        return false()
    return column == codes[0] if len(codes) == 1 else column.in_(codes)


def body_filter(
    user: User, column: Any, roles: tuple[Role, ...] = (Role.BOARD_ADMIN, Role.ASSESSOR)
) -> ColumnElement[bool]:
    """Restrict a listing to the certification bodies of the user's board-admin/assessor grants."""
    return _scoped_filter(user, column, roles, "certification_body_code")


def provider_filter(user: User, column: Any) -> ColumnElement[bool]:
    """Restrict a listing to the training providers of the user's training-officer grants."""
    return _scoped_filter(user, column, (Role.TRAINING_OFFICER,), "training_provider_code")


TEMPLATE_CHECKS = {"role_may_open": role_may_open}
