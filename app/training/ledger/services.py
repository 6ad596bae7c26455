"""The JP ledger: each person's training records, their JP totals, external training reported with
evidence, and the decisions on those reports. Views, the certification part and the STTP job call
these; nothing here commits (app/core/unit_of_work.py).

JP totals (used by certification eligibility and the civil servants' yearly minimum)
-------------------------------------------------------------------------------------
- `jp_total(person_id, since=None, until=None) -> int`: the JP of the person's **accepted** records
  (internal STTPs and accepted external reports; `reported` and `rejected` ones never count) whose
  training ended between `since` and `until`, both inclusive (either may be None: no bound). One SQL
  SUM over ix_training_records_person.
- `jp_per_year(person_id) -> {year: jp}`: the same, grouped by the year the training ended (a
  training spanning New Year counts in the year it ended: that is when its certificate was earned).
  Years without accepted training are absent.
- `asn_minimum_status(person, year) -> AsnStatus`: for a civil servant (`person.is_civil_servant`),
  whether that year's accepted JP reach ASN_YEARLY_MIN_JP (config, default 20), with the figures
  (`achieved`, `required`, `missing`); `applies` is False for anyone else.

External reports
----------------
`report_external` creates a `reported` record with its evidence (another institution's certificate:
PDF, JPEG or PNG, checked by content) in the region of the person's most recent verified registration
(else their address), so the agency officers of that region see it. `withdraw_report` deletes it
while still `reported`. `decide_report` accepts or rejects (reason required) through RECORD_LIFECYCLE
(compare-and-set, timeline event, audit) and e-mails the person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, extract, func, select
from sqlalchemy.orm import selectinload

from app.core import audit, mail, uploads
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.pagination import KeysetPage, keyset_paginate
from app.core.permissions import jurisdiction_filter
from app.core.urls import external_url
from app.documents.evidence import Evidence
from app.documents.models import Document, Purpose, sensitivity_of
from app.extensions import db
from app.people.models import Person
from app.registration.models import Registration
from app.registration.states import Status as RegistrationStatus
from app.training.ledger.permissions import (
    can_decide_record,
    can_withdraw_record,
    decider_filter,
)
from app.training.models import Enrolment, TrainingRecord
from app.training.states import (
    RECORD_LIFECYCLE,
    RecordAction,
    RecordKind,
    RecordStatus,
    TrainingError,
)

EARLIEST_DATE = date(1970, 1, 1)


class LedgerError(TrainingError):
    pass


# --- JP totals ------------------------------------------------------------------------------------


def _accepted(person_id: int):
    return (TrainingRecord.person_id == person_id, TrainingRecord.status == RecordStatus.ACCEPTED)


def jp_total(person_id: int, *, since: date | None = None, until: date | None = None) -> int:
    """Accepted JP of the person whose training ended in [since, until] (see the module docstring)."""
    stmt = select(func.coalesce(func.sum(TrainingRecord.jp), 0)).where(*_accepted(person_id))
    if since is not None:
        stmt = stmt.where(TrainingRecord.ended_on >= since)
    if until is not None:
        stmt = stmt.where(TrainingRecord.ended_on <= until)
    return int(db.session.scalar(stmt) or 0)


def jp_per_year(person_id: int) -> dict[int, int]:
    """Accepted JP per year the training ended, oldest year first."""
    year = extract("year", TrainingRecord.ended_on)
    rows = db.session.execute(
        select(year, func.sum(TrainingRecord.jp)).where(*_accepted(person_id)).group_by(year).order_by(year)
    )
    return {int(y): int(jp) for y, jp in rows}


@dataclass(frozen=True)
class AsnStatus:
    applies: bool  # a civil servant (ASN): the yearly minimum applies
    year: int
    required: int
    achieved: int

    @property
    def met(self) -> bool:
        return self.achieved >= self.required

    @property
    def missing(self) -> int:
        return max(0, self.required - self.achieved)


def asn_minimum_status(person: Person, year: int) -> AsnStatus:
    """Whether a civil servant's accepted JP of `year` reach ASN_YEARLY_MIN_JP."""
    achieved = jp_total(person.id, since=date(year, 1, 1), until=date(year, 12, 31))
    return AsnStatus(
        applies=bool(person.is_civil_servant),
        year=year,
        required=int(current_app.config["ASN_YEARLY_MIN_JP"]),
        achieved=achieved,
    )


# --- The person's ledger ------------------------------------------------------------------------


def ledger_query(person_id: int) -> Select:
    """Every record of the person, newest first (ix_training_records_person), with its STTP (internal)
    and its evidence (external) loaded per page in two bulk queries."""
    return (
        select(TrainingRecord)
        .where(TrainingRecord.person_id == person_id)
        .options(
            selectinload(TrainingRecord.enrolment).selectinload(Enrolment.sttp),
            selectinload(TrainingRecord.documents),
        )
    )


def ledger_page(person_id: int, *, per_page: int, after=None, before=None) -> KeysetPage:
    return keyset_paginate(
        ledger_query(person_id),
        [TrainingRecord.ended_on, TrainingRecord.id],
        per_page=per_page,
        after=after,
        before=before,
        descending=True,
    )


