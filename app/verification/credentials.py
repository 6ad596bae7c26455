"""The public pages of certificates and practice licences: what anyone who scans the QR code or types the
number may know, from the `Certificate` / `Licence` row (found by its document), never from the issued
document's `revoked_at`.

A certificate: holder's name, scheme and level or specialisation, body, issue date, valid until, the
live status (credentials.services.live_certificate_status: aktif, dibekukan, dicabut, kedaluwarsa,
diganti) with the date it took effect and, for a revocation, its public reason (the revoke event's
reason), the status history (status and effective date only: no actor, no other reason), and for a
superseded certificate the page of the one that replaced it.

A licence: number, holder's name, practice place name and regency (never the street address), valid
until, live status and history, and the certificate it rests on.

Never a NIK (not even masked, though the PDF shows one), birth date, address or phone.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from app.core.lifecycle import StatusEventMixin
from app.core.models import local_today
from app.credentials import services as credentials
from app.credentials.models import Certificate, Licence
from app.credentials.states import (
    LICENCE_END_REASON_LABELS,
    PRACTICE_TYPE_LABELS,
    CertificateStatus,
    LicenceEndReason,
    LicenceStatus,
)
from app.documents import issuing
from app.documents.models import IssuedDocument, IssuedKind
from app.extensions import db
from app.reference.models import Region
from app.reference.targets import subtype_label
from app.verification.services import LiveStatus, LiveView, StatusChange, StatusOn, register_kind

NOT_YET_ISSUED = _l("Belum terbit")
NOT_YET_GRANTED = _l("Belum berlaku (izin belum diberikan)")
# Why a licence ended is public when its certificate was revoked or expired; a holder's request or
# death is theirs.
PUBLIC_END_REASONS = frozenset({LicenceEndReason.CERTIFICATE_REVOKED, LicenceEndReason.CERTIFICATE_EXPIRED})


def _in_effect_order(event: StatusEventMixin) -> tuple:
    """The order of status_on (app/core/lifecycle.py): effective date, then when it was recorded."""
    return (event.effective_at, event.occurred_at, event.id or 0)


def _history(events: list[StatusEventMixin], statuses, hidden: frozenset = frozenset()) -> list[StatusChange]:
    return [
        StatusChange(statuses(e.to_status).label, statuses(e.to_status).badge, e.effective_at)
        for e in sorted(events, key=_in_effect_order)
        if e.to_status not in hidden
    ]


def _since(events: list[StatusEventMixin], status: str) -> datetime | None:
    """When the recorded status took effect (its latest event)."""
    entering = [e for e in events if e.to_status == status]
    return max(entering, key=_in_effect_order).effective_at if entering else None


def _live_status(
    live, recorded, events, valid_until: date | None, statuses, hidden=frozenset(), **extra
) -> LiveStatus:
    history = _history(events, statuses, hidden)
    if live != recorded:  # expired by date, before the daily job recorded it
        # The moment the daily job records as the expiry (the same function, so page and job agree).
        since = credentials.expiry_moment(valid_until)
        history.append(StatusChange(live.label, live.badge, since))
        reason = None
    else:
        since = _since(events, recorded)
        reason = _public_reason(events, live, statuses)
    return LiveStatus(
        code=live.value,
        label=live.label,
        badge=live.badge,
        since=since,
        reason=reason,
        history=tuple(history),
        **extra,
    )


def _public_reason(events, status, statuses) -> str | None:
    """Only a revocation's reason is public."""
    if status != statuses.REVOKED:
        return None
    revocations = [e for e in events if e.to_status == statuses.REVOKED]
    return revocations[-1].reason if revocations else None


def _holder_name(document: IssuedDocument, record) -> str:
    """The name as issued (the snapshot), which a correction certificate would change."""
    return (document.snapshot or {}).get("holder", {}).get("name") or record.person.full_name


# --- Certificates ----------------------------------------------------------------------------------


def _level_as_issued(document: IssuedDocument) -> str:
    """The level or specialisation as the PDF prints it (Indonesian / English when they differ)."""
    level = (document.snapshot or {}).get("level") or {}
    indonesian, english = level.get("id") or "", level.get("en") or ""
    return f"{indonesian} / {english}" if english and english != indonesian else indonesian


