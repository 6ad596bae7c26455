"""Renewal (resertifikasi) by portfolio review: when the certificate's scheme version allows it
(`renewal_by_portfolio`), the renewal candidacy is scored by the portfolio method alone, needs no
attendance, and otherwise goes through screening, scoring, the plenary and issuance, the new
certificate superseding the old one (its licences move). The renewal gate refuses with each reason."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.accounts.models import User
from app.certification.assessment import services as scoring
from app.certification.assessment.services import MarkInput
from app.certification.candidacy import services as candidacy_services
from app.certification.candidacy.services import Application
from app.certification.models import Candidacy, ExamSession, SchemeVersion
from app.certification.outcome import assessed_methods, needs_attendance, outcome
from app.certification.plenary import services as plenary
from app.certification.screening import services as screening
from app.certification.states import (
    AssessmentMethod,
    AssessmentStatus,
    CandidacyAction,
    CandidacyPurpose,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
    Verdict,
)
from app.core.models import local_today
from app.core.roles import Role
from app.credentials.certificates import issuing
from app.credentials.models import Certificate, Licence
from app.credentials.registry.renewal import apply_for_renewal, renewal_check
from app.credentials.states import CertificateStatus, CredentialError, LicenceStatus
from app.extensions import db
from tests.certification_factories import (
    create_assessment,
    create_assessor,
    create_candidacy,
    create_exam_session,
)
from tests.credential_factories import Holder, create_holder, create_licence
from tests.factories import create_user, login, sample_file
from tests.training_factories import create_training_record, create_verified_person

K, BK = Verdict.K, Verdict.BK
C = CertificateStatus


def _renewable(
    app, *, by_portfolio: bool = True, jp: int = 100, days_left: int = 60, **certificate
) -> tuple[Holder, int, int]:
    """A holder whose 5-year certificate ends in `days_left` days, with `jp` training JP since its
    issue, its scheme version allowing renewal by portfolio (or not), and an open exam session of
    the body offering that version. Returns (holder, session id, version id)."""
    today = local_today()
    holder = create_holder(
        app,
        issued_on=today - timedelta(days=5 * 365 - days_left),
        valid_until=today + timedelta(days=days_left),
        **certificate,
    )
    if jp:
        create_training_record(app, holder.person_id, jp=jp, ended_on=today - timedelta(days=100))
    with app.app_context():
        version_id = db.session.get(Certificate, holder.certificate_id).version_id
        db.session.get(SchemeVersion, version_id).renewal_by_portfolio = by_portfolio
        db.session.commit()
    return holder, create_exam_session(app, version_id), version_id


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _apply(holder: Holder, session_id: int) -> Candidacy:
    certificate = db.session.get(Certificate, holder.certificate_id)
    return apply_for_renewal(certificate, session_id, _user(holder.user_id))


def _set_session(session_id: int, status: SessionStatus) -> None:
    db.session.execute(update(ExamSession).where(ExamSession.id == session_id).values(status=status))
    db.session.expire_all()


def _marks(candidacy: Candidacy, verdict: Verdict, methods) -> dict:
    return {(unit.id, method): MarkInput(verdict) for unit in candidacy.version.units for method in methods}


# --- The rule: which methods apply ----------------------------------------------------------------


def _accepted_renewal(app, *, by_portfolio: bool = True) -> tuple[Holder, int, int]:
    """A renewal candidacy already accepted (arranged directly). Returns (holder, session, candidacy)."""
    holder, session_id, _version_id = _renewable(app, by_portfolio=by_portfolio)
    with app.app_context():
        candidacy = _apply(holder, session_id)
        candidacy.status = CandidacyStatus.ACCEPTED
        db.session.commit()
        return holder, session_id, candidacy.id


def _scheme_of(app, certificate_id: int) -> int:
    with app.app_context():
        return db.session.get(Certificate, certificate_id).scheme_id


def test_a_portfolio_renewal_is_decided_k_and_its_certificate_supersedes_the_old_one(app, outbox):
    holder, session_id, _version_id = _renewable(app)
    licence_id = create_licence(app, holder.certificate_id)
    board_id = create_user(app, Role.BOARD_ADMIN, body_code="LSPS").id
    scheme_id = _scheme_of(app, holder.certificate_id)
    assessor_id, assessor_user_id = create_assessor(app, scheme_ids=(scheme_id,), session_id=session_id)

    with app.app_context():
        holder_user = _user(holder.user_id)
        # Applying: a draft re-certification, a portfolio review.
        candidacy = _apply(holder, session_id)
        assert candidacy.purpose == CandidacyPurpose.RECERTIFICATION
        assert candidacy.renews_certificate_id == holder.certificate_id
        assert candidacy.portfolio_review is True
        assert candidacy.purpose_label == "Resertifikasi — telaah portofolio"
        assert assessed_methods(candidacy) == [AssessmentMethod.PORTFOLIO]
        assert not needs_attendance(candidacy)

        # Submitting needs every unit self-assessed and a practice portfolio document.
        candidacy_services.save_self_assessment(
            candidacy, {u.id: ("K", "Laporan praktik.") for u in candidacy.version.units}, holder_user
        )
        with pytest.raises(CertificationError, match="unggah sekurang-kurangnya satu dokumen portofolio"):
            candidacy_services.submit(candidacy, holder_user)
        candidacy_services.upload_evidence(
            candidacy, "PORTOFOLIO", "laporan.png", io.BytesIO(sample_file()), holder_user
        )
        candidacy_services.submit(candidacy, holder_user)

        # Screening: accepted like any other.
        screening.screen(candidacy, CandidacyAction.ACCEPT, _user(board_id), override_reason="Resertifikasi.")
        assert candidacy.status == CandidacyStatus.ACCEPTED
        candidacy_id = candidacy.id
        address = candidacy.person.email or candidacy.person.user.email
        _set_session(session_id, SessionStatus.ASSESSING)
        db.session.commit()
    accepted = outbox.body(outbox.last_to(address))
    assert "telaah portofolio" in accepted and "tidak perlu hadir di tempat uji" in accepted
    assessment_id = create_assessment(app, candidacy_id, assessor_id)

    with app.app_context():
        # Scoring: portfolio marks alone complete the assessment.
        candidacy = db.session.get(Candidacy, candidacy_id)
        assessment = db.session.get(scoring.Assessment, assessment_id)
        assert scoring.candidacy_cells(candidacy) == [
            (unit.id, AssessmentMethod.PORTFOLIO) for unit in candidacy.version.units
        ]
        assessor = _user(assessor_user_id)
        scoring.save_marks(assessment, _marks(candidacy, K, [AssessmentMethod.PORTFOLIO]), K, "", assessor)
        scoring.submit(assessment, assessor)
        assert assessment.status == AssessmentStatus.SUBMITTED
        assert {m.method for m in assessment.marks} == {AssessmentMethod.PORTFOLIO}
        result = outcome(candidacy, [assessment])
        assert result.ready and result.recommendation == K

        # The plenary decides K; the certificates are issued.
        _set_session(session_id, SessionStatus.PLENARY)
        db.session.commit()
        plenary.decide_session(db.session.get(ExamSession, session_id), {}, _user(board_id))
        db.session.commit()
        assert db.session.get(Candidacy, candidacy_id).result == K
        issuing.issue_for_session(db.session.get(ExamSession, session_id), _user(board_id))
        db.session.commit()

    with app.app_context():
        new = db.session.scalar(select(Certificate).where(Certificate.candidacy_id == candidacy_id))
        old = db.session.get(Certificate, holder.certificate_id)
        assert new is not None and new.status == C.ACTIVE and new.renews_id == old.id
        assert old.status == C.SUPERSEDED and old.superseded_by_id == new.id
        licence = db.session.get(Licence, licence_id)
        assert licence.certificate_id == new.id and licence.status == LicenceStatus.ACTIVE


def test_interview_marks_are_not_taken_for_a_portfolio_review(app):
    holder, session_id, candidacy_id = _accepted_renewal(app)
    assessor_id, user_id = create_assessor(
        app, scheme_ids=(_scheme_of(app, holder.certificate_id),), session_id=session_id
    )
    assessment_id = create_assessment(app, candidacy_id, assessor_id)
    with app.app_context():
        _set_session(session_id, SessionStatus.ASSESSING)
        assessment = db.session.get(scoring.Assessment, assessment_id)
        candidacy = assessment.candidacy
        unit = candidacy.version.units[0]
        with pytest.raises(CertificationError, match="tidak termasuk dalam skema"):
            scoring.save_marks(
                assessment, {(unit.id, AssessmentMethod.INTERVIEW): MarkInput(K)}, K, "", _user(user_id)
            )
        # Nothing marked: submission names the portfolio cells only.
        with pytest.raises(CertificationError) as refused:
            scoring.submit(assessment, _user(user_id))
        cells = {key for key in refused.value.errors if key and key.startswith("mark-")}
        assert cells == {f"mark-{u.id}-portfolio" for u in candidacy.version.units}


def test_a_candidacy_that_is_no_renewal_still_needs_every_method(app):
    holder, session_id, version_id = _renewable(app)  # the version allows renewal by portfolio
    person_id, registration_id = create_verified_person(app)
    candidacy_id = create_candidacy(app, session_id, version_id, person_id, registration_id)
    assessor_id, user_id = create_assessor(
        app, scheme_ids=(_scheme_of(app, holder.certificate_id),), session_id=session_id
    )
    assessment_id = create_assessment(app, candidacy_id, assessor_id)
    with app.app_context():
        _set_session(session_id, SessionStatus.ASSESSING)
        assessment = db.session.get(scoring.Assessment, assessment_id)
        candidacy = assessment.candidacy
        assert candidacy.version.renewal_by_portfolio
        assert not candidacy.portfolio_review and needs_attendance(candidacy)
        assert candidacy.purpose_label == "Sertifikasi pertama"
        assert assessed_methods(candidacy) == [AssessmentMethod.PORTFOLIO, AssessmentMethod.INTERVIEW]
        assessor = _user(user_id)
        scoring.save_marks(assessment, _marks(candidacy, K, [AssessmentMethod.PORTFOLIO]), K, "", assessor)
        with pytest.raises(CertificationError, match="Penilaian belum lengkap: 3 isian"):
            scoring.submit(assessment, assessor)
        both = [AssessmentMethod.PORTFOLIO, AssessmentMethod.INTERVIEW]
        scoring.save_marks(assessment, _marks(candidacy, K, both), K, "", assessor)
        scoring.submit(assessment, assessor)
        assert assessment.status == AssessmentStatus.SUBMITTED


def test_a_renewal_on_a_scheme_without_portfolio_review_is_an_exam(app, ctx):
    holder, session_id, _version_id = _renewable(app, by_portfolio=False)
    candidacy = _apply(holder, session_id)
    assert candidacy.purpose == CandidacyPurpose.RECERTIFICATION and not candidacy.portfolio_review
    assert candidacy.purpose_label == "Sertifikasi ulang (resertifikasi)"
    assert assessed_methods(candidacy) == [AssessmentMethod.PORTFOLIO, AssessmentMethod.INTERVIEW]
    assert str(candidacy_services.NO_PORTFOLIO) not in candidacy_services.missing_for_submission(candidacy)


def test_a_portfolio_review_cannot_be_marked_absent(app):
    _holder, session_id, candidacy_id = _accepted_renewal(app)
    board_id = create_user(app, Role.BOARD_ADMIN, body_code="LSPS").id
    with app.app_context():
        board = _user(board_id)
        with pytest.raises(CertificationError, match="tidak perlu hadir"):
            screening.mark_absent(db.session.get(Candidacy, candidacy_id), board, "Tidak datang ke TUK.")
        _set_session(session_id, SessionStatus.PLENARY)
        with pytest.raises(CertificationError, match="tidak perlu hadir"):
            plenary.mark_absent(db.session.get(Candidacy, candidacy_id), board, "Tidak datang ke TUK.")
        assert db.session.get(Candidacy, candidacy_id).status == CandidacyStatus.ACCEPTED


def test_the_purpose_of_a_renewal_stays_recertification(app, ctx):
    holder, session_id, _version_id = _renewable(app)
    candidacy = _apply(holder, session_id)
    for purpose in ("first", "retake"):
        with pytest.raises(CertificationError) as refused:
            candidacy_services.update_application(
                candidacy, Application(version_id=None, purpose=purpose), _user(holder.user_id)
            )
        assert "tujuannya tidak dapat diubah" in str(refused.value.errors["purpose"][0])
    candidacy_services.update_application(
        candidacy,
        Application(version_id=None, purpose="recertification", declared_months=60),
        _user(holder.user_id),
    )
    assert (
        candidacy.purpose == CandidacyPurpose.RECERTIFICATION and candidacy.declared_experience_months == 60
    )
    assert candidacy.portfolio_review


# --- Pages ----------------------------------------------------------------------------------------


def _names(html: str) -> set[str]:
    return set(re.findall(r'name="(mark-\d+-\w+)"', html))


def test_the_scoring_form_offers_only_the_portfolio_column_for_a_portfolio_review(app, client):
    holder, session_id, candidacy_id = _accepted_renewal(app)
    assessor_id, user_id = create_assessor(
        app, scheme_ids=(_scheme_of(app, holder.certificate_id),), session_id=session_id
    )
    assessment_id = create_assessment(app, candidacy_id, assessor_id)
    with app.app_context():
        _set_session(session_id, SessionStatus.ASSESSING)
        db.session.commit()
        units = [u.id for u in db.session.get(Candidacy, candidacy_id).version.units]
        login(client, db.session.get(User, user_id))
    html = client.get(f"/asesmen/{assessment_id}").get_data(as_text=True)
    assert _names(html) == {f"mark-{u}-portfolio" for u in units}
    assert "Resertifikasi — telaah portofolio" in html
    assert 'data-testid="portfolio-review"' in html
    # A crafted interview cell is not read; the portfolio marks alone are a complete submission.
    data = {f"mark-{u}-portfolio": "K" for u in units}
    data.update({f"mark-{u}-interview": "BK" for u in units}, recommendation="K", action="submit")
    response = client.post(f"/asesmen/{assessment_id}", data=data)
    assert response.status_code == 302
    with app.app_context():
        assessment = db.session.get(scoring.Assessment, assessment_id)
        assert assessment.status == AssessmentStatus.SUBMITTED
        assert {(m.unit_id, m.method, m.verdict) for m in assessment.marks} == {
            (u, AssessmentMethod.PORTFOLIO, K) for u in units
        }


def test_the_scoring_form_of_an_exam_candidacy_offers_every_method(app, client):
    _holder, session_id, version_id = _renewable(app)
    with app.app_context():
        _set_session(session_id, SessionStatus.ASSESSING)
        db.session.commit()
    person_id, registration_id = create_verified_person(app)
    candidacy_id = create_candidacy(app, session_id, version_id, person_id, registration_id)
    with app.app_context():
        candidacy = db.session.get(Candidacy, candidacy_id)
        units, scheme_id = [u.id for u in candidacy.version.units], candidacy.scheme_id
    assessor_id, user_id = create_assessor(app, scheme_ids=(scheme_id,), session_id=session_id)
    assessment_id = create_assessment(app, candidacy_id, assessor_id)
    with app.app_context():
        login(client, db.session.get(User, user_id))
    html = client.get(f"/asesmen/{assessment_id}").get_data(as_text=True)
    assert _names(html) == {f"mark-{u}-{m}" for u in units for m in ("portfolio", "interview")}
    assert 'data-testid="portfolio-review"' not in html


def _as_holder(app, client, holder: Holder) -> None:
    with app.app_context():
        login(client, db.session.get(User, holder.user_id))


def test_the_renewal_panel_says_portfolio_review_or_exam(app, client):
    holder, _session_id, _version_id = _renewable(app)
    _as_holder(app, client, holder)
    html = client.get(f"/sertifikat/{holder.certificate_id}").get_data(as_text=True)
    assert 'data-testid="renewal-by-portfolio"' in html and "tanpa uji" in html
    assert 'data-testid="renewal-by-exam"' not in html

    exam, _session_id, _version_id = _renewable(app, by_portfolio=False)
    other = app.test_client()
    _as_holder(app, other, exam)
    html = other.get(f"/sertifikat/{exam.certificate_id}").get_data(as_text=True)
    assert 'data-testid="renewal-by-exam"' in html and 'data-testid="renewal-by-portfolio"' not in html


def test_the_candidacy_page_shows_a_portfolio_review(app, client):
    holder, session_id, _version_id = _renewable(app)
    _as_holder(app, client, holder)
    response = client.post(
        f"/sertifikat/{holder.certificate_id}/resertifikasi", data={"session_id": session_id}
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Resertifikasi — telaah portofolio" in html
    assert 'data-testid="portfolio-review"' in html and "tidak perlu hadir" in html
    # The purpose is not offered for change (a hidden re-certification value).
    assert 'value="recertification"' in html and 'id="purpose-0"' not in html
    mine = client.get("/sertifikasi/asesi/saya").get_data(as_text=True)
    assert "Resertifikasi — telaah portofolio" in mine


# --- The renewal gate: one test per refusal --------------------------------------------------------


def _reasons(app, holder: Holder) -> list[str]:
    with app.app_context():
        return [str(r) for r in renewal_check(db.session.get(Certificate, holder.certificate_id)).reasons]


def _refused(app, holder: Holder, session_id: int, match: str) -> None:
    with app.app_context(), pytest.raises(CredentialError, match=match):
        _apply(holder, session_id)


def test_the_gate_allows_a_ready_holder(app):
    holder, _session_id, _version_id = _renewable(app)
    assert _reasons(app, holder) == []


def test_the_gate_refuses_before_the_window_opens(app):
    holder, session_id, _version_id = _renewable(app, days_left=400)
    reasons = _reasons(app, holder)
    assert len(reasons) == 1 and "dapat diajukan mulai" in reasons[0] and "6 bulan" in reasons[0]
    _refused(app, holder, session_id, "dapat diajukan mulai")


def test_the_gate_refuses_without_the_cpd_jp(app):
    holder, session_id, _version_id = _renewable(app, jp=99)
    reasons = _reasons(app, holder)
    assert len(reasons) == 1 and "sekurang-kurangnya 100 JP" in reasons[0] and "99 JP" in reasons[0]
    _refused(app, holder, session_id, "baru memiliki 99 JP")


def test_the_gate_counts_only_jp_since_the_issue(app):
    holder, session_id, _version_id = _renewable(app, jp=0)
    today = local_today()
    with app.app_context():
        issued_on = db.session.get(Certificate, holder.certificate_id).issued_on
    create_training_record(app, holder.person_id, jp=100, ended_on=issued_on - timedelta(days=10))
    assert today > issued_on
    assert any("baru memiliki 0 JP" in r for r in _reasons(app, holder))
    _refused(app, holder, session_id, "baru memiliki 0 JP")


def test_the_gate_refuses_a_suspended_certificate(app):
    holder, session_id, _version_id = _renewable(app, status=C.SUSPENDED)
    reasons = _reasons(app, holder)
    assert len(reasons) == 1 and "sedang dibekukan" in reasons[0]
    _refused(app, holder, session_id, "sedang dibekukan")


@pytest.mark.parametrize(("status", "label"), [(C.REVOKED, "Dicabut"), (C.SUPERSEDED, "Diganti")])
def test_the_gate_refuses_a_revoked_or_superseded_certificate(app, status, label):
    holder, session_id, _version_id = _renewable(app, status=status)
    reasons = _reasons(app, holder)
    assert reasons == [f"Sertifikat yang berstatus {label} tidak dapat diperpanjang."]
    _refused(app, holder, session_id, "tidak dapat diperpanjang")


def test_the_gate_refuses_an_expired_certificate(app):
    today = local_today()
    holder = create_holder(
        app, issued_on=today - timedelta(days=5 * 365 + 10), valid_until=today - timedelta(days=1)
    )
    create_training_record(app, holder.person_id, jp=100, ended_on=today - timedelta(days=100))
    reasons = _reasons(app, holder)
    assert reasons == ["Sertifikat yang berstatus Kedaluwarsa tidak dapat diperpanjang."]


def test_the_gate_refuses_a_second_application(app):
    holder, session_id, _version_id = _renewable(app)
    with app.app_context():
        _apply(holder, session_id)
        db.session.commit()
    reasons = _reasons(app, holder)
    assert reasons == ["Anda sudah mengajukan resertifikasi untuk sertifikat ini."]
    _refused(app, holder, session_id, "sudah mengajukan resertifikasi")
