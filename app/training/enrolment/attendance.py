"""Attendance: one mark per accepted participant and session day, and the percent that completion uses.

`attendance_percent` is the one computation of "how much of the session did this person attend"
(the completion page, its tests and the STTP snapshot all take it from here): the days marked present
within the session's dates, over the session's days, rounded down (9 of 10 days is 90 %, 8.9 is 88 %:
a threshold is never passed by rounding up).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.core import audit
from app.core.errors import PermissionDenied
from app.core.models import utcnow
from app.extensions import db
from app.training.enrolment.services import accepted_enrolments
from app.training.models import AttendanceMark, Enrolment, TrainingSession
from app.training.permissions import can_manage_session
from app.training.states import SESSION_ACTIVE, TrainingError


def attendance_percent(present_days: int, session_days: int) -> int:
    """Percent of the session's days attended, rounded down; 0 for a session without days."""
    if session_days <= 0:
        return 0
    present_days = max(0, min(present_days, session_days))
    return present_days * 100 // session_days


def session_days(session: TrainingSession) -> list[date]:
    return [session.starts_on + timedelta(days=n) for n in range(session.days)]


def present_days_by_enrolment(session: TrainingSession) -> dict[int, int]:
    """{enrolment id: days marked present within the session's dates}, in one aggregate query."""
    present = func.sum(case((AttendanceMark.present.is_(True), 1), else_=0))
    stmt = (
        select(AttendanceMark.enrolment_id, present)
        .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        .where(
            Enrolment.session_id == session.id,
            AttendanceMark.day >= session.starts_on,
            AttendanceMark.day <= session.ends_on,
        )
        .group_by(AttendanceMark.enrolment_id)
    )
    return {enrolment_id: int(count or 0) for enrolment_id, count in db.session.execute(stmt)}


def attendance_percentages(session: TrainingSession) -> dict[int, int]:
    """{enrolment id: attendance percent} for every enrolment with marks (others attended 0 %)."""
    days = session.days
    return {eid: attendance_percent(n, days) for eid, n in present_days_by_enrolment(session).items()}


def marks_of_day(session: TrainingSession, day: date) -> dict[int, bool]:
    """{enrolment id: present} recorded for one day of the session."""
    stmt = (
        select(AttendanceMark.enrolment_id, AttendanceMark.present)
        .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        .where(Enrolment.session_id == session.id, AttendanceMark.day == day)
    )
    return dict(db.session.execute(stmt).tuples().all())


def check_can_record(session: TrainingSession, actor: Any) -> None:
    if not can_manage_session(actor, session):
        raise PermissionDenied(object_type="training_session", object_id=session.id)
    if session.status not in SESSION_ACTIVE:
        raise TrainingError(
            _l(
                "Angkatan ini sudah berstatus %(status)s; kehadiran tidak dapat diubah.",
                status=session.status.label,
            )
        )


def check_day(session: TrainingSession, day: date | None) -> date:
    if day is None or not session.starts_on <= day <= session.ends_on:
        raise TrainingError(_l("Pilih tanggal di dalam jadwal angkatan."), field="day")
    return day


def save_marks(
    session: TrainingSession, marks: Mapping[tuple[int, date], bool], actor: Any
) -> tuple[int, int]:
    """Write (enrolment id, day) → present, updating marks that exist (unique per enrolment and day).
    Every enrolment must be accepted in this session (checked by the callers). Returns (added, changed)."""
    if not marks:
        return 0, 0
    enrolment_ids = {eid for eid, _day in marks}
    days = {day for _eid, day in marks}
    existing = {
        (m.enrolment_id, m.day): m
        for m in db.session.scalars(
            select(AttendanceMark).where(
                AttendanceMark.enrolment_id.in_(enrolment_ids), AttendanceMark.day.in_(days)
            )
        )
    }
    added = changed = 0
    now, actor_id = utcnow(), getattr(actor, "id", None)
    for key, present in marks.items():
        mark = existing.get(key)
        if mark is None:
            db.session.add(
                AttendanceMark(
                    enrolment_id=key[0], day=key[1], present=present, recorded_at=now, recorded_by_id=actor_id
                )
            )
            added += 1
        elif mark.present != present:
            mark.present, mark.recorded_at, mark.recorded_by_id = present, now, actor_id
            changed += 1
    db.session.flush()
    return added, changed


def record_day(session: TrainingSession, day: date | None, present_ids: Iterable[int], actor: Any) -> int:
    """The roster of one day: every accepted participant is marked present (ticked) or absent.
    Returns how many participants were marked present."""
    check_can_record(session, actor)
    day = check_day(session, day)
    present = set(present_ids)
    participants = [e.id for e in accepted_enrolments(session)]
    unknown = present - set(participants)
    if unknown:
        raise TrainingError(_l("Daftar peserta berubah; muat ulang halaman lalu simpan kembali."))
    added, changed = save_marks(session, {(eid, day): eid in present for eid in participants}, actor)
    audit.record(
        "attendance.recorded",
        object_type="training_session",
        object_id=session.id,
        after={
            "day": day,
            "present": len(present),
            "participants": len(participants),
            "changed": changed + added,
        },
        actor=actor,
    )
    return len(present)
