"""Exam sessions (jadwal uji kompetensi): planning by the board admin, the lifecycle actions (decide
is the plenary's), the assessors of a session with their conflict-of-interest declaration, and the
public list of open sessions.

Services take the actor, check the same named predicate as the view (can_manage_exam_session,
is_session_assessor), raise CertificationError with Indonesian messages beside the field concerned,
write the audit trail and never commit (the request's unit of work does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.orm import selectinload

from app.certification.models import (
    Assessment,
    Assessor,
    Candidacy,
    ExamSession,
    ExamSessionScheme,
    Scheme,
    SchemeVersion,
    SessionAssessor,
)
from app.certification.permissions import acts_for_body, body_codes, can_manage_exam_session
from app.certification.sessions.permissions import is_session_assessor
from app.certification.states import (
    SESSION_LIFECYCLE,
    CandidacyStatus,
    CertificationError,
    PlaceKind,
    SessionAction,
    SessionStatus,
)
from app.core import audit, mail
from app.core.actors import is_system
from app.core.display import local_datetime, long_date
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.permissions import body_filter
from app.core.roles import Role
from app.core.urls import external_url
from app.documents.models import Purpose
from app.extensions import db
from app.people.models import Person
from app.reference.models import Region
from app.reference.targets import subtype_label
from app.registration.categories import DOCUMENT_LABELS

MAX_CAPACITY = 10000
MAX_ASSESSMENT_DAYS = 31
MAX_YEARS_AHEAD = 3
MAX_REASON = 2000

# A session's facts (schemes, dates, place, capacity) may change only before applications close.
EDITABLE = frozenset({SessionStatus.PLANNED, SessionStatus.OPEN})
# What the board admin may do from the session page; deciding is the plenary's page.
OFFERED_ACTIONS = (
    SessionAction.OPEN,
    SessionAction.CLOSE,
    SessionAction.START_ASSESSMENT,
    SessionAction.OPEN_PLENARY,
    SessionAction.CANCEL,
)
# Assessors are added and removed until the session is decided or cancelled.
ASSESSORS_CHANGEABLE = frozenset(set(SessionStatus) - SESSION_LIFECYCLE.final)
# Candidacies whose people hear about a cancellation: everyone who applied and did not leave.
NOT_APPLYING = (CandidacyStatus.WITHDRAWN, CandidacyStatus.REJECTED)
# Sessions a visitor may open on the public page (a planned one is not published yet).
PUBLISHED = frozenset(set(SessionStatus) - {SessionStatus.PLANNED})

# The session list's tabs: URL slug → (statuses or None for all, label).
SESSION_TABS = {
    "semua": (None, _l("Semua")),
    "direncanakan": ({SessionStatus.PLANNED}, _l("Direncanakan")),
    "dibuka": ({SessionStatus.OPEN}, _l("Pendaftaran dibuka")),
    "ditutup": ({SessionStatus.CLOSED}, _l("Pendaftaran ditutup")),
    "asesmen": ({SessionStatus.ASSESSING}, _l("Asesmen berlangsung")),
    "pleno": ({SessionStatus.PLENARY}, _l("Rapat pleno")),
    "diputuskan": ({SessionStatus.DECIDED}, _l("Sudah diputuskan")),
    "dibatalkan": ({SessionStatus.CANCELLED}, _l("Dibatalkan")),
}

# Document purposes a scheme may require, as an applicant reads them.
DOCUMENT_NAMES = {
    **DOCUMENT_LABELS,
    Purpose.PORTFOLIO: _l("Portofolio bukti praktik"),
    Purpose.TRAINING_CERTIFICATE: _l("Sertifikat pelatihan (STTP)"),
    Purpose.EXPERIENCE_LETTER: _l("Surat keterangan pengalaman praktik"),
    Purpose.STR_COPY: _l("Salinan STR"),
    Purpose.HEALTH_LETTER: _l("Surat keterangan sehat"),
    Purpose.OTHER: _l("Dokumen lain"),
}


def _authorise(allowed: bool, object_type: str, object_id: Any) -> None:
    if not allowed:
        raise PermissionDenied(object_type=object_type, object_id=object_id)


def _text(value: str | None) -> str:
    return (value or "").strip()


# --- Planning ---------------------------------------------------------------------------------------


@dataclass
class SessionData:
    """What the session form sends."""

    name: str
    version_ids: list[int] = field(default_factory=list)
    place_kind: str = ""
    place_name: str = ""
    address: str = ""
    region_code: str | None = None
    capacity: int | None = None
    applications_open_on: date | None = None
    applications_close_on: date | None = None
    screening_ends_on: date | None = None
    assessment_starts_on: date | None = None
    assessment_ends_on: date | None = None
    plenary_on: date | None = None
    signatory_name: str = ""
    signatory_title: str = ""


# The SessionData fields a form fills one to one (the schemes are parsed apart).
SESSION_FIELDS = (
    "name",
    "place_kind",
    "place_name",
    "address",
    "region_code",
    "capacity",
    "applications_open_on",
    "applications_close_on",
    "screening_ends_on",
    "assessment_starts_on",
    "assessment_ends_on",
    "plenary_on",
    "signatory_name",
    "signatory_title",
)


def version_choices(user: Any, session: ExamSession | None = None) -> list[SchemeVersion]:
    """What a session may offer: the current (latest published) version of each scheme of the user's
    bodies that is not retired — of the session's body when editing — plus what the session already
    offers."""
    stmt = select(Scheme).where(Scheme.retired_at.is_(None)).options(selectinload(Scheme.versions))
    if session is not None:
        stmt = stmt.where(Scheme.body_code == session.body_code)
    elif not (is_system(user) or user.has_role(Role.MINISTRY_ADMIN)):
        stmt = stmt.where(Scheme.body_code.in_(sorted(body_codes(user))))
    versions = [s.current_version for s in db.session.scalars(stmt.order_by(Scheme.body_code, Scheme.code))]
    choices = [v for v in versions if v is not None]
    if session is not None:
        offered = [v for v in session.scheme_versions if v not in choices]
        choices = offered + choices
    return choices


def _check_session(
    data: SessionData, session: ExamSession | None, actor: Any, today: date
) -> tuple[dict, list[SchemeVersion]]:
    errors: dict = {}

    def add(name: str | None, message) -> None:
        errors.setdefault(name, []).append(message)

    if not _text(data.name):
        add("name", _l("Nama jadwal wajib diisi, misalnya Uji Kompetensi Relawan Sosial Batch 3."))
    elif len(_text(data.name)) > 160:
        add("name", _l("Maksimal %(n)s karakter.", n=160))
    allowed = {v.id: v for v in version_choices(actor, session)}
    chosen = [allowed.get(i) for i in dict.fromkeys(data.version_ids)]
    if not data.version_ids:
        add("version_ids", _l("Pilih sekurang-kurangnya satu skema yang diujikan."))
    elif None in chosen:
        add("version_ids", _l("Pilih skema dari daftar: hanya skema terbit yang tidak dipensiunkan."))
    elif len({v.scheme.body_code for v in chosen}) > 1:
        add("version_ids", _l("Semua skema dalam satu jadwal harus dari lembaga sertifikasi yang sama."))
    elif session is not None:
        kept = {v.id for v in chosen}
        for version in session.scheme_versions:
            if version.id not in kept and _has_candidacies(session, version.id):
                add(
                    "version_ids",
                    _l(
                        "Skema %(name)s tidak dapat dihapus dari jadwal ini karena sudah ada permohonan "
                        "untuk skema itu.",
                        name=version.name,
                    ),
                )
    if data.place_kind not in {str(k) for k in PlaceKind}:
        add("place_kind", _l("Pilih jenis TUK."))
    if not _text(data.place_name):
        add("place_name", _l("Nama TUK wajib diisi."))
    if not _text(data.address):
        add("address", _l("Alamat TUK wajib diisi."))
    if not data.region_code:
        add("region_code", _l("Pilih wilayah TUK, sekurang-kurangnya provinsi."))
    elif db.session.get(Region, data.region_code) is None:
        add("region_code", _l("Wilayah tidak dikenal."))
    if data.capacity is None or not 1 <= data.capacity <= MAX_CAPACITY:
        add("capacity", _l("Isi kapasitas dengan bilangan bulat 1 sampai %(max)s.", max=MAX_CAPACITY))
    elif session is not None and data.capacity < session.seats_taken:
        add(
            "capacity",
            _l(
                "Kapasitas tidak boleh kurang dari jumlah asesi yang sudah diterima (%(taken)s).",
                taken=session.seats_taken,
            ),
        )
    _check_dates(data, session, today, add)
    if not _text(data.signatory_name):
        add("signatory_name", _l("Nama penanda tangan SK wajib diisi."))
    if not _text(data.signatory_title):
        add("signatory_title", _l("Jabatan penanda tangan SK wajib diisi."))
    return errors, [v for v in chosen if v is not None]


def _check_dates(data: SessionData, session: ExamSession | None, today: date, add) -> None:
    """Every stage date is set and the stages follow each other: applications open → close →
    screening ends → assessment starts → ends → plenary."""
    opens, closes, screening = data.applications_open_on, data.applications_close_on, data.screening_ends_on
    starts, ends, plenary = data.assessment_starts_on, data.assessment_ends_on, data.plenary_on
    required = {
        "applications_open_on": (opens, _l("Tanggal pendaftaran dibuka wajib diisi.")),
        "applications_close_on": (closes, _l("Tanggal pendaftaran ditutup wajib diisi.")),
        "screening_ends_on": (screening, _l("Tanggal akhir seleksi administrasi wajib diisi.")),
        "assessment_starts_on": (starts, _l("Tanggal mulai asesmen wajib diisi.")),
        "assessment_ends_on": (ends, _l("Tanggal selesai asesmen wajib diisi.")),
        "plenary_on": (plenary, _l("Tanggal rapat pleno wajib diisi.")),
    }
    for name, (value, message) in required.items():
        if value is None:
            add(name, message)
    if starts is not None:
        if (session is None or starts != session.assessment_starts_on) and starts < today:
            add("assessment_starts_on", _l("Tanggal mulai asesmen tidak boleh sebelum hari ini."))
        elif starts > today + timedelta(days=365 * MAX_YEARS_AHEAD):
            add(
                "assessment_starts_on",
                _l(
                    "Tanggal mulai asesmen paling lambat %(years)s tahun dari sekarang.",
                    years=MAX_YEARS_AHEAD,
                ),
            )
    if opens is not None and closes is not None and closes < opens:
        add("applications_close_on", _l("Pendaftaran tidak boleh ditutup sebelum dibuka."))
    elif (
        closes is not None and (session is None or closes != session.applications_close_on) and closes < today
    ):
        add("applications_close_on", _l("Tanggal pendaftaran ditutup sudah berlalu."))
    if closes is not None and screening is not None and screening < closes:
        add("screening_ends_on", _l("Seleksi administrasi tidak boleh berakhir sebelum pendaftaran ditutup."))
    if screening is not None and starts is not None and starts < screening:
        add("assessment_starts_on", _l("Asesmen tidak boleh dimulai sebelum seleksi administrasi berakhir."))
    if starts is not None and ends is not None:
        if ends < starts:
            add("assessment_ends_on", _l("Tanggal selesai asesmen tidak boleh sebelum tanggal mulai."))
        elif (ends - starts).days + 1 > MAX_ASSESSMENT_DAYS:
            add(
                "assessment_ends_on",
                _l("Asesmen satu jadwal paling lama %(days)s hari.", days=MAX_ASSESSMENT_DAYS),
            )
    if ends is not None and plenary is not None and plenary < ends:
        add("plenary_on", _l("Rapat pleno tidak boleh sebelum asesmen selesai."))


def _has_candidacies(session: ExamSession, version_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(Candidacy.session_id == session.id, Candidacy.version_id == version_id))
        )
    )


def _apply(session: ExamSession, data: SessionData, versions: list[SchemeVersion]) -> None:
    session.name = _text(data.name)
    session.place_kind = PlaceKind(data.place_kind)
    session.place_name = _text(data.place_name)
    session.address = _text(data.address)
    session.region_code = data.region_code
    session.capacity = data.capacity
    session.applications_open_on = data.applications_open_on
    session.applications_close_on = data.applications_close_on
    session.screening_ends_on = data.screening_ends_on
    session.assessment_starts_on = data.assessment_starts_on
    session.assessment_ends_on = data.assessment_ends_on
    session.plenary_on = data.plenary_on
    session.signatory_name = _text(data.signatory_name)
    session.signatory_title = _text(data.signatory_title)
    wanted = {v.id for v in versions}
    for link in list(session.schemes):
        if link.version_id not in wanted:
            session.schemes.remove(link)
    have = {link.version_id for link in session.schemes}
    for version in versions:
        if version.id not in have:
            session.schemes.append(ExamSessionScheme(version_id=version.id, version=version))


def create_session(data: SessionData, actor: Any, *, today: date | None = None) -> ExamSession:
    """A new session (planned) of the body whose schemes it offers."""
    errors, versions = _check_session(data, None, actor, today or local_today())
    if errors:
        raise CertificationError(_l("Periksa kembali isian."), errors=errors)
    body_code = versions[0].scheme.body_code
    _authorise(acts_for_body(actor, body_code), "certification_body", body_code)
    session = ExamSession(
        body_code=body_code,
        status=SessionStatus.PLANNED,
        seats_taken=0,
        created_by_id=getattr(actor, "id", None),
    )
    _apply(session, data, versions)
    db.session.add(session)
    db.session.flush()
    SESSION_LIFECYCLE.add_event(session, None, SessionStatus.PLANNED, actor)
    audit.record(
        "exam_session.created",
        object_type="exam_session",
        object_id=session.id,
        after=session.audit_view(),
        actor=actor,
    )
    return session


def update_session(session: ExamSession, data: SessionData, actor: Any, *, today: date | None = None) -> None:
    """Change a session while it is planned or open; capacity never below the seats taken, and a
    scheme somebody applied for stays."""
    _authorise(can_manage_exam_session(actor, session), "exam_session", session.id)
    if session.status not in EDITABLE:
        raise CertificationError(
            _l(
                "Jadwal berstatus %(status)s tidak dapat diubah lagi.",
                status=SessionStatus(session.status).label,
            )
        )
    errors, versions = _check_session(data, session, actor, today or local_today())
    if errors:
        raise CertificationError(_l("Periksa kembali isian."), errors=errors)
    before = session.audit_view()
    _apply(session, data, versions)
    db.session.flush()  # the CHECK (seats within capacity) refuses a capacity a concurrent accept overran
    after = session.audit_view()
    if after != before:
        audit.record(
            "exam_session.updated",
            object_type="exam_session",
            object_id=session.id,
            before=before,
            after=after,
            actor=actor,
        )


def sessions_query(user: Any, statuses: Iterable[SessionStatus] | None = None) -> Select:
    """The sessions of the board admin's bodies (every body for a ministry admin)."""
    stmt = select(ExamSession).where(body_filter(user, ExamSession.body_code, (Role.BOARD_ADMIN,)))
    if statuses:
        stmt = stmt.where(ExamSession.status.in_(list(statuses)))
    return stmt


