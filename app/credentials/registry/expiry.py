"""Expiry by itself, once a day: certificates past their valid_until are recorded as expired (which
ends their licences through the cascade in credentials.services), licences past their own
valid_until are recorded as expired, and holders are reminded 90 and 30 days before a certificate
expires, once each (`Certificate.reminded_days`).

Each part works in batches, each batch one unit of work (on SQLite small, with a pause after the
commit: jobs.batch_size_for / let_requests_in), walking ids upwards so a certificate another worker
changed meanwhile is skipped rather than retried forever. Running it twice changes nothing the second
time. Run daily by the job queue (`expire_daily`) and by hand with `flask credentials expire`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.core import jobs
from app.core.actors import SYSTEM
from app.core.jobs import periodic_job
from app.core.models import local_today
from app.core.unit_of_work import unit_of_work
from app.credentials import notifications, services
from app.credentials.models import Certificate, Licence
from app.credentials.states import (
    CERTIFICATE_LIVE,
    LICENCE_HELD,
    LICENCE_LIFECYCLE,
    CertificateStatus,
    CredentialError,
    LicenceAction,
)
from app.extensions import db

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


@dataclass(frozen=True)
class ExpiryReport:
    certificates: int
    licences: int
    reminders: int


def _in_batches(stmt_after: Callable[[int], list], handle: Callable, batch_size: int) -> int:
    """Call `handle(record)` for every record `stmt_after(last_id)` yields, batch by batch, and count
    those it changed (it returns False for one it left alone); a record whose change is refused
    (another worker got there first) is logged and skipped."""
    done, last_id = 0, 0
    while True:
        with unit_of_work():
            batch = stmt_after(last_id)
            for record in batch:
                try:
                    with db.session.begin_nested():
                        changed = handle(record) is not False
                except CredentialError as error:
                    logger.warning("%s %s not changed: %s", type(record).__name__, record.id, error.message)
                else:
                    done += changed
            size, last_id = len(batch), (batch[-1].id if batch else last_id)
        if size < batch_size:
            return done
        jobs.let_requests_in()


def expire_certificates(today: date, batch_size: int | None = None) -> int:
    """Record as expired every live certificate whose valid_until is before `today`."""
    size = batch_size or jobs.batch_size_for(BATCH_SIZE)

    def after(last_id: int) -> list[Certificate]:
        return list(
            db.session.scalars(
                select(Certificate)
                .where(
                    Certificate.status.in_(list(CERTIFICATE_LIVE)),
                    Certificate.valid_until < today,
                    Certificate.id > last_id,
                )
                .options(selectinload(Certificate.events), joinedload(Certificate.person))
                .order_by(Certificate.id)
                .limit(size)
            )
        )

    return _in_batches(after, lambda c: services.expire_certificate(c, SYSTEM), size)


def expire_licences(today: date, batch_size: int | None = None) -> int:
    """Record as expired every held licence whose own valid_until is before `today`."""
    size = batch_size or jobs.batch_size_for(BATCH_SIZE)

    def after(last_id: int) -> list[Licence]:
        return list(
            db.session.scalars(
                select(Licence)
                .where(
                    Licence.status.in_(list(LICENCE_HELD)),
                    Licence.valid_until < today,
                    Licence.id > last_id,
                )
                .options(joinedload(Licence.person))
                .order_by(Licence.id)
                .limit(size)
            )
        )

    def expire(licence: Licence) -> None:
        LICENCE_LIFECYCLE.transition(licence, LicenceAction.EXPIRE, SYSTEM)
        notifications.licence_expired(licence)

    return _in_batches(after, expire, size)


def send_reminders(today: date, batch_size: int | None = None) -> int:
    """E-mail each active certificate's holder once per reminder (CERTIFICATE_REMINDER_DAYS, e.g. 90
    and 30 days before valid_until). A certificate first seen inside the 30 days gets only that one.
    The compare-and-set on `reminded_days` makes a reminder go once even if two runs overlap."""
    size = batch_size or jobs.batch_size_for(BATCH_SIZE)
    sent = 0
    for days in sorted(current_app.config["CERTIFICATE_REMINDER_DAYS"]):
        horizon = today + timedelta(days=days)
        due = or_(Certificate.reminded_days.is_(None), Certificate.reminded_days > days)

        def after(last_id: int, horizon: date = horizon, due=due) -> list[Certificate]:
            return list(
                db.session.scalars(
                    select(Certificate)
                    .where(
                        Certificate.status == CertificateStatus.ACTIVE,
                        Certificate.valid_until >= today,
                        Certificate.valid_until <= horizon,
                        due,
                        Certificate.id > last_id,
                    )
                    .options(joinedload(Certificate.person))
                    .order_by(Certificate.id)
                    .limit(size)
                )
            )

        def remind(certificate: Certificate, days: int = days, due=due) -> bool:
            claimed = db.session.execute(
                update(Certificate)
                .where(Certificate.id == certificate.id, due)
                .values(reminded_days=days)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed:
                notifications.expiry_reminder(certificate, days)
            return bool(claimed)

        sent += _in_batches(after, remind, size)
    return sent


def run(today: date, batch_size: int | None = None) -> ExpiryReport:
    return ExpiryReport(
        certificates=expire_certificates(today, batch_size),
        licences=expire_licences(today, batch_size),
        reminders=send_reminders(today, batch_size),
    )


@periodic_job(crontab(hour="17", minute="5"))  # 00:05 WIB: the first minutes of the new day
def expire_daily() -> None:
    run(local_today())