@dataclass
class LedgerSummary:
    per_year: dict[int, int]
    total: int
    asn: AsnStatus
    pending: int  # external reports waiting for a decision


def ledger_summary(person: Person, today: date | None = None) -> LedgerSummary:
    per_year = jp_per_year(person.id)
    pending = db.session.scalar(
        select(func.count())
        .select_from(TrainingRecord)
        .where(TrainingRecord.person_id == person.id, TrainingRecord.status == RecordStatus.REPORTED)
    )
    year = (today or local_today()).year
    asn = AsnStatus(
        applies=bool(person.is_civil_servant),
        year=year,
        required=int(current_app.config["ASN_YEARLY_MIN_JP"]),
        achieved=per_year.get(year, 0),
    )
    return LedgerSummary(per_year=per_year, total=sum(per_year.values()), asn=asn, pending=pending or 0)


# --- Reporting external training -------------------------------------------------------------------


@dataclass
class ReportValues:
    title: str
    provider_name: str
    certificate_number: str
    started_on: date | None
    ended_on: date | None
    jp: int | None


def max_jp() -> int:
    return int(current_app.config["LEDGER_MAX_JP_PER_RECORD"])


def report_errors(values: ReportValues, evidence: Evidence, today: date) -> dict[str, list]:
    """Every problem of a report at once, by field."""
    errors: dict[str, list] = {}

    def add(name: str, message) -> None:
        errors.setdefault(name, []).append(message)

    if not values.title.strip():
        add("title", _l("Tuliskan nama pelatihan."))
    if not values.provider_name.strip():
        add("provider_name", _l("Tuliskan nama lembaga penyelenggara."))
    if values.started_on is None:
        add("started_on", _l("Isi tanggal mulai."))
    elif values.started_on < EARLIEST_DATE:
        add("started_on", _l("Tanggal mulai terlalu lampau."))
    if values.ended_on is None:
        add("ended_on", _l("Isi tanggal selesai."))
    elif values.ended_on > today:
        add(
            "ended_on",
            _l("Tanggal selesai tidak boleh di masa depan; laporkan pelatihan yang sudah selesai."),
        )
    if values.started_on and values.ended_on and values.ended_on < values.started_on:
        add("ended_on", _l("Tanggal selesai tidak boleh sebelum tanggal mulai."))
    if values.jp is None:
        add("jp", _l("Isi jumlah JP sesuai sertifikat."))
    elif not 1 <= values.jp <= max_jp():
        add("jp", _l("JP harus antara 1 dan %(max)s.", max=max_jp()))
    if evidence.error is not None:
        add("evidence", evidence.error)
    elif evidence.checked is None:
        add("evidence", _l("Unggah sertifikat dari lembaga penyelenggara (PDF, JPEG atau PNG)."))
    return errors


def region_of(person: Person) -> tuple[str | None, str | None]:
    """(province, regency) of the person's most recent verified registration, else of their address."""
    row = db.session.execute(
        select(Registration.province_code, Registration.regency_code)
        .where(Registration.person_id == person.id, Registration.status == RegistrationStatus.VERIFIED)
        .order_by(Registration.decided_at.desc(), Registration.id.desc())
        .limit(1)
    ).first()
    if row is not None and (row.province_code or row.regency_code):
        return row.province_code, row.regency_code
    return person.province_code, person.regency_code


