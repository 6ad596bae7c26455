"""The register of certificates after issue: who sees which, what a certificate's page shows, and
the board admin's lifecycle actions on it.

- Lists: the board admin's body (`body_query`, body_filter on `body_code`), the agency officer's
  jurisdiction (`jurisdiction_query`, jurisdiction_filter on the holder's province/regency copied on
  the certificate), the holder's own (`certificates_of`, `licences_of`). Filters use the *live*
  status (`live_status_condition`): a certificate past valid_until is "Kedaluwarsa" before the daily
  job records it.
- `load_certificate`: one certificate with everything its page shows, in a fixed number of queries.
- `history`: its timeline as the viewer may see it (the actor's name for staff only).
- `suspend` / `reinstate` / `revoke`: the board admin's actions, checked here for what the form
  cannot know (an effective date, a certificate already expired by date), then handed to
  credentials.services, which does the cascade to licences and e-mails the holder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.certification.models import Scheme
from app.core.display import long_date
from app.core.models import local_today
from app.core.permissions import body_filter, jurisdiction_filter
from app.core.roles import Role
from app.credentials import services
from app.credentials.models import Certificate, Licence
from app.credentials.permissions import can_manage_certificate, is_holder
from app.credentials.states import (
    CERTIFICATE_LIFECYCLE,
    CERTIFICATE_LIVE,
    CertificateAction,
    CertificateStatus,
    CredentialError,
)
from app.extensions import db
from app.people.models import Person

REASON_MAX = 2000
REFERENCE_MAX = 500
NUMBER_MAX = 60
BOARD = (Role.BOARD_ADMIN,)
# What a board admin may do by hand (expiry and supersession come from the job and from issuing).
MANUAL_ACTIONS = (CertificateAction.SUSPEND, CertificateAction.REINSTATE, CertificateAction.REVOKE)

FUTURE_DATE = _l("Tanggal berlaku tidak boleh di masa depan.")
REFERENCE_REQUIRED = _l(
    "Mohon tuliskan nomor rekomendasi atau keputusan komite etik yang menjadi dasar pencabutan."
)


# --- Lists ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    number: str | None = None
    status: CertificateStatus | None = None
    scheme_id: int | None = None


def normalise_number(text: str | None) -> str | None:
    """Numbers are printed upper-case (`000123/LSPS/PS-GEN/XI/2026`); spaces around are dropped."""
    text = (text or "").strip().upper()
    return text[:NUMBER_MAX] or None


def live_status_condition(status: CertificateStatus, today: date) -> Any:
    """SQL for "the live status is `status`" (live_certificate_status, as a condition)."""
    live = Certificate.status.in_(list(CERTIFICATE_LIVE))
    if status == CertificateStatus.EXPIRED:
        return or_(Certificate.status == status, and_(live, Certificate.valid_until < today))
    if status in CERTIFICATE_LIVE:
        return and_(Certificate.status == status, Certificate.valid_until >= today)
    return Certificate.status == status


def _listed(stmt: Select, filters: Filters, today: date) -> Select:
    stmt = stmt.options(
        joinedload(Certificate.person), joinedload(Certificate.scheme), joinedload(Certificate.version)
    )
    if filters.number:
        stmt = stmt.where(Certificate.number == filters.number)
    if filters.status is not None:
        stmt = stmt.where(live_status_condition(filters.status, today))
    if filters.scheme_id is not None:
        stmt = stmt.where(Certificate.scheme_id == filters.scheme_id)
    return stmt


def body_query(user: Any, filters: Filters, today: date | None = None) -> Select:
    """The certificates of the user's bodies (board admin; every body for a ministry admin)."""
    stmt = select(Certificate).where(body_filter(user, Certificate.body_code, BOARD))
    return _listed(stmt, filters, today or local_today())


def jurisdiction_query(user: Any, filters: Filters, today: date | None = None) -> Select:
    """The certificates of people registered in the officer's jurisdiction."""
    stmt = select(Certificate).where(jurisdiction_filter(user, Certificate))
    return _listed(stmt, filters, today or local_today())


def scheme_choices(user: Any) -> list[Scheme]:
    """The schemes of the user's bodies, for the board admin's scheme filter."""
    return list(
        db.session.scalars(
            select(Scheme).where(body_filter(user, Scheme.body_code, BOARD)).order_by(Scheme.code, Scheme.id)
        )
    )


def certificates_of(person: Person | None) -> list[Certificate]:
    """The holder's certificates, newest first."""
    if person is None:
        return []
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.person_id == person.id)
            .options(joinedload(Certificate.scheme), joinedload(Certificate.version))
            .order_by(Certificate.id.desc())
        )
    )


def licences_of(person: Person | None) -> list[Licence]:
    """The holder's licences (applied for, held or ended), newest first."""
    if person is None:
        return []
    return list(
        db.session.scalars(
            select(Licence)
            .where(Licence.person_id == person.id)
            .options(joinedload(Licence.certificate), joinedload(Licence.document))
            .order_by(Licence.id.desc())
        )
    )


