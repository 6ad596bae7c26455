"""Factories for training tests: programmes, sessions, people with a verified registration, enrolments.

They arrange state directly (a session already open, an enrolment already accepted) so that a test
of one step does not have to click through the ones before it; the services under test are called
by the tests themselves. Each factory opens its own app context and returns ids.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from app.core.actors import SYSTEM
from app.core.models import utcnow
from app.extensions import db
from app.registration import services as registration_services
from app.registration.models import Registration
from app.registration.states import Action
from app.training.models import Enrolment, Programme, ProgrammeTarget, TrainingSession
from app.training.states import (
    ENROLMENT_LIFECYCLE,
    SESSION_LIFECYCLE,
    DeliveryMode,
    EnrolmentStatus,
    SessionStatus,
)
from tests.factories import create_person, create_registration

PROVIDER = "BBPPKS-BANDUNG"  # the default scope of a training officer in tests/factories.py
_codes = itertools.count(1)


def create_programme(
    app,
    *,
    provider: str = PROVIDER,
    categories: tuple[str, ...] = ("RELAWAN",),
    jp: int = 40,
    title: str = "Pelatihan Dasar Pendampingan Sosial",
    attendance_threshold: int = 90,
    pass_score=None,
) -> int:
    with app.app_context():
        programme = Programme(
            provider_code=provider,
            code=f"PDPS-{next(_codes):04d}",
            title=title,
            jp=jp,
            learning_outcomes="Peserta mampu melakukan asesmen sosial dasar.",
            competency_units=["KSO.01"],
            attendance_threshold=attendance_threshold,
            pass_score=pass_score,
            targets=[ProgrammeTarget(category_code=code, subtype="") for code in categories],
        )
        db.session.add(programme)
        db.session.commit()
        return programme.id


def create_session(
    app,
    programme_id: int,
    *,
    status: SessionStatus = SessionStatus.OPEN,
    capacity: int = 30,
    starts_on: date | None = None,
    days: int = 5,
    region: str = "32.04",
) -> int:
    """A session of the programme in `status` (its timeline holds one creation event)."""
    starts_on = starts_on or date.today() + timedelta(days=14)
    with app.app_context():
        programme = db.session.get(Programme, programme_id)
        session = TrainingSession(
            programme_id=programme_id,
            provider_code=programme.provider_code,
            name=f"Angkatan {next(_codes)} Tahun {starts_on.year}",
            starts_on=starts_on,
            ends_on=starts_on + timedelta(days=days - 1),
            mode=DeliveryMode.IN_PERSON,
            venue="Jl. Raya Lembang No. 100, Kabupaten Bandung Barat",
            region_code=region,
            capacity=capacity,
            enrolment_opens_on=date.today() - timedelta(days=7),
            enrolment_closes_on=starts_on - timedelta(days=1),
            status=status,
            signatory_name="Dr. Sri Wahyuni, M.Si.",
            signatory_title="Kepala BBPPKS Bandung",
        )
        db.session.add(session)
        db.session.flush()
        SESSION_LIFECYCLE.add_event(session, None, status, SYSTEM)
        db.session.commit()
        return session.id


def create_verified_person(
    app, *, user_id: int | None = None, category: str = "RELAWAN", region: str = "32.04", **person
) -> tuple[int, int]:
    """A person with a verified registration (through the real registration services);
    returns (person_id, registration_id)."""
    person_id = create_person(app, user_id=user_id, **person)
    registration_id = create_registration(app, person_id, category=category, region=region)
    with app.app_context():
        registration_services.decide(db.session.get(Registration, registration_id), Action.VERIFY, SYSTEM)
        db.session.commit()
    return person_id, registration_id


def create_enrolment(
    app,
    session_id: int,
    person_id: int,
    registration_id: int,
    *,
    status: EnrolmentStatus = EnrolmentStatus.ACCEPTED,
) -> int:
    """An enrolment already in `status`; an accepted one takes a seat."""
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        enrolment = Enrolment(
            session_id=session_id,
            person_id=person_id,
            registration_id=registration_id,
            province_code=registration.province_code,
            regency_code=registration.regency_code,
            status=status,
            applied_at=utcnow(),
        )
        db.session.add(enrolment)
        db.session.flush()
        ENROLMENT_LIFECYCLE.add_event(enrolment, None, status, SYSTEM)
        if status == EnrolmentStatus.ACCEPTED:
            session = db.session.get(TrainingSession, session_id)
            session.seats_taken += 1
        db.session.commit()
        return enrolment.id


def create_training_record(
    app,
    person_id: int,
    *,
    kind=None,
    status=None,
    jp: int = 10,
    ended_on: date | None = None,
    days: int = 2,
    title: str = "Pelatihan Manajemen Kasus",
    provider_name: str = "Pusdiklat Kesejahteraan Sosial",
    certificate_number: str = "",
    region: str | None = "32.04",
    enrolment_id: int | None = None,
) -> int:
    """A line of the person's JP ledger arranged directly (accepted external training by default;
    an internal one needs `enrolment_id`). `region` is a regency code (or a province code)."""
    from app.training.models import TrainingRecord
    from app.training.states import RECORD_LIFECYCLE, RecordKind, RecordStatus

    ended_on = ended_on or date.today() - timedelta(days=30)
    with app.app_context():
        record = TrainingRecord(
            person_id=person_id,
            kind=kind or RecordKind.EXTERNAL,
            enrolment_id=enrolment_id,
            title=title,
            provider_name=provider_name,
            certificate_number=certificate_number,
            jp=jp,
            started_on=ended_on - timedelta(days=days - 1),
            ended_on=ended_on,
            status=status or RecordStatus.ACCEPTED,
            province_code=region[:2] if region else None,
            regency_code=region if region and len(region) == 5 else None,
        )
        record.events = []
        db.session.add(record)
        db.session.flush()
        RECORD_LIFECYCLE.add_event(record, None, record.status, SYSTEM)
        db.session.commit()
        return record.id
