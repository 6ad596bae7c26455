"""Certificates of competence and practice licences (SIPPS): what was issued, to whom, on what basis,
and every change of status since. Lifecycles are in states.py.

Certificates
- A `Certificate` is issued for one "Kompeten" `Decision` (certification.models) of a certification
  body. `uq_certificates_decision` allows one *original* certificate per decision (a correction has
  `corrects_id` set), so issuing twice — a double click, two admins, a retried job — issues once.
- Its printed form is an `IssuedDocument` (kind certificate: the number, the unguessable public
  token, the frozen snapshot of what it states, the signed PDF's SHA-256); `number` is copied here
  for the lists. `issued_on` and `valid_until` (issue date + the scheme version's validity) are
  dates in Indonesian local time.
- `province_code` / `regency_code` are the holder's jurisdiction, copied from the candidacy (for
  the agency officer's list); `body_code` is the board admin's scope.
- A correction re-issues: the new certificate `corrects_id` the old one, and the old one turns
  `superseded` with `superseded_by_id` pointing to the new one (its public page links there). A
  renewal (resertifikasi) is a new decision on a re-certification candidacy
  (`Candidacy.renews_certificate_id`): its certificate `renews_id` the old one, which is superseded.
- `revocation_reference`: the ethics recommendation or decision a revocation follows.
- `reminded_days`: the smallest expiry reminder already e-mailed (90, then 30), so each goes once.
- `CertificateEvent`s are the immutable, dated, attributed timeline (StatusEventMixin: occurred_at,
  effective_at, actor, reason); `reference` carries the ethics reference of a revocation. The reason
  of a revocation is public (the verification page shows it); other reasons are not.

Practice licences
- A `Licence` (izin praktik pekerja sosial, SIPPS) is one person's licence for one practice place,
  resting on one certificate (`certificate_id`; moved to the successor when that certificate is
  superseded). It is applied for by the holder (status submitted) and granted or refused by an
  agency officer whose jurisdiction covers the practice place (`region_code`, with its derived
  `province_code` / `regency_code`), or a ministry admin.
- `place_key` normalises the practice place (region + name) for `uq_licences_open_place`: one open
  or held licence per person and place. At most LICENCE_MAX_ACTIVE held licences per person is
  checked by the grant under a lock on the person's row (services).
- Granted: `number` from the allocator (series "licence", per regency), its own signed PDF
  (`document_id`), valid from the grant until the earliest of the certificate's validity, the STR's
  expiry and the licence term (LICENCE_TERM_YEARS).
- `suspended_by_cascade`: suspended because its certificate was; reinstating the certificate
  reinstates only these. `end_reason` says why an `ended` licence ended.
- Proof of the place and the health letter are `Document`s owned by the licence (documents.licence_id);
  the health letter is restricted and deleted HEALTH_LETTER_RETENTION_DAYS after the decision.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.lifecycle import StatusEventMixin, status_type
from app.core.models import TimestampMixin, enum_column
from app.credentials.states import (
    OPEN_LICENCE_CONDITION,
    CertificateStatus,
    LicenceEndReason,
    LicenceStatus,
    PracticeType,
)
from app.documents.models import Document, IssuedDocument
from app.extensions import db
from app.people.models import Person
from app.reference.models import CertificationBody, Region

# --- Certificates ----------------------------------------------------------------------------------


class Certificate(TimestampMixin, db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        # One original certificate per decision: issuing is idempotent, also under concurrency.
        db.Index(
            "uq_certificates_decision",
            "decision_id",
            unique=True,
            postgresql_where=text("corrects_id IS NULL"),
            sqlite_where=text("corrects_id IS NULL"),
        ),
        CheckConstraint("valid_until > issued_on", name="validity_after_issue"),
        # The holder's certificates; the board admin's list; the agency officer's jurisdiction;
        # the daily expiry job and the reminders (live certificates by valid_until).
        db.Index("ix_certificates_person", "person_id", "id"),
        db.Index("ix_certificates_body", "body_code", "status", "id"),
        db.Index("ix_certificates_province", "province_code", "id"),
        db.Index("ix_certificates_regency", "regency_code", "id"),
        db.Index("ix_certificates_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("issued_documents.id"), unique=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    body_code: Mapped[str] = mapped_column(ForeignKey("certification_bodies.code"))
    scheme_id: Mapped[int] = mapped_column(ForeignKey("certification_schemes.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    status: Mapped[CertificateStatus] = mapped_column(
        status_type(CertificateStatus), default=CertificateStatus.ACTIVE
    )
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    revocation_reference: Mapped[str | None] = mapped_column(Text)
    reminded_days: Mapped[int | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[IssuedDocument] = relationship(lazy="joined")
    person: Mapped[Person] = relationship()
    body: Mapped[CertificationBody] = relationship()
    decision = relationship("Decision")
    candidacy = relationship("Candidacy", foreign_keys=[candidacy_id])
    scheme = relationship("Scheme")
    version = relationship("SchemeVersion")
    corrects: Mapped[Certificate | None] = relationship(remote_side=[id], foreign_keys=[corrects_id])
    renews: Mapped[Certificate | None] = relationship(remote_side=[id], foreign_keys=[renews_id])
    superseded_by: Mapped[Certificate | None] = relationship(
        remote_side=[id], foreign_keys=[superseded_by_id]
    )
    events: Mapped[list[CertificateEvent]] = relationship(
        order_by="CertificateEvent.id", back_populates="certificate"
    )
    licences: Mapped[list[Licence]] = relationship(back_populates="certificate", order_by="Licence.id")

    @property
    def token(self) -> str:
        return self.document.token

    def audit_view(self) -> dict:
        return {
            "number": self.number,
            "decision_id": self.decision_id,
            "person_id": self.person_id,
            "body_code": self.body_code,
            "status": str(self.status),
            "issued_on": self.issued_on,
            "valid_until": self.valid_until,
            "corrects_id": self.corrects_id,
            "renews_id": self.renews_id,
            "superseded_by_id": self.superseded_by_id,
            "revocation_reference": self.revocation_reference,
        }


class CertificateEvent(StatusEventMixin, db.Model):
    __tablename__ = "certificate_events"
    __statuses__ = CertificateStatus

    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    reference: Mapped[str | None] = mapped_column(Text)  # the ethics recommendation of a revocation

    certificate: Mapped[Certificate] = relationship(back_populates="events")


# --- Practice licences -----------------------------------------------------------------------------


class Licence(TimestampMixin, db.Model):
    __tablename__ = "licences"
    __table_args__ = (
        db.Index(
            "uq_licences_open_place",
            "person_id",
            "place_key",
            unique=True,
            postgresql_where=text(OPEN_LICENCE_CONDITION),
            sqlite_where=text(OPEN_LICENCE_CONDITION),
        ),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="validity_after_grant"),
        # The holder's licences (and the limit per person); the officer's queue and register by
        # jurisdiction; the cascade from a certificate; the daily expiry job.
        db.Index("ix_licences_person", "person_id", "status"),
        db.Index("ix_licences_regency", "regency_code", "status", "id"),
        db.Index("ix_licences_province", "province_code", "status", "id"),
        db.Index("ix_licences_certificate", "certificate_id", "status"),
        db.Index("ix_licences_status_valid_until", "status", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(60), unique=True)  # given on grant
    document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"))
    status: Mapped[LicenceStatus] = mapped_column(status_type(LicenceStatus), default=LicenceStatus.SUBMITTED)
    practice_type: Mapped[PracticeType] = mapped_column(enum_column(PracticeType, "practice_type"))
    place_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))  # the village (or district)
    province_code: Mapped[str] = mapped_column(String(2))
    regency_code: Mapped[str] = mapped_column(String(5))
    place_key: Mapped[str] = mapped_column(String(260))
    # Surat Tanda Registrasi (UU 14/2019): recorded, not issued here.
    str_number: Mapped[str] = mapped_column(String(60))
    str_expires_on: Mapped[date]
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    suspended_by_cascade: Mapped[bool] = mapped_column(Boolean, default=False)
    end_reason: Mapped[LicenceEndReason | None] = mapped_column(
        enum_column(LicenceEndReason, "end_reason", 30)
    )
    ethics_reference: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship()
    certificate: Mapped[Certificate] = relationship(back_populates="licences")
    document: Mapped[IssuedDocument | None] = relationship()
    region: Mapped[Region] = relationship()
    events: Mapped[list[LicenceEvent]] = relationship(order_by="LicenceEvent.id", back_populates="licence")
    documents: Mapped[list[Document]] = relationship(order_by="Document.id", back_populates="licence")

    @property
    def token(self) -> str | None:
        return self.document.token if self.document is not None else None

    def audit_view(self) -> dict:
        return {
            "number": self.number,
            "person_id": self.person_id,
            "certificate_id": self.certificate_id,
            "status": str(self.status),
            "practice_type": str(self.practice_type),
            "place_name": self.place_name,
            "region_code": self.region_code,
            "str_number": self.str_number,
            "str_expires_on": self.str_expires_on,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "suspended_by_cascade": self.suspended_by_cascade,
            "end_reason": str(self.end_reason) if self.end_reason else None,
            "ethics_reference": self.ethics_reference,
        }


class LicenceEvent(StatusEventMixin, db.Model):
    __tablename__ = "licence_events"
    __statuses__ = LicenceStatus

    licence_id: Mapped[int] = mapped_column(ForeignKey("licences.id"), index=True)
    reference: Mapped[str | None] = mapped_column(Text)  # the ethics recommendation of a revocation

    licence: Mapped[Licence] = relationship(back_populates="events")
