"""Candidacies (asesi): applying to an exam session (APL.01), the self-assessment (APL.02), the
portfolio, submitting with the eligibility checklist frozen, withdrawing, nominations by an agency
officer, and the lists.

Every status change goes through CANDIDACY_LIFECYCLE (app/certification/states.py): a
compare-and-set on the status, the timeline event and the audit entry in the caller's transaction.
Nothing here commits: the request does, once.

- Applying: only to an OPEN session inside its application window, on a scheme version the session
  offers. The registration used is the person's verified registration in the version's target (the
  most recent), when they hold one; the candidacy's region (the agency officer's jurisdiction) is
  that registration's, else the person's address. `attempt` = the person's decided candidacies on
  the same scheme + 1. After a "Belum Kompeten" decision the person may apply on the scheme again
  only `retake_wait_days` (of the version they were decided on) after the decision. One open
  candidacy per person, session and version (uq_candidacies_open refuses a concurrent twin too).
- Nominating: an agency officer puts forward a person of their jurisdiction (a verified registration
  in the target); the person is e-mailed, and one without an account is also invited to claim their
  record with an account (see "A nominee without an account" below), as only they can complete it.
- Editing (APL.01 data, APL.02, portfolio) while draft or returned, by the candidate only.
- Renewal (resertifikasi): app/credentials/registry/renewal.py applies for the holder with the
  certificate it renews; its purpose stays re-certification. A portfolio review (the certificate's
  scheme version allows renewal by portfolio) also needs a practice portfolio document to submit.
- Submitting needs every unit self-assessed and the version's required documents; the eligibility
  gate is computed and frozen on the candidacy (a failed rule does not block: the board admin
  decides, possibly with an override).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.certification.candidacy import eligibility
from app.certification.candidacy.permissions import can_nominate_person
from app.certification.models import (
    Appeal,
    Candidacy,
    Decision,
    ExamSession,
    SchemeVersion,
    SelfAssessment,
)
from app.certification.permissions import is_candidate
from app.certification.states import (
    CANDIDACY_EDITABLE,
    CANDIDACY_LIFECYCLE,
    CANDIDACY_OPEN,
    CandidacyAction,
    CandidacyPurpose,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
    Verdict,
)
from app.core import audit, crypto, mail, uploads
from app.core.actors import is_system
from app.core.display import long_date
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.permissions import jurisdiction_filter
from app.core.urls import external_url
from app.documents import services as documents
from app.documents.models import Document, Purpose
from app.extensions import db
from app.people import claims
from app.people.models import ClaimKind, Person, PersonClaim
from app.registration.models import Registration
from app.registration.permissions import can_register_for
from app.registration.services import name_prefix_filter, parse_search
from app.registration.states import Status as RegistrationStatus

SUMMARY_MAX = 4000
NOTES_MAX = 2000
REASON_MAX = 2000
MONTHS_MAX = 600  # 50 years
HOURS_MAX = 100_000
NOMINEE_LIMIT = 50

# What a portfolio may hold (the experience letter first: it backs the declared experience).
PORTFOLIO_PURPOSES = (
    Purpose.EXPERIENCE_LETTER,
    Purpose.PORTFOLIO,
    Purpose.DIPLOMA,
    Purpose.TRAINING_CERTIFICATE,
    Purpose.ASSIGNMENT_LETTER,
    Purpose.STR_COPY,
    Purpose.OTHER,
)
DECIDED = frozenset({CandidacyStatus.DECIDED, CandidacyStatus.REASSESSING})
WIB = ZoneInfo("Asia/Jakarta")  # the zone of decree dates (core.models.local_today)

NOT_EDITABLE = _l("Permohonan ini sudah dikirim dan tidak dapat diubah lagi.")
DUPLICATE_SELF = _l(
    "Anda sudah mendaftar pada jadwal uji dan skema ini. Lihat statusnya di halaman Uji kompetensi saya."
)
DUPLICATE = _l("Orang ini sudah terdaftar pada jadwal uji dan skema ini.")
RENEWAL_PURPOSE = _l("Permohonan ini adalah resertifikasi sertifikat Anda; tujuannya tidak dapat diubah.")
NO_PORTFOLIO = _l(
    "Resertifikasi ini ditelaah dari portofolio saja: unggah sekurang-kurangnya satu dokumen "
    "portofolio bukti praktik."
)
OUTSIDE_JURISDICTION = _l("Orang ini berada di luar wilayah kerja Anda; Anda tidak dapat mengusulkannya.")


# --- Is the session taking applications? ---------------------------------------------------------


def closed_reason(session: ExamSession, today: date | None = None) -> Any | None:
    """Why the session takes no application today (a message), or None when it does."""
    today = today or local_today()
    if session.status == SessionStatus.CANCELLED:
        return _l("Jadwal uji ini dibatalkan; pendaftaran tidak dapat dilakukan.")
    if session.status != SessionStatus.OPEN:
        return _l("Pendaftaran jadwal uji ini tidak sedang dibuka.")
    if session.applications_open_on is not None and today < session.applications_open_on:
        return _l(
            "Pendaftaran jadwal uji ini baru dibuka pada %(date)s.",
            date=long_date(session.applications_open_on),
        )
    if session.applications_close_on is not None and today > session.applications_close_on:
        return _l(
            "Masa pendaftaran jadwal uji ini sudah berakhir pada %(date)s.",
            date=long_date(session.applications_close_on),
        )
    return None


def offered_versions(session: ExamSession) -> list[SchemeVersion]:
    """The published scheme versions the session offers (in the session's order)."""
    return [v for v in session.scheme_versions if v.published and not v.scheme.retired]


def target_registration(person_id: int, version: SchemeVersion) -> Registration | None:
    """The person's most recent verified registration in the version's target."""
    rows = db.session.scalars(
        select(Registration)
        .where(Registration.person_id == person_id, Registration.status == RegistrationStatus.VERIFIED)
        .order_by(Registration.decided_at.desc(), Registration.id.desc())
    )
    return next((r for r in rows if version.targets(r.category_code, r.subtype)), None)


def attempt_for(person_id: int, scheme_id: int) -> int:
    decided = db.session.scalar(
        select(func.count())
        .select_from(Candidacy)
        .where(
            Candidacy.person_id == person_id,
            Candidacy.scheme_id == scheme_id,
            Candidacy.status.in_(DECIDED),
        )
    )
    return int(decided or 0) + 1


def last_decision(person_id: int, scheme_id: int) -> Decision | None:
    """The person's latest current decision on the scheme."""
    return db.session.scalar(
        select(Decision)
        .join(Candidacy, Candidacy.id == Decision.candidacy_id)
        .where(
            Candidacy.person_id == person_id,
            Candidacy.scheme_id == scheme_id,
            Decision.superseded_by_id.is_(None),
        )
        .options(joinedload(Decision.candidacy))
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
        .limit(1)
    )


def retake_date(person_id: int, scheme_id: int) -> date | None:
    """When a person found "Belum Kompeten" on the scheme may apply again (None: no waiting)."""
    decision = last_decision(person_id, scheme_id)
    if decision is None or decision.result != Verdict.BK:
        return None
    wait = decision.candidacy.version.retake_wait_days
    decided_on = decision.decided_at.replace(tzinfo=UTC).astimezone(WIB).date()  # stored UTC
    return decided_on + timedelta(days=wait)


# --- Applying and nominating -----------------------------------------------------------------------


@dataclass(frozen=True)
class Application:
    """What APL.01 carries (typed values; the form checked their shape)."""

    version_id: int | None
    purpose: str | None
    declared_months: int | None = None
    declared_hours: int | None = None
    summary: str = ""
    # A re-certification (set by app/credentials/registry/renewal.py, never from a form): the
    # certificate it renews, and whether it is assessed on the portfolio alone.
    renews_certificate_id: int | None = None
    portfolio_review: bool = False


def _application_errors(application: Application, version: SchemeVersion | None) -> dict[str, list]:
    errors: dict[str, list] = {}
    if version is None:
        errors["version_id"] = [_l("Pilih skema yang diujikan pada jadwal ini.")]
    try:
        CandidacyPurpose(application.purpose or "")
    except ValueError:
        errors["purpose"] = [_l("Pilih tujuan asesmen.")]
    for name, value, limit in (
        ("declared_months", application.declared_months, MONTHS_MAX),
        ("declared_hours", application.declared_hours, HOURS_MAX),
    ):
        if value is not None and not 0 <= value <= limit:
            errors[name] = [_l("Isi angka 0 sampai %(max)s.", max=limit)]
    if len(application.summary or "") > SUMMARY_MAX:
        errors["summary"] = [_l("Maksimal %(n)s karakter.", n=SUMMARY_MAX)]
    return errors


def apply(session: ExamSession, person: Person | None, application: Application, actor: Any) -> Candidacy:
    """The applicant applies (APL.01): a draft candidacy they complete and submit."""
    if person is None or person.user_id is None or person.user_id != getattr(actor, "id", None):
        raise PermissionDenied(object_type="exam_session", object_id=session.id)
    return _create(session, person, application, actor, own=True)


def nominate(
    session: ExamSession, version_id: int | None, registration: Registration, actor: Any
) -> Candidacy:
    """An agency officer puts a person of their jurisdiction forward; the person completes APL.02 and
    the portfolio and submits."""
    if not can_nominate_person(actor, registration):
        raise CertificationError(OUTSIDE_JURISDICTION)
    if registration.status != RegistrationStatus.VERIFIED:
        raise CertificationError(_l("Pendaftaran orang ini belum terverifikasi."))
    application = Application(version_id=version_id, purpose=str(CandidacyPurpose.FIRST))
    person = db.session.get(Person, registration.person_id)
    version = _offered(session, version_id)
    if version is None:
        raise CertificationError(_l("Pilih skema yang diujikan pada jadwal ini."))
    if not version.targets(registration.category_code, registration.subtype):
        raise CertificationError(_l("Pendaftaran orang ini bukan sasaran skema tersebut."))
    candidacy = _create(session, person, application, actor, nominated_by=actor)
    _notify_nominated(candidacy)
    _invite_nominee(person, actor)
    return candidacy


def _offered(session: ExamSession, version_id: int | None) -> SchemeVersion | None:
    return next((v for v in offered_versions(session) if v.id == version_id), None)


def _create(
    session: ExamSession,
    person: Person,
    application: Application,
    actor: Any,
    *,
    nominated_by: Any = None,
    own: bool = False,
) -> Candidacy:
    reason = closed_reason(session)
    if reason is not None:
        raise CertificationError(reason)
    version = _offered(session, application.version_id)
    errors = _application_errors(application, version)
    if errors:
        raise CertificationError(_l("Periksa kembali isian yang ditandai."), errors=errors)
    purpose = CandidacyPurpose(application.purpose)
    today = local_today()
    retake_on = retake_date(person.id, version.scheme_id)
    if retake_on is not None and today < retake_on:
        raise CertificationError(
            _l(
                "Hasil uji Anda sebelumnya pada skema ini Belum Kompeten. Anda dapat mendaftar uji ulang "
                "mulai %(date)s.",
                date=long_date(retake_on),
            )
            if own
            else _l(
                "Hasil uji orang ini sebelumnya pada skema ini Belum Kompeten; uji ulang dapat dilakukan "
                "mulai %(date)s.",
                date=long_date(retake_on),
            )
        )
    if purpose == CandidacyPurpose.RETAKE and retake_on is None:
        raise CertificationError(
            _l("Uji ulang hanya untuk yang sebelumnya dinyatakan Belum Kompeten pada skema ini."),
            field="purpose",
        )
    duplicate = DUPLICATE_SELF if own else DUPLICATE
    if open_candidacy_of(session.id, version.id, person.id) is not None:
        raise CertificationError(duplicate)
    registration = target_registration(person.id, version)
    province, regency = (
        (registration.province_code, registration.regency_code)
        if registration is not None
        else (person.province_code, person.regency_code)
    )
    candidacy = Candidacy(
        session_id=session.id,
        version_id=version.id,
        scheme_id=version.scheme_id,
        body_code=session.body_code,
        person_id=person.id,
        registration_id=registration.id if registration is not None else None,
        province_code=province,
        regency_code=regency,
        purpose=purpose,
        attempt=attempt_for(person.id, version.scheme_id),
        status=CandidacyStatus.DRAFT,
        nominated_by_id=getattr(nominated_by, "id", None),
        declared_experience_months=application.declared_months,
        declared_practice_hours=application.declared_hours,
        experience_summary=(application.summary or "").strip(),
        eligibility=[],
        renews_certificate_id=application.renews_certificate_id,
        portfolio_review=bool(application.renews_certificate_id and application.portfolio_review),
    )
    candidacy.events = []
    try:
        with db.session.begin_nested():  # a concurrent twin is refused by uq_candidacies_open
            db.session.add(candidacy)
            db.session.flush()
    except IntegrityError:
        raise CertificationError(duplicate) from None
    CANDIDACY_LIFECYCLE.add_event(candidacy, None, CandidacyStatus.DRAFT, actor)
    db.session.flush()
    audit.record(
        "candidacy.nominate" if nominated_by is not None else "candidacy.apply",
        object_type="candidacy",
        object_id=candidacy.id,
        after=candidacy.audit_view(),
        actor=actor,
    )
    return candidacy


def open_candidacy_of(session_id: int, version_id: int, person_id: int) -> Candidacy | None:
    return db.session.scalar(
        select(Candidacy).where(
            Candidacy.session_id == session_id,
            Candidacy.version_id == version_id,
            Candidacy.person_id == person_id,
            Candidacy.status.in_(CANDIDACY_OPEN),
        )
    )


# --- Editing (the candidate, while draft or returned) -----------------------------------------------


def _editable(candidacy: Candidacy, actor: Any) -> None:
    if actor is None or not is_candidate(actor, candidacy):
        raise PermissionDenied(object_type="candidacy", object_id=candidacy.id)
    if candidacy.status not in CANDIDACY_EDITABLE:
        raise CertificationError(NOT_EDITABLE)


def update_application(candidacy: Candidacy, application: Application, actor: Any) -> None:
    """APL.01 data the candidate may still change: purpose, declared experience and summary."""
    _editable(candidacy, actor)
    errors = _application_errors(application, candidacy.version)
    if (
        candidacy.renews_certificate_id is not None
        and "purpose" not in errors
        and application.purpose != CandidacyPurpose.RECERTIFICATION
    ):
        errors["purpose"] = [RENEWAL_PURPOSE]
    if errors:
        raise CertificationError(_l("Periksa kembali isian yang ditandai."), errors=errors)
    before = candidacy.audit_view()
    candidacy.purpose = CandidacyPurpose(application.purpose)
    candidacy.declared_experience_months = application.declared_months
    candidacy.declared_practice_hours = application.declared_hours
    candidacy.experience_summary = (application.summary or "").strip()
    db.session.flush()
    audit.record(
        "candidacy.updated",
        object_type="candidacy",
        object_id=candidacy.id,
        before=before,
        after=candidacy.audit_view(),
        actor=actor,
    )


def save_self_assessment(
    candidacy: Candidacy, answers: Mapping[int, tuple[str | None, str]], actor: Any
) -> int:
    """APL.02: {unit_id: (verdict "K"/"BK" or None, evidence notes)} for the version's units. A unit
    left unanswered keeps no row (submission needs them all). Returns how many units are answered."""
    _editable(candidacy, actor)
    units = {unit.id: unit for unit in candidacy.version.units}
    errors: dict[str, list] = {}
    for unit_id, (verdict, notes) in answers.items():
        if unit_id not in units:
            raise CertificationError(_l("Unit kompetensi tidak dikenal."))
        if verdict not in (None, "", *Verdict):
            errors[f"verdict-{unit_id}"] = [_l("Pilih Kompeten atau Belum kompeten.")]
        if len(notes or "") > NOTES_MAX:
            errors[f"notes-{unit_id}"] = [_l("Maksimal %(n)s karakter.", n=NOTES_MAX)]
        if (notes or "").strip() and not verdict:
            errors[f"verdict-{unit_id}"] = [_l("Pilih Kompeten atau Belum kompeten untuk unit ini.")]
    if errors:
        raise CertificationError(_l("Periksa kembali isian yang ditandai."), errors=errors)
    existing = {row.unit_id: row for row in candidacy.self_assessments}
    for unit_id, (verdict, notes) in answers.items():
        row = existing.get(unit_id)
        if not verdict:
            if row is not None:
                candidacy.self_assessments.remove(row)
            continue
        if row is None:
            candidacy.self_assessments.append(
                SelfAssessment(
                    unit_id=unit_id, verdict=Verdict(verdict), evidence_notes=(notes or "").strip()
                )
            )
        else:
            row.verdict, row.evidence_notes = Verdict(verdict), (notes or "").strip()
    db.session.flush()
    answered = {row.unit_id: str(row.verdict) for row in candidacy.self_assessments}
    audit.record(
        "candidacy.self_assessed",
        object_type="candidacy",
        object_id=candidacy.id,
        after={"answers": {str(k): v for k, v in sorted(answered.items())}},
        actor=actor,
    )
    return len(answered)


def portfolio_purposes(version: SchemeVersion) -> list[Purpose]:
    """The kinds of evidence the portfolio form offers: the required ones first."""
    required = [Purpose(p) for p in version.required_documents]
    return required + [p for p in PORTFOLIO_PURPOSES if p not in required]


def upload_evidence(
    candidacy: Candidacy, purpose: str, filename: str | None, stream: BinaryIO | None, actor: Any
) -> Document:
    """Check and store one portfolio file (the checks and downscaling of every upload)."""
    _editable(candidacy, actor)
    try:
        purpose = Purpose(purpose)
    except ValueError:
        raise CertificationError(_l("Jenis dokumen tidak dikenal.")) from None
    if purpose not in portfolio_purposes(candidacy.version):
        raise CertificationError(_l("Jenis dokumen tidak dikenal."))
    try:
        checked = documents.check_file(filename, stream)
    except uploads.UploadError as error:
        raise CertificationError(error.message, field="file") from error
    document = documents.add_document(checked, purpose, candidacy=candidacy, actor=actor)
    db.session.flush()
    audit.record(
        "candidacy.document_uploaded",
        object_type="candidacy",
        object_id=candidacy.id,
        after={
            "document_id": document.id,
            "kind": str(purpose),
            "sha256": checked.sha256,
            "size": checked.size,
            "type": checked.content_type,
        },
        actor=actor,
    )
    return document


def delete_evidence(document: Document, actor: Any) -> None:
    candidacy = document.candidacy
    _editable(candidacy, actor)
    audit.record(
        "candidacy.document_deleted",
        object_type="candidacy",
        object_id=candidacy.id,
        before={"document_id": document.id, "kind": str(document.purpose), "sha256": document.sha256},
        actor=actor,
    )
    if document in candidacy.documents:
        candidacy.documents.remove(document)
    documents.forget_document(document)


# --- The gate, submitting and withdrawing ----------------------------------------------------------


def checklist(candidacy: Candidacy) -> list[eligibility.Check]:
    """The live checklist of an editable candidacy (what submitting will freeze)."""
    return eligibility.evaluate(
        candidacy.person_id,
        candidacy.version,
        declared_months=candidacy.declared_experience_months,
        declared_hours=candidacy.declared_practice_hours,
        documents=[d.purpose for d in candidacy.documents],
    )


def missing_for_submission(candidacy: Candidacy) -> list[str]:
    """What still stops the candidate from submitting (messages); empty when they may."""
    missing = []
    answered = {row.unit_id for row in candidacy.self_assessments}
    left = [unit for unit in candidacy.version.units if unit.id not in answered]
    if left:
        missing.append(
            str(
                _l(
                    "Asesmen mandiri (APL.02) belum lengkap: %(count)s unit belum dijawab.",
                    count=len(left),
                )
            )
        )
    present = {str(d.purpose) for d in candidacy.documents}
    absent = [p for p in candidacy.version.required_documents if p not in present]
    if absent:
        missing.append(
            str(
                _l(
                    "Dokumen wajib belum diunggah: %(names)s.",
                    names=", ".join(eligibility.document_label(p) for p in absent),
                )
            )
        )
    if candidacy.portfolio_review and Purpose.PORTFOLIO not in {d.purpose for d in candidacy.documents}:
        missing.append(str(NO_PORTFOLIO))
    if candidacy.status == CandidacyStatus.DRAFT:
        reason = closed_reason(candidacy.session)
        if reason is not None:
            missing.append(str(reason))
    elif candidacy.session.status not in (SessionStatus.OPEN, SessionStatus.CLOSED):
        missing.append(str(_l("Jadwal uji ini tidak lagi menerima perbaikan permohonan.")))
    return missing


def submit(candidacy: Candidacy, actor: Any) -> list[eligibility.Check]:
    """Send the application for screening with the checklist frozen (a draft, or a returned one
    after its corrections). Returns the checklist."""
    if actor is None or not is_candidate(actor, candidacy):
        raise PermissionDenied(object_type="candidacy", object_id=candidacy.id)
    if CANDIDACY_LIFECYCLE.target(CandidacyAction.SUBMIT, candidacy.status) is not None:
        missing = missing_for_submission(candidacy)
        if missing:
            raise CertificationError(missing[0], errors={None: missing})
    checks = checklist(candidacy)
    CANDIDACY_LIFECYCLE.transition(
        candidacy,
        CandidacyAction.SUBMIT,
        actor,
        values={"submitted_at": utcnow(), "eligibility": eligibility.frozen(checks)},
        permission=is_candidate,
    )
    return checks


def withdraw(candidacy: Candidacy, actor: Any, reason: str | None = None) -> None:
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise CertificationError(_l("Maksimal %(n)s karakter.", n=REASON_MAX), field="reason")
    CANDIDACY_LIFECYCLE.transition(
        candidacy, CandidacyAction.WITHDRAW, actor, reason, permission=is_candidate
    )


# --- The candidate's candidacies -------------------------------------------------------------------


def candidacies_of(person: Person | None) -> list[Candidacy]:
    if person is None:
        return []
    stmt = (
        select(Candidacy)
        .where(Candidacy.person_id == person.id)
        .options(
            joinedload(Candidacy.session),
            selectinload(Candidacy.events),
            selectinload(Candidacy.documents),
            selectinload(Candidacy.self_assessments),
            selectinload(Candidacy.decision).joinedload(Decision.decree),
        )
        .order_by(Candidacy.id.desc())
    )
    return list(db.session.scalars(stmt))


def may_appeal(candidacy: Candidacy, today: date | None = None) -> bool:
    decision = candidacy.decision
    return (
        candidacy.status == CandidacyStatus.DECIDED
        and decision is not None
        and (today or local_today()) <= decision.appeal_deadline
    )


def latest_appeal(candidacy: Candidacy) -> Appeal | None:
    """The candidacy's most recent appeal (any status), for the pages that show its state."""
    return db.session.scalar(
        select(Appeal).where(Appeal.candidacy_id == candidacy.id).order_by(Appeal.id.desc()).limit(1)
    )


NEXT_STEPS = {
    CandidacyStatus.DRAFT: _l(
        "Lengkapi asesmen mandiri (APL.02) dan portofolio, lalu kirim permohonan sebelum pendaftaran ditutup."
    ),
    CandidacyStatus.SUBMITTED: _l("Permohonan Anda sedang diperiksa oleh lembaga sertifikasi."),
    CandidacyStatus.RETURNED: _l("Permohonan dikembalikan. Perbaiki sesuai keterangan, lalu kirim kembali."),
    CandidacyStatus.REJECTED: _l("Permohonan ini ditolak. Anda dapat mendaftar ke jadwal uji lain."),
    CandidacyStatus.WITHDRAWN: _l("Anda mengundurkan diri dari uji kompetensi ini."),
    CandidacyStatus.ACCEPTED: _l("Anda memenuhi syarat. Hadiri asesmen sesuai jadwal."),
    CandidacyStatus.ABSENT: _l("Anda tercatat tidak hadir pada asesmen."),
    CandidacyStatus.DECIDED: _l("Hasil uji kompetensi sudah diputuskan dalam rapat pleno."),
    CandidacyStatus.REASSESSING: _l("Banding Anda diterima; asesmen ulang dijadwalkan."),
}


# A portfolio review has nothing to attend: its accepted step says so.
PORTFOLIO_ACCEPTED = _l(
    "Anda memenuhi syarat. Asesor menelaah portofolio Anda; Anda tidak perlu hadir di tempat uji."
)


def next_step(candidacy: Candidacy) -> str:
    if candidacy.portfolio_review and candidacy.status == CandidacyStatus.ACCEPTED:
        return str(PORTFOLIO_ACCEPTED)
    return str(NEXT_STEPS[candidacy.status])


def screening_reason(candidacy: Candidacy) -> str | None:
    """The reason of the latest return or rejection (shown to the candidate)."""
    for event in reversed(candidacy.events):
        if event.to_status in (CandidacyStatus.RETURNED, CandidacyStatus.REJECTED) and event.reason:
            return event.reason
    return candidacy.screening_reason


# --- Agency officer: nominations and the list of their jurisdiction --------------------------------


def nomination_sessions(today: date | None = None) -> list[ExamSession]:
    """Sessions taking applications now (what an officer may nominate into), soonest first."""
    today = today or local_today()
    stmt = (
        select(ExamSession)
        .where(ExamSession.status == SessionStatus.OPEN, ExamSession.assessment_ends_on >= today)
        .order_by(ExamSession.assessment_starts_on, ExamSession.id)
        .limit(200)
    )
    return [s for s in db.session.scalars(stmt) if closed_reason(s, today) is None]


def nomination_candidates(user: Any, version: SchemeVersion, text: str | None) -> list[Registration]:
    """Verified registrations in the user's jurisdiction in the version's target, matching a name
    prefix, a registration number or an exact NIK."""
    try:
        search = parse_search(text)
    except Exception as error:  # RegistrationError: said beside the search field
        raise CertificationError(getattr(error, "message", str(error)), field="q") from None
    if search is None:
        return []
    stmt = (
        select(Registration)
        .where(
            jurisdiction_filter(user, Registration),
            Registration.status == RegistrationStatus.VERIFIED,
            Registration.category_code == version.category_code,
        )
        .options(joinedload(Registration.person), joinedload(Registration.category))
    )
    if search.kind == "nik":
        audit.record(
            "candidacy.searched_by_nik", object_type="person", after={"version_id": version.id}, actor=user
        )
        stmt = stmt.where(
            Registration.person_id.in_(
                select(Person.id).where(Person.nik_hash == crypto.keyed_hash(search.value))
            )
        )
    elif search.kind == "number":
        stmt = stmt.where(Registration.registration_number == search.value)
    else:
        stmt = stmt.where(name_prefix_filter(Registration.person_name, search.value))
    stmt = stmt.order_by(Registration.person_name, Registration.id).limit(NOMINEE_LIMIT)
    return [r for r in db.session.scalars(stmt) if version.targets(r.category_code, r.subtype)]


def candidate_person_ids(session: ExamSession, version: SchemeVersion, person_ids: Iterable[int]) -> set[int]:
    """Which of these people already hold an open candidacy on the session and version."""
    ids = set(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Candidacy.person_id).where(
                Candidacy.session_id == session.id,
                Candidacy.version_id == version.id,
                Candidacy.person_id.in_(ids),
                Candidacy.status.in_(CANDIDACY_OPEN),
            )
        )
    )


