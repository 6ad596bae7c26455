"""`flask demo chain`: one demo person through everything the product can do so far.

On a database prepared as `make run` prepares it (reference data, regions, `flask demo accounts`), the
demo applicant (pemohon@demo.kemensos.go.id):

1. completes a profile and a RELAWAN registration (reused when already verified), which the regency
   officer of Kabupaten Bandung verifies: a registration number;
2. enrols in a new session of a BBPPKS Bandung programme (the programme is reused), is accepted, attends
   every day, and the training officer completes the session: the background job issues the STTP.

Each run issues one more STTP (a new session each time), so running it twice works. Jobs run inline
(`jobs_inline`), so every document exists when the command returns. It returns one `IssuedLine` per
document; the CLI prints them tab-separated.

Steps owned by other parts go through their services (registration, the officer's acceptance,
completion and STTP). The demo compresses time: its session already ran (it ends today) and its
enrolment window lies in the past, which the catalogue and enrolment services rightly refuse to
create. So the programme, the back-dated session and the application are recorded with the models
and lifecycles directly; those lines are marked `CATALOGUE/ENROLMENT SHORTCUT`.
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
from app.core.errors import DomainError
from app.core.jobs import huey
from app.core.models import local_today, utcnow
from app.core.unit_of_work import unit_of_work
from app.documents import issuing
from app.documents.models import IssuedDocument
from app.extensions import db
from app.people import services as people
from app.people.models import Person
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
PROVIDER = "BBPPKS-BANDUNG"
PROGRAMME_CODE = "DEMO-PDPS"
CATEGORY = "RELAWAN"
OPTIONS = {"relawan_kind": "KARANG_TARUNA", "registration_level": "KABKOTA"}
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


def run_chain(today: date | None = None, *, once: bool = False) -> list[IssuedLine]:
    """The whole chain; each step commits on its own (so the jobs it enqueues run). With `once`, a
    demo person who already holds an STTP is not trained again: the lines of what exists are returned
    (what `make run` does on every start)."""
    today = today or local_today()
    with jobs_inline():
        with unit_of_work():
            applicant = _user(APPLICANT_EMAIL, "demo applicant")
            if once:
                existing = existing_lines(applicant)
                if existing:
                    return existing
            registration = verified_registration(applicant)
            registration_id = registration.id
        with unit_of_work():
            enrolment_id = completed_training(registration_id, today)
        with unit_of_work():
            registration = db.session.get(Registration, registration_id)
            enrolment = db.session.get(Enrolment, enrolment_id)
            return [registration_line(registration), sttp_line(enrolment.sttp)]


# --- Registration -----------------------------------------------------------------------------------


def _sample_png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (230, 230, 240)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def verified_registration(applicant: User) -> Registration:
    """The applicant's verified RELAWAN registration: reused, or taken from where an earlier run (or the
    applicant in the browser) left it, through the registration services (profile, draft, documents,
    submit), and verified by the regency officer."""
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


def existing_lines(applicant: User) -> list[IssuedLine]:
    """The verified registration and the latest STTP of the demo person, when both exist."""
    person = people.person_of_user(applicant.id)
    documents = sttp.documents_of(person.id) if person is not None else []
    registration = db.session.scalar(
        select(Registration)
        .where(Registration.person_id == getattr(person, "id", None), Registration.status == Status.VERIFIED)
        .order_by(Registration.id)
    )
    if registration is None or not documents:
        return []
    return [registration_line(registration), sttp_line(documents[0])]


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
            title="Pelatihan Dasar Pendampingan Sosial bagi Relawan Sosial",
            jp=40,
            learning_outcomes="Peserta mampu melakukan asesmen sosial dasar dan rujukan.",
            competency_units=["KSO.PS01.001.01"],
            attendance_threshold=90,
            pass_score=Decimal("70"),
            targets=[ProgrammeTarget(category_code=CATEGORY, subtype="")],
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
        motivation="Meningkatkan kemampuan pendampingan di Karang Taruna.",
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