def candidacy_counts(session: ExamSession) -> dict[CandidacyStatus, int]:
    """How many candidacies of the session are in each status (one grouped query)."""
    stmt = (
        select(Candidacy.status, func.count())
        .where(Candidacy.session_id == session.id)
        .group_by(Candidacy.status)
    )
    return {CandidacyStatus(status): count for status, count in db.session.execute(stmt)}


# --- Lifecycle actions ----------------------------------------------------------------------------------


def offered_actions(session: ExamSession) -> list[SessionAction]:
    current = SessionStatus(session.status)
    return [a for a in SESSION_LIFECYCLE.allowed_actions(current) if a in OFFERED_ACTIONS]


def blocked_reason(session: ExamSession, action: SessionAction, today: date) -> Any:
    """Why a legal action cannot be done yet (shown beside its disabled button), or None."""
    if (
        action == SessionAction.OPEN
        and session.applications_close_on
        and session.applications_close_on < today
    ):
        return _l(
            "Masa pendaftaran jadwal ini sudah berakhir. Ubah tanggal pendaftaran ditutup terlebih dahulu."
        )
    if action == SessionAction.START_ASSESSMENT:
        if session.assessment_starts_on > today:
            return _l(
                "Asesmen baru dapat dimulai pada tanggal mulainya (%(date)s).",
                date=long_date(session.assessment_starts_on),
            )
        if not session.assessors:
            return _l("Tugaskan sekurang-kurangnya satu asesor sebelum asesmen dimulai.")
    return None


