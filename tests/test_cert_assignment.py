"""Assignment of assessors to candidacies by the body's board admin: every conflict-of-interest rule
and every registry or role rule blocks the assignment with its reason (through the service and a
crafted POST alike), the group assignment assigns those without a refusal and lists the others,
a draft assignment can be taken back, and the board disputes a first assessment."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.certification.models import (
    Assessment,
    AssessmentEvent,
    Assessor,
    Candidacy,
    DeclaredConflict,
)
from app.certification.outcome import FLAG_DISAGREEMENT, FLAG_DISPUTED
from app.certification.screening import services
from app.certification.states import (
    AssessmentStatus,
    AssessorRole,
    CandidacyStatus,
    CertificationError,
    SessionStatus,
    Verdict,
)
from app.core.audit import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.institutions import services as institutions
from app.institutions.models import InstitutionKind
from app.people.models import Person
from app.training.models import Facilitator
from app.training.states import EnrolmentStatus
from app.training.states import SessionStatus as TrainingSessionStatus
from tests.certification_factories import (
    create_assessment,
    create_assessor,
    create_candidacy,
    create_exam_session,
    create_scheme,
)
from tests.factories import create_user, login
from tests.test_queue import counted_statements
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_verified_person,
)


@pytest.fixture
def setup(app):
    """A scheme, a closed session offering it, an accepted candidate, an assessor of the session
    allowed for the scheme, and a board admin signed in on the client."""
    scheme_id, version_id = create_scheme(app)
    session_id = create_exam_session(app, version_id, status=SessionStatus.CLOSED)
    person_id, registration_id = create_verified_person(app, full_name="Budi Asesi")
    candidacy_id = create_candidacy(app, session_id, version_id, person_id, registration_id)
    assessor_id, assessor_user = create_assessor(app, scheme_ids=(scheme_id,), session_id=session_id)
    admin = create_user(app, Role.BOARD_ADMIN)
    return {
        "scheme": scheme_id,
        "version": version_id,
        "session": session_id,
        "person": person_id,
        "candidacy": candidacy_id,
        "assessor": assessor_id,
        "assessor_user": assessor_user,
        "admin": admin,
    }


def assign_url(candidacy_id: int) -> str:
    return f"/sertifikasi/seleksi/asesi/{candidacy_id}/asesor"


def post_assign(client, candidacy_id, assessor_id, role=AssessorRole.FIRST):
    return client.post(assign_url(candidacy_id), data={"assessor_id": assessor_id, "role": str(role)})


def assessments(app, candidacy_id) -> list[Assessment]:
    with app.app_context():
        found = list(db.session.scalars(select(Assessment).where(Assessment.candidacy_id == candidacy_id)))
        for a in found:
            a.role, a.status, a.assessor_id  # noqa: B018 - loaded before the context closes
        return found


def refusal(app, setup, assessor_id=None, role=AssessorRole.FIRST, candidacy_id=None) -> str:
    """Assign through the service; return the refusal's text (fails if it was not refused)."""
    with app.app_context():
        candidacy = db.session.get(Candidacy, candidacy_id or setup["candidacy"])
        assessor = db.session.get(Assessor, assessor_id or setup["assessor"])
        actor = db.session.get(User, setup["admin"].id)
        with pytest.raises(CertificationError) as refused:
            services.assign(candidacy, assessor, role, actor)
        db.session.rollback()
        return str(refused.value.message)


def assessor_person(app, assessor_id) -> int:
    with app.app_context():
        return db.session.get(Assessor, assessor_id).person_id


def crafted_post_refused(app, client, setup, message: str, assessor_id=None, role=AssessorRole.FIRST):
    login(client, setup["admin"])
    response = post_assign(client, setup["candidacy"], assessor_id or setup["assessor"], role)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'data-testid="error-summary"' in html
    assert assessments(app, setup["candidacy"]) == []


# --- The assignment itself -----------------------------------------------------------------------


