"""Candidacy services: applying (APL.01) with its refusals, attempts and the retake wait; the
self-assessment (APL.02); the portfolio; submitting with the checklist frozen; withdrawing; every
candidacy transition the candidate drives, legal and illegal; nominations by an agency officer."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.certification.candidacy import services
from app.certification.candidacy.services import Application
from app.certification.models import Candidacy, Decision, Decree, ExamSession, SchemeUnit
from app.certification.states import (
    CANDIDACY_LIFECYCLE,
    CandidacyAction,
    CandidacyPurpose,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
    Verdict,
)
from app.core.actors import SYSTEM
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.roles import Role
from app.documents.models import Document
from app.extensions import db
from app.people.models import Person
from app.registration.models import Registration
from tests.certification_factories import create_candidacy, create_exam_session, create_scheme
from tests.factories import VILLAGE_SEMARANG, create_person, create_user, sample_file
from tests.training_factories import create_verified_person


def _get(model, id_):
    return db.session.get(model, id_)


def _user(ref):
    return db.session.get(User, ref.id)


def _applicant(app, **person):
    user = create_user(app, Role.APPLICANT)
    person_id, registration_id = create_verified_person(app, user_id=user.id, **person)
    return user, person_id, registration_id


@pytest.fixture
def scheme(app):
    """(scheme_id, version_id): Relawan, 60 JP, the experience letter required."""
    return create_scheme(app, min_training_jp=60, required_documents=["SURAT_PENGALAMAN"])


@pytest.fixture
def open_session(app, scheme):
    return create_exam_session(app, scheme[1])


def _apply(app, session_id, version_id, user, person_id, **values):
    values = {"version_id": version_id, "purpose": "first", **values}
    return services.apply(
        _get(ExamSession, session_id), _get(Person, person_id), Application(**values), _user(user)
    )


def _answer_all(candidacy, user, verdict="K"):
    services.save_self_assessment(
        candidacy, {u.id: (verdict, "Laporan kasus terlampir.") for u in candidacy.version.units}, _user(user)
    )


def _upload(candidacy, user, purpose="SURAT_PENGALAMAN", data=None, name="surat.png"):
    return services.upload_evidence(
        candidacy, purpose, name, io.BytesIO(data if data is not None else sample_file()), _user(user)
    )


def _ready(app, open_session, scheme):
    """A draft with every unit answered and the experience letter uploaded."""
    user, person_id, _registration_id = _applicant(app)
    candidacy = _apply(app, open_session, scheme[1], user, person_id)
    _answer_all(candidacy, user)
    _upload(candidacy, user)
    return user, candidacy


# --- Applying ------------------------------------------------------------------------------------


def test_an_applicant_applies_and_gets_a_draft_with_their_registration(app, ctx, open_session, scheme):
    user, person_id, registration_id = _applicant(app)
    candidacy = _apply(
        app, open_session, scheme[1], user, person_id, declared_months=30, summary=" Pendamping PKH. "
    )
    db.session.commit()
    assert candidacy.status == CandidacyStatus.DRAFT
    assert candidacy.registration_id == registration_id
    assert (candidacy.province_code, candidacy.regency_code) == ("32", "32.04")
    assert candidacy.attempt == 1 and candidacy.scheme_id == scheme[0] and candidacy.body_code == "LSPS"
    assert candidacy.declared_experience_months == 30 and candidacy.experience_summary == "Pendamping PKH."
    assert candidacy.nominated_by_id is None and candidacy.submitted_at is None
    assert [e.to_status for e in candidacy.events] == [CandidacyStatus.DRAFT]
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "candidacy.apply", AuditEvent.object_id == str(candidacy.id)
        )
    )


def test_without_a_registration_in_the_target_the_address_gives_the_region(app, ctx, open_session, scheme):
    user = create_user(app, Role.APPLICANT)
    person_id = create_person(app, user_id=user.id, village=VILLAGE_SEMARANG)
    candidacy = _apply(app, open_session, scheme[1], user, person_id)
    assert candidacy.registration_id is None
    assert (candidacy.province_code, candidacy.regency_code) == ("33", "33.74")


def test_someone_else_cannot_apply_for_a_person(app, ctx, open_session, scheme):
    _user_ref, person_id, _registration_id = _applicant(app)
    stranger = create_user(app, Role.APPLICANT)
    with pytest.raises(PermissionDenied):
        _apply(app, open_session, scheme[1], stranger, person_id)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (SessionStatus.PLANNED, "tidak sedang dibuka"),
        (SessionStatus.CLOSED, "tidak sedang dibuka"),
        (SessionStatus.CANCELLED, "dibatalkan"),
    ],
)
def test_only_an_open_session_takes_applications(app, ctx, scheme, status, message):
    session_id = create_exam_session(app, scheme[1], status=status)
    user, person_id, _registration_id = _applicant(app)
    with pytest.raises(CertificationError) as refused:
        _apply(app, session_id, scheme[1], user, person_id)
    assert message in str(refused.value.message)


def test_the_application_window_is_kept(app, ctx, open_session, scheme):
    user, person_id, _registration_id = _applicant(app)
    session = _get(ExamSession, open_session)
    session.applications_open_on = local_today() + timedelta(days=1)
    with pytest.raises(CertificationError) as refused:
        _apply(app, open_session, scheme[1], user, person_id)
    assert "baru dibuka pada" in str(refused.value.message)
    session.applications_open_on = local_today() - timedelta(days=10)
    session.applications_close_on = local_today() - timedelta(days=1)
    with pytest.raises(CertificationError) as refused:
        _apply(app, open_session, scheme[1], user, person_id)
    assert "sudah berakhir pada" in str(refused.value.message)
    session.applications_close_on = local_today()  # the last day still counts
    assert _apply(app, open_session, scheme[1], user, person_id).status == CandidacyStatus.DRAFT


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"version_id": 999999}, "version_id", "Pilih skema yang diujikan"),
        ({"purpose": "menang"}, "purpose", "Pilih tujuan asesmen."),
        ({"purpose": None}, "purpose", "Pilih tujuan asesmen."),
        ({"declared_months": -1}, "declared_months", "Isi angka 0 sampai 600."),
        ({"declared_months": 601}, "declared_months", "Isi angka 0 sampai 600."),
        ({"declared_hours": 100001}, "declared_hours", "Isi angka 0 sampai 100000."),
        ({"summary": "x" * 4001}, "summary", "Maksimal 4000 karakter."),
    ],
)
def test_bad_application_values_are_refused_beside_their_field(
    app, ctx, open_session, scheme, values, field, message
):
    user, person_id, _registration_id = _applicant(app)
    with pytest.raises(CertificationError) as refused:
        _apply(app, open_session, values.pop("version_id", scheme[1]), user, person_id, **values)
    assert message in str(refused.value.errors[field][0])


def test_a_version_the_session_does_not_offer_is_refused(app, ctx, open_session):
    _other_scheme, other_version = create_scheme(app)
    user, person_id, _registration_id = _applicant(app)
    with pytest.raises(CertificationError) as refused:
        _apply(app, open_session, other_version, user, person_id)
    assert "version_id" in refused.value.errors


def test_one_open_candidacy_per_session_and_version(app, ctx, open_session, scheme):
    user, person_id, _registration_id = _applicant(app)
    first = _apply(app, open_session, scheme[1], user, person_id)
    with pytest.raises(CertificationError) as refused:
        _apply(app, open_session, scheme[1], user, person_id)
    assert "sudah mendaftar" in str(refused.value.message)
    services.withdraw(first, _user(user))
    assert _apply(app, open_session, scheme[1], user, person_id).status == CandidacyStatus.DRAFT


def _decided(app, session_id, version_id, person_id, result, decided_at, attempt=1):
    candidacy_id = create_candidacy(
        app, session_id, version_id, person_id, status=CandidacyStatus.DECIDED, attempt=attempt
    )
    with app.app_context():
        decree = Decree(
            body_code="LSPS",
            session_id=session_id,
            number=f"{candidacy_id}/LSPS/SK/XII/2026",
            decided_at=decided_at,
        )
        db.session.add(decree)
        db.session.flush()
        db.session.add(
            Decision(
                candidacy_id=candidacy_id,
                decree_id=decree.id,
                round=1,
                result=result,
                decided_at=decided_at,
                appeal_deadline=decided_at.date() + timedelta(days=14),
            )
        )
        db.session.commit()
    return candidacy_id


def test_the_attempt_counts_decided_candidacies_on_the_scheme(app, ctx, open_session, scheme):
    user, person_id, _registration_id = _applicant(app)
    old_session = create_exam_session(app, scheme[1], status=SessionStatus.DECIDED)
    older_session = create_exam_session(app, scheme[1], status=SessionStatus.DECIDED)
    long_ago = datetime(2020, 1, 10, 3, 0)
    _decided(app, older_session, scheme[1], person_id, Verdict.BK, long_ago)
    _decided(app, old_session, scheme[1], person_id, Verdict.BK, long_ago + timedelta(days=200), attempt=2)
    create_candidacy(app, old_session, scheme[1], person_id, status=CandidacyStatus.WITHDRAWN)
    candidacy = _apply(app, open_session, scheme[1], user, person_id, purpose="retake")
    assert candidacy.attempt == 3 and candidacy.purpose == CandidacyPurpose.RETAKE


@pytest.mark.parametrize(("days_ago", "allowed"), [(90, True), (89, False)])
def test_a_retake_after_belum_kompeten_waits_for_the_scheme_period(
    app, ctx, open_session, scheme, days_ago, allowed
):
    user, person_id, _registration_id = _applicant(app)
    old_session = create_exam_session(app, scheme[1], status=SessionStatus.DECIDED)
    decided_at = datetime.combine(local_today() - timedelta(days=days_ago), datetime.min.time()) + timedelta(
        hours=5
    )
    _decided(app, old_session, scheme[1], person_id, Verdict.BK, decided_at)
    if allowed:
        assert _apply(app, open_session, scheme[1], user, person_id, purpose="retake").attempt == 2
        return
    with pytest.raises(CertificationError) as refused:
        _apply(app, open_session, scheme[1], user, person_id, purpose="retake")
    message = str(refused.value.message)
    assert "Belum Kompeten" in message and "mulai" in message
    retake_on = decided_at.date() + timedelta(days=90)
    assert str(retake_on.year) in message


def test_retake_is_only_for_a_previous_belum_kompeten(app, ctx, open_session, scheme):
    user, person_id, _registration_id = _applicant(app)
    with pytest.raises(CertificationError) as refused:
        _apply(app, open_session, scheme[1], user, person_id, purpose="retake")
    assert refused.value.field == "purpose"


# --- APL.02 --------------------------------------------------------------------------------------


def test_the_self_assessment_is_saved_and_edited_while_draft(app, ctx, open_session, scheme):
    user, person_id, _registration_id = _applicant(app)
    candidacy = _apply(app, open_session, scheme[1], user, person_id)
    units = candidacy.version.units
    answered = services.save_self_assessment(
        candidacy,
        {units[0].id: ("K", "Bukti A"), units[1].id: ("BK", ""), units[2].id: (None, "")},
        _user(user),
    )
    assert answered == 2
    services.save_self_assessment(
        candidacy, {units[0].id: ("BK", "Belum yakin"), units[1].id: (None, "")}, _user(user)
    )
    rows = {row.unit_id: row for row in candidacy.self_assessments}
    assert set(rows) == {units[0].id}
    assert (rows[units[0].id].verdict, rows[units[0].id].evidence_notes) == (Verdict.BK, "Belum yakin")


@pytest.mark.parametrize(
    ("answer", "field", "message"),
    [
        (("X", ""), "verdict", "Pilih Kompeten atau Belum kompeten."),
        (("K", "x" * 2001), "notes", "Maksimal 2000 karakter."),
        ((None, "Ada bukti"), "verdict", "untuk unit ini"),
    ],
)
def test_bad_self_assessment_answers_are_refused(app, ctx, open_session, scheme, answer, field, message):
    user, person_id, _registration_id = _applicant(app)
    candidacy = _apply(app, open_session, scheme[1], user, person_id)
    unit_id = candidacy.version.units[0].id
    with pytest.raises(CertificationError) as refused:
        services.save_self_assessment(candidacy, {unit_id: answer}, _user(user))
    assert message in str(refused.value.errors[f"{field}-{unit_id}"][0])


def test_a_unit_of_another_version_is_refused(app, ctx, open_session, scheme):
    _other, other_version = create_scheme(app)
    user, person_id, _registration_id = _applicant(app)
    candidacy = _apply(app, open_session, scheme[1], user, person_id)
    foreign = db.session.scalar(select(SchemeUnit.id).where(SchemeUnit.version_id == other_version))
    with pytest.raises(CertificationError):
        services.save_self_assessment(candidacy, {foreign: ("K", "")}, _user(user))


# --- Portfolio -----------------------------------------------------------------------------------


def test_portfolio_files_are_checked_and_owned_by_the_candidacy(app, ctx, open_session, scheme):
    user, person_id, _registration_id = _applicant(app)
    candidacy = _apply(app, open_session, scheme[1], user, person_id)
    document = _upload(candidacy, user, data=sample_file("pdf"), name="surat.pdf")
    assert document.candidacy_id == candidacy.id and document.owner_kind == "candidacy"
    assert document.content_type == "application/pdf"
    with pytest.raises(CertificationError) as refused:
        _upload(candidacy, user, data=b"bukan gambar sama sekali", name="surat.png")
    assert refused.value.field == "file"
    with pytest.raises(CertificationError) as refused:
        _upload(candidacy, user, purpose="KTP")
    assert "Jenis dokumen tidak dikenal." in str(refused.value.message)
    services.delete_evidence(document, _user(user))
    db.session.flush()
    assert _get(Document, document.id) is None


def test_a_large_phone_photo_is_downscaled_not_refused(app, ctx, open_session, scheme):
    user, person_id, _registration_id = _applicant(app)
    candidacy = _apply(app, open_session, scheme[1], user, person_id)
    document = _upload(
        candidacy, user, purpose="PORTOFOLIO", data=sample_file("jpg", size=(4000, 3000)), name="foto.jpg"
    )
    from PIL import Image

    from app.core import uploads

    with Image.open(uploads.path_of(document.stored_name)) as image:
        assert max(image.size) <= uploads.IMAGE_MAX_SIDE


# --- Submitting ----------------------------------------------------------------------------------


def test_submitting_needs_every_unit_and_the_required_documents(app, ctx, open_session, scheme):
    user, person_id, _registration_id = _applicant(app)
    candidacy = _apply(app, open_session, scheme[1], user, person_id)
    with pytest.raises(CertificationError) as refused:
        services.submit(candidacy, _user(user))
    messages = [str(m) for m in refused.value.errors[None]]
    assert "3 unit belum dijawab" in messages[0]
    assert "Surat keterangan pengalaman praktik" in messages[1]
    _answer_all(candidacy, user)
    with pytest.raises(CertificationError):
        services.submit(candidacy, _user(user))
    _upload(candidacy, user)
    services.submit(candidacy, _user(user))
    assert candidacy.status == CandidacyStatus.SUBMITTED


def test_submitting_freezes_the_checklist_and_a_failed_rule_does_not_block(app, ctx, open_session, scheme):
    user, candidacy = _ready(app, open_session, scheme)
    checks = services.submit(candidacy, _user(user))
    db.session.commit()
    candidacy = _get(Candidacy, candidacy.id)
    assert candidacy.status == CandidacyStatus.SUBMITTED and candidacy.submitted_at is not None
    frozen = {c["rule"]: c for c in candidacy.eligibility}
    assert frozen["training_jp"] == {
        "rule": "training_jp",
        "met": False,
        "actual": 0,
        "required": 60,
        "text": "JP pelatihan: 0 dari 60",
    }
    assert frozen["registration"]["met"] and frozen["documents"]["met"]
    assert [c.rule for c in checks] == [c["rule"] for c in candidacy.eligibility]
    assert [e.to_status for e in candidacy.events] == [CandidacyStatus.DRAFT, CandidacyStatus.SUBMITTED]
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "candidacy.submit", AuditEvent.object_id == str(candidacy.id)
        )
    )


def test_a_submitted_candidacy_is_locked(app, ctx, open_session, scheme):
    user, candidacy = _ready(app, open_session, scheme)
    services.submit(candidacy, _user(user))
    with pytest.raises(CertificationError) as refused:
        services.submit(candidacy, _user(user))
    assert "Menunggu pemeriksaan" in str(refused.value.message)
    for attempt in (
        lambda: _answer_all(candidacy, user, "BK"),
        lambda: _upload(candidacy, user),
        lambda: services.delete_evidence(candidacy.documents[0], _user(user)),
        lambda: services.update_application(candidacy, Application(None, "first"), _user(user)),
    ):
        with pytest.raises(CertificationError) as refused:
            attempt()
        assert "tidak dapat diubah lagi" in str(refused.value.message)


def test_a_returned_candidacy_is_edited_and_resubmitted_with_a_new_checklist(app, ctx, open_session, scheme):
    user, candidacy = _ready(app, open_session, scheme)
    services.submit(candidacy, _user(user))
    CANDIDACY_LIFECYCLE.transition(
        candidacy, CandidacyAction.RETURN, SYSTEM, "Surat pengalaman tidak terbaca."
    )
    assert services.screening_reason(candidacy) == "Surat pengalaman tidak terbaca."
    services.update_application(candidacy, Application(None, "first", declared_months=36), _user(user))
    _answer_all(candidacy, user, "BK")
    services.submit(candidacy, _user(user))
    assert candidacy.status == CandidacyStatus.SUBMITTED
    assert [e.to_status for e in candidacy.events] == [
        CandidacyStatus.DRAFT,
        CandidacyStatus.SUBMITTED,
        CandidacyStatus.RETURNED,
        CandidacyStatus.SUBMITTED,
    ]


def test_only_the_candidate_submits(app, ctx, open_session, scheme):
    stranger = create_user(app, Role.APPLICANT)
    _user_ref, candidacy = _ready(app, open_session, scheme)
    with pytest.raises(PermissionDenied):
        services.submit(candidacy, _user(stranger))
    with pytest.raises(PermissionDenied):
        services.withdraw(candidacy, _user(stranger))
    assert candidacy.status == CandidacyStatus.DRAFT


def test_a_draft_is_not_submitted_after_the_window_closed(app, ctx, open_session, scheme):
    user, candidacy = _ready(app, open_session, scheme)
    _get(ExamSession, open_session).applications_close_on = local_today() - timedelta(days=1)
    with pytest.raises(CertificationError) as refused:
        services.submit(candidacy, _user(user))
    assert "sudah berakhir" in str(refused.value.message)


# --- Withdrawing: legal and illegal -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "legal"),
    [
        (CandidacyStatus.DRAFT, True),
        (CandidacyStatus.SUBMITTED, True),
        (CandidacyStatus.RETURNED, True),
        (CandidacyStatus.ACCEPTED, False),
        (CandidacyStatus.REJECTED, False),
        (CandidacyStatus.DECIDED, False),
        (CandidacyStatus.WITHDRAWN, False),
    ],
)
def test_withdrawing_from_each_status(app, ctx, open_session, scheme, status, legal):
    user, person_id, registration_id = _applicant(app)
    candidacy_id = create_candidacy(app, open_session, scheme[1], person_id, registration_id, status=status)
    candidacy = _get(Candidacy, candidacy_id)
    if legal:
        services.withdraw(candidacy, _user(user), "Bentrok jadwal.")
        assert candidacy.status == CandidacyStatus.WITHDRAWN
        assert candidacy.events[-1].reason == "Bentrok jadwal."
    else:
        with pytest.raises(CertificationError) as refused:
            services.withdraw(candidacy, _user(user))
        assert "tindakan itu tidak dapat dilakukan" in str(refused.value.message)
        assert candidacy.status == status


def test_a_withdrawal_reason_is_bounded(app, ctx, open_session, scheme):
    user, candidacy = _ready(app, open_session, scheme)
    with pytest.raises(CertificationError) as refused:
        services.withdraw(candidacy, _user(user), "x" * 2001)
    assert refused.value.field == "reason"


@pytest.mark.parametrize(
    "status", [CandidacyStatus.ACCEPTED, CandidacyStatus.REJECTED, CandidacyStatus.DECIDED]
)
def test_submit_is_illegal_outside_draft_and_returned(app, ctx, open_session, scheme, status):
    user, person_id, registration_id = _applicant(app)
    candidacy = _get(
        Candidacy, create_candidacy(app, open_session, scheme[1], person_id, registration_id, status=status)
    )
    with pytest.raises(CertificationError):
        services.submit(candidacy, _user(user))
    assert candidacy.status == status


# --- The candidate's list ------------------------------------------------------------------------


def test_may_appeal_until_the_deadline(app, ctx, open_session, scheme):
    _user_ref, person_id, _registration_id = _applicant(app)
    decided_at = utcnow()
    candidacy_id = _decided(app, open_session, scheme[1], person_id, Verdict.BK, decided_at)
    candidacy = _get(Candidacy, candidacy_id)
    deadline = candidacy.decision.appeal_deadline
    assert services.may_appeal(candidacy, deadline)
    assert not services.may_appeal(candidacy, deadline + timedelta(days=1))


# --- Nominations ---------------------------------------------------------------------------------


def test_an_agency_officer_nominates_someone_of_their_jurisdiction(app, ctx, open_session, scheme, outbox):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    user, person_id, registration_id = _applicant(app)
    candidacy = services.nominate(
        _get(ExamSession, open_session), scheme[1], _get(Registration, registration_id), _user(officer)
    )
    db.session.commit()
    assert candidacy.status == CandidacyStatus.DRAFT and candidacy.nominated_by_id == officer.id
    assert candidacy.person_id == person_id and candidacy.registration_id == registration_id
    person = _get(Person, person_id)
    body = outbox.body(outbox.last_to(person.email))
    assert body.startswith(f"Yth. {person.full_name},")
    assert "Hormat kami," in body and f"/sertifikasi/asesi/{candidacy.id}" in body
    # The person completes and submits it themselves.
    _answer_all(candidacy, user)
    _upload(candidacy, user)
    services.submit(candidacy, _user(user))
    assert candidacy.status == CandidacyStatus.SUBMITTED


def test_a_walk_in_nominee_is_invited_once_by_an_officer_and_never_by_the_system(
    app, ctx, open_session, scheme, outbox
):
    from app.people.models import PersonClaim

    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    person_id, registration_id = create_verified_person(app, full_name="Walk In Layanan")
    other_session = create_exam_session(app, scheme[1])
    services.nominate(
        _get(ExamSession, other_session), scheme[1], _get(Registration, registration_id), SYSTEM
    )
    assert db.session.scalars(select(PersonClaim).where(PersonClaim.person_id == person_id)).all() == []
    services.nominate(
        _get(ExamSession, open_session), scheme[1], _get(Registration, registration_id), _user(officer)
    )
    db.session.commit()
    invitation = services.open_invitation(_get(Person, person_id))
    assert invitation is not None and invitation.sent_to == _get(Person, person_id).email
    assert (
        outbox.last_to(invitation.sent_to)["Subject"] == "Undangan menghubungkan data SDM Kesos ke akun Anda"
    )


def test_nominating_someone_outside_the_jurisdiction_is_refused(app, ctx, open_session, scheme):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _person, registration_id = create_verified_person(app, region="33.74", village=VILLAGE_SEMARANG)
    with pytest.raises(CertificationError) as refused:
        services.nominate(
            _get(ExamSession, open_session), scheme[1], _get(Registration, registration_id), _user(officer)
        )
    assert "luar wilayah kerja" in str(refused.value.message)


def test_nominating_a_registration_outside_the_scheme_target_is_refused(app, ctx, open_session, scheme):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _person, registration_id = create_verified_person(app)  # a Relawan
    _other, penyuluh_version = create_scheme(app, category="PENYULUH")
    session_id = create_exam_session(app, penyuluh_version)
    with pytest.raises(CertificationError) as refused:
        services.nominate(
            _get(ExamSession, session_id),
            penyuluh_version,
            _get(Registration, registration_id),
            _user(officer),
        )
    assert "bukan sasaran skema" in str(refused.value.message)


def test_the_jurisdiction_list_holds_only_the_officers_region(app, ctx, open_session, scheme):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _u, bandung, reg_bandung = _applicant(app)
    _u2, semarang, reg_semarang = _applicant(app, region="33.74", village=VILLAGE_SEMARANG)
    mine = create_candidacy(
        app, open_session, scheme[1], bandung, reg_bandung, status=CandidacyStatus.SUBMITTED
    )
    theirs = create_candidacy(
        app, open_session, scheme[1], semarang, reg_semarang, status=CandidacyStatus.SUBMITTED
    )
    ids = {c.id for c in db.session.scalars(services.jurisdiction_query(_user(officer))).unique()}
    assert mine in ids and theirs not in ids


def test_nominating_without_an_offered_scheme_says_so(app, ctx, open_session, scheme):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _person, registration_id = create_verified_person(app)
    with pytest.raises(CertificationError) as refused:
        services.nominate(
            _get(ExamSession, open_session), 999999, _get(Registration, registration_id), _user(officer)
        )
    assert "Pilih skema yang diujikan pada jadwal ini." in str(refused.value.message)


def test_the_retake_date_counts_from_the_decision_day_in_wib(app, ctx, open_session, scheme):
    _user_ref, person_id, _registration_id = _applicant(app)
    old_session = create_exam_session(app, scheme[1], status=SessionStatus.DECIDED)
    # 20:00 UTC on 9 January is 03:00 WIB on 10 January: the decree's date.
    _decided(app, old_session, scheme[1], person_id, Verdict.BK, datetime(2030, 1, 9, 20, 0))
    assert services.retake_date(person_id, scheme[0]) == datetime(2030, 1, 10).date() + timedelta(days=90)