def act_on_session(
    session: ExamSession,
    action: SessionAction,
    actor: Any,
    reason: str | None = None,
    *,
    today: date | None = None,
) -> None:
    """Open for applications, close, start the assessment, open the plenary, or cancel (with a
    reason; everyone who applied is e-mailed). Deciding is the plenary's (plenary/services.py)."""
    if action not in OFFERED_ACTIONS:
        raise CertificationError(_l("Tindakan tidak dikenal."))
    _authorise(actor is not None and can_manage_exam_session(actor, session), "exam_session", session.id)
    if SESSION_LIFECYCLE.target(action, SessionStatus(session.status)) is not None:
        blocked = blocked_reason(session, action, today or local_today())
        if blocked is not None:
            raise CertificationError(blocked)
    if action == SessionAction.CANCEL and len(_text(reason)) > MAX_REASON:
        raise CertificationError(_l("Maksimal %(n)s karakter.", n=MAX_REASON), field="reason")
    SESSION_LIFECYCLE.transition(session, action, actor, reason=reason, permission=can_manage_exam_session)
    if action == SessionAction.CANCEL:
        notify_cancelled(session, _text(reason))


def notify_cancelled(session: ExamSession, reason: str) -> int:
    """E-mail each person with a candidacy in the session that was not withdrawn or rejected (once
    per person, whatever the number of schemes); the candidacies themselves are left as they are."""
    stmt = (
        select(Candidacy)
        .where(Candidacy.session_id == session.id, Candidacy.status.not_in(NOT_APPLYING))
        .options(selectinload(Candidacy.person).selectinload(Person.user))
        .order_by(Candidacy.id)
    )
    seen: set[int] = set()
    for candidacy in db.session.scalars(stmt):
        person = candidacy.person
        if person.id in seen:
            continue
        seen.add(person.id)
        address = person.email or (person.user.email if person.user is not None else None)
        if not address:
            continue
        mail.send(
            address,
            _l("Uji kompetensi dibatalkan: %(session)s", session=session.name),
            "exam_session_cancelled",
            person=person,
            session=session,
            reason=reason,
            url=external_url("exams.public_list"),
        )
    return len(seen)