def test_assigning_creates_a_draft_assessment_audits_and_emails_the_assessor(app, client, setup, outbox):
    login(client, setup["admin"])
    response = post_assign(client, setup["candidacy"], setup["assessor"])
    assert response.status_code == 302
    [assessment] = assessments(app, setup["candidacy"])
    assert assessment.role == AssessorRole.FIRST
    assert assessment.status == AssessmentStatus.DRAFT
    assert assessment.assessor_id == setup["assessor"]
    with app.app_context():
        a = db.session.get(Assessment, assessment.id)
        assert a.round == 1 and a.assigned_by_id == setup["admin"].id
        [event] = db.session.scalars(select(AssessmentEvent).where(AssessmentEvent.assessment_id == a.id))
        assert event.from_status is None and event.to_status == AssessmentStatus.DRAFT
        assert db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "assessment.assigned", AuditEvent.object_id == str(a.id))
        )
        address = db.session.get(User, setup["assessor_user"]).email
    message = outbox.last_to(address)
    body = outbox.body(message)
    assert body.startswith("Yth. Asesor Uji")
    assert "Asesor pertama" in body and "Budi Asesi" in body
    assert "Hormat kami," in body
    assert "/asesmen/\n" in body and "/dasbor" not in body  # the assessor's work list
    page = client.get(f"/sertifikasi/seleksi/asesi/{setup['candidacy']}").get_data(as_text=True)
    assert "Penilaian asesor pertama belum dikirim." in page


def test_a_candidacy_not_accepted_gets_no_assessor(app, setup):
    with app.app_context():
        db.session.get(Candidacy, setup["candidacy"]).status = CandidacyStatus.SUBMITTED
        db.session.commit()
    assert "Asesor hanya dapat ditugaskan kepada asesi yang memenuhi syarat" in refusal(app, setup)


def test_an_assessor_of_another_body_is_refused(app, setup):
    other, _user = create_assessor(app, body="LSPENSOS", scheme_ids=(setup["scheme"],))
    assert "Asesor ini terdaftar pada lembaga sertifikasi lain." in refusal(app, setup, other)


# --- Conflicts of interest -----------------------------------------------------------------------


def test_the_assessor_being_the_candidate_blocks(app, client, setup):
    scheme, version, session = setup["scheme"], setup["version"], setup["session"]
    assessor, _user = create_assessor(app, scheme_ids=(scheme,), session_id=session)
    own = create_candidacy(app, session, version, assessor_person(app, assessor))
    with app.app_context():
        candidate = db.session.get(Candidacy, own)
        assert candidate.person_id == db.session.get(Assessor, assessor).person_id
    message = "Asesor adalah asesi itu sendiri."
    assert message in refusal(app, setup, assessor, candidacy_id=own)
    login(client, setup["admin"])
    response = post_assign(client, own, assessor)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert assessments(app, own) == []


def test_working_at_the_same_institution_blocks(app, client, setup):
    assessor_person_id = assessor_person(app, setup["assessor"])
    with app.app_context():
        lks = institutions.create_institution(
            name="LKS Harapan Bunda", kind=InstitutionKind.LKS, region_code="32.04"
        )
        institutions.add_membership(db.session.get(Person, setup["person"]), lks, started_on=date(2020, 1, 1))
        institutions.add_membership(
            db.session.get(Person, assessor_person_id), lks, started_on=date(2021, 6, 1)
        )
        db.session.commit()
    message = "Asesor bekerja di lembaga yang sama dengan asesi (LKS Harapan Bunda)."
    assert message in refusal(app, setup)
    crafted_post_refused(app, client, setup, message)


def test_the_assessors_registry_institution_counts_too(app, setup):
    with app.app_context():
        lks = institutions.create_institution(name="LKS Mitra Sejahtera", kind=InstitutionKind.LKS)
        institutions.add_membership(db.session.get(Person, setup["person"]), lks, started_on=date(2019, 1, 1))
        db.session.commit()
        lks_id = lks.id
    assessor, _user = create_assessor(
        app, scheme_ids=(setup["scheme"],), session_id=setup["session"], institution_id=lks_id
    )
    assert "(LKS Mitra Sejahtera)" in refusal(app, setup, assessor)


def _taught(app, setup, ended_days_ago: int) -> None:
    """The assessor taught a training session that the candidate completed, ending that long ago."""
    from app.training.models import TrainingSession

    programme = create_programme(app, title="Pelatihan Pendampingan Lanjut")
    training = create_session(app, programme, status=TrainingSessionStatus.CLOSED, days=3)
    facilitator = assessor_person(app, setup["assessor"])
    with app.app_context():
        session = db.session.get(TrainingSession, training)
        session.ends_on = date.today() - timedelta(days=ended_days_ago)
        session.starts_on = session.ends_on - timedelta(days=2)
        session.enrolment_opens_on = session.starts_on - timedelta(days=30)
        session.enrolment_closes_on = session.starts_on - timedelta(days=1)
        registration_id = db.session.scalar(
            select(Candidacy.registration_id).where(Candidacy.id == setup["candidacy"])
        )
        db.session.add(Facilitator(session_id=training, person_id=facilitator))
        db.session.commit()
    create_enrolment(app, training, setup["person"], registration_id, status=EnrolmentStatus.COMPLETED)


