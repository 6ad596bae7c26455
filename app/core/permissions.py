"""Deny by default: who may open which endpoint, and which records a user may see.

Every endpoint is either on PUBLIC_ENDPOINTS or declares the roles allowed with @allow(...).
`enforce_access` runs before every request: anonymous users are sent to the login page, users whose role
is not allowed get 403, and an endpoint that declares nothing is refused to everyone — forgetting a
declaration fails closed, and tests/test_route_access.py walks every route against every role.

Record-level checks are named functions (can_*), used by views, services and templates alike, and every
listing restricted by region goes through `jurisdiction_filter`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, false, or_, true

from app.core.audit import record_regardless
from app.core.roles import Role

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


def role_may_open(role: Role | None, endpoint: str) -> bool:
    """Pure answer used by enforce_access and by the route-walk test."""
    if endpoint in PUBLIC_ENDPOINTS:
        return True
    if role is None:
        return False
    roles = allowed_roles(endpoint)
    if not roles:
        return False
    return SIGNED_IN in roles or role in roles


def enforce_access() -> Any:
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None  # 404s and public pages
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not role_may_open(current_user.role, endpoint):
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


def in_jurisdiction(user: User, region_code: str | None) -> bool:
    if user.role == Role.MINISTRY_ADMIN:
        return True
    if user.role == Role.AGENCY_OFFICER:
        return region_covers(user.region_code, region_code)
    return False


def jurisdiction_filter(user: User, region_column: Any) -> ColumnElement[bool]:
    """The one filter that restricts a listing to the regions the user may see."""
    if user.role == Role.MINISTRY_ADMIN:
        return true()
    if user.role == Role.AGENCY_OFFICER and user.region_code:
        scope = user.region_code
        return or_(region_column == scope, region_column.like(scope + ".%"))
    return false()


TEMPLATE_CHECKS = {"role_may_open": role_may_open}