# --- Assessors of a session -----------------------------------------------------------------------------


def assessor_choices(session: ExamSession) -> list[Assessor]:
    """The registry assessors of the session's body not assigned to it yet (the service says why an
    ineligible one is refused)."""
    assigned = select(SessionAssessor.assessor_id).where(SessionAssessor.session_id == session.id)
    stmt = (
        select(Assessor)
        .where(Assessor.body_code == session.body_code, Assessor.id.not_in(assigned))
        .options(selectinload(Assessor.schemes))
        .order_by(Assessor.name, Assessor.id)
    )
    return list(db.session.scalars(stmt))


def assessor_refusals(session: ExamSession, assessor: Assessor) -> list:
    """Why the assessor may not be assigned to the session (empty: they may)."""
    if assessor.body_code != session.body_code:
        return [_l("Asesor ini tidak terdaftar pada lembaga sertifikasi penyelenggara jadwal ini.")]
    reasons = []
    if any(link.assessor_id == assessor.id for link in session.assessors):
        reasons.append(_l("Asesor ini sudah ditugaskan pada jadwal ini."))
    if not assessor.active:
        reasons.append(_l("Asesor ini tidak aktif di daftar asesor."))
    elif not assessor.licensed_on(session.assessment_ends_on):
        reasons.append(
            _l(
                "Lisensi asesor ini berlaku sampai %(until)s, sebelum asesmen selesai (%(ends)s).",
                until=long_date(assessor.licence_valid_until),
                ends=long_date(session.assessment_ends_on),
            )
        )
    if not any(assessor.may_assess(v.scheme_id) for v in session.scheme_versions):
        reasons.append(_l("Asesor ini tidak berwenang menguji skema mana pun dalam jadwal ini."))
    return reasons


