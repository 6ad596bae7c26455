"""Correction of a verified identity: once any registration of a person is verified, the identity fields
(NIK, name, birth place and date, sex) are locked; a change becomes a correction request with a reason
and evidence, decided by an officer whose jurisdiction covers one of the person's registrations.

    pending ──approve──▶ approved   (the new values are written to the person, old → new on the history)
       └─────reject───▶ rejected    (with a reason)

The person's history (`person_history`) is read from the audit trail: every profile change
(`person.updated`, with before/after) and every correction step is an audit event on the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, select

from app.core import audit, crypto, uploads
from app.core.actors import is_system
from app.core.audit import AuditEvent
from app.core.errors import DomainError, PermissionDenied
from app.core.lifecycle import Lifecycle
from app.core.models import utcnow
from app.core.permissions import in_jurisdiction, jurisdiction_filter
from app.core.roles import Role
from app.documents import services as documents
from app.documents.models import Purpose
from app.documents.permissions import OwnerRules, register_owner
from app.extensions import db
from app.people.identity import mask_nik, normalize_nik
from app.people.models import CorrectionRequest, CorrectionStatus, Person
from app.people.services import find_by_nik, identity_errors, identity_warnings
from app.registration.models import Registration


class CorrectionError(DomainError):
    pass


class CorrectionAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


LIFECYCLE = Lifecycle(
    name="person_correction",
    status=CorrectionStatus,
    transitions={
        CorrectionAction.APPROVE: (frozenset({CorrectionStatus.PENDING}), CorrectionStatus.APPROVED),
        CorrectionAction.REJECT: (frozenset({CorrectionStatus.PENDING}), CorrectionStatus.REJECTED),
    },
    needs_reason=frozenset({CorrectionAction.REJECT}),
    final=frozenset({CorrectionStatus.APPROVED, CorrectionStatus.REJECTED}),
    initial=CorrectionStatus.PENDING,
    error=CorrectionError,
    conflict=_l("Permintaan koreksi ini baru saja diputuskan oleh orang lain. Silakan muat ulang halaman."),
    illegal=lambda status: _l("Permintaan koreksi ini sudah berstatus %(status)s.", status=status),
    reason_required=_l("Mohon tuliskan alasan penolakan untuk pemohon."),
)

FIELD_LABELS = {
    "nik": _l("NIK"),
    "full_name": _l("Nama lengkap"),
    "birth_place": _l("Tempat lahir"),
    "birth_date": _l("Tanggal lahir"),
    "sex": _l("Jenis kelamin"),
    "village_code": _l("Alamat (wilayah)"),
    "street": _l("Jalan, nomor rumah"),
    "rt": _l("RT"),
    "rw": _l("RW"),
    "phone": _l("Nomor HP"),
    "landline": _l("Telepon rumah/kantor"),
    "email": _l("Surel"),
    "education_level_code": _l("Pendidikan terakhir"),
    "education_field": _l("Jurusan/bidang pendidikan"),
    "religion_code": _l("Agama"),
    "is_civil_servant": _l("ASN"),
    "nip": _l("NIP"),
    "asn_type": _l("Status ASN"),
    "agency_name": _l("Instansi"),
    "position": _l("Jabatan"),
}
MAX_EVIDENCE_FILES = 5


# --- Who may do what ------------------------------------------------------------------------------


def is_requester(user, correction: CorrectionRequest) -> bool:
    return not is_system(user) and user is not None and correction.person.user_id == user.id


def covers_person(user, person: Person) -> bool:
    """An officer whose jurisdiction covers one of the person's registrations (never their own)."""
    if user is None or is_system(user) or person.user_id == user.id:
        return False
    if not user.has_role(Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN):
        return False
    regions = db.session.scalars(
        select(Registration.region_code).where(Registration.person_id == person.id).distinct()
    )
    return any(in_jurisdiction(user, code) for code in regions if code)


def can_view_correction(user, correction: CorrectionRequest) -> bool:
    return is_system(user) or is_requester(user, correction) or covers_person(user, correction.person)


def can_decide_correction(user, correction: CorrectionRequest) -> bool:
    if correction.status != CorrectionStatus.PENDING:
        return False
    return is_system(user) or covers_person(user, correction.person)


