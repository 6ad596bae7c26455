"""A person's identity profile, kept once and reused by every registration, training and exam.

Every account has a person (people.user_id, unique): applicants, and staff too (whose NIK and
applicant profile fields may stay empty). A person may also have no account (a walk-in entered by an
agency officer). An applicant's profile is complete when services.profile_complete says so. NIK is
unique per person: stored encrypted, with a keyed hash for uniqueness and lookup, and a masked copy for
display (3204********0001).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.accounts.models import User
from app.core import crypto
from app.core.models import TimestampMixin
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
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
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
