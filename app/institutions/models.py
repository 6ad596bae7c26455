"""Institutions and dated memberships of people in them.

A membership says a person worked at an institution (with a position) from `started_on` until
`ended_on` (None: still there). Later rules — an assessor may not assess a candidate from their own
institution — ask `services.institutions_of(person, on=date)`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, enum_column
from app.extensions import db
from app.people.models import Person
from app.reference.models import Region


class InstitutionKind(StrEnum):
    GOVERNMENT_AGENCY = "government_agency"
    LKS = "lks"
    UNIVERSITY = "university"
    TRAINING_PROVIDER = "training_provider"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    InstitutionKind.GOVERNMENT_AGENCY: _l("Instansi pemerintah"),
    InstitutionKind.LKS: _l("Lembaga Kesejahteraan Sosial (LKS)"),
    InstitutionKind.UNIVERSITY: _l("Perguruan tinggi"),
    InstitutionKind.TRAINING_PROVIDER: _l("Penyelenggara diklat"),
    InstitutionKind.OTHER: _l("Lainnya"),
}


class Institution(TimestampMixin, db.Model):
    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[InstitutionKind] = mapped_column(enum_column(InstitutionKind, "institution_kind", 30))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    region: Mapped[Region | None] = relationship()


class PersonInstitution(TimestampMixin, db.Model):
    __tablename__ = "person_institutions"
    __table_args__ = (CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    position: Mapped[str | None] = mapped_column(String(200))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]

    person: Mapped[Person] = relationship()
    institution: Mapped[Institution] = relationship(lazy="joined")

    @property
    def current(self) -> bool:
        return self.ended_on is None

    def covers(self, on: date) -> bool:
        return self.started_on <= on and (self.ended_on is None or on <= self.ended_on)

    def audit_view(self) -> dict:
        return {
            "person_id": self.person_id,
            "institution_id": self.institution_id,
            "position": self.position,
            "started_on": self.started_on,
            "ended_on": self.ended_on,
        }