register_owner(
    "correction_request",
    OwnerRules(can_view=can_view_correction, is_owner=is_requester, is_decider=can_decide_correction),
)


# --- Requests -------------------------------------------------------------------------------------


@dataclass
class IdentityValues:
    nik: str | None  # None or "": unchanged
    full_name: str
    birth_place: str
    birth_date: date
    sex: str


def _shown(name: str, value):
    """How a value is kept in old/new (JSON): dates as ISO text, the NIK masked."""
    if value is None:
        return None
    if name == "nik":
        return mask_nik(value)
    return value.isoformat() if isinstance(value, date) else value


def pending_request(person: Person) -> CorrectionRequest | None:
    return db.session.scalar(
        select(CorrectionRequest).where(
            CorrectionRequest.person_id == person.id, CorrectionRequest.status == CorrectionStatus.PENDING
        )
    )


def request_correction(
    person: Person,
    values: IdentityValues,
    reason: str,
    files: list[tuple[str | None, BinaryIO]],
    actor,
    *,
    today: date | None = None,
) -> CorrectionRequest:
    """File a correction of the locked identity fields. Raises CorrectionError with field errors."""
    if actor is None or is_system(actor) or person.user_id != actor.id:
        raise PermissionDenied(object_type="person", object_id=person.id)
    if pending_request(person) is not None:
        raise CorrectionError(_l("Anda masih memiliki permintaan koreksi yang menunggu keputusan petugas."))
    errors: dict[str, list] = {}
    new_nik = normalize_nik(values.nik or "") or None
    if new_nik == person.nik:
        new_nik = None
    errors.update(identity_errors(new_nik or person.nik, values.birth_date, values.sex, today=today))
    if new_nik and "nik" not in errors:
        existing = find_by_nik(new_nik)
        if existing is not None and existing.id != person.id:
            errors["nik"] = [
                _l("NIK ini sudah terdaftar. Jika ini NIK Anda, silakan hubungi Dinas Sosial setempat.")
            ]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_l("Mohon tuliskan alasan koreksi.")]
    chosen = [(name, stream) for name, stream in files if name]
    if not chosen:
        errors["evidence"] = [_l("Unggah minimal satu dokumen bukti (misalnya KTP atau akta kelahiran).")]
    elif len(chosen) > MAX_EVIDENCE_FILES:
        errors["evidence"] = [_l("Maksimal %(n)s dokumen bukti.", n=MAX_EVIDENCE_FILES)]
    checked = []
    if "evidence" not in errors:
        for name, stream in chosen:
            try:
                checked.append(documents.check_file(name, stream))
            except uploads.UploadError as error:
                errors.setdefault("evidence", []).append(f"{name}: {error.message}")
    changed = {
        "full_name": values.full_name.strip(),
        "birth_place": values.birth_place.strip(),
        "birth_date": values.birth_date,
        "sex": values.sex,
    }
    changed = {name: value for name, value in changed.items() if getattr(person, name) != value}
    if new_nik:
        changed["nik"] = new_nik
    if not changed and not errors:
        errors["full_name"] = [_l("Tidak ada data identitas yang berubah.")]
    if errors:
        raise CorrectionError(_l("Mohon periksa kembali isian yang ditandai."), errors=errors)
    correction = CorrectionRequest(
        person=person,
        status=CorrectionStatus.PENDING,
        old_values={name: _shown(name, getattr(person, name)) for name in changed},
        new_values={name: _shown(name, value) for name, value in changed.items()},
        new_nik_encrypted=crypto.encrypt(new_nik) if new_nik else None,
        reason=reason,
        requested_by_id=actor.id,
    )
    db.session.add(correction)
    correction.events = []
    correction.documents = []
    db.session.flush()
    for item in checked:
        documents.add_document(item, Purpose.CORRECTION_EVIDENCE, correction_request=correction, actor=actor)
    LIFECYCLE.add_event(correction, None, CorrectionStatus.PENDING, actor, reason)
    db.session.flush()
    audit.record(
        "person.correction_requested",
        object_type="person",
        object_id=person.id,
        before=correction.old_values,
        after={**correction.new_values, "correction_request_id": correction.id, "reason": reason},
        actor=actor,
    )
    return correction


