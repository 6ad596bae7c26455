"""Training (diklat): programmes, their sessions (angkatan), facilitators, enrolments, attendance and
the JP ledger. Lifecycles are in states.py.

- A `Programme` belongs to one training provider (reference.TrainingProvider, the scope of a training
  officer) and serves categories (and optionally one subtype or level within each: `ProgrammeTarget`).
  It is retired (`retired_at`), never deleted once a session uses it.
- A `TrainingSession` runs a programme on dates, at a venue in a region, with a capacity. Its
  `provider_code` is copied from the programme so provider_filter() is one indexed "=".
  `seats_taken` counts accepted enrolments; accepting is a compare-and-set on it (capacity is never
  exceeded, also under concurrent accepts).
- A `Facilitator` (pengajar) is a person of the register (`person_id`, e.g. someone with an account)
  or a named outsider. Certification asks who taught whom (conflict of interest): keep both exact.
- An `Enrolment` is one person in one session, reached through their verified registration in a
  category the programme serves. `province_code`/`regency_code` are copied from that registration
  (the agency that nominated / verifies them) for the jurisdiction filter.
- `AttendanceMark`: one person, one day, present or not.
- A `TrainingRecord` is one line of a person's JP ledger: a completed enrolment (internal, accepted
  when its STTP is issued) or external training reported with evidence (counts once accepted). JP
  totals and certification eligibility read this table only.
- The STTP itself is an `IssuedDocument` (app/documents/models.py: number, public token, frozen
  snapshot, PDF SHA-256) linked from the enrolment.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.core.lifecycle import StatusEventMixin, status_type
from app.core.models import TimestampMixin, enum_column, utcnow
from app.documents.models import Document, IssuedDocument
from app.extensions import db
from app.people.models import Person
from app.reference.models import Category, Region, TrainingProvider, province_of, regency_of
from app.training.states import (
    OPEN_ENROLMENT_CONDITION,
    DeliveryMode,
    EnrolmentStatus,
    RecordKind,
    RecordStatus,
    SessionStatus,
)


class Programme(TimestampMixin, db.Model):
    __tablename__ = "training_programmes"
    __table_args__ = (
        UniqueConstraint("provider_code", "code"),
        CheckConstraint("jp > 0", name="jp_positive"),
        CheckConstraint("attendance_threshold BETWEEN 0 AND 100", name="threshold_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_code: Mapped[str] = mapped_column(ForeignKey("training_providers.code"), index=True)
    code: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    jp: Mapped[int] = mapped_column(Integer)  # jam pelajaran; minutes per JP: TRAINING_MINUTES_PER_JP
    learning_outcomes: Mapped[str] = mapped_column(Text, default="")
    # Competency unit codes it prepares for (free codes; certification links them to schemes).
    competency_units: Mapped[list] = mapped_column(JSON, default=list)
    # Percent of session days a participant must attend to complete (TRAINING_ATTENDANCE_THRESHOLD).
    attendance_threshold: Mapped[int] = mapped_column(Integer)
    # A final score is recorded when set; completion then needs at least this score (0–100).
    pass_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    retired_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    provider: Mapped[TrainingProvider] = relationship(lazy="joined")
    targets: Mapped[list[ProgrammeTarget]] = relationship(
        order_by="ProgrammeTarget.id", back_populates="programme", cascade="all, delete-orphan"
    )

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def serves(self, category_code: str, subtype: str = "") -> bool:
        """Whether a registration of this category (and subtype) may enrol."""
        return any(t.category_code == category_code and t.subtype in ("", subtype) for t in self.targets)

    def audit_view(self) -> dict:
        return {
            "provider_code": self.provider_code,
            "code": self.code,
            "title": self.title,
            "jp": self.jp,
            "targets": [[t.category_code, t.subtype] for t in self.targets],
            "competency_units": self.competency_units,
            "attendance_threshold": self.attendance_threshold,
            "pass_score": str(self.pass_score) if self.pass_score is not None else None,
            "retired_at": self.retired_at,
        }


class ProgrammeTarget(db.Model):
    """A category a programme serves; `subtype` '' means every subtype/level of the category."""

    __tablename__ = "training_programme_targets"
    __table_args__ = (
        UniqueConstraint("programme_id", "category_code", "subtype"),
        db.Index("ix_training_programme_targets_category", "category_code", "programme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("training_programmes.id"))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    subtype: Mapped[str] = mapped_column(String(80), default="")

    programme: Mapped[Programme] = relationship(back_populates="targets")
    category: Mapped[Category] = relationship(lazy="joined")


class TrainingSession(TimestampMixin, db.Model):
    """An angkatan (batch) of a programme."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        CheckConstraint(
            "enrolment_closes_on IS NULL OR enrolment_opens_on IS NULL"
            " OR enrolment_closes_on >= enrolment_opens_on",
            name="enrolment_window_in_order",
        ),
        # The training officer's list (their provider, newest first) and the public catalogue.
        db.Index("ix_training_sessions_provider", "provider_code", "starts_on", "id"),
        db.Index("ix_training_sessions_catalogue", "status", "starts_on", "id"),
        db.Index("ix_training_sessions_province_catalogue", "province_code", "status", "starts_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("training_programmes.id"), index=True)
    provider_code: Mapped[str] = mapped_column(ForeignKey("training_providers.code"))
    name: Mapped[str] = mapped_column(String(120))  # "Angkatan I Tahun 2026"
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    mode: Mapped[DeliveryMode] = mapped_column(enum_column(DeliveryMode, "mode"))
    venue: Mapped[str] = mapped_column(String(255), default="")  # address, or the online platform
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    enrolment_opens_on: Mapped[date | None]
    enrolment_closes_on: Mapped[date | None]
    status: Mapped[SessionStatus] = mapped_column(status_type(SessionStatus), default=SessionStatus.PLANNED)
    # Who signs the STTPs of this session (printed on them).
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    programme: Mapped[Programme] = relationship(lazy="joined")
    provider: Mapped[TrainingProvider] = relationship()
    region: Mapped[Region | None] = relationship()
    events: Mapped[list[TrainingSessionEvent]] = relationship(
        order_by="TrainingSessionEvent.id", back_populates="session"
    )
    facilitators: Mapped[list[Facilitator]] = relationship(
        order_by="Facilitator.id", back_populates="session", cascade="all, delete-orphan"
    )

    @validates("region_code")
    def _derive_region(self, _key: str, code: str | None) -> str | None:
        self.province_code, self.regency_code = province_of(code), regency_of(code)
        return code

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def audit_view(self) -> dict:
        return {
            "programme_id": self.programme_id,
            "name": self.name,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
            "mode": str(self.mode),
            "venue": self.venue,
            "region_code": self.region_code,
            "capacity": self.capacity,
            "enrolment_opens_on": self.enrolment_opens_on,
            "enrolment_closes_on": self.enrolment_closes_on,
            "status": str(self.status),
        }


class TrainingSessionEvent(StatusEventMixin, db.Model):
    __tablename__ = "training_session_events"
    __statuses__ = SessionStatus

    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)

    session: Mapped[TrainingSession] = relationship(back_populates="events")


