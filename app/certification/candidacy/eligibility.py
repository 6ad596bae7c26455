"""The eligibility gate of a scheme version (APL.01 screening), computed from the data the system
holds: education, training JP, practice experience, a verified registration in the target, and the
required documents.

`evaluate(person_id, version, ...) -> list[Check]` returns one Check per rule the version sets (a rule
with no value — no minimum education, 0 JP, no months nor hours, no registration needed, no
documents — is not a rule and yields no Check). Each Check says whether the rule is met, the figures
(`actual`, `required`) and a sentence for the applicant ("JP pelatihan: 48 dari 60"). A failed rule
never blocks submission: the board admin decides, possibly with a recorded override.

Rules
- Education: the person's education level is at least the version's minimum, compared by
  EducationLevel.sort_order (an unknown level is not met).
- Training JP: the accepted JP of the person's ledger (app/training/ledger/services.jp_total) whose
  training ended by `on`; with `jp_from_linked_programmes_only`, only internal records (STTPs) of
  programmes whose competency units share a code with the version's units.
- Experience: months from the person's institution memberships (PersonInstitution: the union of
  their periods, each day counted once, up to `on`, as full calendar months of each merged period),
  or the months declared on the candidacy (APL.01) when the experience letter
  (documents.Purpose.EXPERIENCE_LETTER) is among its documents — whichever is larger; practice hours
  are declared only (also backed by the letter). When the version sets both months and hours, either
  one reaching its minimum meets the rule.
- Registration: a verified registration whose category and subtype the version targets
  (SchemeVersion.targets).
- Documents: every purpose in `required_documents` among `documents` (the candidacy's documents'
  purposes).

Cost: at most four SQL statements (education, JP, memberships, registrations) plus the version's
units when not yet loaded, whatever the number of records (tests/test_cert_eligibility.py counts
them; `python -m bench eligibility` times it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.certification.models import SchemeVersion
from app.core.models import local_today
from app.documents.models import Purpose
from app.extensions import db
from app.institutions.models import PersonInstitution
from app.people.models import Person
from app.reference.models import EducationLevel
from app.registration.models import Registration
from app.registration.states import Status as RegistrationStatus
from app.training.ledger.services import jp_total
from app.training.models import Enrolment, Programme, TrainingRecord, TrainingSession
from app.training.states import RecordKind, RecordStatus

EDUCATION = "education"
TRAINING_JP = "training_jp"
EXPERIENCE = "experience"
REGISTRATION = "registration"
DOCUMENTS = "documents"

RULE_LABELS = {
    EDUCATION: _l("Pendidikan minimal"),
    TRAINING_JP: _l("JP pelatihan"),
    EXPERIENCE: _l("Pengalaman praktik"),
    REGISTRATION: _l("Pendaftaran terverifikasi"),
    DOCUMENTS: _l("Dokumen wajib"),
}

# The names of the documents a scheme may require (documents.Purpose values).
DOCUMENT_LABELS = {
    Purpose.KTP: _l("Pindaian KTP"),
    Purpose.PHOTO: _l("Pas foto"),
    Purpose.DIPLOMA: _l("Ijazah terakhir"),
    Purpose.ASSIGNMENT_LETTER: _l("Surat keputusan/surat tugas (SK)"),
    Purpose.PORTFOLIO: _l("Bukti portofolio"),
    Purpose.TRAINING_CERTIFICATE: _l("Sertifikat pelatihan (STTP)"),
    Purpose.ATTENDANCE_SHEET: _l("Daftar hadir"),
    Purpose.STR_COPY: _l("Salinan STR"),
    Purpose.HEALTH_LETTER: _l("Surat keterangan sehat"),
    Purpose.CORRECTION_EVIDENCE: _l("Bukti koreksi data"),
    Purpose.EXPERIENCE_LETTER: _l("Surat keterangan pengalaman praktik"),
    Purpose.OTHER: _l("Dokumen lain"),
}


def document_label(purpose: str) -> str:
    try:
        return str(DOCUMENT_LABELS[Purpose(purpose)])
    except ValueError:
        return purpose


@dataclass(frozen=True)
class Check:
    """One rule of the gate: met or not, with the figures and a sentence for the applicant."""

    rule: str
    met: bool
    actual: Any
    required: Any
    text: str

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self.rule])

    def as_dict(self) -> dict:
        """What candidacy.eligibility freezes (JSON)."""
        return asdict(self)


def evaluate(
    person_id: int,
    version: SchemeVersion,
    *,
    declared_months: int | None = None,
    declared_hours: int | None = None,
    documents: Iterable[str] = (),
    on: date | None = None,
) -> list[Check]:
    """The gate's checklist for the person on the version (see the module docstring)."""
    on = on or local_today()
    purposes = {str(p) for p in documents}
    checks: list[Check] = []
    if version.min_education_code:
        checks.append(_education(person_id, version.min_education_code))
    if version.min_training_jp:
        checks.append(_training(person_id, version, on))
    if version.min_experience_months or version.min_practice_hours:
        has_letter = str(Purpose.EXPERIENCE_LETTER) in purposes
        checks.append(_experience(person_id, version, declared_months, declared_hours, has_letter, on))
    if version.requires_verified_registration:
        checks.append(_registration(person_id, version))
    if version.required_documents:
        checks.append(_documents(version.required_documents, purposes))
    return checks


