"""Factories for certificate and licence tests: a certificate already issued for a "Kompeten"
decision, a licence already granted on it.

Like the certification factories they arrange state directly (the certificate's PDF is registered but
not rendered: `issuing.is_pending` is true), so a test of a lifecycle step or a list does not have to
run the issuing job first; tests of issuing call the real job. Each factory opens its own app
context and returns ids.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.certification.states import SessionStatus, Verdict
from app.core.actors import SYSTEM
from app.core.models import local_today, utcnow
from app.core.roles import Role
from app.credentials.models import Certificate, Licence
from app.credentials.states import (
    CERTIFICATE_LIFECYCLE,
    LICENCE_LIFECYCLE,
    CertificateStatus,
    LicenceStatus,
    PracticeType,
)
from app.documents import issuing
from app.documents.models import IssuedKind
from app.extensions import db
from app.reference.models import province_of, regency_of
from tests.certification_factories import (
    BODY,
    create_candidacy,
    create_decision,
    create_exam_session,
    create_scheme,
)
from tests.factories import create_user
from tests.training_factories import create_verified_person

# Numbers outside the allocator's series ("UJI…"), so a real grant or issue never collides with them.
_numbers = itertools.count(1)
PRACTICE_VILLAGE = "35.73.01.1001"  # Kota Malang, the default practice place


@dataclass(frozen=True)
class Holder:
    user_id: int
    person_id: int
    registration_id: int
    certificate_id: int


def create_certificate(
    app,
    person_id: int,
    *,
    registration_id: int | None = None,
    body: str = BODY,
    category: str = "PEKSOS",
    subtype: str = "",
    status: CertificateStatus = CertificateStatus.ACTIVE,
    issued_on: date | None = None,
    valid_until: date | None = None,
) -> int:
    """A certificate for a new K decision of the person (scheme, decided session, candidacy,
    decision), its issued document registered; returns its id."""
    scheme_id, version_id = create_scheme(app, body=body, category=category, subtype=subtype)
    session_id = create_exam_session(app, version_id, body=body, status=SessionStatus.DECIDED)
    candidacy_id = create_candidacy(app, session_id, version_id, person_id, registration_id)
    decision_id = create_decision(app, candidacy_id, Verdict.K)
    issued_on = issued_on or local_today()
    valid_until = valid_until or issued_on + timedelta(days=5 * 365)
    with app.app_context():
        from app.certification.models import Candidacy

        candidacy = db.session.get(Candidacy, candidacy_id)
        number = f"UJI{next(_numbers):06d}/{body}/{candidacy.scheme.code}/XII/2026"
        snapshot = {
            "holder": {"name": candidacy.person.full_name, "nik_masked": "3204********0001"},
            "scheme": {"code": candidacy.scheme.code, "name": candidacy.version.name},
            "valid_until": valid_until.isoformat(),
        }
        document = issuing.register(
            IssuedKind.CERTIFICATE,
            number,
            candidacy.person,
            snapshot,
            "certificate",
            SYSTEM,
            issued_on=issued_on,
        )
        certificate = Certificate(
            number=number,
            document_id=document.id,
            decision_id=decision_id,
            candidacy_id=candidacy_id,
            person_id=person_id,
            body_code=body,
            scheme_id=scheme_id,
            version_id=version_id,
            province_code=candidacy.province_code,
            regency_code=candidacy.regency_code,
            status=status,
            issued_on=issued_on,
            valid_until=valid_until,
        )
        db.session.add(certificate)
        db.session.flush()
        CERTIFICATE_LIFECYCLE.add_event(certificate, None, CertificateStatus.ACTIVE, SYSTEM)
        if status != CertificateStatus.ACTIVE:
            CERTIFICATE_LIFECYCLE.add_event(certificate, CertificateStatus.ACTIVE, status, SYSTEM, "factory")
        db.session.commit()
        return certificate.id


def create_holder(app, *, region: str = "35.73", **certificate) -> Holder:
    """An applicant account whose person (verified registration in `region`) holds a certificate on a
    Pekerja Sosial scheme."""
    user = create_user(app, Role.APPLICANT)
    person_id, registration_id = create_verified_person(app, user_id=user.id, region=region)
    certificate_id = create_certificate(app, person_id, registration_id=registration_id, **certificate)
    return Holder(user.id, person_id, registration_id, certificate_id)


def create_licence(
    app,
    certificate_id: int,
    *,
    status: LicenceStatus = LicenceStatus.ACTIVE,
    village: str = PRACTICE_VILLAGE,
    place_name: str | None = None,
    valid_until: date | None = None,
    str_expires_on: date | None = None,
) -> int:
    """A licence for a practice place on the certificate: submitted, or granted (numbered, valid
    until the certificate's validity) and then in `status`; returns its id."""
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        place_name = place_name or f"Praktik Pekerja Sosial {next(_numbers)}"
        licence = Licence(
            person_id=certificate.person_id,
            certificate_id=certificate.id,
            status=LicenceStatus.SUBMITTED,
            practice_type=PracticeType.INDIVIDUAL,
            place_name=place_name,
            address="Jl. Ijen 10",
            region_code=village,
            province_code=province_of(village),
            regency_code=regency_of(village),
            place_key=f"{village}|{place_name.casefold()}",
            str_number=f"STR-{next(_numbers):06d}",
            str_expires_on=str_expires_on or certificate.valid_until + timedelta(days=365),
            submitted_at=utcnow(),
        )
        db.session.add(licence)
        db.session.flush()
        LICENCE_LIFECYCLE.add_event(licence, None, LicenceStatus.SUBMITTED, SYSTEM)
        if status != LicenceStatus.SUBMITTED:
            licence.number = f"UJI{next(_numbers):06d}/SIPPS/{licence.regency_code}/XII/2026"
            licence.valid_from = local_today()
            licence.valid_until = valid_until or certificate.valid_until
            licence.decided_at = utcnow()
            _walk(licence, status)
        db.session.commit()
        return licence.id


def _walk(licence: Licence, status: StrEnum) -> None:
    """Events from submitted to `status` (through active where the lifecycle goes that way)."""
    steps = [LicenceStatus.ACTIVE]
    if status not in (LicenceStatus.ACTIVE, LicenceStatus.REFUSED, LicenceStatus.WITHDRAWN):
        steps.append(status)
    if status in (LicenceStatus.REFUSED, LicenceStatus.WITHDRAWN):
        steps = [status]
    previous = LicenceStatus.SUBMITTED
    for step in steps:
        LICENCE_LIFECYCLE.add_event(licence, previous, step, SYSTEM, "factory")
        previous = step
    licence.status = status