def _assignment_view(link: SessionAssessor) -> dict:
    return {
        "assessor_id": link.assessor_id,
        "name": link.assessor.name,
        "met_number": link.assessor.met_number,
        "declared_at": link.declared_at,
    }


def add_assessor(session: ExamSession, assessor: Assessor, actor: Any) -> SessionAssessor:
    """Assign a registry assessor of the body: active, licensed through the assessment's last day,
    allowed for at least one of the session's schemes."""
    _authorise(can_manage_exam_session(actor, session), "exam_session", session.id)
    if session.status not in ASSESSORS_CHANGEABLE:
        raise CertificationError(
            _l(
                "Asesor tidak dapat ditambahkan pada jadwal berstatus %(status)s.",
                status=SessionStatus(session.status).label,
            )
        )
    reasons = assessor_refusals(session, assessor)
    if reasons:
        raise CertificationError(reasons[0], errors={"assessor_id": reasons})
    link = SessionAssessor(assessor=assessor, assigned_by_id=getattr(actor, "id", None))
    session.assessors.append(link)
    db.session.flush()
    audit.record(
        "exam_session.assessor_added",
        object_type="exam_session",
        object_id=session.id,
        after=_assignment_view(link),
        actor=actor,
    )
    return link


def busy_assessor_ids(session: ExamSession) -> set[int]:
    """The assessors given any candidacy of this session (whatever the assessment's state): they
    stay assigned to it. One query for the whole session."""
    stmt = (
        select(Assessment.assessor_id)
        .join(Candidacy, Candidacy.id == Assessment.candidacy_id)
        .where(Candidacy.session_id == session.id)
        .distinct()
    )
    return set(db.session.scalars(stmt))