def jurisdiction_query(user: Any, status: CandidacyStatus | None = None) -> Select:
    """Candidacies of people in the officer's jurisdiction (keyset on id, newest first)."""
    stmt = (
        select(Candidacy)
        .where(jurisdiction_filter(user, Candidacy))
        .options(joinedload(Candidacy.person), joinedload(Candidacy.session))
    )
    if status is not None:
        stmt = stmt.where(Candidacy.status == status)
    return stmt


# --- E-mail ----------------------------------------------------------------------------------------


def _notify_nominated(candidacy: Candidacy) -> None:
    person = candidacy.person
    address = person.email or (person.user.email if person.user is not None else None)
    if not address:
        return
    mail.send(
        address,
        _l("Anda diusulkan mengikuti uji kompetensi %(scheme)s", scheme=candidacy.version.name),
        "candidacy_nominated",
        candidacy=candidacy,
        session=candidacy.session,
        person=person,
        url=external_url("candidacy.detail", candidacy_id=candidacy.id) if person.user_id else None,
        claim_url=None if person.user_id else external_url("people.claim"),
    )


# --- A nominee without an account ------------------------------------------------------------------
# Only the candidate completes and submits a candidacy, so a nominee entered at the desk (a person
# without an account) first claims their record with an account (app/people/claims.py): through the
# invitation e-mailed here, or the claim code of their registration receipt, which the officer's
# candidacy page links to. Once claimed, the candidacy is on their "Uji kompetensi saya" list.


def open_invitation(person: Person) -> PersonClaim | None:
    """The person's claim invitation that still works (not used, replaced or expired), if any."""
    return db.session.scalar(
        select(PersonClaim)
        .where(
            PersonClaim.person_id == person.id,
            PersonClaim.kind == ClaimKind.INVITATION,
            PersonClaim.used_at.is_(None),
            PersonClaim.revoked_at.is_(None),
            PersonClaim.expires_at > utcnow(),
        )
        .order_by(PersonClaim.id.desc())
        .limit(1)
    )


def _invite_nominee(person: Person, actor: Any) -> None:
    """E-mail a nominee without an account the claim invitation, when they have an address, the officer
    may invite them (as on the registration receipt: can_register_for) and no invitation still works
    (a new one would revoke the link they may be about to use). Invitations come from an officer, never
    from the system actor (claims.send_invitation refuses it)."""
    if person.user_id is not None or not person.email or is_system(actor):
        return
    if not can_register_for(actor, person):
        return
    if open_invitation(person) is None:
        claims.send_invitation(person, person.email, actor)