def _add_evidence(record: TrainingRecord, checked: uploads.CheckedFile, actor: Any) -> Document:
    purpose = Purpose.TRAINING_CERTIFICATE
    document = Document(
        training_record=record,
        purpose=purpose,
        sensitivity=sensitivity_of(purpose),
        original_name=checked.original_name,
        stored_name=uploads.store(checked, db.session),
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(document)
    return document


def report_external(
    person: Person, values: ReportValues, evidence: Evidence, actor: Any, *, today: date | None = None
) -> TrainingRecord:
    """The person reports training done elsewhere; it counts once an officer accepts it."""
    if actor is None or person.user_id is None or person.user_id != getattr(actor, "id", None):
        raise PermissionDenied(object_type="person", object_id=person.id)
    errors = report_errors(values, evidence, today or local_today())
    if errors:
        raise LedgerError(_l("Periksa kembali isian yang ditandai."), errors=errors)
    province_code, regency_code = region_of(person)
    if not (province_code or regency_code):  # nobody's jurisdiction: no agency officer would see it
        raise LedgerError(_l("Lengkapi alamat pada profil Anda sebelum melaporkan pelatihan."))
    record = TrainingRecord(
        person_id=person.id,
        kind=RecordKind.EXTERNAL,
        title=values.title.strip(),
        provider_name=values.provider_name.strip(),
        certificate_number=values.certificate_number.strip(),
        jp=values.jp,
        started_on=values.started_on,
        ended_on=values.ended_on,
        status=RecordStatus.REPORTED,
        province_code=province_code,
        regency_code=regency_code,
        reported_by_id=actor.id,
    )
    record.events = []
    record.documents = []
    db.session.add(record)
    db.session.flush()
    _add_evidence(record, evidence.checked, actor)
    RECORD_LIFECYCLE.add_event(record, None, RecordStatus.REPORTED, actor)
    db.session.flush()
    audit.record(
        "training_record.reported",
        object_type="training_record",
        object_id=record.id,
        after=record.audit_view(),
        actor=actor,
    )
    return record


def withdraw_report(record: TrainingRecord, actor: Any) -> None:
    """Delete an external report that nobody has decided yet (the person's own)."""
    if not can_withdraw_record(actor, record):
        if record.status != RecordStatus.REPORTED:
            raise LedgerError(_l("Laporan yang sudah diputuskan tidak dapat ditarik."))
        raise PermissionDenied(object_type="training_record", object_id=record.id)
    before = record.audit_view()
    record_id = record.id
    for document in list(record.documents):
        uploads.remove_after_commit(db.session, document.stored_name)
        db.session.delete(document)
    for event in list(record.events):
        db.session.delete(event)
    db.session.delete(record)
    db.session.flush()
    audit.record(
        "training_record.withdrawn",
        object_type="training_record",
        object_id=record_id,
        before=before,
        actor=actor,
    )


def decide_report(record: TrainingRecord, action: str, actor: Any, reason: str | None = None) -> None:
    """Accept or reject (with a reason) an external report; the person is e-mailed."""
    if action not in set(RecordAction):
        raise LedgerError(_l("Tindakan tidak dikenal."))
    action = RecordAction(action)
    reason = (reason or "").strip() or None
    values = {"decided_at": utcnow(), "decided_by_id": getattr(actor, "id", None), "decision_reason": reason}
    RECORD_LIFECYCLE.transition(record, action, actor, reason, values=values, permission=can_decide_record)
    person = record.person
    address = person.email or (person.user.email if person.user is not None else None)
    if address:
        mail.send(
            address,
            _l("Laporan pelatihan eksternal Anda sudah diperiksa"),
            "training_record_decided",
            person=person,
            record=record,
            url=external_url("ledger.my_ledger"),
        )


# --- Officers' lists ------------------------------------------------------------------------------


def queue_query(user: Any) -> Select:
    """External reports waiting for a decision that the user may decide, oldest first
    (ix_training_records_status: status, id)."""
    return (
        select(TrainingRecord)
        .where(
            TrainingRecord.status == RecordStatus.REPORTED,
            TrainingRecord.kind == RecordKind.EXTERNAL,
            decider_filter(user),
        )
        .options(selectinload(TrainingRecord.person), selectinload(TrainingRecord.documents))
    )


@dataclass
class RecordFilters:
    """The filters of the officer's records list and its export (URL parameters in Indonesian)."""

    year: int | None = None
    status: RecordStatus | None = None
    kind: RecordKind | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> RecordFilters:
        filters = cls()
        raw_year = (args.get("tahun") or "").strip()
        if raw_year:
            if raw_year.isdigit() and len(raw_year) == 4 and 1970 <= int(raw_year) <= 2999:
                filters.year = int(raw_year)
            else:
                filters.errors["tahun"] = _l("Tahun tidak valid.")
        raw_status = (args.get("status") or "").strip()
        if raw_status:
            if raw_status in set(RecordStatus):
                filters.status = RecordStatus(raw_status)
            else:
                filters.errors["status"] = _l("Status tidak dikenal.")
        raw_kind = (args.get("jenis") or "").strip()
        if raw_kind:
            if raw_kind in set(RecordKind):
                filters.kind = RecordKind(raw_kind)
            else:
                filters.errors["jenis"] = _l("Jenis tidak dikenal.")
        return filters

    def as_args(self) -> dict[str, str]:
        values = {
            "tahun": str(self.year) if self.year else "",
            "status": str(self.status) if self.status else "",
            "jenis": str(self.kind) if self.kind else "",
        }
        return {name: value for name, value in values.items() if value}

    def apply(self, stmt: Select) -> Select:
        if self.year:
            stmt = stmt.where(
                TrainingRecord.ended_on >= date(self.year, 1, 1),
                TrainingRecord.ended_on <= date(self.year, 12, 31),
            )
        if self.status:
            stmt = stmt.where(TrainingRecord.status == self.status)
        if self.kind:
            stmt = stmt.where(TrainingRecord.kind == self.kind)
        return stmt


def records_query(user: Any, filters: RecordFilters) -> Select:
    """Training records of people in the user's jurisdiction (everything for a ministry admin)."""
    stmt = select(TrainingRecord).where(jurisdiction_filter(user, TrainingRecord))
    return filters.apply(stmt)


def records_page(user: Any, filters: RecordFilters, *, per_page: int, after=None, before=None) -> KeysetPage:
    """A page of the records list, newest first (by id); people and STTPs loaded in bulk (no N+1)."""
    stmt = records_query(user, filters).options(
        selectinload(TrainingRecord.person),
        selectinload(TrainingRecord.enrolment).selectinload(Enrolment.sttp),
    )
    return keyset_paginate(
        stmt, [TrainingRecord.id], per_page=per_page, after=after, before=before, descending=True
    )