def frozen(checks: Iterable[Check]) -> list[dict]:
    return [check.as_dict() for check in checks]


def all_met(checks: Iterable[Check | dict]) -> bool:
    return all(c["met"] if isinstance(c, dict) else c.met for c in checks)


# --- Rules -----------------------------------------------------------------------------------------


def _education(person_id: int, minimum: str) -> Check:
    mine, needed = aliased(EducationLevel), aliased(EducationLevel)
    row = db.session.execute(
        select(mine.code, mine.name, mine.sort_order, needed.name, needed.sort_order)
        .select_from(Person)
        .outerjoin(mine, mine.code == Person.education_level_code)
        .outerjoin(needed, needed.code == minimum)
        .where(Person.id == person_id)
    ).one()
    code, name, order, needed_name, needed_order = row
    met = order is not None and needed_order is not None and order >= needed_order
    if code is None:
        text = _l("Pendidikan terakhir: belum diisi (minimal %(required)s)", required=needed_name or minimum)
    else:
        text = _l(
            "Pendidikan terakhir: %(actual)s (minimal %(required)s)",
            actual=name,
            required=needed_name or minimum,
        )
    return Check(EDUCATION, met, code, minimum, str(text))


def _training(person_id: int, version: SchemeVersion, on: date) -> Check:
    required = version.min_training_jp
    if version.jp_from_linked_programmes_only:
        units = {unit.code for unit in version.units}
        rows = db.session.execute(
            select(TrainingRecord.jp, Programme.competency_units)
            .join(Enrolment, Enrolment.id == TrainingRecord.enrolment_id)
            .join(TrainingSession, TrainingSession.id == Enrolment.session_id)
            .join(Programme, Programme.id == TrainingSession.programme_id)
            .where(
                TrainingRecord.person_id == person_id,
                TrainingRecord.status == RecordStatus.ACCEPTED,
                TrainingRecord.kind == RecordKind.INTERNAL,
                TrainingRecord.ended_on <= on,
            )
        )
        actual = sum(jp for jp, codes in rows if units & set(codes or ()))
        text = _l(
            "JP pelatihan (program yang terkait dengan unit skema): %(actual)s dari %(required)s",
            actual=actual,
            required=required,
        )
    else:
        actual = jp_total(person_id, until=on)
        text = _l("JP pelatihan: %(actual)s dari %(required)s", actual=actual, required=required)
    return Check(TRAINING_JP, actual >= required, actual, required, str(text))


def full_months(start: date, end_exclusive: date) -> int:
    """Whole calendar months from `start` up to (not including) `end_exclusive`."""
    months = (end_exclusive.year - start.year) * 12 + end_exclusive.month - start.month
    if end_exclusive.day < start.day:
        months -= 1
    return max(months, 0)


