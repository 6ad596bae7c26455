"""E-mails to holders about their certificates and licences: every change of a certificate's status
(suspended, reinstated, revoked, expired, superseded), a licence expiring, and the reminders 90 and
30 days before a certificate expires. Called by credentials.services and the daily expiry job, in
their transaction: a change that rolls back sends nothing (app/core/mail.py)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import mail
from app.core.urls import external_url
from app.credentials.models import Certificate, Licence
from app.credentials.states import PRACTICE_TYPE_LABELS, CertificateStatus, LicenceStatus
from app.extensions import db

SUBJECTS = {
    CertificateStatus.SUSPENDED: lambda n: _l("Sertifikat kompetensi Anda dibekukan: %(number)s", number=n),
    CertificateStatus.ACTIVE: lambda n: _l(
        "Sertifikat kompetensi Anda berlaku kembali: %(number)s", number=n
    ),
    CertificateStatus.REVOKED: lambda n: _l("Sertifikat kompetensi Anda dicabut: %(number)s", number=n),
    CertificateStatus.EXPIRED: lambda n: _l(
        "Masa berlaku sertifikat kompetensi Anda berakhir: %(number)s", number=n
    ),
    CertificateStatus.SUPERSEDED: lambda n: _l("Sertifikat kompetensi Anda diganti: %(number)s", number=n),
}
# Licences worth mentioning in a certificate's e-mail: those granted on it at some point.
GRANTED = (
    LicenceStatus.ACTIVE,
    LicenceStatus.SUSPENDED,
    LicenceStatus.REVOKED,
    LicenceStatus.EXPIRED,
    LicenceStatus.ENDED,
)


def _address(person: Any) -> str | None:
    return person.email or (person.user.email if person.user is not None else None)


def _detail_url(certificate: Certificate) -> str | None:
    if not certificate.person.user_id:
        return None
    return external_url("registry.detail", certificate_id=certificate.id)


def _licences_on(certificate: Certificate) -> list[Licence]:
    return list(
        db.session.scalars(
            select(Licence)
            .where(Licence.certificate_id == certificate.id, Licence.status.in_(GRANTED))
            .order_by(Licence.id)
        )
    )


def certificate_changed(certificate: Certificate, event: Any) -> None:
    """The holder learns the new status, since when, why, what became of the licences resting on
    the certificate, and where to see it."""
    person = certificate.person
    address = _address(person)
    if not address:
        return
    status = CertificateStatus(certificate.status)
    successor = certificate.superseded_by if status == CertificateStatus.SUPERSEDED else None
    mail.send(
        address,
        SUBJECTS[status](certificate.number),
        "certificate_status",
        person=person,
        certificate=certificate,
        status=status,
        event=event,
        successor=successor,
        licences=_licences_on(successor or certificate),
        practice_types=PRACTICE_TYPE_LABELS,
        body_name=certificate.body.name,
        url=_detail_url(successor or certificate),
    )


def expiry_reminder(certificate: Certificate, days: int) -> None:
    """`days` (90 or 30) before valid_until."""
    person = certificate.person
    address = _address(person)
    if not address:
        return
    mail.send(
        address,
        _l(
            "Sertifikat kompetensi Anda berakhir dalam %(days)s hari: %(number)s",
            days=days,
            number=certificate.number,
        ),
        "certificate_reminder",
        person=person,
        certificate=certificate,
        days=days,
        body_name=certificate.body.name,
        url=_detail_url(certificate),
    )


def licence_expired(licence: Licence) -> None:
    person = licence.person
    address = _address(person)
    if not address:
        return
    mail.send(
        address,
        _l("Masa berlaku izin praktik Anda berakhir: %(number)s", number=licence.number),
        "licence_expired",
        person=person,
        licence=licence,
        url=external_url("registry.mine") if person.user_id else None,
    )
