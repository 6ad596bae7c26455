"""A person's identity profile, kept once and reused by every registration, training and exam.

Every account has a person (people.user_id, unique): applicants, and staff too (whose NIK and
applicant profile fields may stay empty). A person may also have no account (a walk-in entered by an
agency officer). An applicant's profile is complete when services.profile_complete says so. NIK is
unique per person: stored encrypted, with a keyed hash for uniqueness and lookup, and a masked copy for
display (3204********0001).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.accounts.models import User
from app.core import crypto
from app.core.lifecycle import StatusEventMixin, status_type
from app.core.models import TimestampMixin, enum_column, utcnow
from app.documents.models import Document
from app.extensions import db
from app.reference.models import EducationLevel, Region, Religion, province_of, regency_of


def search_name(name: str | None) -> str:
    """The name as the officer's search compares it: case-folded, inner whitespace collapsed."""
    return " ".join((name or "").casefold().split())


def _search_name_default(context) -> str:
    """Rows inserted without the ORM (bulk imports) get their search name from their full name."""
    return search_name(context.get_current_parameters().get("full_name"))


# Byte order ("C") on PostgreSQL, so a prefix is one contiguous range of the index whatever the
# database's collation; SQLite's default (BINARY) is byte order already.
SEARCH_NAME_TYPE = String(200).with_variant(String(200, collation="C"), "postgresql")


class Person(TimestampMixin, db.Model):
    __tablename__ = "people"
    # The queue's search by name: a prefix range on the normalised name (services.name_prefix_filter).
    __table_args__ = (db.Index("ix_people_name_search", "name_search", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    nik_encrypted: Mapped[str | None] = mapped_column(Text)
    nik_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    nik_masked: Mapped[str | None] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(200))
    # search_name(full_name), kept in step by _derive_search_name (and the default for bulk inserts).
    name_search: Mapped[str] = mapped_column(SEARCH_NAME_TYPE, default=_search_name_default)
    birth_place: Mapped[str | None] = mapped_column(String(120))
    birth_date: Mapped[date | None]
    sex: Mapped[str | None] = mapped_column(String(1))  # L / P
    village_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    # Derived from village_code (see _derive_region) so jurisdiction filters compare with "=".
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    regency_code: Mapped[str | None] = mapped_column(String(5), index=True)
    street: Mapped[str | None] = mapped_column(String(255))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164, a mobile number
    landline: Mapped[str | None] = mapped_column(String(20))  # E.164, optional
    email: Mapped[str | None] = mapped_column(String(255))
    education_level_code: Mapped[str | None] = mapped_column(ForeignKey("education_levels.code"))
    education_field: Mapped[str | None] = mapped_column(String(200))
    religion_code: Mapped[str | None] = mapped_column(ForeignKey("religions.code"))
    # Civil servants (ASN)
    is_civil_servant: Mapped[bool] = mapped_column(Boolean, default=False)
    nip: Mapped[str | None] = mapped_column(String(18))
    asn_type: Mapped[str | None] = mapped_column(String(4))  # PNS / PPPK
    agency_name: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    # Identity warnings (NIK/NIP disagreeing with the entered data), recomputed on every save.
    identity_warnings: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    village: Mapped[Region | None] = relationship()
    education_level: Mapped[EducationLevel | None] = relationship()
    religion: Mapped[Religion | None] = relationship()

    @validates("full_name")
    def _derive_search_name(self, _key: str, name: str) -> str:
        self.name_search = search_name(name)
        return name

    @validates("village_code")
    def _derive_region(self, _key: str, code: str | None) -> str | None:
        self.province_code, self.regency_code = province_of(code), regency_of(code)
        return code

    @property
    def nik(self) -> str | None:
        """The full NIK. Showing it to anyone but the person is audited (people.services.reveal_nik)."""
        return crypto.decrypt(self.nik_encrypted) if self.nik_encrypted else None

    def audit_view(self) -> dict:
        """The profile as the audit trail records it: NIK masked, never in full."""
        return {
            "nik": self.nik_masked,
            "full_name": self.full_name,
            "birth_place": self.birth_place,
            "birth_date": self.birth_date,
            "sex": self.sex,
            "village_code": self.village_code,
            "street": self.street,
            "rt": self.rt,
            "rw": self.rw,
            "phone": self.phone,
            "landline": self.landline,
            "email": self.email,
            "education_level_code": self.education_level_code,
            "education_field": self.education_field,
            "religion_code": self.religion_code,
            "is_civil_servant": self.is_civil_servant,
            "nip": self.nip,
            "asn_type": self.asn_type,
            "agency_name": self.agency_name,
            "position": self.position,
        }


# --- Corrections of a verified identity -----------------------------------------------------------

# The identity fields that lock once any registration of the person is verified; changing them takes a
# correction request decided by an officer. Contact and address fields stay editable by the person.
IDENTITY_FIELDS = ("nik", "full_name", "birth_place", "birth_date", "sex")


class CorrectionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(CORRECTION_STATUS_LABELS[self])


CORRECTION_STATUS_LABELS = {
    CorrectionStatus.PENDING: _l("Menunggu keputusan"),
    CorrectionStatus.APPROVED: _l("Disetujui"),
    CorrectionStatus.REJECTED: _l("Ditolak"),
}


class CorrectionRequest(db.Model):
    """A person's request to change locked identity fields, with a reason and evidence documents.

    `old_values`/`new_values` hold the changed fields only, as shown (NIK masked); the new NIK itself
    is kept encrypted in `new_nik_encrypted` until the request is decided."""

    __tablename__ = "correction_requests"
    __table_args__ = (
        # The officers' list: pending ones, oldest first.
        db.Index("ix_correction_requests_status_created", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[CorrectionStatus] = mapped_column(
        status_type(CorrectionStatus), default=CorrectionStatus.PENDING
    )
    old_values: Mapped[dict] = mapped_column(JSON, default=dict)
    new_values: Mapped[dict] = mapped_column(JSON, default=dict)
    new_nik_encrypted: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    events: Mapped[list[CorrectionRequestEvent]] = relationship(
        order_by="CorrectionRequestEvent.id", back_populates="correction_request"
    )
    documents: Mapped[list[Document]] = relationship(
        order_by="Document.id", back_populates="correction_request"
    )

    def audit_view(self) -> dict:
        return {
            "person_id": self.person_id,
            "status": str(self.status),
            "old": self.old_values,
            "new": self.new_values,
            "reason": self.reason,
            "decision_reason": self.decision_reason,
        }


class CorrectionRequestEvent(StatusEventMixin, db.Model):
    __tablename__ = "correction_request_events"
    __statuses__ = CorrectionStatus

    correction_request_id: Mapped[int] = mapped_column(ForeignKey("correction_requests.id"), index=True)

    correction_request: Mapped[CorrectionRequest] = relationship(back_populates="events")


# --- Claiming a walk-in record ---------------------------------------------------------------------


class ClaimKind(StrEnum):
    CODE = "code"  # printed on the desk receipt, entered with the NIK
    INVITATION = "invitation"  # a link e-mailed by the officer


class PersonClaim(db.Model):
    """A secret that lets an account take over a walk-in person (entered at the desk, no account).

    Only a keyed hash of the secret is stored; it is single use (`used_at`) and expires. A new claim of
    the same kind for the same person replaces the earlier one (`revoked_at`)."""

    __tablename__ = "person_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[ClaimKind] = mapped_column(enum_column(ClaimKind, "kind"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_to: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship()
