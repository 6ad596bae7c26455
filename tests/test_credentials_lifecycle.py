"""The certificate lifecycle as services (credentials.services, registry.services, registry.expiry):
every transition legal and illegal, the cascade to licences, status on a date (backdated suspension,
expiry), who may act, the e-mails to the holder, and the daily expiry job with its reminders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core.actors import SYSTEM
from app.core.errors import PermissionDenied
from app.core.models import local_today, utcnow
from app.core.roles import Role
from app.credentials import services
from app.credentials.models import Certificate, CertificateEvent, Licence
from app.credentials.registry import expiry
from app.credentials.registry import services as registry
from app.credentials.states import (
    CertificateAction,
    CertificateStatus,
    CredentialError,
    LicenceEndReason,
    LicenceStatus,
)
from app.extensions import db
from app.people.models import Person
from tests.credential_factories import create_certificate, create_holder, create_licence
from tests.factories import create_user

C = CertificateStatus
A = CertificateAction
# What each action leads to from each status (the domain's table, written out independently).
EXPECTED = {
    C.ACTIVE: {A.SUSPEND: C.SUSPENDED, A.REVOKE: C.REVOKED, A.EXPIRE: C.EXPIRED, A.SUPERSEDE: C.SUPERSEDED},
    C.SUSPENDED: {A.REINSTATE: C.ACTIVE, A.REVOKE: C.REVOKED, A.EXPIRE: C.EXPIRED, A.SUPERSEDE: C.SUPERSEDED},
    C.REVOKED: {},
    C.EXPIRED: {},
    C.SUPERSEDED: {},
}


def _admin(app, body: str = "LSPS") -> User:
    ref = create_user(app, Role.BOARD_ADMIN, body_code=body)
    return db.session.get(User, ref.id)


def _act(action: CertificateAction, certificate: Certificate, actor, successor: Certificate) -> None:
    if action == A.SUSPEND:
        services.suspend_certificate(certificate, actor, "Laporan pelanggaran kode etik")
    elif action == A.REINSTATE:
        services.reinstate_certificate(certificate, actor)
    elif action == A.REVOKE:
        services.revoke_certificate(certificate, actor, "Pelanggaran berat", "Rek. KE-07/2026")
    elif action == A.EXPIRE:
        services.expire_certificate(certificate, actor)
    else:
        services.supersede_certificate(certificate, successor, actor)


@pytest.mark.parametrize("status", list(C), ids=str)
def test_every_certificate_transition_legal_and_illegal(app, ctx, status):
    holder = create_holder(app, status=status)
    successor_id = create_certificate(app, holder.person_id)
    admin = _admin(app)
    for action in A:
        certificate = db.session.get(Certificate, holder.certificate_id)
        successor = db.session.get(Certificate, successor_id)
        savepoint = db.session.begin_nested()
        target = EXPECTED[status].get(action)
        if target is None:
            with pytest.raises(CredentialError):
                _act(action, certificate, admin, successor)
        else:
            _act(action, certificate, admin, successor)
            db.session.refresh(certificate)
            assert certificate.status == target, action
            assert certificate.events[-1].to_status == target
            assert certificate.events[-1].actor_id == admin.id
        savepoint.rollback()


def test_a_reason_is_required_to_suspend_and_to_revoke(app, ctx):
    holder = create_holder(app)
    admin = _admin(app)
    certificate = db.session.get(Certificate, holder.certificate_id)
    with pytest.raises(CredentialError, match="alasan"):
        services.suspend_certificate(certificate, admin, "   ")
    with pytest.raises(CredentialError, match="alasan"):
        services.revoke_certificate(certificate, admin, "", "Rek. KE-01")
    with pytest.raises(CredentialError, match="komite etik") as refused:
        registry.revoke(certificate, admin, "Pelanggaran berat", "  ")
    assert refused.value.field == "reference"
    assert db.session.get(Certificate, holder.certificate_id).status == C.ACTIVE


def test_another_bodys_admin_and_the_holder_may_not_act(app, ctx):
    holder = create_holder(app)
    other_admin = _admin(app, "LSPENSOS")
    certificate = db.session.get(Certificate, holder.certificate_id)
    for actor in (other_admin, db.session.get(User, holder.user_id)):
        with pytest.raises(PermissionDenied):
            services.suspend_certificate(certificate, actor, "Tidak berwenang")
        with pytest.raises(PermissionDenied):
            services.revoke_certificate(certificate, actor, "Tidak berwenang", "Rek. KE-01")
    assert db.session.get(Certificate, holder.certificate_id).status == C.ACTIVE


# --- The cascade to licences -----------------------------------------------------------------------


def test_suspending_suspends_active_licences_and_reinstating_restores_only_those(app, ctx):
    holder = create_holder(app)
    active = create_licence(app, holder.certificate_id)
    by_officer = create_licence(app, holder.certificate_id, status=LicenceStatus.SUSPENDED)
    submitted = create_licence(app, holder.certificate_id, status=LicenceStatus.SUBMITTED)
    admin = _admin(app)
    certificate = db.session.get(Certificate, holder.certificate_id)

    services.suspend_certificate(certificate, admin, "Dugaan pelanggaran kode etik")
    licences = {i: db.session.get(Licence, i) for i in (active, by_officer, submitted)}
    assert licences[active].status == LicenceStatus.SUSPENDED and licences[active].suspended_by_cascade
    assert licences[by_officer].status == LicenceStatus.SUSPENDED
    assert not licences[by_officer].suspended_by_cascade
    assert licences[submitted].status == LicenceStatus.SUBMITTED

    services.reinstate_certificate(certificate, admin)
    for licence in licences.values():
        db.session.refresh(licence)
    assert licences[active].status == LicenceStatus.ACTIVE and not licences[active].suspended_by_cascade
    assert licences[by_officer].status == LicenceStatus.SUSPENDED  # the officer's own suspension stands
    assert licences[submitted].status == LicenceStatus.SUBMITTED


@pytest.mark.parametrize(
    ("action", "why"),
    [(A.REVOKE, LicenceEndReason.CERTIFICATE_REVOKED), (A.EXPIRE, LicenceEndReason.CERTIFICATE_EXPIRED)],
    ids=str,
)
def test_revoking_or_expiring_ends_the_held_licences(app, ctx, action, why):
    holder = create_holder(app)
    active = create_licence(app, holder.certificate_id)
    suspended = create_licence(app, holder.certificate_id, status=LicenceStatus.SUSPENDED)
    refused = create_licence(app, holder.certificate_id, status=LicenceStatus.REFUSED)
    admin = _admin(app)
    certificate = db.session.get(Certificate, holder.certificate_id)
    _act(action, certificate, admin, None)
    for licence_id in (active, suspended):
        licence = db.session.get(Licence, licence_id)
        assert licence.status == LicenceStatus.ENDED and licence.end_reason == why
    assert db.session.get(Licence, refused).status == LicenceStatus.REFUSED


def test_superseding_moves_held_licences_to_the_new_certificate(app, ctx):
    holder = create_holder(app)
    held = create_licence(app, holder.certificate_id)
    ended = create_licence(app, holder.certificate_id, status=LicenceStatus.ENDED)
    successor_id = create_certificate(app, holder.person_id)
    admin = _admin(app)
    old = db.session.get(Certificate, holder.certificate_id)
    services.supersede_certificate(old, db.session.get(Certificate, successor_id), admin)
    assert old.status == C.SUPERSEDED and old.superseded_by_id == successor_id
    assert db.session.get(Licence, held).certificate_id == successor_id
    assert db.session.get(Licence, held).status == LicenceStatus.ACTIVE
    assert db.session.get(Licence, ended).certificate_id == holder.certificate_id


# --- Status on a date ------------------------------------------------------------------------------


def _issued_long_ago(app, days_ago: int, **certificate) -> tuple:
    """A holder whose certificate was issued `days_ago` (its creation event dated the issue day)."""
    issued_on = local_today() - timedelta(days=days_ago)
    holder = create_holder(app, issued_on=issued_on, **certificate)
    db.session.execute(
        CertificateEvent.__table__.update()
        .where(CertificateEvent.certificate_id == holder.certificate_id)
        .values(
            effective_at=datetime.combine(issued_on, time(2)),
            occurred_at=datetime.combine(issued_on, time(2)),
        )
    )
    return holder, issued_on


def test_status_on_a_date_counts_a_backdated_suspension_from_its_effective_day(app, ctx):
    holder, issued_on = _issued_long_ago(app, 100)
    admin = _admin(app)
    certificate = db.session.get(Certificate, holder.certificate_id)
    today = local_today()
    registry.suspend(certificate, admin, "Pelanggaran yang baru dilaporkan", today - timedelta(days=10))
    assert services.certificate_status_on(certificate, issued_on - timedelta(days=1)) is None
    assert services.certificate_status_on(certificate, issued_on) == C.ACTIVE
    assert services.certificate_status_on(certificate, today - timedelta(days=11)) == C.ACTIVE
    assert services.certificate_status_on(certificate, today - timedelta(days=10)) == C.SUSPENDED
    assert services.certificate_status_on(certificate, today) == C.SUSPENDED
    assert services.live_certificate_status(certificate) == C.SUSPENDED


def test_status_on_a_date_after_valid_until_is_expired_before_and_after_the_job(app, ctx):
    holder, _ = _issued_long_ago(app, 400, valid_until=local_today() - timedelta(days=3))
    certificate = db.session.get(Certificate, holder.certificate_id)
    until = certificate.valid_until
    for _run in ("before the job", "after the job"):
        assert services.certificate_status_on(certificate, until) == C.ACTIVE
        assert services.certificate_status_on(certificate, until + timedelta(days=1)) == C.EXPIRED
        assert services.live_certificate_status(certificate) == C.EXPIRED
        expiry.expire_certificates(local_today())
        db.session.refresh(certificate)
    assert certificate.status == C.EXPIRED
    assert certificate.events[-1].effective_at == datetime.combine(until + timedelta(days=1), time.min)


@pytest.mark.parametrize(
    ("days", "message"),
    [(-1, "masa depan"), (200, "sebelum tanggal terbit")],
    ids=["tomorrow", "before-issue"],
)
def test_a_suspension_date_in_the_future_or_before_issue_is_refused(app, ctx, days, message):
    holder, _ = _issued_long_ago(app, 100)
    admin = _admin(app)
    certificate = db.session.get(Certificate, holder.certificate_id)
    with pytest.raises(CredentialError, match=message) as refused:
        registry.suspend(certificate, admin, "Alasan", local_today() - timedelta(days=days))
    assert refused.value.field == "effective_on"


def test_a_certificate_past_valid_until_is_not_acted_on_by_hand(app, ctx):
    holder = create_holder(app, issued_on=local_today() - timedelta(days=400), valid_until=local_today())
    admin = _admin(app)
    certificate = db.session.get(Certificate, holder.certificate_id)
    assert registry.allowed_actions(certificate, admin) == [A.SUSPEND, A.REVOKE]
    tomorrow = local_today() + timedelta(days=1)
    assert registry.allowed_actions(certificate, admin, tomorrow) == []
    with pytest.raises(CredentialError, match="sudah berakhir"):
        registry.suspend(certificate, admin, "Terlambat", today=tomorrow)


# --- E-mails ---------------------------------------------------------------------------------------


def _email_of(person_id: int) -> str:
    return db.session.get(Person, person_id).email


def _mails(outbox, person_id: int) -> list:
    """The e-mails about certificates and licences to the person (not their registration's)."""
    address = _email_of(person_id)
    return [m for m in outbox.to(address) if "sertifikat" in m["Subject"].lower() or "izin" in m["Subject"]]


def _lapsed_licence(app, certificate_id: int, valid_until: date) -> int:
    """A licence granted long ago that is valid until `valid_until`."""
    licence_id = create_licence(app, certificate_id, valid_until=local_today() + timedelta(days=30))
    db.session.execute(
        Licence.__table__.update()
        .where(Licence.id == licence_id)
        .values(valid_from=valid_until - timedelta(days=300), valid_until=valid_until)
    )
    return licence_id


def test_the_holder_is_emailed_on_suspension_reinstatement_and_revocation(app, ctx, outbox):
    holder = create_holder(app)
    create_licence(app, holder.certificate_id, place_name="Praktik Mandiri Ijen")
    admin = _admin(app)
    certificate = db.session.get(Certificate, holder.certificate_id)
    address = _email_of(holder.person_id)

    services.suspend_certificate(certificate, admin, "Laporan masyarakat sedang diperiksa")
    db.session.commit()
    message = outbox.last_to(address)
    assert "dibekukan" in message["Subject"] and certificate.number in message["Subject"]
    body = outbox.body(message)
    assert "Laporan masyarakat sedang diperiksa" in body
    assert "Praktik Mandiri Ijen" in body and "Dibekukan" in body
    assert f"/sertifikat/{certificate.id}" in body

    services.reinstate_certificate(certificate, admin)
    db.session.commit()
    assert "berlaku kembali" in outbox.last_to(address)["Subject"]

    services.revoke_certificate(certificate, admin, "Pelanggaran berat kode etik", "Rek. KE-09/2026")
    db.session.commit()
    message = outbox.last_to(address)
    assert "dicabut" in message["Subject"]
    assert "Pelanggaran berat kode etik" in outbox.body(message)
    assert len(_mails(outbox, holder.person_id)) == 3


def test_the_holder_is_emailed_when_superseded_with_the_new_number(app, ctx, outbox):
    holder = create_holder(app)
    successor_id = create_certificate(app, holder.person_id)
    admin = _admin(app)
    old = db.session.get(Certificate, holder.certificate_id)
    new = db.session.get(Certificate, successor_id)
    services.supersede_certificate(old, new, admin)
    db.session.commit()
    message = outbox.last_to(_email_of(holder.person_id))
    assert "diganti" in message["Subject"]
    assert new.number in outbox.body(message)


def test_a_refused_change_sends_nothing(app, ctx, outbox):
    holder = create_holder(app, status=C.REVOKED)
    admin = _admin(app)
    with pytest.raises(CredentialError):
        services.suspend_certificate(db.session.get(Certificate, holder.certificate_id), admin, "Alasan")
    db.session.rollback()
    assert _mails(outbox, holder.person_id) == []


# --- The daily job ---------------------------------------------------------------------------------


def test_the_daily_job_expires_certificates_and_ends_their_licences_once(app, ctx, outbox):
    today = local_today()
    lapsed = create_holder(app, issued_on=today - timedelta(days=800), valid_until=today - timedelta(days=1))
    suspended = create_holder(
        app, status=C.SUSPENDED, issued_on=today - timedelta(days=800), valid_until=today - timedelta(days=5)
    )
    current = create_holder(app, issued_on=today - timedelta(days=10), valid_until=today)
    licence = _lapsed_licence(app, lapsed.certificate_id, lapsed_until := today - timedelta(days=1))
    assert lapsed_until == db.session.get(Certificate, lapsed.certificate_id).valid_until

    expiry.expire_daily.call_local()
    assert db.session.get(Certificate, lapsed.certificate_id).status == C.EXPIRED
    assert db.session.get(Certificate, suspended.certificate_id).status == C.EXPIRED
    assert db.session.get(Certificate, current.certificate_id).status == C.ACTIVE
    ended = db.session.get(Licence, licence)
    assert ended.status == LicenceStatus.ENDED and ended.end_reason == LicenceEndReason.CERTIFICATE_EXPIRED
    message = outbox.last_to(_email_of(lapsed.person_id))
    assert "berakhir" in message["Subject"]

    # Idempotent: a second run records nothing more and mails nobody again.
    mails = len(_mails(outbox, lapsed.person_id))
    events = db.session.scalar(
        select(db.func.count())
        .select_from(CertificateEvent)
        .where(CertificateEvent.certificate_id == lapsed.certificate_id)
    )
    expiry.expire_daily.call_local()
    assert len(_mails(outbox, lapsed.person_id)) == mails
    assert len(db.session.get(Certificate, lapsed.certificate_id).events) == events


def test_the_job_works_in_batches(app, ctx):
    today = local_today()
    holders = [
        create_holder(app, issued_on=today - timedelta(days=800), valid_until=today - timedelta(days=2))
        for _ in range(3)
    ]
    assert expiry.expire_certificates(today, batch_size=2) >= 3  # (live browser tests commit some)
    assert {db.session.get(Certificate, h.certificate_id).status for h in holders} == {C.EXPIRED}
    assert expiry.expire_certificates(today, batch_size=2) == 0


def test_a_licence_past_its_own_valid_until_expires(app, ctx, outbox):
    holder = create_holder(app)
    lapsed = _lapsed_licence(app, holder.certificate_id, local_today() - timedelta(days=1))
    running = _lapsed_licence(app, holder.certificate_id, local_today())
    assert expiry.expire_licences(local_today()) == 1
    assert db.session.get(Licence, lapsed).status == LicenceStatus.EXPIRED
    assert db.session.get(Licence, running).status == LicenceStatus.ACTIVE
    assert db.session.get(Certificate, holder.certificate_id).status == C.ACTIVE
    assert "izin praktik" in outbox.last_to(_email_of(holder.person_id))["Subject"]
    assert expiry.expire_licences(local_today()) == 0


def test_reminders_go_90_and_30_days_before_expiry_once_each(app, ctx, outbox):
    today = date(2031, 3, 1)  # pinned far from the real date: an ignored `today` fails
    in_80 = create_holder(app, issued_on=date(2027, 1, 1), valid_until=today + timedelta(days=80))
    in_20 = create_holder(app, issued_on=date(2027, 1, 1), valid_until=today + timedelta(days=20))
    in_100 = create_holder(app, issued_on=date(2027, 1, 1), valid_until=today + timedelta(days=100))
    suspended = create_holder(
        app, status=C.SUSPENDED, issued_on=date(2027, 1, 1), valid_until=today + timedelta(days=20)
    )
    expiry.send_reminders(today)
    db.session.commit()
    assert db.session.get(Certificate, in_80.certificate_id).reminded_days == 90
    assert db.session.get(Certificate, in_20.certificate_id).reminded_days == 30
    assert db.session.get(Certificate, in_100.certificate_id).reminded_days is None
    assert db.session.get(Certificate, suspended.certificate_id).reminded_days is None
    [first] = _mails(outbox, in_80.person_id)
    assert "90 hari" in first["Subject"]
    assert len(_mails(outbox, in_20.person_id)) == 1  # only the 30-day one, not both

    expiry.send_reminders(today)  # the same day again: nothing
    db.session.commit()
    assert len(_mails(outbox, in_80.person_id)) == 1
    assert len(_mails(outbox, in_20.person_id)) == 1

    later = today + timedelta(days=55)  # in_80 is now 25 days away, in_100 45 days
    expiry.send_reminders(later)
    expiry.send_reminders(later)
    db.session.commit()
    assert "30 hari" in _mails(outbox, in_80.person_id)[-1]["Subject"]
    assert len(_mails(outbox, in_80.person_id)) == 2
    assert len(_mails(outbox, in_20.person_id)) == 1
    assert ["90 hari" in m["Subject"] for m in _mails(outbox, in_100.person_id)] == [True]


def test_flask_credentials_expire(app):
    today = date(2041, 6, 1)
    holder = create_holder(app, issued_on=date(2036, 6, 1), valid_until=date(2041, 5, 30))
    last_day = create_certificate(app, holder.person_id, issued_on=date(2036, 6, 1), valid_until=today)
    result = app.test_cli_runner().invoke(args=["credentials", "expire", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert "certificate(s) expired" in result.output and "reminder(s) sent" in result.output
    with app.app_context():
        assert db.session.get(Certificate, holder.certificate_id).status == C.EXPIRED
        assert db.session.get(Certificate, last_day).status == C.ACTIVE
    again = app.test_cli_runner().invoke(args=["credentials", "expire", "--today", today.isoformat()])
    assert "0 certificate(s) expired" in again.output


def test_expiring_by_hand_before_valid_until_is_recorded_now(app, ctx):
    holder = create_holder(app)
    certificate = db.session.get(Certificate, holder.certificate_id)
    services.expire_certificate(certificate, SYSTEM)
    assert certificate.status == C.EXPIRED
    assert certificate.events[-1].effective_at <= utcnow()


def test_the_expiry_job_is_a_daily_periodic_task_just_after_midnight_wib(app):
    from app.core.jobs import huey

    task = next(t for t in huey._registry.periodic_tasks if t.name == "expire_daily")
    runs = [
        hour
        for hour in range(24)
        for minute in range(60)
        if task.validate_datetime(datetime(2031, 3, 1, hour, minute))
    ]
    assert runs == [17]  # once a day, 17:05 UTC = 00:05 WIB