def has_assessments(link: SessionAssessor) -> bool:
    """Has the assessor been given any candidacy of this session (whatever its state)?"""
    stmt = select(
        exists().where(
            Assessment.assessor_id == link.assessor_id,
            Assessment.candidacy_id == Candidacy.id,
            Candidacy.session_id == link.session_id,
        )
    )
    return bool(db.session.scalar(stmt))


def remove_assessor(link: SessionAssessor, actor: Any) -> None:
    """Unassign an assessor who has no assessment in the session yet."""
    session = link.session
    _authorise(can_manage_exam_session(actor, session), "exam_session", session.id)
    if session.status not in ASSESSORS_CHANGEABLE:
        raise CertificationError(
            _l(
                "Asesor tidak dapat dihapus dari jadwal berstatus %(status)s.",
                status=SessionStatus(session.status).label,
            )
        )
    if has_assessments(link):
        raise CertificationError(
            _l(
                "%(name)s sudah ditugaskan menilai asesi pada jadwal ini sehingga tidak dapat dihapus.",
                name=link.assessor.name,
            )
        )
    audit.record(
        "exam_session.assessor_removed",
        object_type="exam_session",
        object_id=session.id,
        before=_assignment_view(link),
        actor=actor,
    )
    session.assessors.remove(link)
    db.session.flush()


# --- The assessor's declaration -------------------------------------------------------------------------


def assignments_query(user: Any) -> Select:
    """The session assignments of the user's assessor registry entries (every body)."""
    return (
        select(SessionAssessor)
        .join(Assessor, Assessor.id == SessionAssessor.assessor_id)
        .where(Assessor.user_id == user.id)
        .options(
            selectinload(SessionAssessor.session)
            .selectinload(ExamSession.schemes)
            .selectinload(ExamSessionScheme.version)
        )
    )