class Facilitator(db.Model):
    """A pengajar of a session: a person of the register, or a named outsider."""

    __tablename__ = "training_facilitators"
    __table_args__ = (
        CheckConstraint("person_id IS NOT NULL OR name <> ''", name="person_or_name"),
        # "Which sessions did this person teach?" (conflict-of-interest checks).
        db.Index("ix_training_facilitators_person", "person_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    name: Mapped[str] = mapped_column(String(200), default="")  # for outsiders (or a copy of the person's)
    institution: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")  # what they taught

    session: Mapped[TrainingSession] = relationship(back_populates="facilitators")
    person: Mapped[Person | None] = relationship()

    @property
    def display_name(self) -> str:
        return self.person.full_name if self.person is not None else self.name


class Enrolment(TimestampMixin, db.Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        # A person holds one open enrolment per session; withdrawn/rejected ones may apply again.
        db.Index(
            "uq_enrolments_open",
            "session_id",
            "person_id",
            unique=True,
            postgresql_where=text(OPEN_ENROLMENT_CONDITION),
            sqlite_where=text(OPEN_ENROLMENT_CONDITION),
        ),
        # The roster (by status, then in order of application: the wait list is first come first served).
        db.Index("ix_enrolments_session_status", "session_id", "status", "applied_at", "id"),
        db.Index("ix_enrolments_person", "person_id", "id"),
        db.Index("ix_enrolments_province", "province_code", "id"),
        db.Index("ix_enrolments_regency", "regency_code", "id"),
        # The agency officer's nominations.
        db.Index("ix_enrolments_nominated_by", "nominated_by_id", "id"),
        CheckConstraint("final_score IS NULL OR final_score BETWEEN 0 AND 100", name="score_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[EnrolmentStatus] = mapped_column(
        status_type(EnrolmentStatus), default=EnrolmentStatus.APPLIED
    )
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # an agency officer
    motivation: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    attendance_percent: Mapped[int | None] = mapped_column(Integer)  # frozen at completion
    completed_at: Mapped[datetime | None]
    sttp_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"), unique=True)

    session: Mapped[TrainingSession] = relationship()
    person: Mapped[Person] = relationship()
    registration = relationship("Registration")
    sttp: Mapped[IssuedDocument | None] = relationship()
    events: Mapped[list[EnrolmentEvent]] = relationship(
        order_by="EnrolmentEvent.id", back_populates="enrolment"
    )
    attendance: Mapped[list[AttendanceMark]] = relationship(
        order_by="AttendanceMark.day", back_populates="enrolment", cascade="all, delete-orphan"
    )

    def audit_view(self) -> dict:
        return {
            "session_id": self.session_id,
            "person_id": self.person_id,
            "registration_id": self.registration_id,
            "status": str(self.status),
            "nominated_by_id": self.nominated_by_id,
            "decision_reason": self.decision_reason,
            "final_score": str(self.final_score) if self.final_score is not None else None,
            "attendance_percent": self.attendance_percent,
            "sttp_id": self.sttp_id,
        }


class EnrolmentEvent(StatusEventMixin, db.Model):
    __tablename__ = "enrolment_events"
    __statuses__ = EnrolmentStatus

    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)

    enrolment: Mapped[Enrolment] = relationship(back_populates="events")


class AttendanceMark(db.Model):
    __tablename__ = "attendance_marks"
    __table_args__ = (UniqueConstraint("enrolment_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    day: Mapped[date]
    present: Mapped[bool]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    enrolment: Mapped[Enrolment] = relationship(back_populates="attendance")


class TrainingRecord(TimestampMixin, db.Model):
    """One line of a person's JP ledger (see the module docstring)."""

    __tablename__ = "training_records"
    __table_args__ = (
        CheckConstraint("jp > 0", name="jp_positive"),
        CheckConstraint("ended_on >= started_on", name="dates_in_order"),
        CheckConstraint("kind <> 'internal' OR enrolment_id IS NOT NULL", name="internal_has_enrolment"),
        # The person's ledger (newest first) and the JP totals per year.
        db.Index("ix_training_records_person", "person_id", "ended_on", "id"),
        # The agency officer's export: people of their province / regency, in id order (keyset).
        db.Index("ix_training_records_province", "province_code", "id"),
        db.Index("ix_training_records_regency", "regency_code", "id"),
        # The reports waiting for a decision.
        db.Index("ix_training_records_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[RecordKind] = mapped_column(enum_column(RecordKind, "kind"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), unique=True)
    # Copied from the enrolment (internal) or typed by the person (external), as the certificate says.
    title: Mapped[str] = mapped_column(String(200))
    provider_name: Mapped[str] = mapped_column(String(200))
    certificate_number: Mapped[str] = mapped_column(String(100), default="")
    jp: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[date]
    ended_on: Mapped[date]
    status: Mapped[RecordStatus] = mapped_column(status_type(RecordStatus), default=RecordStatus.REPORTED)
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship()
    enrolment: Mapped[Enrolment | None] = relationship()
    events: Mapped[list[TrainingRecordEvent]] = relationship(
        order_by="TrainingRecordEvent.id", back_populates="record"
    )
    documents: Mapped[list[Document]] = relationship(order_by="Document.id", back_populates="training_record")

    def audit_view(self) -> dict:
        return {
            "person_id": self.person_id,
            "kind": str(self.kind),
            "enrolment_id": self.enrolment_id,
            "title": self.title,
            "provider_name": self.provider_name,
            "certificate_number": self.certificate_number,
            "jp": self.jp,
            "started_on": self.started_on,
            "ended_on": self.ended_on,
            "status": str(self.status),
            "decision_reason": self.decision_reason,
        }


class TrainingRecordEvent(StatusEventMixin, db.Model):
    __tablename__ = "training_record_events"
    __statuses__ = RecordStatus

    record_id: Mapped[int] = mapped_column(ForeignKey("training_records.id"), index=True)

    record: Mapped[TrainingRecord] = relationship(back_populates="events")