def test_teaching_the_candidate_within_two_years_blocks(app, client, setup):
    _taught(app, setup, ended_days_ago=365)
    message = "Asesor mengajar asesi pada diklat Pelatihan Pendampingan Lanjut"
    assert message in refusal(app, setup)
    crafted_post_refused(app, client, setup, message)


def test_teaching_the_candidate_three_years_ago_does_not_block(app, client, setup):
    _taught(app, setup, ended_days_ago=3 * 365 + 1)
    login(client, setup["admin"])
    assert post_assign(client, setup["candidacy"], setup["assessor"]).status_code == 302
    assert len(assessments(app, setup["candidacy"])) == 1


def test_assessing_a_previous_attempt_blocks(app, client, setup):
    earlier_session = create_exam_session(app, setup["version"], status=SessionStatus.DECIDED)
    earlier = create_candidacy(
        app, earlier_session, setup["version"], setup["person"], status=CandidacyStatus.DECIDED
    )
    create_assessment(
        app, earlier, setup["assessor"], recommendation=Verdict.BK, status=AssessmentStatus.SUBMITTED
    )
    message = "Asesor sudah menilai asesi ini pada uji atau asesmen sebelumnya."
    assert message in refusal(app, setup)
    crafted_post_refused(app, client, setup, message)


def test_a_declared_conflict_blocks(app, client, setup):
    with app.app_context():
        db.session.add(
            DeclaredConflict(
                assessor_id=setup["assessor"], person_id=setup["person"], reason="Asesi adalah sepupu saya."
            )
        )
        db.session.commit()
    message = "Asesor telah menyatakan konflik kepentingan: Asesi adalah sepupu saya."
    assert message in refusal(app, setup)
    crafted_post_refused(app, client, setup, message)


def test_every_reason_is_listed_at_once(app, setup):
    with app.app_context():
        db.session.add(
            DeclaredConflict(assessor_id=setup["assessor"], person_id=setup["person"], reason="Tetangga.")
        )
        db.session.get(Assessor, setup["assessor"]).licence_valid_until = date.today() - timedelta(days=1)
        db.session.commit()
    text = refusal(app, setup, role=AssessorRole.SECOND)
    assert "Asesor telah menyatakan konflik kepentingan: Tetangga." in text
    assert "Lisensi asesor berlaku sampai" in text
    assert "Asesor kedua hanya ditugaskan" in text


# --- The assessor's registry entry ---------------------------------------------------------------


def test_an_expired_licence_blocks(app, client, setup):
    assessor, _user = create_assessor(
        app,
        scheme_ids=(setup["scheme"],),
        session_id=setup["session"],
        licence_valid_until=date.today() - timedelta(days=1),
    )
    crafted_post_refused(app, client, setup, "Lisensi asesor berlaku sampai", assessor)


def test_a_licence_ending_before_the_assessment_day_blocks(app, setup):
    assessor, _user = create_assessor(
        app,
        scheme_ids=(setup["scheme"],),
        session_id=setup["session"],
        licence_valid_until=date.today() + timedelta(days=5),  # the session assesses in 3 weeks
    )
    text = refusal(app, setup, assessor)
    assert "tidak mencakup hari asesmen" in text


def test_an_inactive_assessor_is_refused(app, setup):
    with app.app_context():
        db.session.get(Assessor, setup["assessor"]).active = False
        db.session.commit()
    assert "Asesor ini tidak aktif." in refusal(app, setup)


def test_an_assessor_not_allowed_for_the_scheme_is_refused(app, client, setup):
    assessor, _user = create_assessor(app, scheme_ids=(), session_id=setup["session"])
    crafted_post_refused(app, client, setup, "Asesor tidak berwenang menilai skema", assessor)


def test_an_assessor_not_in_the_session_is_refused(app, client, setup):
    assessor, _user = create_assessor(app, scheme_ids=(setup["scheme"],))
    crafted_post_refused(app, client, setup, "Asesor belum ditugaskan pada jadwal uji ini.", assessor)