def declare(link: SessionAssessor, confirmed: bool, actor: Any) -> None:
    """Sign the conflict-of-interest declaration: once, never unsigned (compare-and-set on
    declared_at, so a double submission keeps the first timestamp)."""
    _authorise(is_session_assessor(actor, link), "session_assessor", link.id)
    if link.declared_at is not None:
        raise CertificationError(
            _l("Pernyataan ini sudah ditandatangani pada %(when)s.", when=local_datetime(link.declared_at))
        )
    if link.session.status == SessionStatus.CANCELLED:
        raise CertificationError(_l("Jadwal ini sudah dibatalkan; pernyataan tidak diperlukan."))
    if not confirmed:
        raise CertificationError(_l("Centang pernyataan untuk menandatanganinya."), field="confirm")
    now = utcnow()
    won = db.session.execute(
        update(SessionAssessor)
        .where(SessionAssessor.id == link.id, SessionAssessor.declared_at.is_(None))
        .values(declared_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        raise CertificationError(_l("Pernyataan ini sudah ditandatangani."))
    db.session.refresh(link)
    audit.record(
        "exam_session.declaration_signed",
        object_type="exam_session",
        object_id=link.session_id,
        after=_assignment_view(link),
        actor=actor,
    )


# --- Public list ------------------------------------------------------------------------------------------


def public_sessions_query(
    *, today: date, province: str | None = None, version_id: int | None = None
) -> Select:
    """Open sessions whose assessment is still ahead (ix_exam_sessions_public, or
    ix_exam_sessions_province_public with a province; ix_exam_session_schemes_version for a scheme)."""
    stmt = select(ExamSession).where(
        ExamSession.status == SessionStatus.OPEN, ExamSession.assessment_starts_on >= today
    )
    if province:
        stmt = stmt.where(ExamSession.province_code == province)
    if version_id:
        stmt = stmt.where(
            exists().where(
                ExamSessionScheme.session_id == ExamSession.id, ExamSessionScheme.version_id == version_id
            )
        )
    return stmt.options(
        selectinload(ExamSession.region),
        selectinload(ExamSession.schemes).selectinload(ExamSessionScheme.version),
    )


def public_scheme_choices(today: date) -> list[SchemeVersion]:
    """The scheme versions offered by the sessions of the public list (for its filter)."""
    offered = (
        select(ExamSessionScheme.version_id)
        .join(ExamSession, ExamSession.id == ExamSessionScheme.session_id)
        .where(ExamSession.status == SessionStatus.OPEN, ExamSession.assessment_starts_on >= today)
    )
    stmt = select(SchemeVersion).where(SchemeVersion.id.in_(offered)).order_by(SchemeVersion.name)
    return list(db.session.scalars(stmt))


def applications_open(session: ExamSession, today: date) -> bool:
    """Does the session take applications today (status open, inside the window)?"""
    return (
        session.status == SessionStatus.OPEN
        and (session.applications_open_on is None or session.applications_open_on <= today)
        and (session.applications_close_on is None or session.applications_close_on >= today)
    )


def eligibility_lines(version: SchemeVersion) -> list[str]:
    """The scheme version's eligibility rules in plain Indonesian, one line each."""
    lines = []
    if version.requires_verified_registration:
        target = version.category.name
        if version.subtype:
            target = f"{target} ({subtype_label(version.category_code, version.subtype)})"
        lines.append(str(_l("Terdaftar dan sudah diverifikasi sebagai %(target)s.", target=target)))
    if version.min_education is not None:
        lines.append(str(_l("Pendidikan paling rendah %(level)s.", level=version.min_education.name)))
    if version.min_training_jp:
        if version.jp_from_linked_programmes_only:
            lines.append(
                str(
                    _l(
                        "Pelatihan sekurang-kurangnya %(jp)s JP dari program diklat yang memuat unit "
                        "kompetensi skema ini.",
                        jp=version.min_training_jp,
                    )
                )
            )
        else:
            lines.append(str(_l("Pelatihan sekurang-kurangnya %(jp)s JP.", jp=version.min_training_jp)))
    months, hours = version.min_experience_months, version.min_practice_hours
    if months and hours:
        lines.append(
            str(
                _l(
                    "Pengalaman praktik sekurang-kurangnya %(months)s bulan atau %(hours)s jam praktik.",
                    months=months,
                    hours=hours,
                )
            )
        )
    elif months:
        lines.append(str(_l("Pengalaman praktik sekurang-kurangnya %(months)s bulan.", months=months)))
    elif hours:
        lines.append(str(_l("Pengalaman praktik sekurang-kurangnya %(hours)s jam.", hours=hours)))
    documents = [
        str(DOCUMENT_NAMES.get(Purpose(p), p)) for p in version.required_documents if p in set(Purpose)
    ]
    if documents:
        lines.append(str(_l("Dokumen yang wajib diunggah: %(documents)s.", documents=", ".join(documents))))
    return lines
