"""The certification lifecycles and vocabularies, in one place (declared with app/core/lifecycle.py).

Exam session (jadwal uji kompetensi) of a certification body:

    planned ──open──▶ open ──close──▶ closed ──start_assessment──▶ assessing ──open_plenary──▶ plenary
       │               │                │                              │                          │
       └───────────────┴────cancel──────┴──────────────────────────────┘                       decide
                              ▼ cancelled (reason; everyone who applied is e-mailed)              ▼
                                                                                               decided
    `open` means applications are taken (between applications_open_on and applications_close_on when
    set). `decide` is a compare-and-set: of two board admins deciding at once, one wins, so a session
    has one plenary decision and one decree number.

Candidacy (asesi) of a person in a session, on one scheme version:

    draft ──submit──▶ submitted ──accept──▶ accepted ──decide──▶ decided ──reopen──▶ reassessing
      ▲                  │  │                  │                    (appeal upheld)      │
      └──── returned ◀───┘  └──reject──▶ rejected                                     decide
            (return: reason;   (reason)      └──mark_absent──▶ absent                    ▼
             resubmit = submit)                                                       decided
    draft / submitted / returned ──withdraw──▶ withdrawn

    `accept` after a failed eligibility rule needs a recorded override justification (services).
    The result (K / BK) lives on the `Decision` rows; the candidacy caches the current one.

Assessment (one assessor's scoring of one candidacy in one round):

    draft ──submit──▶ submitted ──supersede──▶ superseded   (a correction is a new record; marks are
      │                                            ▲          never overwritten once submitted)
      └──────────────withdraw (reason)─────────────┘          (the assessor declared a conflict of
                                                              interest before submitting)

Appeal (banding) against a decision:

    filed ──form_panel──▶ under_review ──uphold──▶ upheld      (a re-assessment: the candidacy reopens)
      │                        └──────dismiss──▶ dismissed    (the result stands; reasons e-mailed)
      └──withdraw──▶ withdrawn
    While an appeal is filed or under review, no certificate may be issued (services.can_issue_certificate).
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
from app.core.lifecycle import Lifecycle, labelled, status_in_sql


class CertificationError(DomainError):
    pass


def _labels(labels: dict) -> object:
    """Give a plain enum a `label` property from its table."""

    def decorate(cls):
        cls.label = property(lambda self: str(labels[self]))
        return cls

    return decorate


# --- Vocabularies ----------------------------------------------------------------------------------


class AssessmentMethod(StrEnum):
    PORTFOLIO = "portfolio"
    WRITTEN = "written"
    INTERVIEW = "interview"
    OBSERVATION = "observation"


METHOD_LABELS = {
    AssessmentMethod.PORTFOLIO: _l("Portofolio"),
    AssessmentMethod.WRITTEN: _l("Tes tertulis"),
    AssessmentMethod.INTERVIEW: _l("Wawancara"),
    AssessmentMethod.OBSERVATION: _l("Observasi"),
}
_labels(METHOD_LABELS)(AssessmentMethod)


class PlaceKind(StrEnum):
    """Tempat Uji Kompetensi (TUK)."""

    SEWAKTU = "sewaktu"  # a place set up for the session
    WORKPLACE = "workplace"  # tempat kerja
    MANDIRI = "mandiri"  # the body's own assessment place


PLACE_KIND_LABELS = {
    PlaceKind.SEWAKTU: _l("TUK Sewaktu"),
    PlaceKind.WORKPLACE: _l("TUK Tempat Kerja"),
    PlaceKind.MANDIRI: _l("TUK Mandiri"),
}
_labels(PLACE_KIND_LABELS)(PlaceKind)


class CandidacyPurpose(StrEnum):
    """Why a person applies (APL.01)."""

    FIRST = "first"  # sertifikasi pertama
    RECERTIFICATION = "recertification"  # resertifikasi
    RETAKE = "retake"  # uji ulang after Belum Kompeten


PURPOSE_LABELS = {
    CandidacyPurpose.FIRST: _l("Sertifikasi pertama"),
    CandidacyPurpose.RECERTIFICATION: _l("Sertifikasi ulang (resertifikasi)"),
    CandidacyPurpose.RETAKE: _l("Uji ulang"),
}
_labels(PURPOSE_LABELS)(CandidacyPurpose)


class Verdict(StrEnum):
    """A unit judgement, a recommendation, a self-assessment answer or a plenary result."""

    K = "K"  # Kompeten
    BK = "BK"  # Belum Kompeten


VERDICT_LABELS = {Verdict.K: _l("Kompeten"), Verdict.BK: _l("Belum Kompeten")}
VERDICT_BADGES = {Verdict.K: "success", Verdict.BK: "danger"}
labelled(VERDICT_LABELS, VERDICT_BADGES)(Verdict)


class AssessorRole(StrEnum):
    """The part an assessor plays for one candidacy in one round."""

    FIRST = "first"
    SECOND = "second"  # always when the scheme requires it, or when the board disputes the first
    THIRD = "third"  # resolves a disagreement between first and second


ASSESSOR_ROLE_LABELS = {
    AssessorRole.FIRST: _l("Asesor pertama"),
    AssessorRole.SECOND: _l("Asesor kedua"),
    AssessorRole.THIRD: _l("Asesor ketiga"),
}
_labels(ASSESSOR_ROLE_LABELS)(AssessorRole)


class AppealGround(StrEnum):
    PROCEDURE = "procedure"
    DISCRIMINATION = "discrimination"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    OTHER = "other"


APPEAL_GROUND_LABELS = {
    AppealGround.PROCEDURE: _l("Prosedur uji tidak diikuti"),
    AppealGround.DISCRIMINATION: _l("Diskriminasi"),
    AppealGround.CONFLICT_OF_INTEREST: _l("Konflik kepentingan"),
    AppealGround.OTHER: _l("Lainnya"),
}
_labels(APPEAL_GROUND_LABELS)(AppealGround)


# --- Exam session ----------------------------------------------------------------------------------


class SessionStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"
    ASSESSING = "assessing"
    PLENARY = "plenary"
    DECIDED = "decided"
    CANCELLED = "cancelled"


class SessionAction(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    START_ASSESSMENT = "start_assessment"
    OPEN_PLENARY = "open_plenary"
    DECIDE = "decide"
    CANCEL = "cancel"


SESSION_STATUS_LABELS = {
    SessionStatus.PLANNED: _l("Direncanakan"),
    SessionStatus.OPEN: _l("Pendaftaran dibuka"),
    SessionStatus.CLOSED: _l("Pendaftaran ditutup"),
    SessionStatus.ASSESSING: _l("Asesmen berlangsung"),
    SessionStatus.PLENARY: _l("Rapat pleno"),
    SessionStatus.DECIDED: _l("Sudah diputuskan"),
    SessionStatus.CANCELLED: _l("Dibatalkan"),
}
SESSION_STATUS_BADGES = {
    SessionStatus.PLANNED: "secondary",
    SessionStatus.OPEN: "primary",
    SessionStatus.CLOSED: "info",
    SessionStatus.ASSESSING: "info",
    SessionStatus.PLENARY: "warning",
    SessionStatus.DECIDED: "success",
    SessionStatus.CANCELLED: "danger",
}
labelled(SESSION_STATUS_LABELS, SESSION_STATUS_BADGES)(SessionStatus)

SESSION_LIFECYCLE = Lifecycle(
    name="exam_session",
    status=SessionStatus,
    transitions={
        SessionAction.OPEN: ({SessionStatus.PLANNED}, SessionStatus.OPEN),
        SessionAction.CLOSE: ({SessionStatus.OPEN}, SessionStatus.CLOSED),
        SessionAction.START_ASSESSMENT: ({SessionStatus.CLOSED}, SessionStatus.ASSESSING),
        SessionAction.OPEN_PLENARY: ({SessionStatus.ASSESSING}, SessionStatus.PLENARY),
        SessionAction.DECIDE: ({SessionStatus.PLENARY}, SessionStatus.DECIDED),
        SessionAction.CANCEL: (
            {SessionStatus.PLANNED, SessionStatus.OPEN, SessionStatus.CLOSED, SessionStatus.ASSESSING},
            SessionStatus.CANCELLED,
        ),
    },
    needs_reason=frozenset({SessionAction.CANCEL}),
    final=frozenset({SessionStatus.DECIDED, SessionStatus.CANCELLED}),
    initial=SessionStatus.PLANNED,
    error=CertificationError,
    conflict=_l("Jadwal uji ini baru saja diproses oleh admin lain. Silakan muat ulang halaman."),
)


# --- Candidacy -------------------------------------------------------------------------------------


class CandidacyStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    ABSENT = "absent"
    DECIDED = "decided"
    REASSESSING = "reassessing"


class CandidacyAction(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    ACCEPT = "accept"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    MARK_ABSENT = "mark_absent"
    DECIDE = "decide"
    REOPEN = "reopen"


CANDIDACY_STATUS_LABELS = {
    CandidacyStatus.DRAFT: _l("Belum dikirim"),
    CandidacyStatus.SUBMITTED: _l("Menunggu pemeriksaan"),
    CandidacyStatus.RETURNED: _l("Dikembalikan untuk perbaikan"),
    CandidacyStatus.REJECTED: _l("Ditolak"),
    CandidacyStatus.WITHDRAWN: _l("Mengundurkan diri"),
    CandidacyStatus.ACCEPTED: _l("Memenuhi syarat, menunggu asesmen"),
    CandidacyStatus.ABSENT: _l("Tidak hadir"),
    CandidacyStatus.DECIDED: _l("Sudah diputuskan"),
    CandidacyStatus.REASSESSING: _l("Asesmen ulang"),
}
CANDIDACY_STATUS_BADGES = {
    CandidacyStatus.DRAFT: "secondary",
    CandidacyStatus.SUBMITTED: "primary",
    CandidacyStatus.RETURNED: "warning",
    CandidacyStatus.REJECTED: "danger",
    CandidacyStatus.WITHDRAWN: "secondary",
    CandidacyStatus.ACCEPTED: "info",
    CandidacyStatus.ABSENT: "secondary",
    CandidacyStatus.DECIDED: "success",
    CandidacyStatus.REASSESSING: "warning",
}
labelled(CANDIDACY_STATUS_LABELS, CANDIDACY_STATUS_BADGES)(CandidacyStatus)

CANDIDACY_LIFECYCLE = Lifecycle(
    name="candidacy",
    status=CandidacyStatus,
    transitions={
        CandidacyAction.SUBMIT: (
            {CandidacyStatus.DRAFT, CandidacyStatus.RETURNED},
            CandidacyStatus.SUBMITTED,
        ),
        CandidacyAction.RETURN: ({CandidacyStatus.SUBMITTED}, CandidacyStatus.RETURNED),
        CandidacyAction.ACCEPT: ({CandidacyStatus.SUBMITTED}, CandidacyStatus.ACCEPTED),
        CandidacyAction.REJECT: ({CandidacyStatus.SUBMITTED}, CandidacyStatus.REJECTED),
        CandidacyAction.WITHDRAW: (
            {CandidacyStatus.DRAFT, CandidacyStatus.SUBMITTED, CandidacyStatus.RETURNED},
            CandidacyStatus.WITHDRAWN,
        ),
        CandidacyAction.MARK_ABSENT: ({CandidacyStatus.ACCEPTED}, CandidacyStatus.ABSENT),
        CandidacyAction.DECIDE: (
            {CandidacyStatus.ACCEPTED, CandidacyStatus.REASSESSING},
            CandidacyStatus.DECIDED,
        ),
        CandidacyAction.REOPEN: ({CandidacyStatus.DECIDED}, CandidacyStatus.REASSESSING),
    },
    needs_reason=frozenset({CandidacyAction.RETURN, CandidacyAction.REJECT, CandidacyAction.MARK_ABSENT}),
    final=frozenset({CandidacyStatus.REJECTED, CandidacyStatus.WITHDRAWN, CandidacyStatus.ABSENT}),
    initial=CandidacyStatus.DRAFT,
    error=CertificationError,
)
# A candidacy that blocks another one of the same person on the same scheme in the same session.
CANDIDACY_OPEN = frozenset(set(CandidacyStatus) - {CandidacyStatus.REJECTED, CandidacyStatus.WITHDRAWN})
OPEN_CANDIDACY_CONDITION = status_in_sql("status", CANDIDACY_OPEN)
# Candidacies the applicant may still edit (APL.01, APL.02, portfolio).
CANDIDACY_EDITABLE = frozenset({CandidacyStatus.DRAFT, CandidacyStatus.RETURNED})
# Candidacies the assessors work on.
CANDIDACY_IN_ASSESSMENT = frozenset({CandidacyStatus.ACCEPTED, CandidacyStatus.REASSESSING})


# --- Assessment ------------------------------------------------------------------------------------


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SUPERSEDED = "superseded"


class AssessmentAction(StrEnum):
    SUBMIT = "submit"
    SUPERSEDE = "supersede"
    WITHDRAW = "withdraw"


ASSESSMENT_STATUS_LABELS = {
    AssessmentStatus.DRAFT: _l("Draf"),
    AssessmentStatus.SUBMITTED: _l("Dikirim"),
    AssessmentStatus.SUPERSEDED: _l("Dikoreksi"),
}
ASSESSMENT_STATUS_BADGES = {
    AssessmentStatus.DRAFT: "secondary",
    AssessmentStatus.SUBMITTED: "success",
    AssessmentStatus.SUPERSEDED: "secondary",
}
labelled(ASSESSMENT_STATUS_LABELS, ASSESSMENT_STATUS_BADGES)(AssessmentStatus)

ASSESSMENT_LIFECYCLE = Lifecycle(
    name="assessment",
    status=AssessmentStatus,
    transitions={
        AssessmentAction.SUBMIT: ({AssessmentStatus.DRAFT}, AssessmentStatus.SUBMITTED),
        AssessmentAction.SUPERSEDE: ({AssessmentStatus.SUBMITTED}, AssessmentStatus.SUPERSEDED),
        AssessmentAction.WITHDRAW: ({AssessmentStatus.DRAFT}, AssessmentStatus.SUPERSEDED),
    },
    needs_reason=frozenset({AssessmentAction.SUPERSEDE, AssessmentAction.WITHDRAW}),
    final=frozenset({AssessmentStatus.SUPERSEDED}),
    initial=AssessmentStatus.DRAFT,
    error=CertificationError,
)
# One live assessment per candidacy, assessor and round (partial unique index).
LIVE_ASSESSMENT_CONDITION = status_in_sql("status", {AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED})


# --- Appeal ----------------------------------------------------------------------------------------


class AppealStatus(StrEnum):
    FILED = "filed"
    UNDER_REVIEW = "under_review"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"


class AppealAction(StrEnum):
    FORM_PANEL = "form_panel"
    UPHOLD = "uphold"
    DISMISS = "dismiss"
    WITHDRAW = "withdraw"


APPEAL_STATUS_LABELS = {
    AppealStatus.FILED: _l("Diajukan"),
    AppealStatus.UNDER_REVIEW: _l("Diperiksa panel"),
    AppealStatus.UPHELD: _l("Diterima: asesmen ulang"),
    AppealStatus.DISMISSED: _l("Ditolak: hasil tetap"),
    AppealStatus.WITHDRAWN: _l("Dicabut"),
}
APPEAL_STATUS_BADGES = {
    AppealStatus.FILED: "primary",
    AppealStatus.UNDER_REVIEW: "warning",
    AppealStatus.UPHELD: "success",
    AppealStatus.DISMISSED: "danger",
    AppealStatus.WITHDRAWN: "secondary",
}
labelled(APPEAL_STATUS_LABELS, APPEAL_STATUS_BADGES)(AppealStatus)

APPEAL_LIFECYCLE = Lifecycle(
    name="appeal",
    status=AppealStatus,
    transitions={
        AppealAction.FORM_PANEL: ({AppealStatus.FILED}, AppealStatus.UNDER_REVIEW),
        AppealAction.UPHOLD: ({AppealStatus.UNDER_REVIEW}, AppealStatus.UPHELD),
        AppealAction.DISMISS: ({AppealStatus.UNDER_REVIEW}, AppealStatus.DISMISSED),
        AppealAction.WITHDRAW: ({AppealStatus.FILED}, AppealStatus.WITHDRAWN),
    },
    needs_reason=frozenset({AppealAction.UPHOLD, AppealAction.DISMISS}),
    final=frozenset({AppealStatus.UPHELD, AppealStatus.DISMISSED, AppealStatus.WITHDRAWN}),
    initial=AppealStatus.FILED,
    error=CertificationError,
)
# An appeal still open: it blocks a second appeal (partial unique index) and the certificate.
APPEAL_OPEN = frozenset({AppealStatus.FILED, AppealStatus.UNDER_REVIEW})
OPEN_APPEAL_CONDITION = status_in_sql("status", APPEAL_OPEN)
