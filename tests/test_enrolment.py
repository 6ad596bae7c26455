"""Enrolment: applying, nominating, deciding (capacity included), withdrawing and the wait list;
scoping by provider and jurisdiction through the pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core.actors import SYSTEM
from app.core.audit import AuditEvent
from app.core.errors import PermissionDenied
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person
from app.registration.models import Registration
from app.training.enrolment import services
from app.training.models import Enrolment, TrainingSession
from app.training.states import (
    ENROLMENT_LIFECYCLE,
    EnrolmentAction,
    EnrolmentStatus,
    SessionStatus,
    TrainingError,
)
from tests.factories import VILLAGE_SEMARANG, create_user, login
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_verified_person,
)


@pytest.fixture
def open_session(app):
    return create_session(app, create_programme(app))


def _enrolment(app, session_id, status=EnrolmentStatus.APPLIED, **person):
    person_id, registration_id = create_verified_person(app, **person)
    return create_enrolment(app, session_id, person_id, registration_id, status=status)


def _get(model, id_):
    return db.session.get(model, id_)


def _officer(app, provider="BBPPKS-BANDUNG"):
    """A training officer, loaded in the test's context. Factories end their own app context (which
    detaches loaded objects): call this before loading the objects a test acts on."""
    return _user(create_user(app, Role.TRAINING_OFFICER, provider_code=provider))


# --- Applying ------------------------------------------------------------------------------------


def _applicant(app, **person):
    user = create_user(app, Role.APPLICANT)
    person_id, registration_id = create_verified_person(app, user_id=user.id, **person)
    return user, person_id, registration_id


def _user(user_ref):
    from app.accounts.models import User

    return db.session.get(User, user_ref.id)


def test_an_applicant_applies_and_stays_applied_without_taking_a_seat(app, ctx, open_session, outbox):
    user, person_id, registration_id = _applicant(app)
    session = _get(TrainingSession, open_session)
    enrolment = services.apply(
        session, _get(Person, person_id), registration_id, _user(user), "Ingin belajar."
    )
    db.session.commit()
    assert enrolment.status == EnrolmentStatus.APPLIED
    assert enrolment.motivation == "Ingin belajar."
    assert enrolment.nominated_by_id is None
    assert session.seats_taken == 0
    assert [e.to_status for e in enrolment.events] == [EnrolmentStatus.APPLIED]
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "enrolment.apply", AuditEvent.object_id == str(enrolment.id)
        )
    )
    person = _get(Person, person_id)
    body = outbox.body(outbox.last_to(person.email))
    assert body.startswith(f"Yth. {person.full_name},")
    assert "Mendaftar" in body


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("category", "tidak melayani kategori"),
        ("planned", "tidak sedang dibuka"),
        ("cancelled", "dibatalkan"),
        ("window_closed", "sudah berakhir"),
        ("window_not_open", "baru dibuka"),
        ("full", "sudah penuh"),
        ("twice", "sudah terdaftar"),
    ],
)
def test_applications_are_refused_with_a_clear_message(app, ctx, setup, message):
    categories = ("PENYULUH",) if setup == "category" else ("RELAWAN",)
    status = {"planned": SessionStatus.PLANNED, "cancelled": SessionStatus.CANCELLED}.get(
        setup, SessionStatus.OPEN
    )
    session_id = create_session(
        app, create_programme(app, categories=categories), status=status, capacity=1 if setup == "full" else 5
    )
    session = _get(TrainingSession, session_id)
    if setup == "window_closed":
        session.enrolment_closes_on = date.today() - timedelta(days=2)
        session.enrolment_opens_on = date.today() - timedelta(days=9)
    elif setup == "window_not_open":
        session.enrolment_opens_on = date.today() + timedelta(days=3)
    elif setup == "full":
        _enrolment(app, session_id, EnrolmentStatus.ACCEPTED)
    db.session.commit()
    user, person_id, registration_id = _applicant(app)
    if setup == "twice":
        create_enrolment(app, session_id, person_id, registration_id, status=EnrolmentStatus.WAIT_LISTED)
    before = db.session.scalar(select(db.func.count()).select_from(Enrolment))
    with pytest.raises(TrainingError) as refused:
        services.apply(
            _get(TrainingSession, session_id), _get(Person, person_id), registration_id, _user(user)
        )
    assert message in str(refused.value.message)
    assert db.session.scalar(select(db.func.count()).select_from(Enrolment)) == before


def test_a_concurrent_twin_application_is_refused_by_the_unique_index(app, ctx, open_session, monkeypatch):
    """The check before the insert is bypassed (as a concurrent request would slip past it): the
    partial unique index refuses the second one, and the service turns that into the message."""
    user, person_id, registration_id = _applicant(app)
    create_enrolment(app, open_session, person_id, registration_id, status=EnrolmentStatus.APPLIED)
    monkeypatch.setattr(services, "open_enrolment_of", lambda *a: None)
    with pytest.raises(TrainingError) as refused:
        services.apply(
            _get(TrainingSession, open_session), _get(Person, person_id), registration_id, _user(user)
        )
    assert "sudah terdaftar" in str(refused.value.message)
    # The session is still usable after the refused insert (only its savepoint rolled back).
    assert db.session.scalar(select(db.func.count()).where(Enrolment.session_id == open_session)) == 1


def test_a_withdrawn_person_may_apply_again(app, ctx, open_session):
    user, person_id, registration_id = _applicant(app)
    create_enrolment(app, open_session, person_id, registration_id, status=EnrolmentStatus.WITHDRAWN)
    again = services.apply(
        _get(TrainingSession, open_session), _get(Person, person_id), registration_id, _user(user)
    )
    assert again.status == EnrolmentStatus.APPLIED


def test_an_applicant_cannot_apply_with_someone_elses_registration(app, ctx, open_session):
    user, person_id, _own = _applicant(app)
    _other_person, other_registration = create_verified_person(app)
    with pytest.raises(TrainingError):
        services.apply(
            _get(TrainingSession, open_session), _get(Person, person_id), other_registration, _user(user)
        )


# --- Nominating ----------------------------------------------------------------------------------


def test_an_agency_officer_nominates_someone_of_their_jurisdiction(app, ctx, open_session):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _person, registration_id = create_verified_person(app)
    enrolment = services.nominate(
        _get(TrainingSession, open_session), _get(Registration, registration_id), _user(officer)
    )
    assert enrolment.status == EnrolmentStatus.APPLIED
    assert enrolment.nominated_by_id == officer.id
    assert enrolment.regency_code == "32.04"


def test_nominating_someone_outside_the_jurisdiction_is_refused(app, ctx, open_session):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _person, registration_id = create_verified_person(app, region="33.74", village=VILLAGE_SEMARANG)
    with pytest.raises(TrainingError) as refused:
        services.nominate(
            _get(TrainingSession, open_session), _get(Registration, registration_id), _user(officer)
        )
    assert "luar wilayah kerja" in str(refused.value.message)


def test_a_nomination_posted_by_hand_for_someone_outside_is_refused_with_a_message(app, client, open_session):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _person, registration_id = create_verified_person(app, region="33.74", village=VILLAGE_SEMARANG)
    login(client, officer)
    response = client.post(
        f"/diklat/usulan/{open_session}", data={"registration_id": registration_id}, follow_redirects=True
    )
    assert "luar wilayah kerja Anda" in response.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(select(Enrolment).where(Enrolment.registration_id == registration_id)) is None
        )


def test_the_nomination_search_finds_only_people_of_the_jurisdiction(app, client, open_session):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    create_verified_person(app, full_name="Ratna Sari Bandung")
    create_verified_person(app, full_name="Ratna Sari Semarang", region="33.74", village=VILLAGE_SEMARANG)
    login(client, officer)
    html = client.get(f"/diklat/usulan?angkatan={open_session}&q=ratna").get_data(as_text=True)
    assert "Ratna Sari Bandung" in html
    assert "Ratna Sari Semarang" not in html
    assert client.get(f"/diklat/usulan?angkatan={open_session}&q=ra").status_code == 422


def test_the_nomination_page_lists_the_officers_nominations(app, client, open_session):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    _person, registration_id = create_verified_person(app, full_name="Bambang Usulan")
    login(client, officer)
    response = client.post(
        f"/diklat/usulan/{open_session}", data={"registration_id": registration_id}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Bambang Usulan diusulkan" in html
    assert "Mendaftar" in html


# --- Deciding: every transition, legal and illegal ----------------------------------------------

SERVICE_ACTIONS = [
    EnrolmentAction.ACCEPT,
    EnrolmentAction.WAIT_LIST,
    EnrolmentAction.REJECT,
    EnrolmentAction.WITHDRAW,
]


@pytest.mark.parametrize("status", list(EnrolmentStatus), ids=str)
@pytest.mark.parametrize("action", SERVICE_ACTIONS, ids=str)
def test_every_transition_is_legal_exactly_as_the_lifecycle_says(app, ctx, open_session, status, action):
    enrolment_id = _enrolment(app, open_session, status)
    officer = _officer(app)
    enrolment = _get(Enrolment, enrolment_id)
    seats_before = _get(TrainingSession, open_session).seats_taken
    expected = ENROLMENT_LIFECYCLE.target(action, status)
    call = services.withdraw if action == EnrolmentAction.WITHDRAW else services.decide
    args = (enrolment, officer) if call is services.withdraw else (enrolment, action, officer)
    reason = "Tidak memenuhi syarat." if action == EnrolmentAction.REJECT else None
    if expected is None:
        with pytest.raises(TrainingError):
            call(*args, reason)
        db.session.refresh(enrolment)
        assert enrolment.status == status
        assert _get(TrainingSession, open_session).seats_taken == seats_before
        return
    call(*args, reason)
    db.session.refresh(enrolment)
    assert enrolment.status == expected
    event = enrolment.events[-1]
    assert (event.from_status, event.to_status, event.actor_id) == (status, expected, officer.id)
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == f"enrolment.{action}", AuditEvent.object_id == str(enrolment.id)
        )
    )
    seats = _get(TrainingSession, open_session).seats_taken
    if expected == EnrolmentStatus.ACCEPTED:
        assert seats == seats_before + 1
        assert enrolment.decided_at is not None
    elif status == EnrolmentStatus.ACCEPTED and expected == EnrolmentStatus.WITHDRAWN:
        assert seats == seats_before - 1
    else:
        assert seats == seats_before


def test_rejecting_needs_a_reason(app, ctx, open_session):
    enrolment_id = _enrolment(app, open_session)
    officer = _officer(app)
    enrolment = _get(Enrolment, enrolment_id)
    with pytest.raises(TrainingError) as refused:
        services.decide(enrolment, EnrolmentAction.REJECT, officer, "  ")
    assert refused.value.field == "reason"
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.APPLIED


def test_every_decision_is_dated_and_e_mailed(app, ctx, open_session, outbox):
    enrolment_id = _enrolment(app, open_session)
    officer = _officer(app)
    enrolment = _get(Enrolment, enrolment_id)
    services.decide(enrolment, EnrolmentAction.REJECT, officer, "Kuota daerah sudah terpenuhi.")
    db.session.commit()
    assert enrolment.decided_at is not None
    assert enrolment.decision_reason == "Kuota daerah sudah terpenuhi."
    body = outbox.body(outbox.last_to(enrolment.person.email))
    assert body.startswith("Yth. ")
    assert "Ditolak" in body and "Kuota daerah sudah terpenuhi." in body


def test_an_officer_of_another_provider_may_not_decide(app, ctx, open_session):
    from app.core.errors import PermissionDenied

    enrolment_id = _enrolment(app, open_session)
    officer = _officer(app, "BBPPKS-PADANG")
    enrolment = _get(Enrolment, enrolment_id)
    with pytest.raises(PermissionDenied):
        services.decide(enrolment, EnrolmentAction.ACCEPT, officer)
    assert _get(TrainingSession, open_session).seats_taken == 0


def test_accepting_into_a_full_session_is_refused_and_takes_nothing(app, ctx):
    session_id = create_session(app, create_programme(app), capacity=1)
    _enrolment(app, session_id, EnrolmentStatus.ACCEPTED)
    waiting_id = _enrolment(app, session_id)
    officer = _officer(app)
    waiting = _get(Enrolment, waiting_id)
    with pytest.raises(TrainingError) as refused:
        services.decide(waiting, EnrolmentAction.ACCEPT, officer)
    assert str(refused.value.message) == "Kuota angkatan ini sudah penuh; masukkan ke daftar tunggu."
    db.session.refresh(waiting)
    assert waiting.status == EnrolmentStatus.APPLIED
    assert _get(TrainingSession, session_id).seats_taken == 1
    services.decide(waiting, EnrolmentAction.WAIT_LIST, officer)
    assert waiting.status == EnrolmentStatus.WAIT_LISTED


def test_decisions_are_refused_once_the_session_is_closed(app, ctx):
    session_id = create_session(app, create_programme(app), status=SessionStatus.CLOSED)
    enrolment_id = _enrolment(app, session_id)
    officer = _officer(app)
    with pytest.raises(TrainingError):
        services.decide(_get(Enrolment, enrolment_id), EnrolmentAction.ACCEPT, officer)


# --- Withdrawal and the wait list ----------------------------------------------------------------


def test_a_withdrawal_frees_the_seat_for_the_first_wait_listed_person(app, ctx, outbox):
    session_id = create_session(app, create_programme(app), capacity=1)
    user, person_id, registration_id = _applicant(app)
    accepted = create_enrolment(app, session_id, person_id, registration_id, status=EnrolmentStatus.ACCEPTED)
    first = _enrolment(app, session_id, EnrolmentStatus.WAIT_LISTED, full_name="Pertama Menunggu")
    second = _enrolment(app, session_id, EnrolmentStatus.WAIT_LISTED, full_name="Kedua Menunggu")
    services.withdraw(_get(Enrolment, accepted), _user(user), "Sakit.")
    db.session.commit()
    assert _get(Enrolment, accepted).status == EnrolmentStatus.WITHDRAWN
    promoted = _get(Enrolment, first)
    assert promoted.status == EnrolmentStatus.ACCEPTED
    assert promoted.events[-1].actor_name == SYSTEM.full_name
    assert promoted.events[-1].actor_id is None
    assert _get(Enrolment, second).status == EnrolmentStatus.WAIT_LISTED
    assert _get(TrainingSession, session_id).seats_taken == 1
    body = outbox.body(outbox.last_to(promoted.person.email))
    assert body.startswith("Yth. Pertama Menunggu,") and "Diterima" in body


def test_withdrawing_from_the_wait_list_promotes_nobody(app, ctx):
    session_id = create_session(app, create_programme(app), capacity=1)
    _enrolment(app, session_id, EnrolmentStatus.ACCEPTED)
    waiting = _enrolment(app, session_id, EnrolmentStatus.WAIT_LISTED)
    other = _enrolment(app, session_id, EnrolmentStatus.WAIT_LISTED)
    officer = _officer(app)
    services.withdraw(_get(Enrolment, waiting), officer)
    assert _get(Enrolment, other).status == EnrolmentStatus.WAIT_LISTED
    assert _get(TrainingSession, session_id).seats_taken == 1


def test_an_applicant_withdraws_through_the_page_and_not_someone_elses(app, client, open_session):
    user, person_id, registration_id = _applicant(app)
    mine = create_enrolment(app, open_session, person_id, registration_id, status=EnrolmentStatus.ACCEPTED)
    theirs = _enrolment(app, open_session, EnrolmentStatus.ACCEPTED)
    login(client, user)
    html = client.get("/diklat/pelatihan-saya").get_data(as_text=True)
    assert "Mengundurkan diri" in html and "Diterima" in html
    assert client.post(f"/diklat/pelatihan-saya/{theirs}/mundur").status_code == 404
    response = client.post(f"/diklat/pelatihan-saya/{mine}/mundur", data={"reason": "Bentrok jadwal."})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Enrolment, mine).status == EnrolmentStatus.WITHDRAWN
        assert db.session.get(Enrolment, theirs).status == EnrolmentStatus.ACCEPTED
        assert db.session.get(TrainingSession, open_session).seats_taken == 1


# --- Pages ----------------------------------------------------------------------------------------


def test_an_applicant_applies_through_the_page_and_sees_it_on_the_dashboard(app, client, open_session):
    user, _person_id, registration_id = _applicant(app)
    login(client, user)
    page = client.get(f"/diklat/jadwal/{open_session}/daftar")
    assert page.status_code == 200
    response = client.post(
        f"/diklat/jadwal/{open_session}/daftar",
        data={"registration_id": registration_id, "motivation": "Belajar."},
    )
    assert response.status_code == 302
    dashboard = client.get("/dasbor").get_data(as_text=True)
    assert "Pelatihan saya" in dashboard and "Menunggu keputusan penyelenggara diklat." in dashboard
    again = client.post(f"/diklat/jadwal/{open_session}/daftar", data={"registration_id": registration_id})
    assert again.status_code == 422
    assert "sudah terdaftar" in again.get_data(as_text=True)


def test_the_apply_page_says_why_an_applicant_cannot_apply(app, client):
    session_id = create_session(app, create_programme(app, categories=("PENYULUH",)))
    user, _person_id, _registration_id = _applicant(app)
    login(client, user)
    html = client.get(f"/diklat/jadwal/{session_id}/daftar").get_data(as_text=True)
    assert "belum memiliki pendaftaran terverifikasi" in html
    assert "disabled" in html


def test_the_roster_shows_tabs_counts_and_seats_and_the_officer_accepts(app, client, open_session, outbox):
    applied = _enrolment(app, open_session, full_name="Siti Pendaftar")
    _enrolment(app, open_session, EnrolmentStatus.ACCEPTED)
    login(client, create_user(app, Role.TRAINING_OFFICER))
    html = client.get(f"/diklat/angkatan/{open_session}/peserta").get_data(as_text=True)
    assert "Siti Pendaftar" in html
    assert "1 dari 30 kursi terisi; sisa 29." in html
    response = client.post(
        f"/diklat/angkatan/{open_session}/peserta/{applied}/putusan",
        data={"action": "accept"},
        follow_redirects=True,
    )
    assert "Siti Pendaftar: Diterima." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TrainingSession, open_session).seats_taken == 2


def test_a_full_session_says_so_on_the_roster(app, client):
    session_id = create_session(app, create_programme(app), capacity=1)
    _enrolment(app, session_id, EnrolmentStatus.ACCEPTED)
    applied = _enrolment(app, session_id)
    login(client, create_user(app, Role.TRAINING_OFFICER))
    response = client.post(
        f"/diklat/angkatan/{session_id}/peserta/{applied}/putusan",
        data={"action": "accept"},
        follow_redirects=True,
    )
    assert "Kuota angkatan ini sudah penuh; masukkan ke daftar tunggu." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["peserta", "kehadiran", "penyelesaian"],
)
def test_another_providers_session_is_not_found_and_audited(app, client, open_session, path):
    officer = create_user(app, Role.TRAINING_OFFICER, provider_code="BBPPKS-PADANG")
    login(client, officer)
    assert client.get(f"/diklat/angkatan/{open_session}/{path}").status_code == 404
    post_path = {"peserta": f"peserta/{_enrolment(app, open_session)}/putusan"}.get(path, path)
    assert client.post(f"/diklat/angkatan/{open_session}/{post_path}").status_code == 404
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "training_session.access_denied",
                AuditEvent.object_id == str(open_session),
            )
        ).all()
        assert len(denied) == 2
        assert all(event.actor_id == officer.id for event in denied)


def test_another_providers_decision_url_is_not_found(app, client, open_session):
    enrolment_id = _enrolment(app, open_session)
    login(client, create_user(app, Role.TRAINING_OFFICER, provider_code="BBPPKS-PADANG"))
    response = client.post(
        f"/diklat/angkatan/{open_session}/peserta/{enrolment_id}/putusan", data={"action": "accept"}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).status == EnrolmentStatus.APPLIED


# --- The training officer withdraws a participant --------------------------------------------------


def test_the_officer_removes_an_accepted_participant_with_a_reason_and_the_seat_goes_on(app, ctx, outbox):
    session_id = create_session(app, create_programme(app), capacity=1)
    accepted = _enrolment(app, session_id, EnrolmentStatus.ACCEPTED, full_name="Budi Diterima")
    waiting = _enrolment(app, session_id, EnrolmentStatus.WAIT_LISTED, full_name="Citra Menunggu")
    officer = _officer(app)
    services.remove_participant(_get(Enrolment, accepted), officer, "  Tidak dapat hadir karena sakit. ")
    db.session.commit()
    removed = _get(Enrolment, accepted)
    assert removed.status == EnrolmentStatus.WITHDRAWN
    assert removed.decision_reason == "Tidak dapat hadir karena sakit."
    assert removed.events[-1].actor_id == officer.id
    assert _get(Enrolment, waiting).status == EnrolmentStatus.ACCEPTED
    assert _get(TrainingSession, session_id).seats_taken == 1
    body = outbox.body(outbox.last_to(removed.person.email))
    assert body.startswith("Yth. Budi Diterima,") and "Tidak dapat hadir karena sakit." in body
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "enrolment", AuditEvent.object_id == str(accepted))
    ).all()


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_removing_a_participant_needs_a_reason(app, ctx, open_session, reason):
    enrolment_id = _enrolment(app, open_session, EnrolmentStatus.WAIT_LISTED)
    officer = _officer(app)
    with pytest.raises(TrainingError, match="Tuliskan alasan peserta dikeluarkan"):
        services.remove_participant(_get(Enrolment, enrolment_id), officer, reason)
    assert _get(Enrolment, enrolment_id).status == EnrolmentStatus.WAIT_LISTED


@pytest.mark.parametrize(
    "status", [EnrolmentStatus.APPLIED, EnrolmentStatus.REJECTED, EnrolmentStatus.WITHDRAWN]
)
def test_only_accepted_or_wait_listed_participants_are_removed(app, ctx, open_session, status):
    enrolment_id = _enrolment(app, open_session, status)
    officer = _officer(app)
    with pytest.raises(TrainingError, match="Hanya peserta yang diterima atau di daftar tunggu"):
        services.remove_participant(_get(Enrolment, enrolment_id), officer, "Alasan.")
    assert _get(Enrolment, enrolment_id).status == status


def test_removing_from_a_closed_session_or_by_another_provider_is_refused(app, ctx):
    closed = create_session(app, create_programme(app), status=SessionStatus.CLOSED)
    enrolment_id = _enrolment(app, closed, EnrolmentStatus.ACCEPTED)
    stranger_ref = create_user(app, Role.TRAINING_OFFICER, provider_code="BBPPKS-PADANG")
    officer, stranger = _officer(app), _user(stranger_ref)
    with pytest.raises(TrainingError, match="peserta tidak dapat diubah"):
        services.remove_participant(_get(Enrolment, enrolment_id), officer, "Alasan.")
    with pytest.raises(PermissionDenied):
        services.remove_participant(_get(Enrolment, enrolment_id), stranger, "Alasan.")
    assert _get(Enrolment, enrolment_id).status == EnrolmentStatus.ACCEPTED


def test_the_roster_removes_a_participant_after_a_confirmation(app, client, open_session):
    accepted = _enrolment(app, open_session, EnrolmentStatus.ACCEPTED, full_name="Dewi Diterima")
    applied = _enrolment(app, open_session)
    login(client, create_user(app, Role.TRAINING_OFFICER))
    html = client.get(f"/diklat/angkatan/{open_session}/peserta?status=diterima").get_data(as_text=True)
    assert html.count('data-testid="confirm-remove"') == 1 and "Ya, keluarkan" in html
    assert "kursinya diberikan kepada orang pertama di daftar tunggu" in html
    html = client.get(f"/diklat/angkatan/{open_session}/peserta").get_data(as_text=True)  # applied tab
    assert 'data-testid="confirm-remove"' not in html
    url = f"/diklat/angkatan/{open_session}/peserta/{accepted}/keluarkan"
    refused = client.post(url, data={"reason": ""}, follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert "Tuliskan alasan peserta dikeluarkan" in text
    assert 'data-testid="confirm-remove" open' in text  # the confirmation stays open on the person
    response = client.post(url, data={"reason": "Mengundurkan diri melalui telepon."})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Dewi Diterima dikeluarkan dari angkatan ini." in page
    with app.app_context():
        assert db.session.get(Enrolment, accepted).status == EnrolmentStatus.WITHDRAWN
        assert db.session.get(TrainingSession, open_session).seats_taken == 0
    assert client.post(f"/diklat/angkatan/{open_session}/peserta/{applied}/keluarkan").status_code == 302
    with app.app_context():
        assert db.session.get(Enrolment, applied).status == EnrolmentStatus.APPLIED


def test_another_providers_remove_url_is_not_found_and_audited(app, client, open_session):
    enrolment_id = _enrolment(app, open_session, EnrolmentStatus.ACCEPTED)
    officer = create_user(app, Role.TRAINING_OFFICER, provider_code="BBPPKS-PADANG")
    login(client, officer)
    response = client.post(
        f"/diklat/angkatan/{open_session}/peserta/{enrolment_id}/keluarkan", data={"reason": "Alasan."}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Enrolment, enrolment_id).status == EnrolmentStatus.ACCEPTED
        assert db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "training_session.access_denied",
                AuditEvent.object_id == str(open_session),
                AuditEvent.actor_id == officer.id,
            )
        ).all()
