"""The status of certificates and licences: every change goes through here, so the cascade from a
certificate to its licences happens in the same transaction as the certificate's change and is never
forgotten by a caller. Issuing (certificates/ and licences/) creates the records; this module moves
them. Nothing here commits.

- `suspend_certificate` suspends the certificate's active licences (`suspended_by_cascade`);
  `reinstate_certificate` reinstates only those; `revoke_certificate` / `expire_certificate` end its
  held licences (reason certificate_revoked / certificate_expired); `supersede_certificate` (a
  correction or a renewal) moves its held licences to the successor.
- `live_certificate_status` / `live_licence_status`: the recorded status, or "expired" once
  valid_until has passed and the daily job has not recorded it yet.
- `certificate_status_on` / `licence_status_on`: what the status was on a given date (the events'
  effective dates, and expiry after valid_until).
- The holder is e-mailed on every change of a certificate (credentials.notifications), in the same
  transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from app.core.actors import SYSTEM
from app.core.lifecycle import status_on
from app.core.models import local_today, utcnow
from app.credentials import notifications
from app.credentials.models import Certificate, Licence
from app.credentials.permissions import can_manage_certificate
from app.credentials.states import (
    CERTIFICATE_LIFECYCLE,
    CERTIFICATE_LIVE,
    LICENCE_HELD,
    LICENCE_LIFECYCLE,
    CertificateAction,
    CertificateStatus,
    LicenceAction,
    LicenceEndReason,
    LicenceStatus,
)
from app.extensions import db

# --- What the status is ----------------------------------------------------------------------------


def live_certificate_status(certificate: Certificate, today: date | None = None) -> CertificateStatus:
    status = CertificateStatus(certificate.status)
    if status in CERTIFICATE_LIVE and certificate.valid_until < (today or local_today()):
        return CertificateStatus.EXPIRED
    return status


def live_licence_status(licence: Licence, today: date | None = None) -> LicenceStatus:
    status = LicenceStatus(licence.status)
    if (
        status in LICENCE_HELD
        and licence.valid_until is not None
        and licence.valid_until < (today or local_today())
    ):
        return LicenceStatus.EXPIRED
    return status


def certificate_status_on(certificate: Certificate, when: date) -> CertificateStatus | None:
    """The certificate's status at the end of `when` (None before it was issued)."""
    if when < certificate.issued_on:
        return None
    recorded = status_on(certificate.events, when)
    if recorded is None:
        return None
    if recorded in CERTIFICATE_LIVE and when > certificate.valid_until:
        return CertificateStatus.EXPIRED
    return CertificateStatus(recorded)


def licence_status_on(licence: Licence, when: date) -> LicenceStatus | None:
    recorded = status_on(licence.events, when)
    if recorded is None:
        return None
    if recorded in LICENCE_HELD and licence.valid_until is not None and when > licence.valid_until:
        return LicenceStatus.EXPIRED
    return LicenceStatus(recorded)


# --- Certificate changes (with their cascade) ------------------------------------------------------


def _transition(
    certificate: Certificate, action: CertificateAction, actor: Any, reason: str | None = None, **kwargs
) -> Any:
    return CERTIFICATE_LIFECYCLE.transition(
        certificate, action, actor, reason, permission=can_manage_certificate, **kwargs
    )


def suspend_certificate(
    certificate: Certificate, actor: Any, reason: str, effective_at: datetime | None = None
) -> None:
    """Dibekukan: its active licences are suspended with it."""
    event = _transition(certificate, CertificateAction.SUSPEND, actor, reason, effective_at=effective_at)
    for licence in held_licences(certificate, {LicenceStatus.ACTIVE}):
        LICENCE_LIFECYCLE.transition(
            licence,
            LicenceAction.SUSPEND,
            actor,
            _cascade_reason(certificate),
            values={"suspended_by_cascade": True},
        )
    notifications.certificate_changed(certificate, event)


def reinstate_certificate(certificate: Certificate, actor: Any) -> None:
    """Active again: the licences its suspension suspended are reinstated (not those an officer
    suspended for a reason of their own)."""
    event = _transition(certificate, CertificateAction.REINSTATE, actor)
    for licence in held_licences(certificate, {LicenceStatus.SUSPENDED}):
        if licence.suspended_by_cascade:
            LICENCE_LIFECYCLE.transition(
                licence, LicenceAction.REINSTATE, actor, values={"suspended_by_cascade": False}
            )
    notifications.certificate_changed(certificate, event)


def revoke_certificate(certificate: Certificate, actor: Any, reason: str, reference: str) -> None:
    """Dicabut (the reason is public; `reference` is the ethics recommendation or decision): its
    licences end."""
    reference = (reference or "").strip()
    event = _transition(
        certificate,
        CertificateAction.REVOKE,
        actor,
        reason,
        values={"revocation_reference": reference or None},
    )
    event.reference = reference or None
    _end_licences(certificate, actor, LicenceEndReason.CERTIFICATE_REVOKED)
    notifications.certificate_changed(certificate, event)


def expire_certificate(certificate: Certificate, actor: Any = SYSTEM) -> None:
    """Kedaluwarsa (the daily job): its licences end."""
    effective_at = expiry_moment(certificate.valid_until)
    if effective_at > utcnow() or any(e.effective_at > effective_at for e in certificate.events):
        effective_at = None  # run early by hand, or after a later recorded change: the moment it is recorded
    event = _transition(certificate, CertificateAction.EXPIRE, actor, effective_at=effective_at)
    _end_licences(certificate, actor, LicenceEndReason.CERTIFICATE_EXPIRED)
    notifications.certificate_changed(certificate, event)


def supersede_certificate(old: Certificate, new: Certificate, actor: Any) -> None:
    """Diganti by `new` (a correction or a renewal): its held licences now rest on `new`."""
    event = _transition(old, CertificateAction.SUPERSEDE, actor, values={"superseded_by_id": new.id})
    for licence in held_licences(old, LICENCE_HELD):
        licence.certificate_id = new.id
    db.session.flush()
    notifications.certificate_changed(old, event)


def held_licences(certificate: Certificate, statuses: set | frozenset) -> list[Licence]:
    return list(
        db.session.scalars(
            select(Licence)
            .where(Licence.certificate_id == certificate.id, Licence.status.in_(list(statuses)))
            .order_by(Licence.id)
        )
    )


def _end_licences(certificate: Certificate, actor: Any, why: LicenceEndReason) -> None:
    for licence in held_licences(certificate, LICENCE_HELD):
        LICENCE_LIFECYCLE.transition(
            licence, LicenceAction.END, actor, _cascade_reason(certificate), values={"end_reason": why}
        )


def _cascade_reason(certificate: Certificate) -> str:
    status = CertificateStatus(certificate.status)
    return f"Sertifikat kompetensi {certificate.number}: {status.label}"


def expiry_moment(day: date) -> datetime:
    """The moment a certificate valid until `day` expires (the events store naive UTC; Indonesian days
    are close enough to UTC days for a status history by date)."""
    from datetime import time, timedelta

    return datetime.combine(day + timedelta(days=1), time.min)
