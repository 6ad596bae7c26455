"""Reference tables. Codes are stable and stored by other tables; names are for display."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import enum_column
from app.extensions import db

# Region levels (Kemendagri): province 32, regency/city 32.04, district 32.04.05, village 32.04.05.2001
PROVINCE, REGENCY, DISTRICT, VILLAGE = 1, 2, 3, 4
LEVEL_NAMES = {PROVINCE: "province", REGENCY: "regency", DISTRICT: "district", VILLAGE: "village"}


class Region(db.Model):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(SmallInteger)
    parent_code: Mapped[str | None] = mapped_column(String(13), index=True)

    @property
    def is_city(self) -> bool:
        """Regency level: kabupaten 01–69, kota 71–99."""
        return self.level == REGENCY and int(self.code[-2:]) >= 71

    @property
    def is_kelurahan(self) -> bool:
        """Village level: first digit of the last four is 1 for kelurahan, 2 for desa."""
        return self.level == VILLAGE and self.code[-4] == "1"

    def ancestor_codes(self) -> list[str]:
        """['32', '32.04', '32.04.05'] for a village in 32.04.05."""
        parts = self.code.split(".")
        return [".".join(parts[:i]) for i in range(1, len(parts))]


class Category(db.Model):
    """The four categories of SDM Kesos (TKS, Pekerja Sosial, Relawan Sosial, Penyuluh Sosial)."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    sort_order: Mapped[int] = mapped_column(default=0)


class CategoryOption(db.Model):
    """A choice within a category, grouped: TKS origin and Pendamping kinds, Pekerja Sosial levels and
    specialisations, Relawan kinds and registration levels, Penyuluh modes."""

    __tablename__ = "category_options"
    __table_args__ = (UniqueConstraint("category_code", "group", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    group: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(default=0)


class EducationLevel(db.Model):
    __tablename__ = "education_levels"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(default=0)


class Religion(db.Model):
    __tablename__ = "religions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)


class CertificationBody(db.Model):
    """Lembaga Sertifikasi: LSPS (pekerjaan sosial) and LSPENSOS (penyuluh sosial)."""

    __tablename__ = "certification_bodies"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # Category codes this body certifies, comma-separated (reference data, edited rarely).
    category_codes: Mapped[str] = mapped_column(String(200))
    # Days after a plenary decision within which a candidate may appeal (None: CERTIFICATION_APPEAL_DAYS).
    appeal_window_days: Mapped[int | None] = mapped_column(SmallInteger)


def province_of(code: str | None) -> str | None:
    """'32' for '32.04.05.2001' (and for '32')."""
    return code.split(".")[0] if code else None


def regency_of(code: str | None) -> str | None:
    """'32.04' for '32.04.05.2001'; None for a province code."""
    parts = code.split(".") if code else []
    return ".".join(parts[:2]) if len(parts) >= 2 else None


class ProviderKind(StrEnum):
    BBPPKS = "bbppks"  # Balai Besar Pendidikan dan Pelatihan Kesejahteraan Sosial
    POLTEKESOS = "poltekesos"  # Politeknik Kesejahteraan Sosial
    OTHER = "other"


class TrainingProvider(db.Model):
    """Penyelenggara diklat (BBPPKS training centres, Poltekesos…): the scope of a training officer."""

    __tablename__ = "training_providers"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProviderKind] = mapped_column(enum_column(ProviderKind, "provider_kind", 20))
    # A plain code, not a foreign key: `flask reference seed` may run before `flask regions import`.
    region_code: Mapped[str | None] = mapped_column(String(13))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
