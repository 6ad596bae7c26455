"""Registrations, their dated timeline, and their documents (app/documents owns the Document model).

A registration belongs to a person (not to an account: walk-ins have none) and to one category; its
`options` hold the choices of that category's option groups (see categories.py) and `subtype` is
derived from them. `region_code` is where the person serves: it decides which agency verifies.
The status changes only through services.transition(), which records a RegistrationEvent each time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, event, text, update
from sqlalchemy.orm import Mapped, Session, attributes, mapped_column, relationship, validates

from app.core.lifecycle import StatusEventMixin, status_type
from app.core.models import TimestampMixin
from app.documents.models import Document
from app.extensions import db
from app.people.models import SEARCH_NAME_TYPE, Person
from app.reference.models import Category, Region, province_of, regency_of
from app.registration.states import OPEN_SUBTYPE_CONDITION, Status

__all__ = ["Document", "Registration", "RegistrationEvent"]


class Registration(TimestampMixin, db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # The verification queue: submitted ones, oldest first, within a region prefix.
        db.Index("ix_registrations_queue", "status", "submitted_at"),
        # The same for a province or a regency officer: "=" on the derived columns (jurisdiction_filter).
        db.Index("ix_registrations_province_queue", "province_code", "status", "submitted_at", "id"),
        db.Index("ix_registrations_regency_queue", "regency_code", "status", "submitted_at", "id"),
        # The decided tabs (returned, verified, rejected), newest decision first, and the "all" tab
        # (newest first by id): the same three scopes (national, province, regency) for each order.
        db.Index("ix_registrations_decided", "status", "decided_at", "id"),
        db.Index("ix_registrations_province_decided", "province_code", "status", "decided_at", "id"),
        db.Index("ix_registrations_regency_decided", "regency_code", "status", "decided_at", "id"),
        db.Index("ix_registrations_province_recent", "province_code", "id"),
        db.Index("ix_registrations_regency_recent", "regency_code", "id"),
        # The search by name: a prefix range of the person's search name within the scope, in name order.
        db.Index("ix_registrations_name", "person_name", "id"),
        db.Index("ix_registrations_province_name", "province_code", "person_name", "id"),
        db.Index("ix_registrations_regency_name", "regency_code", "person_name", "id"),
        # One open registration per person, category and subtype — enforced by the database too, so a
        # race between two requests cannot create a second one (states.OPEN lists these statuses).
        db.Index(
            "uq_registrations_open_subtype",
            "person_id",
            "category_code",
            "subtype",
            unique=True,
            postgresql_where=text(OPEN_SUBTYPE_CONDITION),
            sqlite_where=text(OPEN_SUBTYPE_CONDITION),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    subtype: Mapped[str] = mapped_column(String(80), default="")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    # Derived from region_code whenever it is set (see _derive_region).
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    # The person's search name (Person.name_search), copied so that a search by name within a
    # jurisdiction is one index range; kept in step by _copy_person_names below.
    person_name: Mapped[str] = mapped_column(SEARCH_NAME_TYPE, default="", server_default="")
    status: Mapped[Status] = mapped_column(status_type(Status), default=Status.DRAFT)
    registration_number: Mapped[str | None] = mapped_column(String(60), unique=True)
    # Given at the first submission (kept on resubmission), distinct from the number issued on verification.
    tracking_number: Mapped[str | None] = mapped_column(String(60), unique=True)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    entered_by_officer: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship()
    category: Mapped[Category] = relationship()
    region: Mapped[Region | None] = relationship()
    events: Mapped[list[RegistrationEvent]] = relationship(
        order_by="RegistrationEvent.id", back_populates="registration"
    )
    documents: Mapped[list[Document]] = relationship(order_by="Document.id", back_populates="registration")

    @validates("region_code")
    def _derive_region(self, _key: str, code: str | None) -> str | None:
        self.province_code, self.regency_code = province_of(code), regency_of(code)
        return code

    def document(self, purpose: str) -> Document | None:
        return next((d for d in self.documents if d.purpose == purpose), None)

    def audit_view(self) -> dict:
        return {
            "person_id": self.person_id,
            "category_code": self.category_code,
            "options": self.options,
            "region_code": self.region_code,
            "status": str(self.status),
            "registration_number": self.registration_number,
            "tracking_number": self.tracking_number,
            "decision_reason": self.decision_reason,
        }


class RegistrationEvent(StatusEventMixin, db.Model):
    """One step of the timeline the applicant follows: dated and attributed."""

    __tablename__ = "registration_events"
    __statuses__ = Status

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)

    registration: Mapped[Registration] = relationship(back_populates="events")


@event.listens_for(Session, "before_flush")
def _copy_person_names(session: Session, _context, _instances) -> None:
    """A new registration takes its person's search name; a person's new name reaches every one of
    their registrations in the same flush."""
    for obj in session.new:
        if isinstance(obj, Registration) and not obj.person_name:
            person = obj.person if "person" in obj.__dict__ else session.get(Person, obj.person_id)
            obj.person_name = person.name_search if person is not None else ""
    for obj in session.dirty:
        if isinstance(obj, Person) and obj.id and attributes.get_history(obj, "full_name").has_changes():
            table = Registration.__table__
            session.connection().execute(
                update(table).where(table.c.person_id == obj.id).values(person_name=obj.name_search)
            )
            for loaded in session.identity_map.values():
                if isinstance(loaded, Registration) and loaded.person_id == obj.id:
                    attributes.set_committed_value(loaded, "person_name", obj.name_search)
