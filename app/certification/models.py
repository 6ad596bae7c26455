"""Certification (uji kompetensi): schemes and their versions, exam sessions, assessors, candidacies,
assessments with unit-level marks, plenary decisions and decrees, and appeals. Lifecycles are in
states.py. What the next part (certificates) reads: `Decision` rows (who was found competent in what,
by whom, when, under which decree) and `services.can_issue_certificate`.

Schemes
- A `Scheme` (skema) belongs to one certification body (reference.CertificationBody, the scope of a
  board admin and of an assessor) and has a stable code. Everything a candidacy depends on lives on a
  `SchemeVersion`: name, target (category + subtype, '' meaning every subtype — as a programme's
  target), assessment methods, eligibility rules (all values per version, none in code), validity,
  whether a second assessor is always required, the retake waiting period, and its ordered
  `SchemeUnit`s. A version is editable while a draft (`published_at` is None); publishing freezes
  it. To change a published scheme the board admin starts a new version (a copy). Sessions offer
  published versions and a candidacy keeps the version it applied under, so editing a scheme never
  changes a candidacy in progress.

Exam sessions
- An `ExamSession` (jadwal uji kompetensi) of a body offers one or more scheme versions
  (`ExamSessionScheme`), at a TUK in a region, with stage dates, a capacity and an application
  window. `province_code`/`regency_code` are derived from the region for the public list.
  `seats_taken` counts accepted candidacies (compare-and-set on acceptance, CHECK ≤ capacity).
- `SessionAssessor`: an assessor assigned to the session, with their signed conflict-of-interest
  declaration (`declared_at`: a checkbox with a timestamp).

Assessors
- An `Assessor` is a registry entry of one body: a user account (who holds the `assessor` role grant
  for that body), the person of the register when known (`person_id`: "the assessor is the
  candidate"), the No. MET, the institution (`institution_id`: "works at the candidate's
  institution"), the licence validity, and the schemes they may assess (`AssessorScheme`).
- A `DeclaredConflict`: an assessor declared a conflict with a person (blocks any assignment).

Candidacies
- A `Candidacy` (asesi) is one person in one session on one scheme version, reached through their
  verified registration in the target category when they hold one (`registration_id`).
  `province_code`/`regency_code` come from that registration (else the person's address) for the
  agency officer's jurisdiction filter. `attempt` counts the person's decided candidacies on the same
  scheme plus one. `eligibility` is the gate's checklist frozen at submission (recomputed live while
  a draft); `override_reason` records why a board admin accepted despite a failed rule.
- A re-certification renews a certificate (`renews_certificate_id`); when the certificate's scheme
  version allows renewal by portfolio, it is a portfolio review (`portfolio_review`): scored by the
  portfolio method alone, no attendance (app/certification/outcome.py).
- `SelfAssessment` (APL.02): per unit, "kompeten / belum" with evidence notes.
- Portfolio evidence is `Document` rows owned by the candidacy (documents.candidacy_id).

Assessment
- An `Assessment` is the assignment of one assessor to one candidacy in one `round` (1 = the first
  assessment; 2, 3… = re-assessments after an upheld appeal), with a `role` (first, second, third).
  It holds the assessor's `AssessmentMark`s (per unit and per method: K/BK with notes) and a
  recommendation. Submitting locks it; a correction is a new assessment that `supersedes_id` the old
  one (which turns `superseded`) — never an overwrite.
- Disagreement (first and second recommendations differ) is flagged on the candidacy
  (`flag`), and resolved by a third assessor or by the plenary with `flag_resolution` recorded.

Decisions and decrees
- A `Decree` (SK) is numbered from the shared allocator when the plenary decides; its PDF is an
  IssuedDocument (kind decree) rendered in the background (`document_id` is set when it is ready).
- A `Decision` is one candidacy's result (K/BK) in one round under one decree. A later decision
  (after an upheld appeal) supersedes it (`superseded_by_id`); `Candidacy.decision` is the current
  one (at most one per candidacy: a partial unique index). `appeal_deadline` is the decision date
  plus the body's appeal window.

Appeals
- An `Appeal` (banding) against a decision, with grounds and a statement; one open appeal per
  candidacy (partial unique index). Its panel (`AppealPanelMember`) is 2–3 assessors not involved in
  the candidacy's assessment (the conflict checks apply).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.certification.states import (
    LIVE_ASSESSMENT_CONDITION,
    OPEN_APPEAL_CONDITION,
    OPEN_CANDIDACY_CONDITION,
    AppealGround,
    AppealStatus,
    AssessmentMethod,
    AssessmentStatus,
    AssessorRole,
    CandidacyPurpose,
    CandidacyStatus,
    PlaceKind,
    SessionStatus,
    Verdict,
)
from app.core.lifecycle import StatusEventMixin, status_type
from app.core.models import TimestampMixin, enum_column, utcnow
from app.documents.models import Document, IssuedDocument
from app.extensions import db
from app.people.models import Person
from app.reference.models import Category, CertificationBody, EducationLevel, Region, province_of, regency_of

# --- Schemes ---------------------------------------------------------------------------------------


class Scheme(TimestampMixin, db.Model):
    __tablename__ = "certification_schemes"
    __table_args__ = (UniqueConstraint("body_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("certification_bodies.code"), index=True)
    code: Mapped[str] = mapped_column(String(30))  # e.g. PS-GEN; printed on certificates
    retired_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    body: Mapped[CertificationBody] = relationship(lazy="joined")
    versions: Mapped[list[SchemeVersion]] = relationship(
        order_by="SchemeVersion.version", back_populates="scheme"
    )

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def current_version(self) -> SchemeVersion | None:
        """The latest published version (what new sessions offer)."""
        published = [v for v in self.versions if v.published]
        return published[-1] if published else None

    @property
    def draft_version(self) -> SchemeVersion | None:
        drafts = [v for v in self.versions if not v.published]
        return drafts[-1] if drafts else None


class SchemeVersion(TimestampMixin, db.Model):
    __tablename__ = "scheme_versions"
    __table_args__ = (
        UniqueConstraint("scheme_id", "version"),
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("min_training_jp >= 0", name="jp_not_negative"),
        CheckConstraint("min_experience_months IS NULL OR min_experience_months >= 0", name="months_ok"),
        CheckConstraint("min_practice_hours IS NULL OR min_practice_hours >= 0", name="hours_ok"),
        CheckConstraint("validity_years BETWEEN 1 AND 10", name="validity_range"),
        CheckConstraint("retake_wait_days >= 0", name="wait_not_negative"),
        # The public list and the applicant's chooser: published versions of a target category.
        db.Index("ix_scheme_versions_category", "category_code", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("certification_schemes.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    # Target: a category and optionally a subtype/level/specialisation ('' = every subtype), in the
    # form registrations store it ("GENERALIS", "SPESIALIS:MEDIS", "MASYARAKAT:PKH").
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    subtype: Mapped[str] = mapped_column(String(80), default="")
    methods: Mapped[list] = mapped_column(JSON, default=list)  # AssessmentMethod values, in order
    # Eligibility rules (APL.01 screening). None / 0 means "no such rule".
    min_education_code: Mapped[str | None] = mapped_column(ForeignKey("education_levels.code"))
    min_training_jp: Mapped[int] = mapped_column(Integer, default=0)
    # Count only JP of programmes whose competency units overlap this version's unit codes.
    jp_from_linked_programmes_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Practice experience: met when either the months or the hours are reached (when both are set).
    min_experience_months: Mapped[int | None] = mapped_column(Integer)
    min_practice_hours: Mapped[int | None] = mapped_column(Integer)
    requires_verified_registration: Mapped[bool] = mapped_column(Boolean, default=True)
    required_documents: Mapped[list] = mapped_column(JSON, default=list)  # documents.Purpose values
    validity_years: Mapped[int] = mapped_column(Integer, default=5)
    second_assessor_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # A "Belum Kompeten" candidate may apply again this many days after the decision.
    retake_wait_days: Mapped[int] = mapped_column(Integer, default=90)
    # Renewal (resertifikasi): the CPD required (training JP per year of validity; None:
    # CERTIFICATE_RENEWAL_JP_PER_YEAR) and whether a portfolio-only review may replace the exam.
    renewal_jp_per_year: Mapped[int | None] = mapped_column(Integer)
    renewal_by_portfolio: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scheme: Mapped[Scheme] = relationship(back_populates="versions", lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    min_education: Mapped[EducationLevel | None] = relationship()
    units: Mapped[list[SchemeUnit]] = relationship(
        order_by="SchemeUnit.position", back_populates="version", cascade="all, delete-orphan"
    )

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def method_list(self) -> list[AssessmentMethod]:
        return [AssessmentMethod(m) for m in self.methods]

    def targets(self, category_code: str, subtype: str = "") -> bool:
        """Whether a registration of this category (and subtype) is in this scheme's target."""
        return self.category_code == category_code and self.subtype in ("", subtype)

    def audit_view(self) -> dict:
        return {
            "scheme_id": self.scheme_id,
            "version": self.version,
            "name": self.name,
            "category_code": self.category_code,
            "subtype": self.subtype,
            "methods": list(self.methods),
            "min_education_code": self.min_education_code,
            "min_training_jp": self.min_training_jp,
            "jp_from_linked_programmes_only": self.jp_from_linked_programmes_only,
            "min_experience_months": self.min_experience_months,
            "min_practice_hours": self.min_practice_hours,
            "requires_verified_registration": self.requires_verified_registration,
            "required_documents": list(self.required_documents),
            "validity_years": self.validity_years,
            "second_assessor_required": self.second_assessor_required,
            "retake_wait_days": self.retake_wait_days,
            "renewal_jp_per_year": self.renewal_jp_per_year,
            "renewal_by_portfolio": self.renewal_by_portfolio,
            "units": [[u.code, u.title] for u in self.units],
            "published_at": self.published_at,
        }