# --- One certificate ---------------------------------------------------------------------------


def load_certificate(certificate_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(
            joinedload(Certificate.person),
            joinedload(Certificate.scheme),
            joinedload(Certificate.version),
            joinedload(Certificate.body),
            joinedload(Certificate.superseded_by),
            joinedload(Certificate.corrects),
            joinedload(Certificate.renews),
            selectinload(Certificate.events),
            selectinload(Certificate.licences),
        )
    )


@dataclass(frozen=True)
class HistoryEntry:
    status: CertificateStatus
    effective_at: datetime
    occurred_at: datetime
    reason: str | None
    reference: str | None
    actor_name: str | None


def history(certificate: Certificate, viewer: Any) -> list[HistoryEntry]:
    """The timeline, newest first by effective date; who acted is shown to staff, not to the holder
    (nor anyone else: staff are named in the register, not to the public)."""
    staff = not is_holder(viewer, certificate)
    events = sorted(certificate.events, key=lambda e: (e.effective_at, e.occurred_at, e.id), reverse=True)
    return [
        HistoryEntry(
            status=CertificateStatus(e.to_status),
            effective_at=e.effective_at,
            occurred_at=e.occurred_at,
            reason=e.reason,
            reference=e.reference,
            actor_name=e.actor_name if staff else None,
        )
        for e in events
    ]


def status_since(certificate: Certificate, today: date | None = None) -> date | datetime | None:
    """Since when the live status holds: for an expiry not yet recorded, the moment the daily job
    will record (services.expiry_moment, as the public page says); otherwise the latest change."""
    live = services.live_certificate_status(certificate, today)
    if live == CertificateStatus.EXPIRED and certificate.status != CertificateStatus.EXPIRED:
        return services.expiry_moment(certificate.valid_until)
    return max((e.effective_at for e in certificate.events), default=None)


def allowed_actions(
    certificate: Certificate, user: Any, today: date | None = None
) -> list[CertificateAction]:
    """What the page offers the user: the legal manual actions from the live status."""
    if not can_manage_certificate(user, certificate):
        return []
    live = services.live_certificate_status(certificate, today)
    return [a for a in CERTIFICATE_LIFECYCLE.allowed_actions(live) if a in MANUAL_ACTIONS]


def may_correct(certificate: Certificate, user: Any, today: date | None = None) -> bool:
    """A correction (certificates.issuing.correct_certificate) re-issues an active certificate."""
    live = services.live_certificate_status(certificate, today)
    return can_manage_certificate(user, certificate) and live == CertificateStatus.ACTIVE


# --- The board admin's actions ------------------------------------------------------------------


def _check_not_expired(certificate: Certificate, today: date) -> None:
    if services.live_certificate_status(certificate, today) == CertificateStatus.EXPIRED:
        raise CredentialError(
            _l(
                "Masa berlaku sertifikat ini sudah berakhir (%(date)s); statusnya tidak dapat diubah lagi.",
                date=long_date(certificate.valid_until),
            )
        )


def _effective_at(certificate: Certificate, effective_on: date | None, today: date) -> datetime | None:
    """A backdated suspension counts from the start of its day; today (or nothing) means now."""
    if effective_on is None or effective_on == today:
        return None
    if effective_on > today:
        raise CredentialError(FUTURE_DATE, field="effective_on")
    if effective_on < certificate.issued_on:
        raise CredentialError(
            _l(
                "Tanggal berlaku tidak boleh sebelum tanggal terbit sertifikat (%(date)s).",
                date=long_date(certificate.issued_on),
            ),
            field="effective_on",
        )
    return datetime.combine(effective_on, time.min)


def suspend(
    certificate: Certificate,
    actor: Any,
    reason: str,
    effective_on: date | None = None,
    today: date | None = None,
) -> None:
    today = today or local_today()
    _check_not_expired(certificate, today)
    effective_at = _effective_at(certificate, effective_on, today)
    try:
        services.suspend_certificate(certificate, actor, reason, effective_at)
    except CredentialError as error:
        if error.field == "effective_at":  # before the latest change: the form's field
            raise CredentialError(error.message, field="effective_on") from error
        raise


def reinstate(certificate: Certificate, actor: Any, today: date | None = None) -> None:
    _check_not_expired(certificate, today or local_today())
    services.reinstate_certificate(certificate, actor)


def revoke(
    certificate: Certificate, actor: Any, reason: str, reference: str, today: date | None = None
) -> None:
    """The reason is public (the verification page shows it); the ethics reference is required."""
    _check_not_expired(certificate, today or local_today())
    if not (reference or "").strip():
        raise CredentialError(REFERENCE_REQUIRED, field="reference")
    services.revoke_certificate(certificate, actor, reason, reference)
