"""Renewal (resertifikasi): the holder applies to renew a certificate in the last
CERTIFICATE_RENEWAL_WINDOW_MONTHS of its validity, if they have the continuing training the scheme asks
for (accepted training JP since the issue date: the version's `renewal_jp_per_year`, or
CERTIFICATE_RENEWAL_JP_PER_YEAR, times its validity years) and the certificate is active (not
suspended). The application is a re-certification candidacy on an open exam session of the body that
offers the scheme, made by the certification candidacy service like any other, and linked to the
certificate (`renews_certificate_id`); the certificate its decision earns renews this one. When the
certificate's scheme version allows renewal by portfolio (`renewal_by_portfolio`), the candidacy is a
portfolio review (`Candidacy.portfolio_review`): the assessors score the portfolio alone and the
holder need not attend (app/certification/outcome.assessed_methods); screening, the plenary and
issuance are as for any candidacy.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.certification.candidacy import services as candidacy_services
from app.certification.models import Candidacy, ExamSession, ExamSessionScheme, SchemeVersion
from app.certification.states import CandidacyPurpose, CandidacyStatus, SessionStatus
from app.core.display import long_date
from app.core.errors import PermissionDenied
from app.core.models import local_today
from app.credentials import services
from app.credentials.models import Certificate
from app.credentials.permissions import is_holder
from app.credentials.states import CertificateStatus, CredentialError
from app.extensions import db
from app.training.ledger.services import jp_total

# A renewal still on its way (a decided, rejected, withdrawn or absent one does not block another).
IN_PROGRESS = (
    CandidacyStatus.DRAFT,
    CandidacyStatus.SUBMITTED,
    CandidacyStatus.RETURNED,
    CandidacyStatus.ACCEPTED,
    CandidacyStatus.REASSESSING,
)


@dataclass(frozen=True)
class RenewalCheck:
    opens_on: date
    jp_required: int
    jp_done: int
    pending: Candidacy | None
    reasons: list = field(default_factory=list)
    by_portfolio: bool = False  # a portfolio review, not an exam

    @property
    def allowed(self) -> bool:
        return not self.reasons


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has fewer days)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def jp_required(certificate: Certificate) -> int:
    version = certificate.version
    per_year = version.renewal_jp_per_year
    if per_year is None:
        per_year = current_app.config["CERTIFICATE_RENEWAL_JP_PER_YEAR"]
    return per_year * version.validity_years


def by_portfolio(certificate: Certificate) -> bool:
    """Whether the certificate's scheme version allows renewal by a portfolio review (no exam)."""
    return bool(certificate.version.renewal_by_portfolio)


def pending_renewal(certificate: Certificate) -> Candidacy | None:
    return db.session.scalar(
        select(Candidacy)
        .where(Candidacy.renews_certificate_id == certificate.id, Candidacy.status.in_(IN_PROGRESS))
        .limit(1)
    )


def renewal_check(certificate: Certificate, today: date | None = None) -> RenewalCheck:
    """May the holder apply to renew today? With every reason why not."""
    today = today or local_today()
    months = current_app.config["CERTIFICATE_RENEWAL_WINDOW_MONTHS"]
    opens_on = months_before(certificate.valid_until, months)
    required = jp_required(certificate)
    done = jp_total(certificate.person_id, since=certificate.issued_on, until=today)
    pending = pending_renewal(certificate)
    reasons = []
    live = services.live_certificate_status(certificate, today)
    if live == CertificateStatus.SUSPENDED:
        reasons.append(
            _l("Sertifikat ini sedang dibekukan; resertifikasi dapat diajukan setelah pembekuan dicabut.")
        )
    elif live != CertificateStatus.ACTIVE:
        reasons.append(
            _l("Sertifikat yang berstatus %(status)s tidak dapat diperpanjang.", status=live.label)
        )
    elif today < opens_on:
        reasons.append(
            _l(
                "Resertifikasi dapat diajukan mulai %(date)s, %(months)s bulan sebelum masa berlaku "
                "berakhir.",
                date=long_date(opens_on),
                months=months,
            )
        )
    if done < required:
        reasons.append(
            _l(
                "Resertifikasi memerlukan sekurang-kurangnya %(required)s JP pelatihan sejak sertifikat "
                "terbit; Anda baru memiliki %(done)s JP.",
                required=required,
                done=done,
            )
        )
    if pending is not None:
        reasons.append(_l("Anda sudah mengajukan resertifikasi untuk sertifikat ini."))
    return RenewalCheck(opens_on, required, done, pending, reasons, by_portfolio(certificate))


def renewal_sessions(
    certificate: Certificate, today: date | None = None
) -> list[tuple[ExamSession, SchemeVersion]]:
    """Open exam sessions of the certificate's body offering a published version of its scheme and
    taking applications today, soonest first, with the version they offer."""
    today = today or local_today()
    rows = db.session.execute(
        select(ExamSession, SchemeVersion)
        .join(ExamSessionScheme, ExamSessionScheme.session_id == ExamSession.id)
        .join(SchemeVersion, SchemeVersion.id == ExamSessionScheme.version_id)
        .where(
            ExamSession.status == SessionStatus.OPEN,
            ExamSession.body_code == certificate.body_code,
            SchemeVersion.scheme_id == certificate.scheme_id,
            SchemeVersion.published_at.is_not(None),
        )
        .order_by(ExamSession.assessment_starts_on, ExamSession.id, SchemeVersion.version.desc())
        .limit(50)
    ).all()
    chosen: dict[int, tuple[ExamSession, SchemeVersion]] = {}
    for session, version in rows:
        if session.id not in chosen and candidacy_services.closed_reason(session, today) is None:
            chosen[session.id] = (session, version)
    return list(chosen.values())


def apply_for_renewal(
    certificate: Certificate, session_id: int | None, actor: Any, today: date | None = None
) -> Candidacy:
    """The holder's re-certification candidacy (a draft they complete and submit like any other)."""
    if not is_holder(actor, certificate):
        raise PermissionDenied(object_type="certificate", object_id=certificate.id)
    check = renewal_check(certificate, today)
    if not check.allowed:
        raise CredentialError(check.reasons[0])
    offered = {s.id: (s, v) for s, v in renewal_sessions(certificate, today)}
    if session_id not in offered:
        raise CredentialError(
            _l("Pilih jadwal uji yang menawarkan skema sertifikat ini."), field="session_id"
        )
    session, version = offered[session_id]
    return candidacy_services.apply(
        session,
        certificate.person,
        candidacy_services.Application(
            version_id=version.id,
            purpose=str(CandidacyPurpose.RECERTIFICATION),
            renews_certificate_id=certificate.id,
            portfolio_review=by_portfolio(certificate),
        ),
        actor,
    )