def _certificate_on(certificate: Certificate, on: date | None) -> StatusOn | None:
    if on is None:
        return None
    status = credentials.certificate_status_on(certificate, on)
    if status is None:
        return StatusOn(on, str(NOT_YET_ISSUED), "secondary")
    return StatusOn(on, str(status.label), status.badge)


def certificate_view(document: IssuedDocument, on: date | None) -> LiveView | None:
    certificate = (
        db.session.scalars(
            select(Certificate)
            .where(Certificate.document_id == document.id)
            .options(
                lazyload(Certificate.document),  # the document at hand (from the identity map)
                joinedload(Certificate.version),
                joinedload(Certificate.scheme),
                joinedload(Certificate.body),
                joinedload(Certificate.events),
            )
        )
        .unique()
        .first()
    )
    if certificate is None:
        return None
    recorded = CertificateStatus(certificate.status)
    live = credentials.live_certificate_status(certificate, local_today())
    successor = certificate.superseded_by if live == CertificateStatus.SUPERSEDED else None
    if successor is not None and issuing.is_pending(successor.document):
        successor = None
    version = certificate.version
    return LiveView(
        holder_name=_holder_name(document, certificate),
        issued_on=certificate.issued_on,
        details={
            "scheme": version.name,
            "scheme_code": certificate.scheme.code,
            "level": _level_as_issued(document)
            or (subtype_label(version.category_code, version.subtype) if version.subtype else ""),
            "body": certificate.body.name,
            "valid_until": certificate.valid_until,
        },
        status=_live_status(
            live,
            recorded,
            certificate.events,
            certificate.valid_until,
            CertificateStatus,
            successor_token=successor.token if successor else None,
            successor_number=successor.number if successor else None,
        ),
        status_on=_certificate_on(certificate, on),
    )


# --- Licences --------------------------------------------------------------------------------------


def _licence_on(licence: Licence, on: date | None) -> StatusOn | None:
    if on is None:
        return None
    status = credentials.licence_status_on(licence, on)
    if status is None:
        return StatusOn(on, str(NOT_YET_ISSUED), "secondary")
    if status == LicenceStatus.SUBMITTED:
        return StatusOn(on, str(NOT_YET_GRANTED), "secondary")
    return StatusOn(on, str(status.label), status.badge)


def licence_view(document: IssuedDocument, on: date | None) -> LiveView | None:
    licence = (
        db.session.scalars(
            select(Licence)
            .where(Licence.document_id == document.id)
            .options(
                lazyload(Licence.document),
                joinedload(Licence.certificate),  # with its document (joined by the mapping)
                joinedload(Licence.events),
            )
        )
        .unique()
        .first()
    )
    if licence is None or licence.valid_from is None:
        return None
    recorded = LicenceStatus(licence.status)
    live = credentials.live_licence_status(licence, local_today())
    certificate = licence.certificate
    regency = db.session.get(Region, licence.regency_code)  # one primary-key query
    end_reason = licence.end_reason if live == LicenceStatus.ENDED else None
    if end_reason not in PUBLIC_END_REASONS:
        end_reason = None
    return LiveView(
        holder_name=_holder_name(document, licence),
        issued_on=licence.valid_from,
        details={
            "place": licence.place_name,
            "regency": regency.name if regency else "",
            "practice_type": PRACTICE_TYPE_LABELS[licence.practice_type],
            "valid_until": licence.valid_until,
            "end_reason": LICENCE_END_REASON_LABELS[LicenceEndReason(end_reason)] if end_reason else "",
            "suspended_with_certificate": live == LicenceStatus.SUSPENDED and licence.suspended_by_cascade,
            "certificate_number": certificate.number,
            "certificate_token": None if issuing.is_pending(certificate.document) else certificate.token,
        },
        status=_live_status(
            live,
            recorded,
            licence.events,
            licence.valid_until,
            LicenceStatus,
            hidden=frozenset({LicenceStatus.SUBMITTED}),
        ),
        status_on=_licence_on(licence, on),
    )


register_kind(IssuedKind.CERTIFICATE, None, "verification/kinds/certificate.html", live=certificate_view)
register_kind(IssuedKind.LICENCE, None, "verification/kinds/licence.html", live=licence_view)
