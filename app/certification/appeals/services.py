"""Appeals (banding) against a plenary decision, and whether a certificate may be issued.

- `file_appeal`: the candidate appeals the current decision of their candidacy, until the decision's
  `appeal_deadline` inclusive, once per decision (`uq_appeals_open` and the unique `decision_id`
  refuse a concurrent twin too). The candidate gets a receipt by e-mail.
- `form_panel`: a board admin of the body names 2–3 registry assessors of the body, active and
  licensed on the day, none with a conflict of interest (`conflicts(..., for_appeal=True)`: also
  "already involved in this candidacy's assessment").
- `uphold` / `dismiss`: the board admin records the panel's finding (required). Upheld: the
  candidacy reopens for a re-assessment (round + 1, flag cleared): the board assigns new assessors
  (the earlier round's assessors are then a PREVIOUS_ATTEMPT conflict) and the plenary decides the
  re-assessment with a decision that supersedes the appealed one. Dismissed: the result stands. The
  finding is e-mailed to the candidate either way.
- `withdraw`: the candidate withdraws an appeal no panel has taken up yet.
- `can_issue_certificate` / `why_not_issuable`: the certificate issue calls them; `held_back` answers
  for a whole list in a fixed number of queries.

Every change goes through APPEAL_LIFECYCLE / CANDIDACY_LIFECYCLE (compare-and-set, timeline event,
audit entry). Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.certification.conflicts import conflicts
from app.certification.models import (
    Appeal,
    AppealPanelMember,
    Assessment,
    Assessor,
    Candidacy,
    Decision,
    Decree,
)
from app.certification.permissions import acts_for_body, is_candidate
from app.certification.states import (
    APPEAL_LIFECYCLE,
    APPEAL_OPEN,
    CANDIDACY_LIFECYCLE,
    AppealAction,
    AppealGround,
    AppealStatus,
    CandidacyAction,
    CandidacyStatus,
    CertificationError,
    Verdict,
)
from app.core import audit, mail
from app.core.display import long_date
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.permissions import body_filter
from app.core.roles import Role
from app.core.urls import external_url
from app.extensions import db
from app.people.models import Person

STATEMENT_MAX = 4000
FINDING_MAX = 4000
PANEL_MIN, PANEL_MAX = 2, 3

# Why a certificate is held back (the certificate issue's list shows these).
NOT_DECIDED = _l("Belum diputuskan")
REASSESSING = _l("Sedang asesmen ulang")
APPEAL_PENDING = _l("Banding masih diproses")
NOT_COMPETENT = _l("Hasil: Belum Kompeten")

ALREADY_OPEN = _l(
    "Anda sudah mengajukan banding atas hasil ini dan banding tersebut masih diproses. "
    "Lihat statusnya di halaman Banding saya."
)


def already_filed(status: AppealStatus) -> Any:
    return _l(
        "Banding atas hasil ini sudah pernah diajukan (status: %(status)s). "
        "Setiap hasil hanya dapat diajukan banding satu kali.",
        status=status.label,
    )


# --- May a certificate be issued? ------------------------------------------------------------------


def has_open_appeal(candidacy: Candidacy) -> bool:
    return (
        db.session.scalar(
            select(Appeal.id)
            .where(Appeal.candidacy_id == candidacy.id, Appeal.status.in_(APPEAL_OPEN))
            .limit(1)
        )
        is not None
    )


def _reason(candidacy: Candidacy, decision: Decision | None, appeal_open: bool) -> Any | None:
    if candidacy.status == CandidacyStatus.REASSESSING:
        return REASSESSING
    if candidacy.status != CandidacyStatus.DECIDED or decision is None:
        return NOT_DECIDED
    if appeal_open:
        return APPEAL_PENDING
    if decision.result != Verdict.K:
        return NOT_COMPETENT
    return None


def why_not_issuable(candidacy: Candidacy) -> str | None:
    """Why no certificate may be issued for the candidacy now (None: it may). Issuable only when the
    candidacy is decided, its current decision (the one not superseded) is K, no appeal is open and
    no re-assessment runs. An appeal by a K candidate (they may contest the procedure) holds the
    certificate back until it is decided or withdrawn."""
    reason = _reason(candidacy, candidacy.decision, has_open_appeal(candidacy))
    return None if reason is None else str(reason)


def can_issue_certificate(candidacy: Candidacy) -> bool:
    return why_not_issuable(candidacy) is None


def held_back(candidacies: Sequence[Candidacy]) -> dict[int, str]:
    """`why_not_issuable` for a list (a decree's candidacies): {candidacy id: reason} for those held
    back, in two queries whatever the length of the list."""
    ids = [c.id for c in candidacies]
    if not ids:
        return {}
    decisions = {
        d.candidacy_id: d
        for d in db.session.scalars(
            select(Decision).where(Decision.candidacy_id.in_(ids), Decision.superseded_by_id.is_(None))
        )
    }
    appealing = set(
        db.session.scalars(
            select(Appeal.candidacy_id).where(Appeal.candidacy_id.in_(ids), Appeal.status.in_(APPEAL_OPEN))
        )
    )
    reasons = {}
    for candidacy in candidacies:
        reason = _reason(candidacy, decisions.get(candidacy.id), candidacy.id in appealing)
        if reason is not None:
            reasons[candidacy.id] = str(reason)
    return reasons


# --- Filing ----------------------------------------------------------------------------------------


def appeal_of_decision(decision: Decision) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.decision_id == decision.id))


def filing_blocked(candidacy: Candidacy, on: date | None = None) -> Any | None:
    """Why the candidate cannot appeal this candidacy's result now (a message), or None."""
    on = on or local_today()
    decision = candidacy.decision
    if candidacy.status != CandidacyStatus.DECIDED or decision is None:
        return _l("Banding hanya dapat diajukan atas hasil uji kompetensi yang sudah diputuskan.")
    existing = appeal_of_decision(decision)
    if existing is not None:
        if existing.status in APPEAL_OPEN:
            return ALREADY_OPEN
        return already_filed(existing.status)
    if on > decision.appeal_deadline:
        return _l(
            "Masa banding atas hasil ini sudah berakhir pada %(date)s; banding tidak dapat diajukan lagi.",
            date=long_date(decision.appeal_deadline),
        )
    return None


def file_appeal(
    candidacy: Candidacy,
    ground: str | AppealGround | None,
    statement: str | None,
    actor: Any,
    *,
    decision_id: int | None = None,
    on: date | None = None,
) -> Appeal:
    """The candidate appeals the current decision of their candidacy. `decision_id` is the decision
    the form showed: when a newer decision superseded it meanwhile, the appeal is refused."""
    if not is_candidate(actor, candidacy):
        raise PermissionDenied(object_type="candidacy", object_id=candidacy.id)
    decision = candidacy.decision
    if decision is not None and decision_id is not None and decision_id != decision.id:
        raise CertificationError(
            _l(
                "Hasil yang Anda ajukan banding sudah digantikan oleh keputusan baru. "
                "Silakan muat ulang halaman."
            )
        )
    blocked = filing_blocked(candidacy, on)
    if blocked is not None:
        raise CertificationError(blocked)
    errors: dict[str, list] = {}
    try:
        ground = AppealGround(ground)
    except ValueError:
        errors["ground"] = [_l("Pilih alasan banding.")]
    statement = (statement or "").strip()
    if not statement:
        errors["statement"] = [_l("Mohon jelaskan keberatan Anda terhadap hasil uji kompetensi.")]
    elif len(statement) > STATEMENT_MAX:
        errors["statement"] = [_l("Maksimal %(n)s karakter.", n=STATEMENT_MAX)]
    if errors:
        raise CertificationError(_l("Periksa kembali isian yang ditandai."), errors=errors)
    appeal = Appeal(
        candidacy_id=candidacy.id,
        decision_id=decision.id,
        body_code=candidacy.body_code,
        ground=ground,
        statement=statement,
        status=AppealStatus.FILED,
        filed_at=utcnow(),
    )
    try:
        with db.session.begin_nested():  # a concurrent twin: uq_appeals_open / the unique decision_id
            db.session.add(appeal)
            db.session.flush()
    except IntegrityError:
        raise CertificationError(ALREADY_OPEN) from None
    APPEAL_LIFECYCLE.add_event(appeal, None, AppealStatus.FILED, actor)
    db.session.flush()
    audit.record(
        "appeal.file", object_type="appeal", object_id=appeal.id, after=appeal.audit_view(), actor=actor
    )
    _notify(appeal, _l("Banding Anda sudah diterima"), "appeal_filed")
    return appeal


def withdraw(appeal: Appeal, actor: Any) -> None:
    """The candidate withdraws an appeal while it is filed (before a panel takes it up)."""
    APPEAL_LIFECYCLE.transition(
        appeal, AppealAction.WITHDRAW, actor, permission=lambda user, a: is_candidate(user, a.candidacy)
    )


# --- The panel -------------------------------------------------------------------------------------


def _may_act(user: Any, appeal: Appeal) -> bool:
    return acts_for_body(user, appeal.body_code)


def _check_legal(appeal: Appeal, action: AppealAction) -> None:
    if APPEAL_LIFECYCLE.target(action, appeal.status) is None:
        raise CertificationError(APPEAL_LIFECYCLE.illegal(appeal.status.label))


def panel_choices(appeal: Appeal, on: date | None = None) -> list[Assessor]:
    """The body's registry assessors who may sit on a panel on the day (active, licensed), by name."""
    on = on or local_today()
    stmt = (
        select(Assessor)
        .where(Assessor.body_code == appeal.body_code, Assessor.active.is_(True))
        .order_by(Assessor.name, Assessor.id)
    )
    return [a for a in db.session.scalars(stmt) if a.licensed_on(on)]


def involved_assessor_ids(candidacy: Candidacy) -> set[int]:
    """Assessors who assessed the candidacy in any round (never on its appeal panel)."""
    return set(
        db.session.scalars(select(Assessment.assessor_id).where(Assessment.candidacy_id == candidacy.id))
    )


def form_panel(appeal: Appeal, assessor_ids: Iterable[int], actor: Any, *, on: date | None = None) -> None:
    """Name the panel (2–3 assessors of the body, active, licensed, without a conflict of interest)
    and put the appeal under review. Every refused assessor is named with every reason."""
    if not _may_act(actor, appeal):
        raise PermissionDenied(object_type="appeal", object_id=appeal.id)
    _check_legal(appeal, AppealAction.FORM_PANEL)
    on = on or local_today()
    ids = list(dict.fromkeys(int(i) for i in assessor_ids))
    if not PANEL_MIN <= len(ids) <= PANEL_MAX:
        raise CertificationError(
            _l("Panel banding terdiri atas 2 sampai 3 asesor; Anda memilih %(n)s.", n=len(ids)),
            field="assessors",
        )
    assessors = {a.id: a for a in db.session.scalars(select(Assessor).where(Assessor.id.in_(ids)))}
    refused = []
    for assessor_id in ids:
        assessor = assessors.get(assessor_id)
        if assessor is None or assessor.body_code != appeal.body_code:
            refused.append(_l("Asesor #%(id)s bukan asesor lembaga ini.", id=assessor_id))
            continue
        reasons = [c.message for c in conflicts(assessor, appeal.candidacy, on=on, for_appeal=True)]
        if not assessor.active:
            reasons.insert(0, str(_l("Asesor tidak aktif.")))
        elif not assessor.licensed_on(on):
            reasons.insert(0, str(_l("Masa berlaku lisensi asesor sudah berakhir.")))
        if reasons:
            refused.append(_l("%(name)s: %(reasons)s", name=assessor.name, reasons=" ".join(reasons)))
    if refused:
        raise CertificationError(
            _l("Panel tidak dapat dibentuk."),
            errors={None: [_l("Panel tidak dapat dibentuk. Ganti asesor berikut:")], "assessors": refused},
        )

    def seat_panel(obj: Appeal) -> None:
        obj.panel.extend(AppealPanelMember(assessor_id=i) for i in ids)

    APPEAL_LIFECYCLE.transition(appeal, AppealAction.FORM_PANEL, actor, permission=_may_act, apply=seat_panel)


# --- The finding -----------------------------------------------------------------------------------


def _finding(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise CertificationError(_l("Mohon tuliskan temuan panel dan alasannya."), field="finding")
    if len(text) > FINDING_MAX:
        raise CertificationError(_l("Maksimal %(n)s karakter.", n=FINDING_MAX), field="finding")
    return text


def uphold(appeal: Appeal, finding: str | None, actor: Any) -> None:
    """The panel upholds the appeal: the candidacy reopens for a re-assessment in a new round (flag
    cleared). The appealed decision stays current until the plenary decides the re-assessment."""
    if not _may_act(actor, appeal):
        raise PermissionDenied(object_type="appeal", object_id=appeal.id)
    _check_legal(appeal, AppealAction.UPHOLD)
    finding = _finding(finding)
    candidacy = appeal.candidacy
    if CANDIDACY_LIFECYCLE.target(CandidacyAction.REOPEN, candidacy.status) is None:
        raise CertificationError(CANDIDACY_LIFECYCLE.illegal(candidacy.status.label))
    values = {"finding": finding, "decided_at": utcnow(), "decided_by_id": getattr(actor, "id", None)}
    APPEAL_LIFECYCLE.transition(
        appeal, AppealAction.UPHOLD, actor, finding, values=values, permission=_may_act
    )
    CANDIDACY_LIFECYCLE.transition(
        candidacy,
        CandidacyAction.REOPEN,
        actor,
        str(_l("Banding diterima: asesmen ulang.")),
        values={"round": candidacy.round + 1, "flag": None, "flag_resolution": None},
        permission=lambda user, c: acts_for_body(user, c.body_code),
    )
    _notify(appeal, _l("Hasil banding Anda: diterima, asesmen ulang dijadwalkan"), "appeal_finding")


def dismiss(appeal: Appeal, finding: str | None, actor: Any) -> None:
    """The panel dismisses the appeal: the result stands; the reasons are e-mailed to the candidate."""
    if not _may_act(actor, appeal):
        raise PermissionDenied(object_type="appeal", object_id=appeal.id)
    _check_legal(appeal, AppealAction.DISMISS)
    finding = _finding(finding)
    values = {"finding": finding, "decided_at": utcnow(), "decided_by_id": getattr(actor, "id", None)}
    APPEAL_LIFECYCLE.transition(
        appeal, AppealAction.DISMISS, actor, finding, values=values, permission=_may_act
    )
    _notify(appeal, _l("Hasil banding Anda: ditolak, hasil uji tetap"), "appeal_finding")


FINDINGS = {AppealAction.UPHOLD: uphold, AppealAction.DISMISS: dismiss}


def record_finding(appeal: Appeal, action: str | None, finding: str | None, actor: Any) -> None:
    try:
        decide = FINDINGS[AppealAction(action)]
    except (KeyError, ValueError):
        raise CertificationError(_l("Pilih temuan panel: banding diterima atau ditolak.")) from None
    decide(appeal, finding, actor)


# --- E-mail ----------------------------------------------------------------------------------------


def _notify(appeal: Appeal, subject: Any, template: str) -> None:
    person = appeal.candidacy.person
    address = person.email or (person.user.email if person.user is not None else None)
    if not address:
        return
    mail.send(
        address,
        subject,
        template,
        appeal=appeal,
        candidacy=appeal.candidacy,
        decision=appeal.decision,
        person=person,
        url=external_url("appeals.mine") if person.user_id else None,
    )


# --- Lists -----------------------------------------------------------------------------------------


def appeals_of(person: Person) -> Select:
    """The person's appeals, newest first (keyset on id), with what the page shows."""
    return (
        select(Appeal)
        .join(Candidacy, Candidacy.id == Appeal.candidacy_id)
        .where(Candidacy.person_id == person.id)
        .options(
            joinedload(Appeal.candidacy).joinedload(Candidacy.session),
            joinedload(Appeal.decision).joinedload(Decision.decree),
            selectinload(Appeal.events),
        )
    )


APPEALABLE_LIMIT = 20


def appealable(person: Person, on: date | None = None) -> list[Candidacy]:
    """The person's decided candidacies whose current decision may still be appealed (in the window,
    not appealed yet)."""
    on = on or local_today()
    stmt = (
        select(Candidacy)
        .join(Decision, (Decision.candidacy_id == Candidacy.id) & Decision.superseded_by_id.is_(None))
        .outerjoin(Appeal, Appeal.decision_id == Decision.id)
        .where(
            Candidacy.person_id == person.id,
            Candidacy.status == CandidacyStatus.DECIDED,
            Decision.appeal_deadline >= on,
            Appeal.id.is_(None),
        )
        .options(
            joinedload(Candidacy.session),
            joinedload(Candidacy.decision).joinedload(Decision.decree),
        )
        .order_by(Candidacy.id.desc())
        .limit(APPEALABLE_LIMIT)
    )
    return list(db.session.scalars(stmt).unique())


def board_query(user: Any, status: AppealStatus) -> Select:
    """The appeals of the user's bodies in one status (ix_appeals_body_status), with the candidate."""
    return (
        select(Appeal)
        .where(body_filter(user, Appeal.body_code, (Role.BOARD_ADMIN,)), Appeal.status == status)
        .options(
            joinedload(Appeal.candidacy).joinedload(Candidacy.person),
            joinedload(Appeal.candidacy).joinedload(Candidacy.session),
            joinedload(Appeal.decision).joinedload(Decision.decree),
        )
    )


def status_counts(user: Any) -> dict[AppealStatus, int]:
    """Appeals per status in the user's bodies: one GROUP BY on the body/status index."""
    rows = db.session.execute(
        select(Appeal.status, func.count())
        .where(body_filter(user, Appeal.body_code, (Role.BOARD_ADMIN,)))
        .group_by(Appeal.status)
    )
    counts = dict.fromkeys(AppealStatus, 0)
    counts.update({AppealStatus(status): n for status, n in rows})
    return counts


def assessments_of(candidacy: Candidacy) -> list[Assessment]:
    """Who assessed the candidacy, round by round (the appeal page names them)."""
    stmt = (
        select(Assessment)
        .where(Assessment.candidacy_id == candidacy.id)
        .options(joinedload(Assessment.assessor))
        .order_by(Assessment.round, Assessment.id)
    )
    return list(db.session.scalars(stmt))


def load_appeal(appeal_id: int) -> Appeal | None:
    return db.session.scalar(
        select(Appeal)
        .where(Appeal.id == appeal_id)
        .options(
            joinedload(Appeal.candidacy).joinedload(Candidacy.person),
            joinedload(Appeal.decision).joinedload(Decision.decree).joinedload(Decree.session),
            selectinload(Appeal.panel),
            selectinload(Appeal.events),
        )
    )