class SchemeUnit(db.Model):
    """A competency unit (unit kompetensi) of a scheme version, in order."""

    __tablename__ = "scheme_units"
    __table_args__ = (
        UniqueConstraint("version_id", "code", name="uq_scheme_units_code"),
        UniqueConstraint("version_id", "position", name="uq_scheme_units_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))  # e.g. KS.01.001.01
    title: Mapped[str] = mapped_column(String(300))

    version: Mapped[SchemeVersion] = relationship(back_populates="units")


# --- Exam sessions ---------------------------------------------------------------------------------


class ExamSession(TimestampMixin, db.Model):
    __tablename__ = "exam_sessions"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        CheckConstraint("assessment_ends_on >= assessment_starts_on", name="assessment_dates_in_order"),
        CheckConstraint(
            "applications_close_on IS NULL OR applications_open_on IS NULL"
            " OR applications_close_on >= applications_open_on",
            name="application_window_in_order",
        ),
        # The board admin's list (their body, newest first) and the public list.
        db.Index("ix_exam_sessions_body", "body_code", "assessment_starts_on", "id"),
        db.Index("ix_exam_sessions_public", "status", "assessment_starts_on", "id"),
        db.Index("ix_exam_sessions_province_public", "province_code", "status", "assessment_starts_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("certification_bodies.code"))
    name: Mapped[str] = mapped_column(String(160))  # "Uji Kompetensi Pekerja Sosial Generalis Batch 3"
    place_kind: Mapped[PlaceKind] = mapped_column(enum_column(PlaceKind, "place_kind"))
    place_name: Mapped[str] = mapped_column(String(200), default="")  # the TUK's name
    address: Mapped[str] = mapped_column(String(255), default="")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    # Stages: applications (APL.01/02) → administrative screening → assessment → plenary.
    applications_open_on: Mapped[date | None]
    applications_close_on: Mapped[date | None]
    screening_ends_on: Mapped[date | None]
    assessment_starts_on: Mapped[date]
    assessment_ends_on: Mapped[date]
    plenary_on: Mapped[date | None]
    status: Mapped[SessionStatus] = mapped_column(status_type(SessionStatus), default=SessionStatus.PLANNED)
    # Who signs the decree (printed on it): the chair of the body, usually.
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    body: Mapped[CertificationBody] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship()
    schemes: Mapped[list[ExamSessionScheme]] = relationship(
        order_by="ExamSessionScheme.id", back_populates="session", cascade="all, delete-orphan"
    )
    assessors: Mapped[list[SessionAssessor]] = relationship(
        order_by="SessionAssessor.id", back_populates="session", cascade="all, delete-orphan"
    )
    events: Mapped[list[ExamSessionEvent]] = relationship(
        order_by="ExamSessionEvent.id", back_populates="session"
    )

    @validates("region_code")
    def _derive_region(self, _key: str, code: str | None) -> str | None:
        self.province_code, self.regency_code = province_of(code), regency_of(code)
        return code

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    @property
    def scheme_versions(self) -> list[SchemeVersion]:
        return [link.version for link in self.schemes]

    def audit_view(self) -> dict:
        return {
            "body_code": self.body_code,
            "name": self.name,
            "place_kind": str(self.place_kind),
            "place_name": self.place_name,
            "address": self.address,
            "region_code": self.region_code,
            "capacity": self.capacity,
            "applications_open_on": self.applications_open_on,
            "applications_close_on": self.applications_close_on,
            "screening_ends_on": self.screening_ends_on,
            "assessment_starts_on": self.assessment_starts_on,
            "assessment_ends_on": self.assessment_ends_on,
            "plenary_on": self.plenary_on,
            "scheme_version_ids": [link.version_id for link in self.schemes],
            "status": str(self.status),
        }


class ExamSessionScheme(db.Model):
    __tablename__ = "exam_session_schemes"
    __table_args__ = (
        UniqueConstraint("session_id", "version_id"),
        # The public list filtered by scheme.
        db.Index("ix_exam_session_schemes_version", "version_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))

    session: Mapped[ExamSession] = relationship(back_populates="schemes")
    version: Mapped[SchemeVersion] = relationship(lazy="joined")


class ExamSessionEvent(StatusEventMixin, db.Model):
    __tablename__ = "exam_session_events"
    __statuses__ = SessionStatus

    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)

    session: Mapped[ExamSession] = relationship(back_populates="events")


# --- Assessors -------------------------------------------------------------------------------------


class Assessor(TimestampMixin, db.Model):
    __tablename__ = "assessors"
    __table_args__ = (
        UniqueConstraint("body_code", "met_number", name="uq_assessors_met_number"),
        UniqueConstraint("body_code", "user_id", name="uq_assessors_user_id"),
        db.Index("ix_assessors_body", "body_code", "id"),
        db.Index("ix_assessors_person", "person_id"),
        # The user's registry entries (the work list, the assessor's permissions): migration 0013.
        db.Index("ix_assessors_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("certification_bodies.code"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    name: Mapped[str] = mapped_column(String(200))
    met_number: Mapped[str] = mapped_column(String(60))  # No. MET (nomor registrasi asesor)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    institution_name: Mapped[str] = mapped_column(String(200), default="")  # as printed, or an outsider's
    licence_valid_until: Mapped[date | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    body: Mapped[CertificationBody] = relationship(lazy="joined")
    user = relationship("User", foreign_keys=[user_id])
    person: Mapped[Person | None] = relationship()
    institution = relationship("Institution")
    schemes: Mapped[list[AssessorScheme]] = relationship(
        order_by="AssessorScheme.id", back_populates="assessor", cascade="all, delete-orphan"
    )

    def licensed_on(self, on: date) -> bool:
        return self.active and (self.licence_valid_until is None or on <= self.licence_valid_until)

    def may_assess(self, scheme_id: int) -> bool:
        return any(link.scheme_id == scheme_id for link in self.schemes)

    def audit_view(self) -> dict:
        return {
            "body_code": self.body_code,
            "user_id": self.user_id,
            "person_id": self.person_id,
            "name": self.name,
            "met_number": self.met_number,
            "institution_id": self.institution_id,
            "institution_name": self.institution_name,
            "licence_valid_until": self.licence_valid_until,
            "active": self.active,
            "scheme_ids": [link.scheme_id for link in self.schemes],
        }


class AssessorScheme(db.Model):
    __tablename__ = "assessor_schemes"
    __table_args__ = (UniqueConstraint("assessor_id", "scheme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessors.id"))
    scheme_id: Mapped[int] = mapped_column(ForeignKey("certification_schemes.id"), index=True)

    assessor: Mapped[Assessor] = relationship(back_populates="schemes")
    scheme: Mapped[Scheme] = relationship()


class SessionAssessor(db.Model):
    """An assessor assigned to an exam session, with their conflict-of-interest declaration."""

    __tablename__ = "session_assessors"
    __table_args__ = (
        UniqueConstraint("session_id", "assessor_id"),
        db.Index("ix_session_assessors_assessor", "assessor_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessors.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The signed declaration ("I have no conflict of interest with the candidates assigned to me,
    # or I have declared it"): a checkbox, with its timestamp. Scoring needs it.
    declared_at: Mapped[datetime | None]

    session: Mapped[ExamSession] = relationship(back_populates="assessors")
    assessor: Mapped[Assessor] = relationship(lazy="joined")


class DeclaredConflict(db.Model):
    """An assessor declared a conflict of interest with a person: no assignment to them."""

    __tablename__ = "declared_conflicts"
    __table_args__ = (UniqueConstraint("assessor_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessors.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)

    assessor: Mapped[Assessor] = relationship()


# --- Candidacies -----------------------------------------------------------------------------------


class Candidacy(TimestampMixin, db.Model):
    __tablename__ = "candidacies"
    __table_args__ = (
        # One open candidacy per person, session and scheme version.
        db.Index(
            "uq_candidacies_open",
            "session_id",
            "version_id",
            "person_id",
            unique=True,
            postgresql_where=text(OPEN_CANDIDACY_CONDITION),
            sqlite_where=text(OPEN_CANDIDACY_CONDITION),
        ),
        CheckConstraint("attempt > 0", name="attempt_positive"),
        CheckConstraint("round > 0", name="round_positive"),
        # The session's list by status (screening queue, plenary) and in id order whatever the
        # status (the queue's "semua" tab), the person's candidacies and their attempts on a scheme,
        # the agency officer's jurisdiction (newest first, and by status: migration 0013).
        db.Index("ix_candidacies_session_status", "session_id", "status", "id"),
        db.Index("ix_candidacies_session", "session_id", "id"),
        db.Index("ix_candidacies_person", "person_id", "scheme_id", "id"),
        db.Index("ix_candidacies_province", "province_code", "id"),
        db.Index("ix_candidacies_regency", "regency_code", "id"),
        db.Index("ix_candidacies_province_status", "province_code", "status", "id"),
        db.Index("ix_candidacies_regency_status", "regency_code", "status", "id"),
        db.Index("ix_candidacies_nominated_by", "nominated_by_id", "id"),
        # How many candidacies a scheme version has (scheme page), and a body's re-assessments.
        db.Index("ix_candidacies_version", "version_id", "status"),
        db.Index("ix_candidacies_body_status", "body_code", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("scheme_versions.id"))
    scheme_id: Mapped[int] = mapped_column(ForeignKey("certification_schemes.id"))  # copied, for attempts
    body_code: Mapped[str] = mapped_column(ForeignKey("certification_bodies.code"))  # copied, for scoping
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"))
    province_code: Mapped[str | None] = mapped_column(String(2))
    regency_code: Mapped[str | None] = mapped_column(String(5))
    purpose: Mapped[CandidacyPurpose] = mapped_column(enum_column(CandidacyPurpose, "purpose"))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[CandidacyStatus] = mapped_column(
        status_type(CandidacyStatus), default=CandidacyStatus.DRAFT
    )
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # an agency officer
    # APL.01: declared practice experience (backed by an experience letter in the portfolio).
    declared_experience_months: Mapped[int | None] = mapped_column(Integer)
    declared_practice_hours: Mapped[int | None] = mapped_column(Integer)
    experience_summary: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    # The eligibility checklist frozen at submission: [{"rule", "met", "actual", "required"}, …].
    eligibility: Mapped[list] = mapped_column(JSON, default=list)
    screened_at: Mapped[datetime | None]
    screened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    screening_reason: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)  # accepted despite a failed rule: why
    # The current assessment round (1; +1 for each re-assessment after an upheld appeal).
    round: Mapped[int] = mapped_column(Integer, default=1)
    # Disagreement between assessors (or a board dispute) waiting for resolution, and how it was resolved.
    flag: Mapped[str | None] = mapped_column(String(30))
    flag_resolution: Mapped[str | None] = mapped_column(Text)
    # A re-certification (resertifikasi): the certificate it renews (credentials.models.Certificate).
    renews_certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", use_alter=True), index=True
    )
    # A renewal assessed on the portfolio alone (the certificate's scheme version allows it: set when
    # the holder applies, app/credentials/registry/renewal.py): assessors score only the portfolio
    # method and the candidate need not attend (app/certification/outcome.assessed_methods).
    portfolio_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    session: Mapped[ExamSession] = relationship()
    version: Mapped[SchemeVersion] = relationship(lazy="joined")
    scheme: Mapped[Scheme] = relationship()
    person: Mapped[Person] = relationship()
    registration = relationship("Registration")
    # The current decision (the one no later decision superseded).
    decision: Mapped[Decision | None] = relationship(
        primaryjoin="and_(Decision.candidacy_id == Candidacy.id, Decision.superseded_by_id.is_(None))",
        viewonly=True,
        uselist=False,
    )
    events: Mapped[list[CandidacyEvent]] = relationship(
        order_by="CandidacyEvent.id", back_populates="candidacy"
    )
    self_assessments: Mapped[list[SelfAssessment]] = relationship(
        back_populates="candidacy", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(order_by="Document.id", back_populates="candidacy")

    @property
    def result(self) -> Verdict | None:
        return self.decision.result if self.decision is not None else None

    @property
    def purpose_label(self) -> str:
        """The purpose as the candidacy pages show it ("Resertifikasi — telaah portofolio")."""
        if self.portfolio_review:
            return str(_l("Resertifikasi — telaah portofolio"))
        return CandidacyPurpose(self.purpose).label

    def audit_view(self) -> dict:
        return {
            "session_id": self.session_id,
            "version_id": self.version_id,
            "person_id": self.person_id,
            "registration_id": self.registration_id,
            "purpose": str(self.purpose),
            "attempt": self.attempt,
            "status": str(self.status),
            "nominated_by_id": self.nominated_by_id,
            "declared_experience_months": self.declared_experience_months,
            "declared_practice_hours": self.declared_practice_hours,
            "screening_reason": self.screening_reason,
            "override_reason": self.override_reason,
            "round": self.round,
            "flag": self.flag,
            "flag_resolution": self.flag_resolution,
            "renews_certificate_id": self.renews_certificate_id,
            "portfolio_review": bool(self.portfolio_review),
        }


class CandidacyEvent(StatusEventMixin, db.Model):
    __tablename__ = "candidacy_events"
    __statuses__ = CandidacyStatus

    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id"), index=True)

    candidacy: Mapped[Candidacy] = relationship(back_populates="events")


class SelfAssessment(db.Model):
    """APL.02: the candidate's own judgement of one unit, with evidence notes."""

    __tablename__ = "self_assessments"
    __table_args__ = (UniqueConstraint("candidacy_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("scheme_units.id"))
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict, "verdict", 2))
    evidence_notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    candidacy: Mapped[Candidacy] = relationship(back_populates="self_assessments")
    unit: Mapped[SchemeUnit] = relationship(lazy="joined")


# --- Assessment ------------------------------------------------------------------------------------


class Assessment(db.Model):
    __tablename__ = "assessments"
    __table_args__ = (
        db.Index(
            "uq_assessments_live",
            "candidacy_id",
            "assessor_id",
            "round",
            unique=True,
            postgresql_where=text(LIVE_ASSESSMENT_CONDITION),
            sqlite_where=text(LIVE_ASSESSMENT_CONDITION),
        ),
        db.Index("ix_assessments_candidacy", "candidacy_id", "round", "id"),
        # The assessor's work list.
        db.Index("ix_assessments_assessor", "assessor_id", "status", "id"),
        CheckConstraint("round > 0", name="round_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessors.id"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    role: Mapped[AssessorRole] = mapped_column(enum_column(AssessorRole, "role"))
    status: Mapped[AssessmentStatus] = mapped_column(
        status_type(AssessmentStatus), default=AssessmentStatus.DRAFT
    )
    recommendation: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, "recommendation", 2))
    notes: Mapped[str] = mapped_column(Text, default="")
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), unique=True)

    candidacy: Mapped[Candidacy] = relationship()
    assessor: Mapped[Assessor] = relationship(lazy="joined")
    supersedes: Mapped[Assessment | None] = relationship(remote_side=[id])
    marks: Mapped[list[AssessmentMark]] = relationship(
        order_by="AssessmentMark.id", back_populates="assessment", cascade="all, delete-orphan"
    )
    events: Mapped[list[AssessmentEvent]] = relationship(
        order_by="AssessmentEvent.id", back_populates="assessment"
    )

    def audit_view(self) -> dict:
        return {
            "candidacy_id": self.candidacy_id,
            "assessor_id": self.assessor_id,
            "round": self.round,
            "role": str(self.role),
            "status": str(self.status),
            "recommendation": str(self.recommendation) if self.recommendation else None,
            "marks": [[m.unit_id, str(m.method), str(m.verdict)] for m in self.marks],
            "supersedes_id": self.supersedes_id,
        }


class AssessmentMark(db.Model):
    """One unit judged by one method: K or BK, with notes."""

    __tablename__ = "assessment_marks"
    __table_args__ = (UniqueConstraint("assessment_id", "unit_id", "method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("scheme_units.id"))
    method: Mapped[AssessmentMethod] = mapped_column(enum_column(AssessmentMethod, "method"))
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict, "verdict", 2))
    notes: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="marks")
    unit: Mapped[SchemeUnit] = relationship()


class AssessmentEvent(StatusEventMixin, db.Model):
    __tablename__ = "assessment_events"
    __statuses__ = AssessmentStatus

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)

    assessment: Mapped[Assessment] = relationship(back_populates="events")


# --- Decisions and decrees -------------------------------------------------------------------------


class Decree(db.Model):
    """A plenary decree (SK): numbered when the plenary decides; its PDF rendered in the background."""

    __tablename__ = "decrees"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("certification_bodies.code"))
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    # 1: the session's plenary; 2, 3…: a decision after re-assessment (an upheld appeal).
    round: Mapped[int] = mapped_column(Integer, default=1)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"), unique=True)

    session: Mapped[ExamSession] = relationship()
    document: Mapped[IssuedDocument | None] = relationship()
    decisions: Mapped[list[Decision]] = relationship(
        order_by="Decision.id", back_populates="decree", foreign_keys="Decision.decree_id"
    )


class Decision(db.Model):
    """One candidacy's result in one round, under a decree."""

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("candidacy_id", "round"),
        db.Index(
            "uq_decisions_current",
            "candidacy_id",
            unique=True,
            postgresql_where=text("superseded_by_id IS NULL"),
            sqlite_where=text("superseded_by_id IS NULL"),
        ),
        # Certificates to issue: the K decisions of a decree.
        db.Index("ix_decisions_decree", "decree_id", "result", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id"))
    decree_id: Mapped[int] = mapped_column(ForeignKey("decrees.id"))
    round: Mapped[int] = mapped_column(Integer)
    result: Mapped[Verdict] = mapped_column(enum_column(Verdict, "result", 2))
    # Why the plenary departed from the assessors' recommendation, or resolved a disagreement.
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appeal_deadline: Mapped[date]
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))

    candidacy: Mapped[Candidacy] = relationship(foreign_keys=[candidacy_id])
    decree: Mapped[Decree] = relationship(back_populates="decisions", foreign_keys=[decree_id])

    @property
    def superseded(self) -> bool:
        return self.superseded_by_id is not None

    def audit_view(self) -> dict:
        return {
            "candidacy_id": self.candidacy_id,
            "decree_id": self.decree_id,
            "round": self.round,
            "result": str(self.result),
            "note": self.note,
            "appeal_deadline": self.appeal_deadline,
            "superseded_by_id": self.superseded_by_id,
        }


# --- Appeals ---------------------------------------------------------------------------------------


class Appeal(TimestampMixin, db.Model):
    __tablename__ = "appeals"
    __table_args__ = (
        # One open appeal per candidacy (a double submission is refused by the database too).
        db.Index(
            "uq_appeals_open",
            "candidacy_id",
            unique=True,
            postgresql_where=text(OPEN_APPEAL_CONDITION),
            sqlite_where=text(OPEN_APPEAL_CONDITION),
        ),
        # One appeal per decision.
        UniqueConstraint("decision_id"),
        db.Index("ix_appeals_body_status", "body_code", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacies.id"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    body_code: Mapped[str] = mapped_column(ForeignKey("certification_bodies.code"))
    ground: Mapped[AppealGround] = mapped_column(enum_column(AppealGround, "ground", 30))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(status_type(AppealStatus), default=AppealStatus.FILED)
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    finding: Mapped[str | None] = mapped_column(Text)  # the panel's reasons (sent to the candidate)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    candidacy: Mapped[Candidacy] = relationship()
    decision: Mapped[Decision] = relationship()
    panel: Mapped[list[AppealPanelMember]] = relationship(
        order_by="AppealPanelMember.id", back_populates="appeal", cascade="all, delete-orphan"
    )
    events: Mapped[list[AppealEvent]] = relationship(order_by="AppealEvent.id", back_populates="appeal")

    def audit_view(self) -> dict:
        return {
            "candidacy_id": self.candidacy_id,
            "decision_id": self.decision_id,
            "ground": str(self.ground),
            "statement": self.statement,
            "status": str(self.status),
            "finding": self.finding,
            "panel": [member.assessor_id for member in self.panel],
        }


class AppealPanelMember(db.Model):
    __tablename__ = "appeal_panel_members"
    __table_args__ = (UniqueConstraint("appeal_id", "assessor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"))
    assessor_id: Mapped[int] = mapped_column(ForeignKey("assessors.id"), index=True)

    appeal: Mapped[Appeal] = relationship(back_populates="panel")
    assessor: Mapped[Assessor] = relationship(lazy="joined")


class AppealEvent(StatusEventMixin, db.Model):
    __tablename__ = "appeal_events"
    __statuses__ = AppealStatus

    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id"), index=True)

    appeal: Mapped[Appeal] = relationship(back_populates="events")