def test_an_unknown_assessor_or_role_in_a_crafted_post(app, client, setup):
    login(client, setup["admin"])
    assert post_assign(client, setup["candidacy"], 999999).status_code == 404
    response = client.post(
        assign_url(setup["candidacy"]), data={"assessor_id": setup["assessor"], "role": "fourth"}
    )
    assert response.status_code == 422
    assert assessments(app, setup["candidacy"]) == []


# --- Roles ---------------------------------------------------------------------------------------


def second_assessor(app, setup) -> int:
    return create_assessor(app, scheme_ids=(setup["scheme"],), session_id=setup["session"])[0]


def test_a_role_already_taken_in_the_round_is_refused(app, setup):
    create_assessment(app, setup["candidacy"], setup["assessor"])
    other = second_assessor(app, setup)
    assert "Asesor pertama asesi ini pada putaran 1 sudah ditugaskan: Asesor Uji" in refusal(
        app, setup, other
    )


def test_one_assessor_takes_one_role_per_round(app, setup):
    with app.app_context():
        db.session.get(Candidacy, setup["candidacy"]).flag = FLAG_DISAGREEMENT
        db.session.commit()
    create_assessment(app, setup["candidacy"], setup["assessor"])
    text = refusal(app, setup, role=AssessorRole.THIRD)
    assert "Asesor ini sudah ditugaskan kepada asesi ini sebagai Asesor pertama" in text


def test_a_second_assessor_only_when_required_or_disputed(app, client, setup):
    other = second_assessor(app, setup)
    crafted_post_refused(
        app,
        client,
        setup,
        "Asesor kedua hanya ditugaskan jika skema mewajibkannya atau penilaian asesor pertama disanggah.",
        other,
        AssessorRole.SECOND,
    )
    with app.app_context():
        db.session.get(Candidacy, setup["candidacy"]).version.second_assessor_required = True
        db.session.commit()
    assert post_assign(client, setup["candidacy"], other, AssessorRole.SECOND).status_code == 302
    assert [a.role for a in assessments(app, setup["candidacy"])] == [AssessorRole.SECOND]


def test_a_third_assessor_only_on_a_disagreement(app, setup):
    other = second_assessor(app, setup)
    assert "Asesor ketiga hanya ditugaskan jika rekomendasi asesor pertama dan kedua berbeda." in refusal(
        app, setup, other, AssessorRole.THIRD
    )
    with app.app_context():
        candidacy = db.session.get(Candidacy, setup["candidacy"])
        candidacy.flag = FLAG_DISAGREEMENT
        db.session.commit()
        services.assign(
            candidacy,
            db.session.get(Assessor, other),
            AssessorRole.THIRD,
            db.session.get(User, setup["admin"].id),
        )
        db.session.commit()
    assert [a.role for a in assessments(app, setup["candidacy"])] == [AssessorRole.THIRD]


def test_a_reassessment_round_takes_new_assessors(app, setup):
    """After an upheld appeal (round 2) the first assessor of round 1 may not assess again; another may."""
    create_assessment(
        app,
        setup["candidacy"],
        setup["assessor"],
        recommendation=Verdict.BK,
        status=AssessmentStatus.SUBMITTED,
    )
    with app.app_context():
        candidacy = db.session.get(Candidacy, setup["candidacy"])
        candidacy.status, candidacy.round = CandidacyStatus.REASSESSING, 2
        db.session.commit()
    assert "Asesor sudah menilai asesi ini pada uji atau asesmen sebelumnya." in refusal(app, setup)
    other = second_assessor(app, setup)
    with app.app_context():
        assessment = services.assign(
            db.session.get(Candidacy, setup["candidacy"]),
            db.session.get(Assessor, other),
            AssessorRole.FIRST,
            db.session.get(User, setup["admin"].id),
        )
        assert assessment.round == 2
        db.session.commit()


# --- Group assignment ----------------------------------------------------------------------------


