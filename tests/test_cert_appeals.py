"""Appeals (banding), at the service level: filing (window, one per decision, the candidate only),
every appeal transition legal and illegal, the panel (size, conflicts), the finding (uphold reopens
the candidacy for a re-assessment, dismiss e-mails the reasons), and can_issue_certificate in every
case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.certification.appeals import services
from app.certification.conflicts import ConflictKind, conflicts
from app.certification.models import (
    Appeal,
    Assessor,
    Candidacy,
    Decision,
    DeclaredConflict,
)
from app.certification.states import (
    APPEAL_LIFECYCLE,
    AppealAction,
    AppealGround,
    AppealStatus,
    AssessmentStatus,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
    Verdict,
)
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.models import local_today
from app.core.roles import Role
from app.extensions import db
from tests.certification_factories import (
    create_assessment,
    create_assessor,
    create_candidacy,
    create_decision,
    create_exam_session,
    create_scheme,
)
from tests.factories import create_user
from tests.training_factories import create_verified_person

STATEMENT = "Wawancara dilakukan 10 menit saja, tidak sesuai prosedur uji yang diumumkan."


@dataclass(frozen=True)
class Arranged:
    user_id: int
    person_id: int
    candidacy_id: int
    decision_id: int
    assessor_id: int  # assessed round 1
    scheme_id: int
    session_id: int
    fresh: list[int]  # assessors of the body who never met the candidate
    admin_id: int  # a board admin of the body


# Factories end their own app context, which detaches what the test loaded: everything a test needs
# is created by `arrange` (or before the test loads anything).


def arrange(
    app,
    result: Verdict = Verdict.BK,
    *,
    deadline: date | None = None,
    body: str = "LSPS",
    decided: bool = True,
    fresh: int = 0,
) -> Arranged:
    """A candidate (applicant account) whose candidacy was assessed by one assessor and decided."""
    user = create_user(app, Role.APPLICANT)
    person_id, registration_id = create_verified_person(app, user_id=user.id)
    scheme_id, version_id = create_scheme(app, body=body)
    session_id = create_exam_session(app, version_id, body=body, status=SessionStatus.DECIDED)
    candidacy_id = create_candidacy(app, session_id, version_id, person_id, registration_id)
    assessor_id, _ = create_assessor(app, body=body, scheme_ids=(scheme_id,), session_id=session_id)
    create_assessment(
        app, candidacy_id, assessor_id, recommendation=result, status=AssessmentStatus.SUBMITTED
    )
    decision_id = create_decision(app, candidacy_id, result, appeal_deadline=deadline) if decided else 0
    others = fresh_assessors(app, fresh, body=body, scheme_ids=(scheme_id,))
    return Arranged(
        user.id,
        person_id,
        candidacy_id,
        decision_id,
        assessor_id,
        scheme_id,
        session_id,
        others,
        admin(app, body),
    )


def fresh_assessors(app, n: int, body: str = "LSPS", **kwargs) -> list[int]:
    return [create_assessor(app, body=body, **kwargs)[0] for _ in range(n)]


def admin(app, body: str = "LSPS") -> int:
    return create_user(app, Role.BOARD_ADMIN, body_code=body).id


def get(model, id_):
    return db.session.get(model, id_)


def file(a: Arranged, **kwargs) -> Appeal:
    return services.file_appeal(
        get(Candidacy, a.candidacy_id),
        kwargs.pop("ground", AppealGround.PROCEDURE),
        kwargs.pop("statement", STATEMENT),
        get(User, kwargs.pop("actor", a.user_id)),
        **kwargs,
    )


def audited(action: str, object_id) -> bool:
    return (
        db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == action, AuditEvent.object_id == str(object_id))
        )
        is not None
    )


# --- Filing ----------------------------------------------------------------------------------------


def test_the_candidate_files_an_appeal_and_gets_a_receipt(app, ctx, outbox):
    a = arrange(app)
    appeal = file(a)
    db.session.commit()
    assert appeal.status == AppealStatus.FILED
    assert appeal.decision_id == a.decision_id
    assert appeal.body_code == "LSPS"
    assert [(e.from_status, e.to_status) for e in appeal.events] == [(None, AppealStatus.FILED)]
    assert audited("appeal.file", appeal.id)
    person = get(Candidacy, a.candidacy_id).person
    body = outbox.body(outbox.last_to(person.email))
    assert body.startswith(f"Yth. {person.full_name},")
    assert "Prosedur uji tidak diikuti" in body
    assert "Hormat kami," in body


def test_only_the_candidate_may_appeal(app, ctx):
    a = arrange(app)
    stranger = create_user(app, Role.APPLICANT).id
    board_admin = admin(app)
    for actor in (stranger, board_admin):
        with pytest.raises(PermissionDenied):
            file(a, actor=actor)
    assert db.session.scalar(select(Appeal.id).where(Appeal.candidacy_id == a.candidacy_id)) is None


def test_the_window_includes_the_deadline_day_and_not_the_day_after(app, ctx):
    deadline = date(2031, 3, 10)  # years away: an ignored `on` would fail
    a = arrange(app, deadline=deadline)
    with pytest.raises(CertificationError) as refused:
        file(a, on=deadline + timedelta(days=1))
    assert "Masa banding atas hasil ini sudah berakhir pada 10 Maret 2031" in refused.value.message
    assert file(a, on=deadline).status == AppealStatus.FILED


def test_the_window_by_today(app, ctx):
    late = arrange(app, deadline=local_today() - timedelta(days=1))
    with pytest.raises(CertificationError, match="sudah berakhir"):
        file(late)
    assert file(arrange(app, deadline=local_today())).status == AppealStatus.FILED


def test_a_double_submission_is_refused_with_a_clear_message(app, ctx):
    a = arrange(app)
    file(a)
    with pytest.raises(CertificationError) as refused:
        file(a)
    assert "sudah mengajukan banding atas hasil ini" in refused.value.message
    assert len(db.session.scalars(select(Appeal).where(Appeal.candidacy_id == a.candidacy_id)).all()) == 1


def test_a_concurrent_twin_caught_by_the_database_gets_the_same_message(app, ctx, monkeypatch):
    a = arrange(app)
    file(a)
    # The twin passed the check before the first was written: the unique indexes refuse it.
    monkeypatch.setattr(services, "filing_blocked", lambda candidacy, on=None: None)
    with pytest.raises(CertificationError) as refused:
        file(a)
    assert refused.value.message == services.ALREADY_OPEN
    assert len(db.session.scalars(select(Appeal).where(Appeal.candidacy_id == a.candidacy_id)).all()) == 1


def test_a_decision_is_appealed_once_even_after_a_withdrawal(app, ctx):
    a = arrange(app)
    appeal = file(a)
    services.withdraw(appeal, get(User, a.user_id))
    with pytest.raises(CertificationError, match=r"sudah pernah diajukan \(status: Dicabut\)"):
        file(a)


def test_only_a_decided_candidacy_can_be_appealed(app, ctx):
    a = arrange(app, decided=False)
    with pytest.raises(CertificationError, match="sudah diputuskan"):
        file(a)


def test_only_the_current_decision_can_be_appealed(app, ctx):
    a = arrange(app)
    with pytest.raises(CertificationError, match="digantikan oleh keputusan baru"):
        file(a, decision_id=a.decision_id + 1000)
    assert file(a, decision_id=a.decision_id).decision_id == a.decision_id


@pytest.mark.parametrize(
    ("ground", "statement", "field", "message"),
    [
        ("procedure", "   ", "statement", "Mohon jelaskan keberatan Anda"),
        ("procedure", "x" * (services.STATEMENT_MAX + 1), "statement", "Maksimal 4000 karakter."),
        ("bribery", STATEMENT, "ground", "Pilih alasan banding."),
        (None, STATEMENT, "ground", "Pilih alasan banding."),
    ],
    ids=["blank", "too-long", "unknown-ground", "no-ground"],
)
def test_bad_input_is_refused_beside_its_field(app, ctx, ground, statement, field, message):
    a = arrange(app)
    with pytest.raises(CertificationError) as refused:
        file(a, ground=ground, statement=statement)
    assert list(refused.value.errors) == [field]
    assert message in str(refused.value.errors[field][0])


def test_a_k_candidate_may_appeal_the_procedure(app, ctx):
    a = arrange(app, Verdict.K)
    assert file(a, ground=AppealGround.DISCRIMINATION).status == AppealStatus.FILED


# --- Every transition, legal and illegal -----------------------------------------------------------


def _to_status(app, a: Arranged, status: AppealStatus) -> Appeal:
    """An appeal in `status`, reached through the services."""
    appeal = file(a)
    board = get(User, a.admin_id)
    if status == AppealStatus.WITHDRAWN:
        services.withdraw(appeal, get(User, a.user_id))
    elif status != AppealStatus.FILED:
        services.form_panel(appeal, a.fresh[:2], board)
        if status == AppealStatus.UPHELD:
            services.uphold(appeal, "Prosedur wawancara tidak diikuti.", board)
        elif status == AppealStatus.DISMISSED:
            services.dismiss(appeal, "Prosedur sudah diikuti.", board)
    assert appeal.status == status
    return appeal


def _act(app, a: Arranged, appeal: Appeal, action: AppealAction) -> None:
    board = get(User, a.admin_id)
    if action == AppealAction.FORM_PANEL:
        services.form_panel(appeal, a.fresh[1:], board)
    elif action == AppealAction.UPHOLD:
        services.uphold(appeal, "Temuan panel.", board)
    elif action == AppealAction.DISMISS:
        services.dismiss(appeal, "Temuan panel.", board)
    else:
        services.withdraw(appeal, get(User, a.user_id))


EXPECTED = {  # written out, not read from the lifecycle: the table itself is under test
    AppealStatus.FILED: {
        AppealAction.FORM_PANEL: AppealStatus.UNDER_REVIEW,
        AppealAction.WITHDRAW: AppealStatus.WITHDRAWN,
    },
    AppealStatus.UNDER_REVIEW: {
        AppealAction.UPHOLD: AppealStatus.UPHELD,
        AppealAction.DISMISS: AppealStatus.DISMISSED,
    },
    AppealStatus.UPHELD: {},
    AppealStatus.DISMISSED: {},
    AppealStatus.WITHDRAWN: {},
}


@pytest.mark.parametrize("status", list(AppealStatus))
def test_every_appeal_transition(app, ctx, status):
    """From each status: every illegal action is refused (nothing changes), every legal one leads
    to its status with a timeline event and an audit entry."""
    a = arrange(app, fresh=3)
    appeal = _to_status(app, a, status)
    for action in set(AppealAction) - set(EXPECTED[status]):
        with pytest.raises(CertificationError, match=f"sudah berstatus {status.label}"):
            _act(app, a, appeal, action)
        assert get(Appeal, appeal.id).status == status
    for action, target in EXPECTED[status].items():
        b = arrange(app, fresh=3)
        appeal = _to_status(app, b, status)
        _act(app, b, appeal, action)
        assert appeal.status == target
        assert appeal.events[-1].to_status == target
        assert audited(f"appeal.{action}", appeal.id)


def test_the_ui_offers_only_legal_actions():
    assert APPEAL_LIFECYCLE.allowed_actions(AppealStatus.FILED) == [
        AppealAction.FORM_PANEL,
        AppealAction.WITHDRAW,
    ]
    assert APPEAL_LIFECYCLE.allowed_actions(AppealStatus.UNDER_REVIEW) == [
        AppealAction.UPHOLD,
        AppealAction.DISMISS,
    ]
    for status in (AppealStatus.UPHELD, AppealStatus.DISMISSED, AppealStatus.WITHDRAWN):
        assert APPEAL_LIFECYCLE.allowed_actions(status) == []


def test_only_the_candidate_withdraws_and_only_the_body_decides(app, ctx):
    a = arrange(app, fresh=2)
    stranger_id, other_admin_id = create_user(app, Role.APPLICANT).id, admin(app, "LSPENSOS")
    appeal = file(a)
    with pytest.raises(PermissionDenied):
        services.withdraw(appeal, get(User, stranger_id))
    other_body = get(User, other_admin_id)
    with pytest.raises(PermissionDenied):
        services.form_panel(appeal, a.fresh[:2], other_body)
    services.form_panel(appeal, a.fresh[:2], get(User, a.admin_id))
    for decide in (services.uphold, services.dismiss):
        with pytest.raises(PermissionDenied):
            decide(appeal, "Temuan.", other_body)
    assert appeal.status == AppealStatus.UNDER_REVIEW


# --- The panel -------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 4])
def test_a_panel_of_the_wrong_size_is_refused(app, ctx, size):
    a = arrange(app, fresh=3)
    ids = (a.fresh + fresh_assessors(app, 1))[:size]
    appeal = file(a)
    with pytest.raises(CertificationError) as refused:
        services.form_panel(appeal, ids, get(User, a.admin_id))
    assert f"2 sampai 3 asesor; Anda memilih {size}" in refused.value.message
    assert appeal.status == AppealStatus.FILED and appeal.panel == []


@pytest.mark.parametrize("size", [2, 3])
def test_a_panel_of_two_or_three_puts_the_appeal_under_review(app, ctx, size):
    a = arrange(app, fresh=3)
    ids = a.fresh[:size]
    appeal = file(a)
    services.form_panel(appeal, ids + ids[:1], get(User, a.admin_id))  # a repeated id counts once
    assert appeal.status == AppealStatus.UNDER_REVIEW
    assert [m.assessor_id for m in appeal.panel] == ids
    assert audited("appeal.form_panel", appeal.id)


def _refusals(app, a: Arranged, appeal: Appeal, ids: list[int]) -> list[str]:
    with pytest.raises(CertificationError) as refused:
        services.form_panel(appeal, ids, get(User, a.admin_id))
    assert appeal.status == AppealStatus.FILED
    return [str(m) for m in refused.value.errors["assessors"]]


def test_the_assessor_who_assessed_the_candidacy_is_refused_and_a_fresh_one_accepted(app, ctx):
    a = arrange(app, fresh=2)
    first, second = a.fresh[:2]
    appeal = file(a)
    involved = get(Assessor, a.assessor_id)
    refusals = _refusals(app, a, appeal, [a.assessor_id, first])
    assert refusals == [f"{involved.name}: Asesor sudah terlibat dalam asesmen asesi ini."]
    services.form_panel(appeal, [first, second], get(User, a.admin_id))
    assert appeal.status == AppealStatus.UNDER_REVIEW


def test_each_refused_assessor_is_named_with_every_reason(app, ctx):
    a = arrange(app, fresh=3)
    fresh, declared, inactive = a.fresh
    (expired,) = fresh_assessors(app, 1, licence_valid_until=local_today() - timedelta(days=1))
    (other_body,) = fresh_assessors(app, 1, body="LSPENSOS")
    appeal = file(a)
    db.session.add(DeclaredConflict(assessor_id=declared, person_id=a.person_id, reason="Saudara sepupu."))
    get(Assessor, inactive).active = False
    db.session.flush()
    cases = {
        declared: "Asesor telah menyatakan konflik kepentingan: Saudara sepupu.",
        inactive: "Asesor tidak aktif.",
        expired: "Masa berlaku lisensi asesor sudah berakhir.",
    }
    for assessor_id, reason in cases.items():
        name = get(Assessor, assessor_id).name
        assert _refusals(app, a, appeal, [fresh, assessor_id]) == [f"{name}: {reason}"]
    assert _refusals(app, a, appeal, [fresh, other_body]) == [
        f"Asesor #{other_body} bukan asesor lembaga ini."
    ]
    assert _refusals(app, a, appeal, [fresh, 999999]) == ["Asesor #999999 bukan asesor lembaga ini."]


def test_panel_choices_are_the_bodys_active_licensed_assessors(app, ctx):
    a = arrange(app, fresh=1)
    fresh = a.fresh[0]
    (expired,) = fresh_assessors(app, 1, licence_valid_until=local_today() - timedelta(days=1))
    (other_body,) = fresh_assessors(app, 1, body="LSPENSOS")
    appeal = file(a)
    chosen = {assessor.id for assessor in services.panel_choices(appeal)}
    assert fresh in chosen and a.assessor_id in chosen
    assert expired not in chosen and other_body not in chosen
    assert services.involved_assessor_ids(appeal.candidacy) == {a.assessor_id}


# --- The finding -----------------------------------------------------------------------------------


def _under_review(app, a: Arranged) -> Appeal:
    appeal = file(a)
    services.form_panel(appeal, a.fresh[:2], get(User, a.admin_id))
    return appeal


def test_uphold_reopens_the_candidacy_for_a_reassessment_in_round_two(app, ctx, outbox):
    a = arrange(app, fresh=3)
    appeal = _under_review(app, a)
    candidacy = get(Candidacy, a.candidacy_id)
    candidacy.flag = "disagreement"
    candidacy.flag_resolution = "Diputuskan pleno."
    db.session.flush()
    services.uphold(appeal, "  Wawancara tidak sesuai prosedur.  ", get(User, a.admin_id))
    db.session.commit()
    assert appeal.status == AppealStatus.UPHELD
    assert appeal.finding == "Wawancara tidak sesuai prosedur."
    assert appeal.decided_at is not None and appeal.decided_by_id is not None
    assert candidacy.status == CandidacyStatus.REASSESSING
    assert (candidacy.round, candidacy.flag, candidacy.flag_resolution) == (2, None, None)
    assert candidacy.events[-1].from_status == CandidacyStatus.DECIDED
    assert candidacy.events[-1].to_status == CandidacyStatus.REASSESSING
    assert audited("candidacy.reopen", candidacy.id)
    # The appealed decision stays current until the plenary decides the re-assessment.
    assert candidacy.decision.id == a.decision_id
    # A fresh assignment of the round-1 assessor is a conflict (previous attempt); a new one is not.
    old = get(Assessor, a.assessor_id)
    assert [c.kind for c in conflicts(old, candidacy)] == [ConflictKind.PREVIOUS_ATTEMPT]
    assert conflicts(get(Assessor, a.fresh[2]), candidacy) == []
    body = outbox.body(outbox.last_to(candidacy.person.email))
    assert "menerima banding Anda" in body and "Wawancara tidak sesuai prosedur." in body


def test_dismiss_keeps_the_result_and_emails_the_reasons(app, ctx, outbox):
    a = arrange(app, fresh=2)
    appeal = _under_review(app, a)
    services.dismiss(appeal, "Rekaman wawancara menunjukkan prosedur diikuti.", get(User, a.admin_id))
    db.session.commit()
    candidacy = get(Candidacy, a.candidacy_id)
    assert appeal.status == AppealStatus.DISMISSED
    assert candidacy.status == CandidacyStatus.DECIDED and candidacy.round == 1
    assert appeal.events[-1].reason == "Rekaman wawancara menunjukkan prosedur diikuti."
    body = outbox.body(outbox.last_to(candidacy.person.email))
    assert body.startswith(f"Yth. {candidacy.person.full_name},")
    assert "menolak banding Anda" in body and "Hasil uji tetap: Belum Kompeten" in body
    assert "Rekaman wawancara menunjukkan prosedur diikuti." in body
    assert "Hormat kami," in body


@pytest.mark.parametrize("decide", [services.uphold, services.dismiss])
@pytest.mark.parametrize(
    ("finding", "message"),
    [("", "Mohon tuliskan temuan panel dan alasannya."), ("x" * 4001, "Maksimal 4000 karakter.")],
    ids=["empty", "too-long"],
)
def test_a_finding_is_required_and_bounded(app, ctx, decide, finding, message):
    a = arrange(app, fresh=2)
    appeal = _under_review(app, a)
    with pytest.raises(CertificationError) as refused:
        decide(appeal, finding, get(User, a.admin_id))
    assert (refused.value.field, str(refused.value.message)) == ("finding", message)
    assert appeal.status == AppealStatus.UNDER_REVIEW


def test_record_finding_refuses_an_unknown_action(app, ctx):
    a = arrange(app, fresh=2)
    appeal = _under_review(app, a)
    for action in (None, "withdraw", "approve"):
        with pytest.raises(CertificationError, match="Pilih temuan panel"):
            services.record_finding(appeal, action, "Temuan.", get(User, a.admin_id))


# --- can_issue_certificate -------------------------------------------------------------------------


def _issuable(candidacy_id: int) -> tuple[bool, str | None]:
    candidacy = get(Candidacy, candidacy_id)
    db.session.refresh(candidacy)
    reason = services.why_not_issuable(candidacy)
    assert services.held_back([candidacy]).get(candidacy.id) == reason
    return services.can_issue_certificate(candidacy), reason


def test_not_decided_is_not_issuable(app, ctx):
    a = arrange(app, decided=False)
    assert _issuable(a.candidacy_id) == (False, "Belum diputuskan")


def test_k_without_an_appeal_is_issuable_and_bk_is_not(app, ctx):
    assert _issuable(arrange(app, Verdict.K).candidacy_id) == (True, None)
    assert _issuable(arrange(app, Verdict.BK).candidacy_id) == (False, "Hasil: Belum Kompeten")


def test_an_appeal_by_a_k_candidate_holds_the_certificate_until_dismissed(app, ctx):
    a = arrange(app, Verdict.K, fresh=2)
    appeal = file(a)
    assert _issuable(a.candidacy_id) == (False, "Banding masih diproses")
    services.form_panel(appeal, a.fresh[:2], get(User, a.admin_id))
    assert _issuable(a.candidacy_id) == (False, "Banding masih diproses")
    services.dismiss(appeal, "Prosedur diikuti.", get(User, a.admin_id))
    assert _issuable(a.candidacy_id) == (True, None)


def test_a_withdrawn_appeal_no_longer_holds_the_certificate(app, ctx):
    a = arrange(app, Verdict.K)
    services.withdraw(file(a), get(User, a.user_id))
    assert _issuable(a.candidacy_id) == (True, None)


def test_a_bk_candidates_open_appeal_is_named_first(app, ctx):
    a = arrange(app, Verdict.BK)
    file(a)
    assert _issuable(a.candidacy_id) == (False, "Banding masih diproses")


def test_upheld_is_reassessing_until_a_new_decision_supersedes_the_old(app, ctx):
    a = arrange(app, Verdict.K, fresh=2)
    appeal = _under_review(app, a)
    services.uphold(appeal, "Konflik kepentingan asesor terbukti.", get(User, a.admin_id))
    db.session.commit()
    assert _issuable(a.candidacy_id) == (False, "Sedang asesmen ulang")
    new_decision = create_decision(app, a.candidacy_id, Verdict.BK)
    assert get(Decision, a.decision_id).superseded_by_id == new_decision
    assert _issuable(a.candidacy_id) == (False, "Hasil: Belum Kompeten")


def test_a_reassessment_found_competent_is_issuable(app, ctx):
    a = arrange(app, Verdict.BK, fresh=2)
    appeal = _under_review(app, a)
    services.uphold(appeal, "Prosedur tidak diikuti.", get(User, a.admin_id))
    db.session.commit()
    create_decision(app, a.candidacy_id, Verdict.K)
    assert _issuable(a.candidacy_id) == (True, None)
    # The new decision may itself be appealed (a new window, a new appeal).
    assert file(a).decision_id != a.decision_id


def test_held_back_answers_for_a_list_in_a_fixed_number_of_queries(app, ctx):
    from sqlalchemy import event

    arranged = [arrange(app, Verdict.K) for _ in range(3)] + [arrange(app, Verdict.BK)]
    file(arranged[0])
    candidacies = [get(Candidacy, a.candidacy_id) for a in arranged]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.session.connection(), "before_cursor_execute", listener)
    try:
        reasons = services.held_back(candidacies)
    finally:
        event.remove(db.session.connection(), "before_cursor_execute", listener)
    assert len(statements) == 2
    assert reasons == {
        arranged[0].candidacy_id: "Banding masih diproses",
        arranged[3].candidacy_id: "Hasil: Belum Kompeten",
    }
    assert services.held_back([]) == {}
