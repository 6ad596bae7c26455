"""The completion review: what the training officer sees and decides before a session is completed.

For each accepted participant: the attendance percent (attendance.py, one aggregate query), the
programme's threshold, the final score (0–100; needed when the programme has a pass score) and the
proposed outcome. Exceptions (attendance below the threshold, score missing or below the pass score)
are listed first and are "not completed": completion requires the programme's attendance threshold
(and pass score), so no override makes them complete — when the attendance or the score was recorded
wrongly, the officer corrects it and reviews again. The reason sent to the participant is the officer's
note, or the exceptions themselves when none is written. The officer never completes an exception. The
decisions go to `sttp.services.start_completion`, which completes the session in the background.

Form fields (one form for the whole session): `nilai-<id>` and `catatan-<id>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from app.core.errors import PermissionDenied
from app.training.enrolment.attendance import attendance_percentages
from app.training.enrolment.services import accepted_enrolments, status_counts
from app.training.models import Enrolment, TrainingSession
from app.training.permissions import can_manage_session
from app.training.states import EnrolmentStatus, SessionStatus, TrainingError
from app.training.sttp import services as sttp_services
from app.training.sttp.services import CompletionDecision

COMPLETE, FAIL = "complete", "fail"
NOTE_MAX = 1000


@dataclass
class ReviewRow:
    enrolment: Enrolment
    percent: int
    score_text: str = ""
    score: Decimal | None = None
    exceptions: list[str] = field(default_factory=list)
    choice: str = COMPLETE
    note: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return self.choice == COMPLETE

    @property
    def reason(self) -> str | None:
        if self.completed:
            return self.note or None
        return self.note or "; ".join(self.exceptions)


@dataclass
class CompletionReview:
    session: TrainingSession
    threshold: int
    pass_score: Decimal | None
    rows: list[ReviewRow]
    undecided: int = 0  # applications still waiting for a decision (they are left as they are)

    @property
    def exceptions(self) -> list[ReviewRow]:
        return [r for r in self.rows if r.exceptions]

    @property
    def regular(self) -> list[ReviewRow]:
        return [r for r in self.rows if not r.exceptions]

    @property
    def has_errors(self) -> bool:
        return any(r.errors for r in self.rows)

    @property
    def completed_count(self) -> int:
        return sum(1 for r in self.rows if r.completed)

    @property
    def failed_count(self) -> int:
        return len(self.rows) - self.completed_count

    def decisions(self) -> list[CompletionDecision]:
        return [
            CompletionDecision(
                enrolment_id=r.enrolment.id,
                completed=r.completed,
                attendance_percent=r.percent,
                final_score=r.score,
                reason=r.reason,
            )
            for r in self.rows
        ]


def blocked_reason(session: TrainingSession) -> Any | None:
    """Why the session cannot be completed now (shown beside the disabled button), or None."""
    if session.status == SessionStatus.CLOSED:
        return _l("Angkatan ini sudah diselesaikan.")
    if session.status == SessionStatus.CANCELLED:
        return _l("Angkatan ini dibatalkan.")
    not_ended = sttp_services.not_ended_reason(session)
    if not_ended is not None:
        return not_ended
    if session.status != SessionStatus.RUNNING:
        return _l("Angkatan dapat diselesaikan setelah berstatus Berlangsung.")
    if session.seats_taken <= 0:
        return _l("Belum ada peserta yang diterima.")
    return None


def parse_score(text: str) -> tuple[Decimal | None, str | None]:
    """A final score 0–100 with at most two decimals ("85", "85,5", "85.25"); (None, None) when empty."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None, None
    try:
        score = Decimal(text)
    except InvalidOperation:
        return None, str(_l("Nilai harus berupa angka 0–100."))
    if (
        not score.is_finite()
        or not Decimal(0) <= score <= Decimal(100)
        or score != score.quantize(Decimal("0.01"))
    ):
        return None, str(_l("Nilai harus berupa angka 0–100 (paling banyak dua angka desimal)."))
    return score, None


def review(session: TrainingSession, data: Mapping[str, str] | None = None) -> CompletionReview:
    """Every accepted participant with their attendance, score, exceptions and the officer's choice
    (from `data`, the submitted form, when given)."""
    data = data or {}
    programme = session.programme
    percents = attendance_percentages(session)
    rows = []
    for enrolment in accepted_enrolments(session):
        row = ReviewRow(enrolment, percents.get(enrolment.id, 0))
        score_default = "" if enrolment.final_score is None else str(enrolment.final_score)
        row.score_text = str(data.get(f"nilai-{enrolment.id}", score_default) or "").strip()[:20]
        row.score, error = parse_score(row.score_text)
        if error:
            row.errors.append(error)
        if row.percent < programme.attendance_threshold:
            row.exceptions.append(
                str(
                    _l(
                        "Kehadiran %(percent)s%% di bawah batas %(threshold)s%%.",
                        percent=row.percent,
                        threshold=programme.attendance_threshold,
                    )
                )
            )
        if programme.pass_score is not None and not error:
            if row.score is None:
                row.exceptions.append(str(_l("Nilai akhir belum diisi.")))
            elif row.score < programme.pass_score:
                row.exceptions.append(
                    str(
                        _l(
                            "Nilai %(score)s di bawah nilai lulus %(pass_score)s.",
                            score=row.score,
                            pass_score=programme.pass_score,
                        )
                    )
                )
        row.note = str(data.get(f"catatan-{enrolment.id}", "") or "").strip()
        if len(row.note) > NOTE_MAX:
            row.errors.append(str(_l("Maksimal %(n)s karakter.", n=NOTE_MAX)))
        if row.exceptions:
            row.choice = FAIL
        rows.append(row)
    rows.sort(key=lambda r: (not r.exceptions,))  # exceptions first, otherwise in name order
    undecided = sum(
        n
        for status, n in status_counts(session).items()
        if status in (EnrolmentStatus.APPLIED, EnrolmentStatus.WAIT_LISTED)
    )
    return CompletionReview(session, programme.attendance_threshold, programme.pass_score, rows, undecided)


def complete_session(session: TrainingSession, actor: Any, data: Mapping[str, str]):
    """Check the review once more and hand the decisions to the STTP work; returns its Job."""
    if not can_manage_session(actor, session):
        raise PermissionDenied(object_type="training_session", object_id=session.id)
    blocked = blocked_reason(session)
    if blocked is not None:
        raise TrainingError(blocked)
    result = review(session, data)
    if result.has_errors:
        raise TrainingError(_l("Periksa kembali isian yang ditandai."))
    if not result.rows:
        raise TrainingError(_l("Belum ada peserta yang diterima."))
    return sttp_services.start_completion(session, actor, result.decisions())