def test_group_assignment_assigns_those_without_conflicts_and_lists_why_not(app, client, setup):
    others = []
    for name in ("Citra Asesi", "Dodi Asesi"):
        person_id, registration_id = create_verified_person(app, full_name=name)
        others.append(create_candidacy(app, setup["session"], setup["version"], person_id, registration_id))
    with app.app_context():
        citra = db.session.get(Candidacy, others[0]).person_id
        db.session.add(
            DeclaredConflict(assessor_id=setup["assessor"], person_id=citra, reason="Rekan satu tim.")
        )
        db.session.commit()
    login(client, setup["admin"])
    url = f"/sertifikasi/seleksi/jadwal/{setup['session']}/asesor"

    page = client.get(url).get_data(as_text=True)
    assert sorted(int(i) for i in re.findall(r'data-candidacy="(\d+)"', page)) == sorted(
        [setup["candidacy"], *others]
    )
    assert "Asesor pertama belum ditugaskan." in page

    response = client.post(
        url,
        data={
            "assessor_id": setup["assessor"],
            "role": "first",
            "asesi": [setup["candidacy"], *others],
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ditugaskan sebagai Asesor pertama kepada 2 asesi" in html
    refused = re.search(r'data-refused="(\d+)">(.*?)</li>', html, re.S)
    assert int(refused.group(1)) == others[0]
    assert "Citra Asesi" in refused.group(2)
    assert "Asesor telah menyatakan konflik kepentingan: Rekan satu tim." in refused.group(2)
    assert len(assessments(app, setup["candidacy"])) == 1
    assert len(assessments(app, others[1])) == 1
    assert assessments(app, others[0]) == []


def test_the_per_row_form_of_the_assignment_page_assigns_and_comes_back(app, client, setup):
    login(client, setup["admin"])
    url = f"/sertifikasi/seleksi/jadwal/{setup['session']}/asesor"
    page = client.get(url).get_data(as_text=True)
    assert f'action="{assign_url(setup["candidacy"])}"' in page
    assert 'name="kembali" value="jadwal"' in page
    response = client.post(
        assign_url(setup["candidacy"]),
        data={"assessor_id": setup["assessor"], "role": "first", "kembali": "jadwal"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "ditugaskan sebagai Asesor pertama untuk Budi Asesi" in page
    assert "Penilaian asesor pertama belum dikirim." in page


def test_group_assignment_needs_a_chosen_candidate_and_ignores_other_sessions(app, client, setup):
    login(client, setup["admin"])
    url = f"/sertifikasi/seleksi/jadwal/{setup['session']}/asesor"
    response = client.post(url, data={"assessor_id": setup["assessor"], "role": "first"})
    assert response.status_code == 422
    assert "Pilih sekurang-kurangnya satu asesi." in response.get_data(as_text=True)

    elsewhere_session = create_exam_session(app, setup["version"], status=SessionStatus.CLOSED)
    person_id, registration_id = create_verified_person(app)
    elsewhere = create_candidacy(app, elsewhere_session, setup["version"], person_id, registration_id)
    response = client.post(
        url, data={"assessor_id": setup["assessor"], "role": "first", "asesi": [elsewhere]}
    )
    assert response.status_code == 302
    assert assessments(app, elsewhere) == []


def test_the_assignment_page_takes_the_same_number_of_statements_for_1_or_8_rows(app, client, setup):
    login(client, setup["admin"])
    url = f"/sertifikasi/seleksi/jadwal/{setup['session']}/asesor"
    create_assessment(app, setup["candidacy"], setup["assessor"])
    with counted_statements(app) as few:
        assert client.get(url).status_code == 200
    for _ in range(7):
        person_id, registration_id = create_verified_person(app)
        cid = create_candidacy(app, setup["session"], setup["version"], person_id, registration_id)
        create_assessment(app, cid, setup["assessor"])
    with counted_statements(app) as many:
        html = client.get(url).get_data(as_text=True)
    assert len(re.findall(r'data-candidacy="(\d+)"', html)) == 8
    assert len(many) == len(few), many


# --- Unassign ------------------------------------------------------------------------------------


def test_a_draft_assignment_without_marks_can_be_taken_back(app, client, setup, outbox):
    assessment_id = create_assessment(app, setup["candidacy"], setup["assessor"])
    login(client, setup["admin"])
    url = f"/sertifikasi/seleksi/asesi/{setup['candidacy']}/asesor/{assessment_id}/batal"
    assert client.post(url).status_code == 302
    assert assessments(app, setup["candidacy"]) == []
    with app.app_context():
        [entry] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "assessment.unassigned")
        ).all()
        assert entry.object_id == str(assessment_id)
        assert entry.before["assessor_id"] == setup["assessor"]
        address = db.session.get(User, setup["assessor_user"]).email
    body = outbox.body(outbox.last_to(address))
    assert "dibatalkan" in body and "/asesmen/\n" in body


def test_an_assignment_with_marks_or_submitted_cannot_be_taken_back(app, client, setup):
    marked = create_assessment(app, setup["candidacy"], setup["assessor"], recommendation=Verdict.K)
    login(client, setup["admin"])
    response = client.post(
        f"/sertifikasi/seleksi/asesi/{setup['candidacy']}/asesor/{marked}/batal", follow_redirects=True
    )
    assert "Penugasan ini tidak dapat dibatalkan" in response.get_data(as_text=True)
    assert len(assessments(app, setup["candidacy"])) == 1


# --- Dispute -------------------------------------------------------------------------------------


def dispute_url(setup) -> str:
    return f"/sertifikasi/seleksi/asesi/{setup['candidacy']}/sanggah"


def test_disputing_a_submitted_first_assessment_opens_the_second_role(app, client, setup):
    create_assessment(
        app,
        setup["candidacy"],
        setup["assessor"],
        recommendation=Verdict.K,
        status=AssessmentStatus.SUBMITTED,
    )
    other = second_assessor(app, setup)
    login(client, setup["admin"])
    page = client.get(f"/sertifikasi/seleksi/asesi/{setup['candidacy']}").get_data(as_text=True)
    assert "Rekomendasi asesor: Kompeten." in page
    assert 'data-testid="dispute"' in page

    response = client.post(dispute_url(setup), data={"reason": ""})
    assert response.status_code == 422 and "Wajib diisi." in response.get_data(as_text=True)

    reason = "Bukti portofolio unit KS.01.002 tidak mendukung rekomendasi."
    assert client.post(dispute_url(setup), data={"reason": reason}).status_code == 302
    with app.app_context():
        assert db.session.get(Candidacy, setup["candidacy"]).flag == FLAG_DISPUTED
        [entry] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "candidacy.disputed")
        ).all()
        assert entry.after["reason"] == reason
    page = client.get(f"/sertifikasi/seleksi/asesi/{setup['candidacy']}").get_data(as_text=True)
    assert "Asesor kedua belum ditugaskan." in page
    assert post_assign(client, setup["candidacy"], other, AssessorRole.SECOND).status_code == 302
    # A second dispute is refused.
    response = client.post(dispute_url(setup), data={"reason": reason})
    assert response.status_code == 422
    assert "sudah ditandai untuk ditinjau" in response.get_data(as_text=True)


