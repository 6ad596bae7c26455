"""An uploaded file and whom it belongs to.

The owner is one of several explicit nullable foreign keys (OWNER_COLUMNS) with a CHECK that exactly
one is set: the database keeps the link real (a foreign key per owner kind) where a polymorphic
"owner_type + owner_id" pair could point at nothing. A later part adds its column to OWNER_COLUMNS and,
in its migration, recreates the CHECK.

`purpose` keeps the codes the registration forms already post (KTP, FOTO, IJAZAH, SK_TUGAS), so no
stored value had to change; new purposes follow the same upper-case Indonesian style. Health letters
are `restricted`: only the owner and the deciding officer may open them (permissions.py).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import enum_column, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.certification.models import Candidacy
    from app.credentials.models import Licence
    from app.people.models import CorrectionRequest, Person
    from app.registration.models import Registration
    from app.training.models import TrainingRecord


class Purpose(StrEnum):
    KTP = "KTP"
    PHOTO = "FOTO"
    DIPLOMA = "IJAZAH"
    ASSIGNMENT_LETTER = "SK_TUGAS"  # surat keputusan / surat tugas (SK)
    PORTFOLIO = "PORTOFOLIO"
    TRAINING_CERTIFICATE = "SERTIFIKAT_PELATIHAN"  # STTP
    ATTENDANCE_SHEET = "DAFTAR_HADIR"
    STR_COPY = "STR"
    HEALTH_LETTER = "SURAT_SEHAT"
    CORRECTION_EVIDENCE = "BUKTI_KOREKSI"  # evidence for a correction of identity data
    EXPERIENCE_LETTER = "SURAT_PENGALAMAN"  # surat keterangan pengalaman praktik (certification)
    PRACTICE_PLACE_PROOF = "BUKTI_TEMPAT_PRAKTIK"  # proof of a practice place (licence application)
    OTHER = "LAINNYA"


class Sensitivity(StrEnum):
    NORMAL = "normal"
    RESTRICTED = "restricted"


RESTRICTED_PURPOSES = frozenset({Purpose.HEALTH_LETTER})
OWNER_COLUMNS = (
    "registration_id",
    "person_id",
    "correction_request_id",
    "training_record_id",
    "candidacy_id",
    "licence_id",
)


def sensitivity_of(purpose: Purpose) -> Sensitivity:
    return Sensitivity.RESTRICTED if purpose in RESTRICTED_PURPOSES else Sensitivity.NORMAL


def one_owner_condition(columns: tuple[str, ...] = OWNER_COLUMNS) -> str:
    """SQL that is true when exactly one of the owner columns is set (the CHECK's text)."""
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


class Document(db.Model):
    """An uploaded file: stored outside any static folder under a random name, checked by content."""

    __tablename__ = "documents"
    __table_args__ = (CheckConstraint(one_owner_condition(), name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    correction_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("correction_requests.id"), index=True
    )
    # Evidence of external training (another institution's certificate) in the JP ledger.
    training_record_id: Mapped[int | None] = mapped_column(ForeignKey("training_records.id"), index=True)
    # Portfolio evidence of a certification candidacy (APL.01/APL.02).
    candidacy_id: Mapped[int | None] = mapped_column(ForeignKey("candidacies.id"), index=True)
    # Proof of the practice place and the health letter of a practice licence application.
    licence_id: Mapped[int | None] = mapped_column(ForeignKey("licences.id"), index=True)
    purpose: Mapped[Purpose] = mapped_column(enum_column(Purpose, "purpose", 30))
    sensitivity: Mapped[Sensitivity] = mapped_column(
        enum_column(Sensitivity, "sensitivity"), default=Sensitivity.NORMAL
    )
    delete_after: Mapped[date | None]
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    registration: Mapped[Registration | None] = relationship(back_populates="documents")
    person: Mapped[Person | None] = relationship()
    correction_request: Mapped[CorrectionRequest | None] = relationship(back_populates="documents")
    training_record: Mapped[TrainingRecord | None] = relationship(back_populates="documents")
    candidacy: Mapped[Candidacy | None] = relationship(back_populates="documents")
    licence: Mapped[Licence | None] = relationship(back_populates="documents")

    @property
    def owner_kind(self) -> str:
        """Which owner column is set: "registration", "person", "correction_request", "training_record",
        "candidacy" or "licence"."""
        for column in OWNER_COLUMNS:
            kind = column.removesuffix("_id")
            if getattr(self, column) is not None or getattr(self, kind) is not None:
                return kind
        raise ValueError("document without an owner")

    @property
    def owner(self) -> Any:
        return getattr(self, self.owner_kind)

    @property
    def is_restricted(self) -> bool:
        return self.sensitivity == Sensitivity.RESTRICTED

    def audit_view(self) -> dict:
        return {
            "purpose": str(self.purpose),
            "sensitivity": str(self.sensitivity),
            "owner": self.owner_kind,
            "owner_id": self.owner.id,
            "sha256": self.sha256,
            "size": self.size,
            "type": self.content_type,
            "delete_after": self.delete_after.isoformat() if self.delete_after else None,
        }


# --- Documents this system issues (STTP, decrees, certificates, licences) -------------


class IssuedKind(StrEnum):
    STTP = "sttp"  # Surat Tanda Tamat Pelatihan (training certificate)
    DECREE = "decree"  # Surat Keputusan (SK) of a certification plenary
    CERTIFICATE = "certificate"  # Sertifikat Kompetensi (credentials.models.Certificate)
    LICENCE = "licence"  # Surat Izin Praktik Pekerja Sosial (credentials.models.Licence)

    @property
    def label(self) -> str:
        return str(ISSUED_KIND_LABELS[self])


ISSUED_KIND_LABELS = {
    IssuedKind.STTP: _l("Surat Tanda Tamat Pelatihan (STTP)"),
    IssuedKind.DECREE: _l("Surat Keputusan (SK) hasil uji kompetensi"),
    IssuedKind.CERTIFICATE: _l("Sertifikat Kompetensi"),
    IssuedKind.LICENCE: _l("Surat Izin Praktik Pekerja Sosial (SIPPS)"),
}


class IssuedDocument(db.Model):
    """A PDF this system issued: its number, an unguessable public token for the verification page
    (never the number, never an id), the frozen `snapshot` of what it states (a reprint re-renders
    from it, so it shows what was issued even after the person or the programme changed), the
    template it was rendered with, and the SHA-256 of the PDF as issued. The file lives under
    CERTIFICATES_DIR at `stored_name`.

    Its owner (an enrolment for an STTP) points here; `person_id` is the holder, for their dashboard.
    `revoked_at` / `revoked_reason`: withdrawn by the issuer (the public page says so).
    """

    __tablename__ = "issued_documents"
    __table_args__ = (
        db.Index("ix_issued_documents_person", "person_id", "kind", "id"),
        # The public page's "is this file an issued document?" check of a dropped PDF.
        db.Index("ix_issued_documents_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[IssuedKind] = mapped_column(enum_column(IssuedKind, "kind"))
    number: Mapped[str] = mapped_column(String(60), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    snapshot: Mapped[dict] = mapped_column(JSON)
    template: Mapped[str] = mapped_column(String(120))
    stored_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person | None] = relationship()

    def audit_view(self) -> dict:
        return {
            "kind": str(self.kind),
            "number": self.number,
            "person_id": self.person_id,
            "template": self.template,
            "sha256": self.sha256,
            "revoked_at": self.revoked_at,
            "revoked_reason": self.revoked_reason,
        }
