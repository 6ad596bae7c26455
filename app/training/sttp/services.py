"""Completing a session and issuing its STTPs (training certificates).

The training officer reviews the participants on the completion page (app/training/enrolment), which
builds one `CompletionDecision` per accepted enrolment and calls `start_completion`. That records a
Job and enqueues the background work: each accepted enrolment is completed or failed as decided, each
completed one gets its STTP (number, PDF, snapshot) and its line in the JP ledger, the participants
are e-mailed, and the session is closed. The job is idempotent: run again after a crash it finishes
what is missing, with no duplicate numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.core.jobs import Job
from app.training.models import TrainingSession


@dataclass(frozen=True)
class CompletionDecision:
    enrolment_id: int
    completed: bool
    attendance_percent: int  # of the session's days, as the completion page computed it
    final_score: Decimal | None = None
    reason: str | None = None  # required when not completed; shown to the participant


def start_completion(session: TrainingSession, actor: Any, decisions: list[CompletionDecision]) -> Job:
    """Check and record the decisions, enqueue the completion job (after commit), return its Job."""
    raise NotImplementedError("built by the STTP work of issue 8")
