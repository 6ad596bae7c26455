"""`flask demo chain`: one demo person through everything the product can do so far.

On a database prepared as `make run` prepares it (reference data, regions, `flask demo accounts`,
`flask credentials dev-keys LSPS LSPENSOS SIPPS`), the demo applicant (pemohon@demo.kemensos.go.id):

1. completes a profile and a Pekerja Sosial Generalis registration (reused when already verified),
   which the regency officer of Kabupaten Bandung verifies: a registration number;
2. enrols in a new session of a BBPPKS Bandung programme for Pekerja Sosial Generalis (the programme
   is reused), is accepted, attends every day, and the training officer completes the session: the
   background job issues the STTP;
3. is a candidate of a new LSPS exam session on the demo scheme (Pekerja Sosial Generalis, two
   units, a second assessor required), accepted; the two demo assessors score every unit K; the LSPS
   board admin opens the plenary and decides it: the decree (SK), numbered, with its PDF;
4. the board admin issues the session's certificates (`issue_for_session`): the certificate of
   competence, numbered, its signed PDF carrying the QR code (verification URL and signed statement);
5. applies for a practice licence (SIPPS) for a practice place in Kabupaten Bandung, resting on that
   certificate (STR number and expiry, proof of the place, health letter), which the regency officer
   grants: the licence, numbered, with its signed PDF.

Each run issues one more STTP, decree, certificate and licence (new sessions each time), so running
it twice works; the holder first ends the licence an earlier run granted for the demo place (one
licence per place, at most two held). Jobs run inline (`jobs_inline`), so every document exists when
the command returns. It returns one `IssuedLine` per document; the CLI prints them tab-separated.

With `once` (what `make run` does on every start) the chain goes on from where the demo person's
Pekerja Sosial chain stopped (`progress`): nothing is issued again when the registration, STTP,
decree, certificate and licence all exist, and a database made by an older run (a RELAWAN
registration with its STTP and decree, from before the person became a Pekerja Sosial) gets the
whole Pekerja Sosial chain.

Steps owned by other parts go through their services (registration, the officer's acceptance,
completion and STTP, certificates, licences). The demo compresses time: its session already ran (it
ends today) and its enrolment window lies in the past, which the catalogue and enrolment services
rightly refuse to create. So the programme, the back-dated session and the application are recorded
with the models and lifecycles directly; those lines are marked `CATALOGUE/ENROLMENT SHORTCUT`.
Likewise the scheme (created, its units, published), the assessor registry, the exam session (a
one-day session whose every stage is today: created, opened, assessors added and declared, closed,
assessment started) and the screening decision go through their services; the submitted application
and the assessors' scoring are still recorded directly, marked `# SHORTCUT(<slice>)` (each says why);
the plenary (opening it, the decision, the decree and its PDF) goes through app/certification/plenary.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from PIL import Image
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.certification.assessors import services as assessors_services
from app.certification.models import (
    Assessment,
    AssessmentMark,
    Assessor,
    Candidacy,
    Decision,
    Decree,
    ExamSession,
    Scheme,
    SchemeVersion,
)
from app.certification.plenary import services as plenary
from app.certification.schemes import services as schemes
from app.certification.screening import services as screening
from app.certification.sessions import services as exam_sessions
from app.certification.states import (
    ASSESSMENT_LIFECYCLE,
    CANDIDACY_LIFECYCLE,
    AssessmentMethod,
    AssessmentStatus,
    AssessorRole,
    CandidacyAction,
    CandidacyPurpose,
    CandidacyStatus,
    PlaceKind,
    SessionAction,
    Verdict,
)
from app.core.errors import DomainError
from app.core.jobs import huey
from app.core.models import local_today, utcnow
from app.core.unit_of_work import unit_of_work
from app.credentials.certificates import issuing as certificates
from app.credentials.licences import services as licences
from app.credentials.models import Certificate, Licence
from app.credentials.states import LICENCE_HELD, LICENCE_OPEN, LicenceStatus, PracticeType
from app.documents import issuing
from app.documents import services as uploaded_documents
from app.documents.evidence import Evidence
from app.documents.models import IssuedDocument
from app.extensions import db
from app.people import services as people
from app.people.models import Person
from app.reference.catalogues import PEKSOS, PEKSOS_LEVEL
from app.registration import services as registration_services
from app.registration.categories import SPECS
from app.registration.models import Registration
from app.registration.states import EDITABLE, OPEN, Action, Status
from app.training.enrolment import services as enrolment_services
from app.training.models import AttendanceMark, Enrolment, Programme, ProgrammeTarget, TrainingSession
from app.training.states import (
    ENROLMENT_LIFECYCLE,
    SESSION_LIFECYCLE,
    DeliveryMode,
    EnrolmentAction,
    EnrolmentStatus,
    SessionStatus,
)
from app.training.sttp import services as sttp

APPLICANT_EMAIL = "pemohon@demo.kemensos.go.id"  # app/accounts/cli.py DEMO_APPLICANT
AGENCY_OFFICER_EMAIL = "dinsos.bandung@demo.kemensos.go.id"
TRAINING_OFFICER_EMAIL = "diklat@demo.kemensos.go.id"
BOARD_ADMIN_EMAIL = "lsps@demo.kemensos.go.id"
ASSESSOR_EMAILS = ("asesor@demo.kemensos.go.id", "asesor2@demo.kemensos.go.id")
BODY = "LSPS"
SCHEME_CODE = "DEMO-PS-GEN"
SCHEME_NAME = "Pekerja Sosial Generalis (Demo)"
PROVIDER = "BBPPKS-BANDUNG"
PROGRAMME_CODE = "DEMO-PS-GEN"
CATEGORY = PEKSOS  # Pekerja Sosial: the category a practice licence (SIPPS) is for
SUBTYPE = "GENERALIS"
OPTIONS = {PEKSOS_LEVEL: SUBTYPE}
SERVICE_REGION = "32.04"  # Kabupaten Bandung: the demo agency officer's jurisdiction
SESSION_REGION = "32.17"  # Kabupaten Bandung Barat (Lembang)
# A valid NIK of a woman born 12 August 1990 in Kec. Dayeuhkolot, Kab. Bandung (day + 40).
DEMO_PROFILE = {
    "nik": "3204125208900001",
    "birth_place": "Bandung",
    "birth_date": date(1990, 8, 12),
    "sex": "P",
    "village_code": "32.04.12.2002",
    "street": "Jl. Raya Dayeuhkolot No. 10",
    "rt": "003",
    "rw": "007",
    "phone": "081234567890",
    "education_level_code": "S1",
    "education_field": "Kesejahteraan Sosial",
}
# The practice place of the demo licence: in Kabupaten Bandung, so the demo agency officer grants it.
PRACTICE = {
    "practice_type": str(PracticeType.INDIVIDUAL),
    "place_name": "Rumah Praktik Pekerja Sosial Siti Rahayu",
    "address": "Jl. Raya Dayeuhkolot No. 12, RT 003/RW 007",
    "region_code": "32.04.12.2002",
}
STR_YEARS = 5  # an STR is valid five years (UU 14/2019)


class ChainError(DomainError):
    pass


@dataclass(frozen=True)
class IssuedLine:
    kind: str
    number: str
    url: str | None
    path: str | None

    def as_tsv(self) -> str:
        return "\t".join([self.kind, self.number, self.url or "-", self.path or "-"])


@contextmanager
def jobs_inline() -> Iterator[None]:
    """Run the tasks enqueued meanwhile at once, in this process (what the tests' immediate mode does),
    so the command returns with its jobs done; the configured queue is restored afterwards."""
    was = huey.immediate
    huey.immediate = True
    try:
        yield
    finally:
        huey.immediate = was


def _user(email: str, what: str) -> User:
    user = accounts.find_by_email(email)
    if user is None:
        raise ChainError(f"{what} {email} not found: run `flask demo accounts` first")
    return user


@dataclass
class Progress:
    """How far the demo person's Pekerja Sosial chain went: the record of each step done, None from
    the first step still to do (a step rests on the ones before it)."""

    registration_id: int | None = None
    enrolment_id: int | None = None  # the enrolment whose STTP is stored
    candidacy_id: int | None = None  # decided K, its decree's PDF stored
    certificate_id: int | None = None  # live-active, its PDF stored
    licence_id: int | None = None  # held, its PDF stored


def run_chain(today: date | None = None, *, once: bool = False) -> list[IssuedLine]:
    """The whole chain; each step commits on its own (so the jobs it enqueues run). With `once`, only
    the steps the demo person's Pekerja Sosial chain still lacks (`progress`) are taken, so a database
    where everything exists only gets the lines of what exists (what `make run` does on every start)."""
    today = today or local_today()
    with jobs_inline():
        with unit_of_work():
            applicant = _user(APPLICANT_EMAIL, "demo applicant")
            done = progress(applicant, today) if once else Progress()
            if done.registration_id is None:
                done.registration_id = verified_registration(applicant).id
        if done.enrolment_id is None:
            with unit_of_work():
                done.enrolment_id = completed_training(done.registration_id, today)
        if done.candidacy_id is None:
            with unit_of_work():
                done.candidacy_id = certified(done.registration_id, today)
        if done.certificate_id is None:
            with unit_of_work():
                start_issuing(done.candidacy_id)
            with unit_of_work():
                done.certificate_id = issued_certificate(done.candidacy_id).id
        if done.licence_id is None:
            with unit_of_work():
                done.licence_id = granted_licence(done.certificate_id, today)
        with unit_of_work():
            return lines_of(done)


def progress(applicant: User, today: date) -> Progress:
    """What exists of the demo person's chain on their latest verified Pekerja Sosial registration:
    its latest STTP, the latest K decision of the demo scheme with its decree, that decision's
    certificate (when still live-active: a certificate revoked, suspended or expired meanwhile is
    certified anew) and a held licence resting on it. A RELAWAN registration of an older run counts
    for nothing here (a person may hold several registrations)."""
    done = Progress()
    person = people.person_of_user(applicant.id)
    registration = db.session.scalar(
        select(Registration)
        .where(
            Registration.person_id == getattr(person, "id", None),
            Registration.category_code == CATEGORY,
            Registration.status == Status.VERIFIED,
        )
        .order_by(Registration.id.desc())
        .limit(1)
    )
    if registration is None:
        return done
    done.registration_id = registration.id
    enrolment = db.session.scalar(
        select(Enrolment)
        .where(Enrolment.registration_id == registration.id, Enrolment.sttp_id.is_not(None))
        .order_by(Enrolment.id.desc())
        .limit(1)
    )
    if enrolment is None or issuing.is_pending(enrolment.sttp):
        return done
    done.enrolment_id = enrolment.id
    candidacy = db.session.scalar(
        select(Candidacy)
        .join(Scheme, Scheme.id == Candidacy.scheme_id)
        .join(Decision, Decision.candidacy_id == Candidacy.id)
        .join(Decree, Decree.id == Decision.decree_id)
        .where(
            Candidacy.registration_id == registration.id,
            Scheme.body_code == BODY,
            Scheme.code == SCHEME_CODE,
            Decision.superseded_by_id.is_(None),
            Decision.result == Verdict.K,
            Decree.document_id.is_not(None),
        )
        .order_by(Candidacy.id.desc())
        .limit(1)
    )
    if candidacy is None:
        return done
    done.candidacy_id = candidacy.id
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.candidacy_id == candidacy.id)
        .order_by(Certificate.id.desc())
        .limit(1)
    )
    if certificate is None or issuing.is_pending(certificate.document):
        return done  # not issued yet, or its PDF not stored: issuing the session's certificates does it
    if licences.certificate_problem(certificate, today) is not None:
        done.candidacy_id = None
        return done
    done.certificate_id = certificate.id
    licence = db.session.scalar(
        select(Licence)
        .where(
            Licence.certificate_id == certificate.id,
            Licence.status.in_(sorted(LICENCE_HELD)),
            Licence.document_id.is_not(None),
        )
        .order_by(Licence.id.desc())
        .limit(1)
    )
    if licence is not None and not issuing.is_pending(licence.document):
        done.licence_id = licence.id
    return done


def lines_of(done: Progress) -> list[IssuedLine]:
    registration = db.session.get(Registration, done.registration_id)
    enrolment = db.session.get(Enrolment, done.enrolment_id)
    candidacy = db.session.get(Candidacy, done.candidacy_id)
    certificate = db.session.get(Certificate, done.certificate_id)
    licence = db.session.get(Licence, done.licence_id)
    return [
        registration_line(registration),
        sttp_line(enrolment.sttp),
        decree_line(candidacy),
        document_line("CERTIFICATE", certificate.document),
        document_line("LICENCE", licence.document),
    ]


def document_line(kind: str, document: IssuedDocument | None) -> IssuedLine:
    if document is None or issuing.is_pending(document):
        raise ChainError(f"no {kind.lower()} PDF was stored")
    path = issuing.path_of(document).resolve()
    return IssuedLine(kind, document.number, issuing.verification_url(document), str(path))


# --- Registration -----------------------------------------------------------------------------------


def _sample_png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (230, 230, 240)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def verified_registration(applicant: User) -> Registration:
    """The applicant's verified Pekerja Sosial Generalis registration: reused, or taken from where an
    earlier run (or the applicant in the browser) left it, through the registration services (profile,
    draft, documents, submit), and verified by the regency officer."""
    person = people.person_of_user(applicant.id)
    latest = db.session.scalar(
        select(Registration)
        .where(
            Registration.person_id == person.id,
            Registration.category_code == CATEGORY,
            Registration.status.in_(OPEN),
        )
        .order_by(Registration.id.desc())
    )
    if latest is not None and latest.status == Status.VERIFIED:
        return latest
    if not people.profile_complete(person):
        data = people.ProfileData(full_name=applicant.full_name, email=applicant.email, **DEMO_PROFILE)
        person = people.save_profile(data, person=person, actor=applicant)
    registration = latest or registration_services.save_draft(
        person, CATEGORY, OPTIONS, SERVICE_REGION, actor=applicant
    )
    if registration.status in EDITABLE:
        for kind in SPECS[registration.category_code].required_documents(registration.options):
            if registration.document(kind) is None:
                registration_services.upload_document(
                    registration, kind, f"{kind}.png", _sample_png(), applicant
                )
        registration_services.submit(registration, applicant)
    officer = _user(AGENCY_OFFICER_EMAIL, "demo agency officer")
    registration_services.decide(registration, Action.VERIFY, officer)
    return registration


def registration_line(registration: Registration) -> IssuedLine:
    return IssuedLine("REGISTRATION", registration.registration_number, None, None)


# --- Training -----------------------------------------------------------------------------------


def demo_programme(officer: User) -> Programme:
    """CATALOGUE/ENROLMENT SHORTCUT: the demo programme of BBPPKS Bandung, created once."""
    programme = db.session.scalar(
        select(Programme).where(Programme.provider_code == PROVIDER, Programme.code == PROGRAMME_CODE)
    )
    if programme is None:
        programme = Programme(
            provider_code=PROVIDER,
            code=PROGRAMME_CODE,
            title="Pelatihan Pekerja Sosial Generalis (Demo)",
            jp=60,
            learning_outcomes="Peserta mampu melakukan asesmen, intervensi dan rujukan pekerjaan sosial.",
            competency_units=[code for code, _title in DEMO_UNITS],
            attendance_threshold=90,
            pass_score=Decimal("70"),
            targets=[ProgrammeTarget(category_code=CATEGORY, subtype=SUBTYPE)],
            created_by_id=officer.id,
        )
        db.session.add(programme)
        db.session.flush()
    return programme


def new_session(programme: Programme, officer: User, today: date) -> TrainingSession:
    """CATALOGUE/ENROLMENT SHORTCUT: a new open session that ends today (five days, in Lembang)."""
    count = db.session.scalar(
        select(func.count()).select_from(TrainingSession).where(TrainingSession.programme_id == programme.id)
    )
    session = TrainingSession(
        programme_id=programme.id,
        provider_code=programme.provider_code,
        name=f"Angkatan Demo {count + 1} Tahun {today.year}",
        starts_on=today - timedelta(days=4),
        ends_on=today,
        mode=DeliveryMode.IN_PERSON,
        venue="Jl. Raya Lembang No. 100, Lembang",
        region_code=SESSION_REGION,
        capacity=30,
        enrolment_opens_on=today - timedelta(days=30),
        enrolment_closes_on=today - timedelta(days=5),
        status=SessionStatus.OPEN,
        signatory_name="Dr. Sri Wahyuni, M.Si.",
        signatory_title="Kepala BBPPKS Bandung",
        created_by_id=officer.id,
    )
    db.session.add(session)
    db.session.flush()
    SESSION_LIFECYCLE.add_event(session, None, SessionStatus.OPEN, officer)
    return session


def accepted_enrolment(session: TrainingSession, registration: Registration, officer: User) -> Enrolment:
    """The person's application (CATALOGUE/ENROLMENT SHORTCUT: recorded directly, since the demo
    session's enrolment window lies in the past), then the training officer accepts it through the
    enrolment service (a seat taken with its compare-and-set, the participant e-mailed)."""
    person: Person = registration.person
    enrolment = Enrolment(
        session_id=session.id,
        person_id=person.id,
        registration_id=registration.id,
        province_code=registration.province_code,
        regency_code=registration.regency_code,
        status=EnrolmentStatus.APPLIED,
        applied_at=utcnow(),
        motivation="Menyiapkan diri untuk sertifikasi dan praktik mandiri sebagai Pekerja Sosial.",
    )
    db.session.add(enrolment)
    db.session.flush()
    ENROLMENT_LIFECYCLE.add_event(enrolment, None, EnrolmentStatus.APPLIED, person.user or officer)
    enrolment_services.decide(enrolment, EnrolmentAction.ACCEPT, officer)
    for offset in range(session.days):
        db.session.add(
            AttendanceMark(
                enrolment_id=enrolment.id,
                day=session.starts_on + timedelta(days=offset),
                present=True,
                recorded_by_id=officer.id,
            )
        )
    db.session.flush()
    return enrolment


def completed_training(registration_id: int, today: date) -> int:
    """A new session with the person accepted and present every day, completed by the training
    officer through `start_completion`; the job runs when this unit commits. Returns the enrolment id."""
    officer = _user(TRAINING_OFFICER_EMAIL, "demo training officer")
    registration = db.session.get(Registration, registration_id)
    programme = demo_programme(officer)
    session = new_session(programme, officer, today)
    enrolment = accepted_enrolment(session, registration, officer)
    decision = sttp.CompletionDecision(
        enrolment_id=enrolment.id, completed=True, attendance_percent=100, final_score=Decimal("86.50")
    )
    sttp.start_completion(session, officer, [decision])
    return enrolment.id


def sttp_line(document: IssuedDocument | None) -> IssuedLine:
    if document is None:
        raise ChainError("the completion job issued no STTP")
    path = issuing.path_of(document).resolve()
    return IssuedLine("STTP", document.number, issuing.verification_url(document), str(path))


def as_lines(lines: list[IssuedLine]) -> str:
    return "\n".join(line.as_tsv() for line in lines)


# --- Certification --------------------------------------------------------------------------------

DEMO_UNITS = (
    ("KSO.PS02.001.01", "Melakukan asesmen kebutuhan sosial klien"),
    ("KSO.PS02.002.01", "Melaksanakan intervensi dan rujukan pekerjaan sosial"),
)


def demo_scheme(admin: User) -> SchemeVersion:
    """The demo scheme of LSPS for the demo person's category (two units; a second assessor always
    required), created once through the scheme services and published."""
    scheme = db.session.scalar(select(Scheme).where(Scheme.body_code == BODY, Scheme.code == SCHEME_CODE))
    if scheme is None:
        data = schemes.VersionData(
            name=SCHEME_NAME,
            category_code=CATEGORY,
            subtype=SUBTYPE,
            methods=[str(AssessmentMethod.PORTFOLIO), str(AssessmentMethod.INTERVIEW)],
            second_assessor_required=True,
        )
        scheme = schemes.create_scheme(body_code=BODY, code=SCHEME_CODE, data=data, actor=admin)
        version = scheme.draft_version
        for code, title in DEMO_UNITS:
            schemes.add_unit(version, code=code, title=title, actor=admin)
        schemes.publish_version(version, admin)
    return scheme.current_version


def demo_assessor(user: User, scheme: Scheme, admin: User) -> Assessor:
    """The registry entry of a demo assessor account for the demo scheme, added once through the
    assessor services (which also grant the account its assessor role for LSPS); an entry made by an
    older run for another demo scheme is allowed this one too."""
    assessor = db.session.scalar(
        select(Assessor).where(Assessor.body_code == BODY, Assessor.user_id == user.id)
    )
    if assessor is not None and scheme.id not in {link.scheme_id for link in assessor.schemes}:
        data = assessors_services.AssessorData(
            name=assessor.name,
            met_number=assessor.met_number,
            institution_id=assessor.institution_id,
            institution_name=assessor.institution_name,
            licence_valid_until=max(assessor.licence_valid_until or local_today(), local_today()),
            scheme_ids=[*(link.scheme_id for link in assessor.schemes), scheme.id],
        )
        assessors_services.update_assessor(assessor, data, admin)
    if assessor is None:
        data = assessors_services.AssessorData(
            name=user.full_name,
            met_number=f"MET.DEMO.{user.id:05d}",
            licence_valid_until=local_today() + timedelta(days=3 * 365),
            scheme_ids=[scheme.id],
        )
        assessor = assessors_services.add_assessor(body_code=BODY, email=user.email, data=data, actor=admin)
    return assessor


def exam_session(version: SchemeVersion, assessors: list[Assessor], admin: User, today: date) -> ExamSession:
    """A new one-day session of LSPS through the session services: every stage today (applications,
    screening, assessment, plenary), opened, both assessors added and their declarations signed."""
    count = db.session.scalar(
        select(func.count()).select_from(ExamSession).where(ExamSession.body_code == BODY)
    )
    data = exam_sessions.SessionData(
        name=f"Uji Kompetensi Demo {count + 1} Tahun {today.year}",
        version_ids=[version.id],
        place_kind=str(PlaceKind.SEWAKTU),
        place_name="TUK Sewaktu Dinas Sosial Kabupaten Bandung",
        address="Jl. Raya Soreang No. 1",
        region_code=SERVICE_REGION,
        capacity=30,
        applications_open_on=today,
        applications_close_on=today,
        screening_ends_on=today,
        assessment_starts_on=today,
        assessment_ends_on=today,
        plenary_on=today,
        signatory_name="Dr. Bambang Sutrisno, M.Si.",
        signatory_title="Ketua Lembaga Sertifikasi Pekerjaan Sosial",
    )
    session = exam_sessions.create_session(data, admin, today=today)
    exam_sessions.act_on_session(session, SessionAction.OPEN, admin, today=today)
    for assessor in assessors:
        link = exam_sessions.add_assessor(session, assessor, admin)
        exam_sessions.declare(link, True, assessor.user)
    return session


def accepted_candidacy(session: ExamSession, version: SchemeVersion, registration: Registration) -> Candidacy:
    """The person's application, then accepted through the screening services. SHORTCUT(cert-apply):
    the submitted application is recorded directly (the apply service needs the uploaded APL.01
    documents and the APL.02 self-assessment of a real applicant)."""
    person = registration.person
    decided = db.session.scalar(
        select(func.count())
        .select_from(Candidacy)
        .where(
            Candidacy.person_id == person.id,
            Candidacy.scheme_id == version.scheme_id,
            Candidacy.status == CandidacyStatus.DECIDED,
        )
    )
    candidacy = Candidacy(
        session_id=session.id,
        version_id=version.id,
        scheme_id=version.scheme_id,
        body_code=BODY,
        person_id=person.id,
        registration_id=registration.id,
        province_code=registration.province_code,
        regency_code=registration.regency_code,
        purpose=CandidacyPurpose.FIRST if not decided else CandidacyPurpose.RECERTIFICATION,
        attempt=decided + 1,
        status=CandidacyStatus.SUBMITTED,
        experience_summary="Pekerja sosial di Dinas Sosial Kabupaten Bandung sejak 2015.",
        submitted_at=utcnow(),
    )
    db.session.add(candidacy)
    db.session.flush()
    CANDIDACY_LIFECYCLE.add_event(candidacy, None, CandidacyStatus.SUBMITTED, person.user)
    return candidacy


def scored(candidacy: Candidacy, assessor: Assessor, role: AssessorRole, admin: User) -> Assessment:
    """SHORTCUT(cert-screening, cert-scoring): the assessor assigned, every unit by every method
    marked K, submitted, recorded directly: the demo certifies the same person with the same two
    demo assessors on every run, which the rule that an assessor never assesses an asesi twice
    (screening.refusals) rightly refuses from the second run on."""
    version = candidacy.version
    assessment = Assessment(
        candidacy_id=candidacy.id,
        assessor_id=assessor.id,
        round=candidacy.round,
        role=role,
        status=AssessmentStatus.SUBMITTED,
        recommendation=Verdict.K,
        notes="Bukti portofolio lengkap; wawancara menunjukkan kompetensi.",
        assigned_by_id=admin.id,
        submitted_at=utcnow(),
        marks=[
            AssessmentMark(unit_id=unit.id, method=method, verdict=Verdict.K)
            for unit in version.units
            for method in version.method_list
        ],
    )
    db.session.add(assessment)
    db.session.flush()
    ASSESSMENT_LIFECYCLE.add_event(assessment, None, AssessmentStatus.SUBMITTED, assessor.user)
    return assessment


def certified(registration_id: int, today: date) -> int:
    """The certification step: a new exam session, the person's application accepted, the session
    closed and its assessment started, the person scored K by both demo assessors; the board admin
    opens the plenary and decides it through the plenary services (the decree job — e-mail and PDF —
    runs when this unit commits). Returns the candidacy id."""
    admin = _user(BOARD_ADMIN_EMAIL, "demo board admin")
    users = [_user(email, "demo assessor") for email in ASSESSOR_EMAILS]
    registration = db.session.get(Registration, registration_id)
    version = demo_scheme(admin)
    assessors = [demo_assessor(user, version.scheme, admin) for user in users]
    session = exam_session(version, assessors, admin, today)
    candidacy = accepted_candidacy(session, version, registration)
    screening.screen(candidacy, CandidacyAction.ACCEPT, admin)
    exam_sessions.act_on_session(session, SessionAction.CLOSE, admin, today=today)
    exam_sessions.act_on_session(session, SessionAction.START_ASSESSMENT, admin, today=today)
    for assessor, role in zip(assessors, (AssessorRole.FIRST, AssessorRole.SECOND), strict=True):
        scored(candidacy, assessor, role, admin)
    plenary.open_plenary(session, admin)
    plenary.decide_session(session, {}, admin)
    return candidacy.id


def decree_line(candidacy: Candidacy | None) -> IssuedLine:
    decision = candidacy.decision if candidacy is not None else None
    document = decision.decree.document if decision is not None else None
    if document is None:
        raise ChainError("the plenary issued no decree PDF")
    path = issuing.path_of(document).resolve()
    return IssuedLine("DECREE", document.number, issuing.verification_url(document), str(path))


# --- Certificate and licence ----------------------------------------------------------------------


def start_issuing(candidacy_id: int) -> None:
    """The board admin issues the decided session's certificates through the certificate services
    (the issuing job, rendering and signing the PDF, runs when this unit commits)."""
    admin = _user(BOARD_ADMIN_EMAIL, "demo board admin")
    candidacy = db.session.get(Candidacy, candidacy_id)
    certificates.issue_for_session(candidacy.session, admin)


def issued_certificate(candidacy_id: int) -> Certificate:
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.candidacy_id == candidacy_id)
        .order_by(Certificate.id.desc())
        .limit(1)
    )
    if certificate is None or issuing.is_pending(certificate.document):
        raise ChainError("the issuing job issued no certificate PDF")
    return certificate


def _evidence(filename: str) -> Evidence:
    return Evidence(checked=uploaded_documents.check_file(filename, _sample_png()))


def granted_licence(certificate_id: int, today: date) -> int:
    """The person applies, through the licence services, for a practice licence for the demo place
    resting on the certificate (STR, proof of the place, health letter), and the regency officer of
    Kabupaten Bandung grants it (the PDF job runs when this unit commits). A licence an earlier run
    left open or held for the same place is first withdrawn or ended by the holder (one licence per
    place). Returns the licence id."""
    applicant = _user(APPLICANT_EMAIL, "demo applicant")
    officer = _user(AGENCY_OFFICER_EMAIL, "demo agency officer")
    certificate = db.session.get(Certificate, certificate_id)
    person = certificate.person
    key = licences.place_key(PRACTICE["region_code"], PRACTICE["place_name"])
    for earlier in db.session.scalars(
        select(Licence).where(
            Licence.person_id == person.id,
            Licence.place_key == key,
            Licence.status.in_(sorted(LICENCE_OPEN)),
        )
    ):
        if earlier.status == LicenceStatus.SUBMITTED:
            licences.withdraw(earlier, applicant)
        else:
            licences.end_by_holder(earlier, applicant)
    values = licences.Application(
        certificate_id=certificate.id,
        str_number=f"DEMO-STR-PS-{person.id:06d}",
        str_expires_on=licences.add_years(today, STR_YEARS),
        **PRACTICE,
    )
    licence = licences.apply(
        person,
        values,
        _evidence("bukti-tempat-praktik.png"),
        _evidence("surat-keterangan-sehat.png"),
        applicant,
        today=today,
    )
    licences.grant(licence, officer, today=today)
    return licence.id
