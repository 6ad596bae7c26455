"""The outcome of a candidacy's assessment round (app/certification/outcome.py), on plain objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

import pytest

from app.certification.outcome import FLAG_DISPUTED, disagreement, outcome
from app.certification.states import AssessmentStatus, AssessorRole, Verdict

_ids = count(1)
FIRST, SECOND, THIRD = AssessorRole.FIRST, AssessorRole.SECOND, AssessorRole.THIRD
DRAFT, SUBMITTED, SUPERSEDED = AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.SUPERSEDED
K, BK = Verdict.K, Verdict.BK


@dataclass
class Version:
    second_assessor_required: bool = False


@dataclass
class Candidacy:
    round: int = 1
    flag: str | None = None
    version: Version = field(default_factory=Version)


@dataclass
class Assessment:
    role: AssessorRole
    status: AssessmentStatus
    recommendation: Verdict | None = None
    round: int = 1
    id: int = field(default_factory=lambda: next(_ids))


def test_nothing_assigned_is_not_ready():
    result = outcome(Candidacy(), [])
    assert not result.ready and result.recommendation is None
    assert result.missing == "Asesor pertama belum ditugaskan."


def test_a_draft_first_assessment_is_not_ready():
    result = outcome(Candidacy(), [Assessment(FIRST, DRAFT, K)])
    assert not result.ready and result.missing == "Penilaian asesor pertama belum dikirim."


@pytest.mark.parametrize("verdict", [K, BK])
def test_one_submitted_assessment_is_enough_without_a_second_rule(verdict):
    result = outcome(Candidacy(), [Assessment(FIRST, SUBMITTED, verdict)])
    assert result.ready and result.recommendation == verdict and not result.disagreement


def test_a_scheme_requiring_a_second_assessor_waits_for_them():
    candidacy = Candidacy(version=Version(second_assessor_required=True))
    first = Assessment(FIRST, SUBMITTED, K)
    assert outcome(candidacy, [first]).missing == "Asesor kedua belum ditugaskan."
    assert (
        outcome(candidacy, [first, Assessment(SECOND, DRAFT)]).missing
        == "Penilaian asesor kedua belum dikirim."
    )
    result = outcome(candidacy, [first, Assessment(SECOND, SUBMITTED, K)])
    assert result.ready and result.recommendation == K


def test_a_disputed_first_recommendation_needs_a_second_assessor():
    candidacy = Candidacy(flag=FLAG_DISPUTED)
    assert not outcome(candidacy, [Assessment(FIRST, SUBMITTED, K)]).ready


def test_a_disagreement_goes_to_the_third_assessor_or_the_plenary():
    candidacy = Candidacy(version=Version(second_assessor_required=True))
    pair = [Assessment(FIRST, SUBMITTED, K), Assessment(SECOND, SUBMITTED, BK)]
    assert disagreement(pair, 1)
    plenary = outcome(candidacy, pair)
    assert plenary.ready and plenary.disagreement and plenary.recommendation is None
    waiting = outcome(candidacy, [*pair, Assessment(THIRD, DRAFT)])
    assert not waiting.ready and waiting.disagreement
    resolved = outcome(candidacy, [*pair, Assessment(THIRD, SUBMITTED, BK)])
    assert resolved.ready and resolved.recommendation == BK and not resolved.disagreement


def test_a_correction_replaces_the_superseded_assessment():
    old = Assessment(FIRST, SUPERSEDED, BK)
    correction = Assessment(FIRST, SUBMITTED, K)
    result = outcome(Candidacy(), [old, correction])
    assert result.ready and result.recommendation == K
    assert not outcome(Candidacy(), [old]).ready


def test_only_the_current_round_counts():
    earlier = Assessment(FIRST, SUBMITTED, BK, round=1)
    candidacy = Candidacy(round=2)
    assert not outcome(candidacy, [earlier]).ready
    result = outcome(candidacy, [earlier, Assessment(FIRST, SUBMITTED, K, round=2)])
    assert result.ready and result.recommendation == K
    assert not disagreement([earlier, Assessment(SECOND, SUBMITTED, K, round=2)], 2)
