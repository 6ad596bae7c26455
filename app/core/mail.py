"""Outgoing e-mail. Messages are real RFC 5322 messages rendered from templates/email/*.txt (in the
default language), delivered through SMTP when MAIL_SERVER is set, otherwise into a file outbox (one
.eml file per message) that a person can open and tests can read.

A transactional outbox: `send` stores the rendered message as a row of `outgoing_mails` in the caller's
transaction (a rollback drops it, so no e-mail announces a change that did not happen) and, once that
transaction commits, enqueues `deliver_mail` on the job queue (app/core/jobs.py). A slow or failing
mail server never holds a request. Delivery is retried with exponential backoff (1 minute, doubling,
at most 30 minutes apart) up to MAIL_MAX_ATTEMPTS times; then the mail is `failed` and shown to the
ministry admin (/admin/surel), who can send it again. A sweep every minute enqueues every queued mail
that is due, so a lost enqueue or an SMTP server down for hours delays mail but never loses it, and the
row lock plus the `sent` status mean a mail is never delivered twice by the queue.
"""

from __future__ import annotations

import email
import logging
import smtplib
import uuid
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from enum import StrEnum
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from huey import crontab
from sqlalchemy import Index, LargeBinary, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core import audit
from app.core.jobs import enqueue_after_commit, job, periodic_job
from app.core.models import enum_column, utcnow
from app.extensions import db

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 30 * 60


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMail(db.Model):
    """One rendered message waiting for delivery, delivered, or given up on."""

    __tablename__ = "outgoing_mails"
    __table_args__ = (Index("ix_outgoing_mails_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    raw: Mapped[bytes] = mapped_column(LargeBinary)  # the RFC 5322 message, as delivered
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus, "status"), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=policy.default)


def build_message(to: str, subject, template: str, **context) -> EmailMessage:
    message = EmailMessage()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        message["Subject"] = str(subject)
        body = render_template(f"email/{template}.txt", **context)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="sdm-kesos.local")
    message.set_content(body)
    return message


def deliver(message: EmailMessage) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return
    outbox = Path(config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    (outbox / name).write_bytes(bytes(message))


def send(to: str, subject: str, template: str, **context) -> None:
    """Store a message in the caller's transaction; it is delivered after that transaction commits."""
    message = build_message(to, subject, template, **context)
    mail = OutgoingMail(
        to=to,
        subject=str(subject)[:500],
        raw=bytes(message),
        status=MailStatus.QUEUED,
        next_attempt_at=utcnow(),
    )
    db.session.add(mail)
    db.session.flush()  # the id, for the task
    enqueue_after_commit(deliver_mail, mail.id)


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the n-th failed attempt: 1 minute, doubling, at most 30 minutes."""
    return min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS)


@job()
def deliver_mail(mail_id: int) -> None:
    """Deliver one stored mail, once. Idempotent: a mail already sent, failed, or not yet due (another
    task of the same mail is waiting for its retry) is left alone."""
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.id == mail_id).with_for_update())
    if mail is None or mail.status != MailStatus.QUEUED:
        return
    now = utcnow()
    if mail.next_attempt_at is not None and mail.next_attempt_at > now:
        return
    mail.attempts += 1
    try:
        deliver(mail.message())
    except (OSError, smtplib.SMTPException) as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        if mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            mail.status = MailStatus.FAILED
            mail.next_attempt_at = None
            logger.error("mail %s to %s failed after %s attempts: %s", mail.id, mail.to, mail.attempts, error)
            return
        delay = retry_delay(mail.attempts)
        mail.next_attempt_at = now + timedelta(seconds=delay)
        logger.warning(
            "mail %s to %s not delivered (attempt %s), retry in %ss", mail.id, mail.to, mail.attempts, delay
        )
        enqueue_after_commit(deliver_mail, mail.id, delay=delay)
        return
    mail.status = MailStatus.SENT
    mail.sent_at = utcnow()
    mail.next_attempt_at = None
    mail.last_error = None


def enqueue_due_mail(now: datetime | None = None) -> int:
    """Enqueue every queued mail whose next attempt is due; returns how many."""
    due = db.session.scalars(
        select(OutgoingMail.id)
        .where(
            OutgoingMail.status == MailStatus.QUEUED,
            or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= (now or utcnow())),
        )
        .order_by(OutgoingMail.id)
    ).all()
    for mail_id in due:
        enqueue_after_commit(deliver_mail, mail_id)
    return len(due)


@periodic_job(crontab(minute="*"))
def sweep_mail() -> None:
    """Every minute: catch up on mail whose enqueue was lost or whose retry is due."""
    enqueue_due_mail()


def send_again(mail: OutgoingMail, actor=None) -> None:
    """A mail that failed (or is waiting) is queued again with a fresh count of attempts."""
    before = {"status": str(mail.status), "attempts": mail.attempts}
    mail.status = MailStatus.QUEUED
    mail.attempts = 0
    mail.next_attempt_at = utcnow()
    audit.record(
        "mail.requeued",
        object_type="outgoing_mail",
        object_id=mail.id,
        before=before,
        after={"status": str(mail.status)},
        actor=actor,
    )
    enqueue_after_commit(deliver_mail, mail.id)