def recorded_months(periods: Iterable[tuple[date, date | None]], on: date) -> int:
    """Months of practice from membership periods (inclusive dates; an open one runs to `on`): the
    periods are merged (a day counts once) and each merged period counts its full months."""
    spans = []
    for started, ended in periods:
        end = min(ended or on, on) + timedelta(days=1)  # exclusive
        if started < end:
            spans.append((started, end))
    spans.sort()
    total, current = 0, None
    for start, end in spans:
        if current is not None and start <= current[1]:
            current = (current[0], max(current[1], end))
            continue
        if current is not None:
            total += full_months(*current)
        current = (start, end)
    if current is not None:
        total += full_months(*current)
    return total


def _experience(
    person_id: int,
    version: SchemeVersion,
    declared_months: int | None,
    declared_hours: int | None,
    has_letter: bool,
    on: date,
) -> Check:
    periods = db.session.execute(
        select(PersonInstitution.started_on, PersonInstitution.ended_on).where(
            PersonInstitution.person_id == person_id
        )
    ).all()
    recorded = recorded_months(periods, on)
    months, source = recorded, "recorded"
    if has_letter and declared_months is not None and declared_months > recorded:
        months, source = declared_months, "declared"
    hours = declared_hours if has_letter and declared_hours is not None else 0
    min_months, min_hours = version.min_experience_months, version.min_practice_hours
    met = bool(min_months and months >= min_months) or bool(min_hours and hours >= min_hours)

    parts = []
    if min_months:
        parts.append(str(_l("%(actual)s dari %(required)s bulan", actual=months, required=min_months)))
    if min_hours:
        parts.append(str(_l("%(actual)s dari %(required)s jam praktik", actual=hours, required=min_hours)))
    figures = str(_l(" atau ")).join(parts)
    if source == "declared" or (declared_hours and has_letter):
        origin = _l("dinyatakan, dengan surat keterangan pengalaman")
    elif (declared_months or declared_hours) and not has_letter:
        origin = _l("dari riwayat lembaga; angka yang dinyatakan dihitung setelah surat keterangan diunggah")
    else:
        origin = _l("dari riwayat lembaga")
    text = _l("Pengalaman praktik: %(figures)s (%(origin)s)", figures=figures, origin=origin)
    return Check(
        EXPERIENCE,
        met,
        {"months": months, "hours": hours, "source": source},
        {"months": min_months, "hours": min_hours},
        str(text),
    )


def _registration(person_id: int, version: SchemeVersion) -> Check:
    rows = db.session.execute(
        select(Registration.category_code, Registration.subtype, Registration.registration_number).where(
            Registration.person_id == person_id, Registration.status == RegistrationStatus.VERIFIED
        )
    ).all()
    match = next((row for row in rows if version.targets(row.category_code, row.subtype)), None)
    target = version.category.name
    if version.subtype:
        target = f"{target} ({version.subtype})"
    if match is not None:
        text = _l(
            "Pendaftaran terverifikasi %(target)s: %(number)s",
            target=target,
            number=match.registration_number,
        )
    else:
        text = _l("Pendaftaran terverifikasi %(target)s: belum ada", target=target)
    actual = match.registration_number if match is not None else None
    return Check(REGISTRATION, match is not None, actual, version.category_code, str(text))


def _documents(required: Iterable[str], purposes: set[str]) -> Check:
    required = [str(p) for p in required]
    missing = [p for p in required if p not in purposes]
    present = [p for p in required if p in purposes]
    if missing:
        text = _l(
            "Dokumen wajib: %(count)s dari %(total)s; belum diunggah: %(missing)s",
            count=len(present),
            total=len(required),
            missing=", ".join(document_label(p) for p in missing),
        )
    else:
        text = _l("Dokumen wajib: %(count)s dari %(total)s lengkap", count=len(present), total=len(required))
    return Check(DOCUMENTS, not missing, present, required, str(text))