def decide_correction(correction: CorrectionRequest, action: str, actor, reason: str | None = None) -> None:
    """Approve (the new values are written to the person) or reject (with a reason)."""
    if action not in set(CorrectionAction):
        raise CorrectionError(_l("Tindakan tidak dikenal."))
    action = CorrectionAction(action)
    person = correction.person
    values = {"decided_at": utcnow(), "decided_by_id": getattr(actor, "id", None)}
    values["decision_reason"] = (reason or "").strip() or None

    def apply(saved: CorrectionRequest) -> None:
        if action == CorrectionAction.APPROVE:
            _apply(saved, person)

    LIFECYCLE.transition(
        correction, action, actor, reason, values=values, permission=can_decide_correction, apply=apply
    )
    audit.record(
        "person.corrected" if action == CorrectionAction.APPROVE else "person.correction_rejected",
        object_type="person",
        object_id=person.id,
        before=correction.old_values,
        after={
            **correction.new_values,
            "correction_request_id": correction.id,
            "decision_reason": correction.decision_reason,
        },
        actor=actor,
    )


def _apply(correction: CorrectionRequest, person: Person) -> None:
    new = correction.new_values
    if correction.new_nik_encrypted:
        nik = crypto.decrypt(correction.new_nik_encrypted)
        existing = db.session.scalar(select(Person).where(Person.nik_hash == crypto.keyed_hash(nik)))
        if existing is not None and existing.id != person.id:
            raise CorrectionError(
                _l("NIK baru sudah digunakan oleh orang lain; permintaan ini tidak dapat disetujui.")
            )
        person.nik_encrypted, person.nik_hash, person.nik_masked = (
            crypto.encrypt(nik),
            crypto.keyed_hash(nik),
            mask_nik(nik),
        )
        correction.new_nik_encrypted = None  # the person holds it now
    for name in ("full_name", "birth_place", "sex"):
        if name in new:
            setattr(person, name, new[name])
    if "birth_date" in new:
        person.birth_date = date.fromisoformat(new["birth_date"])
    person.identity_warnings = identity_warnings(person)


# --- Lists and history ----------------------------------------------------------------------------


def pending_query(user) -> Select:
    """Pending correction requests of people with a registration in the user's jurisdiction, oldest
    first (keyset-paginated on created_at, id)."""
    covered = exists().where(
        Registration.person_id == CorrectionRequest.person_id, jurisdiction_filter(user, Registration)
    )
    return (
        select(CorrectionRequest)
        .where(CorrectionRequest.status == CorrectionStatus.PENDING, covered)
        .order_by(CorrectionRequest.created_at, CorrectionRequest.id)
    )


HISTORY_ACTIONS = {
    "person.created": _l("Data dibuat"),
    "person.updated": _l("Profil diubah"),
    "person.correction_requested": _l("Koreksi data diajukan"),
    "person.corrected": _l("Koreksi data disetujui"),
    "person.correction_rejected": _l("Koreksi data ditolak"),
}


@dataclass
class HistoryEntry:
    at: object
    label: str
    actor_name: str
    changes: list[tuple[str, object, object]]
    reason: str | None = None


def person_history(person: Person, limit: int = 50) -> list[HistoryEntry]:
    """The person's changes, newest first: what changed (old → new) and who did it."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "person",
            AuditEvent.object_id == str(person.id),
            AuditEvent.action.in_(list(HISTORY_ACTIONS)),
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()
    history = []
    for event in rows:
        before, after = event.before or {}, event.after or {}
        changes = [
            (str(FIELD_LABELS[name]), before.get(name), after.get(name))
            for name in FIELD_LABELS
            if event.action != "person.created" and name in after and before.get(name) != after.get(name)
        ]
        history.append(
            HistoryEntry(
                at=event.occurred_at,
                label=str(HISTORY_ACTIONS[event.action]),
                actor_name=event.actor_label or "—",
                changes=changes,
                reason=after.get("decision_reason") or after.get("reason"),
            )
        )
    return history
