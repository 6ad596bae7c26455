"""Who may see and act on certificates and practice licences. Used by views, services and templates.

- Certificates: the body's board admins (and a ministry admin) issue, suspend, reinstate, revoke and
  correct them (`can_manage_certificate`); the holder sees and downloads their own; an agency officer
  sees those of people in their jurisdiction (the holder's registration region, copied on the
  certificate); the public verification page shows a whitelisted view to anyone. Whoever sees a
  certificate's page may download its signed PDF (`can_download_certificate`), as with licences.
- Licences: the holder applies and may withdraw or end their own; the agency officer whose
  **regency** covers the practice place (or a ministry admin) grants, refuses, suspends, reinstates,
  revokes and ends (`can_decide_licence`); a provincial officer sees the licences of their province
  read-only. The health letter is opened only by the holder and whoever may decide
  (documents.permissions).
The SYSTEM actor (jobs, the demo chain) may act on any.
"""

from __future__ import annotations

from typing import Any

from app.certification.permissions import acts_for_body
from app.core.actors import is_system
from app.core.permissions import in_jurisdiction
from app.core.roles import Role
from app.people.services import person_of_user
from app.reference.models import REGENCY


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def is_holder(user: Any, record: Any) -> bool:
    """Is the user the person the certificate or licence belongs to?"""
    if not _signed_in(user):
        return False
    person = person_of_user(user.id)
    return person is not None and person.id == record.person_id


def can_manage_certificate(user: Any, certificate: Any) -> bool:
    return acts_for_body(user, certificate.body_code)


def can_view_certificate(user: Any, certificate: Any) -> bool:
    if is_holder(user, certificate) or can_manage_certificate(user, certificate):
        return True
    if _signed_in(user) and user.has_role(Role.AGENCY_OFFICER):
        return in_jurisdiction(user, certificate.regency_code or certificate.province_code)
    return False


def can_download_certificate(user: Any, certificate: Any) -> bool:
    """The signed PDF: the holder, the body's board admins (and a ministry admin), and an agency
    officer whose jurisdiction covers the holder, i.e. exactly whoever sees the certificate's page
    (which offers the download) — the same PDF the public verification page vouches for."""
    return can_view_certificate(user, certificate)


def can_decide_licence(user: Any, licence: Any) -> bool:
    """Grant, refuse, suspend, reinstate, revoke or end: the regency of the practice place."""
    if is_system(user):
        return True
    if not _signed_in(user):
        return False
    if user.has_role(Role.MINISTRY_ADMIN):
        return True
    return user.has_role(Role.AGENCY_OFFICER) and in_jurisdiction(user, licence.region_code, REGENCY)


def can_view_licence(user: Any, licence: Any) -> bool:
    if is_holder(user, licence) or can_decide_licence(user, licence):
        return True
    return (
        _signed_in(user) and user.has_role(Role.AGENCY_OFFICER) and in_jurisdiction(user, licence.region_code)
    )


TEMPLATE_CHECKS = {
    "can_manage_certificate": can_manage_certificate,
    "can_view_certificate": can_view_certificate,
    "can_download_certificate": can_download_certificate,
    "can_decide_licence": can_decide_licence,
    "can_view_licence": can_view_licence,
}