def test_a_dispute_needs_a_submitted_first_assessment(app, client, setup):
    create_assessment(app, setup["candidacy"], setup["assessor"])
    login(client, setup["admin"])
    response = client.post(dispute_url(setup), data={"reason": "Terlalu cepat."})
    assert response.status_code == 422
    assert "Penilaian asesor pertama belum dikirim; belum ada yang dapat disanggah." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Candidacy, setup["candidacy"]).flag is None


def test_the_outcome_shows_a_disagreement(app, client, setup):
    create_assessment(
        app,
        setup["candidacy"],
        setup["assessor"],
        recommendation=Verdict.K,
        status=AssessmentStatus.SUBMITTED,
    )
    create_assessment(
        app,
        setup["candidacy"],
        second_assessor(app, setup),
        role=AssessorRole.SECOND,
        recommendation=Verdict.BK,
        status=AssessmentStatus.SUBMITTED,
    )
    with app.app_context():
        db.session.get(Candidacy, setup["candidacy"]).flag = FLAG_DISAGREEMENT
        db.session.commit()
    login(client, setup["admin"])
    page = client.get(f"/sertifikasi/seleksi/jadwal/{setup['session']}/asesor").get_data(as_text=True)
    assert "Rekomendasi berbeda" in page


# --- Scoping -------------------------------------------------------------------------------------


def test_another_bodys_admin_cannot_assign(app, client, setup):
    stranger = create_user(app, Role.BOARD_ADMIN, body_code="LSPENSOS")
    login(client, stranger)
    assert post_assign(client, setup["candidacy"], setup["assessor"]).status_code == 404
    url = f"/sertifikasi/seleksi/jadwal/{setup['session']}/asesor"
    assert (
        client.post(
            url, data={"assessor_id": setup["assessor"], "role": "first", "asesi": [setup["candidacy"]]}
        ).status_code
        == 404
    )
    assert assessments(app, setup["candidacy"]) == []
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "screening.access_denied", AuditEvent.actor_id == stranger.id)
            )
            == 2
        )
