"""Where a candidacy's assessment stands in its current round, from its assessments alone.

The rules (issue 9 §5):
- Every round needs a submitted first assessment. A second is needed when the scheme version always
  requires one, or when the board disputed the first (`Candidacy.flag == FLAG_DISPUTED`).
- When first and second recommendations differ, the candidacy is flagged FLAG_DISAGREEMENT. A third
  assessor's submitted recommendation resolves it; otherwise the plenary resolves it with a recorded
  note (`Candidacy.flag_resolution`).
- Superseded assessments (corrected) do not count; their correction does.

Which methods apply (`assessed_methods`): a renewal by portfolio review (`Candidacy.portfolio_review`,
the certificate's scheme version allows it) is scored by the portfolio method alone and needs no
attendance (`needs_attendance`); any other candidacy by every method of its scheme version. The
scoring form and the scoring service's cells and completeness check read this one rule; `outcome`
counts submitted assessments only, and a submission is complete by this rule.

`outcome(candidacy)` says whether the candidacy is ready for the plenary, the recommendation the
plenary starts from, and what is still missing. Scoring flags disagreements with `disagreement()`;
the plenary list reads `outcome()` (load the candidacies' assessments in one query first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.certification.states import AssessmentMethod, AssessmentStatus, AssessorRole, Verdict

FLAG_DISAGREEMENT = "disagreement"  # first and second recommendations differ
FLAG_DISPUTED = "disputed"  # the board disputed the first recommendation: a second assessor scores


@dataclass(frozen=True)
class Outcome:
    ready: bool  # every needed assessment is submitted (a disagreement may still need the plenary)
    recommendation: Verdict | None  # what the assessors recommend (None while missing or disagreeing)
    missing: str | None  # what is still missing, for the board admin
    disagreement: bool  # first and second differ and no third assessor resolved it


def assessed_methods(candidacy) -> list[AssessmentMethod]:
    """The methods the assessors score `candidacy` by, in order: the portfolio alone for a renewal by
    portfolio review, else every method of its scheme version."""
    if candidacy.portfolio_review:
        return [AssessmentMethod.PORTFOLIO]
    return candidacy.version.method_list


def needs_attendance(candidacy) -> bool:
    """Whether the candidate attends the assessment (and so may be marked absent): not for a
    portfolio review."""
    return not candidacy.portfolio_review


NO_ATTENDANCE = _l(
    "Asesi ini menjalani resertifikasi dengan telaah portofolio dan tidak perlu hadir; asesi tidak dapat "
    "ditandai tidak hadir. Minta asesor menyelesaikan penilaian portofolionya."
)


def live(assessments: Iterable, round_: int) -> dict[AssessorRole, object]:
    """The current (not superseded) assessment of each role in the round."""
    by_role: dict[AssessorRole, object] = {}
    for assessment in sorted(assessments, key=lambda a: a.id):
        if assessment.round == round_ and assessment.status != AssessmentStatus.SUPERSEDED:
            by_role[AssessorRole(assessment.role)] = assessment
    return by_role


def needs_second(candidacy) -> bool:
    return bool(candidacy.version.second_assessor_required) or candidacy.flag == FLAG_DISPUTED


def disagreement(assessments: Iterable, round_: int) -> bool:
    """First and second both submitted with different recommendations."""
    by_role = live(assessments, round_)
    first, second = by_role.get(AssessorRole.FIRST), by_role.get(AssessorRole.SECOND)
    return (
        first is not None
        and second is not None
        and first.status == AssessmentStatus.SUBMITTED
        and second.status == AssessmentStatus.SUBMITTED
        and first.recommendation != second.recommendation
    )


def outcome(candidacy, assessments: Iterable) -> Outcome:
    """The state of `candidacy`'s current round given its assessments (any rounds; filtered here)."""
    by_role = live(assessments, candidacy.round)

    def submitted(role: AssessorRole):
        a = by_role.get(role)
        return a if a is not None and a.status == AssessmentStatus.SUBMITTED else None

    first, second, third = (submitted(role) for role in AssessorRole)
    if first is None:
        missing = _l("Asesor pertama belum ditugaskan.") if AssessorRole.FIRST not in by_role else None
        return Outcome(False, None, str(missing or _l("Penilaian asesor pertama belum dikirim.")), False)
    if needs_second(candidacy) and second is None:
        missing = (
            _l("Asesor kedua belum ditugaskan.")
            if AssessorRole.SECOND not in by_role
            else _l("Penilaian asesor kedua belum dikirim.")
        )
        return Outcome(False, None, str(missing), False)
    if second is not None and second.recommendation != first.recommendation:
        if third is not None:
            return Outcome(True, third.recommendation, None, False)
        if AssessorRole.THIRD in by_role:
            return Outcome(False, None, str(_l("Penilaian asesor ketiga belum dikirim.")), True)
        return Outcome(True, None, None, True)  # the plenary resolves it, with a note
    return Outcome(True, first.recommendation, None, False)
