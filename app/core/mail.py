"""Outgoing e-mail. Messages are real RFC 5322 messages rendered from templates/email/*.txt (in the
default language), delivered through SMTP when MAIL_SERVER is set, otherwise into a file outbox (one
.eml file per message) that a person can open and tests can read.

`send` only queues the message on the database session: it is delivered after that transaction commits
and dropped if it rolls back, so no e-mail announces a change that did not happen, and a slow or
failing mail server never holds a transaction (or the audit lock) open.
"""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.models import utcnow
from app.extensions import db


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


_QUEUE = "outgoing_mail"


def send(to: str, subject: str, template: str, **context) -> None:
    """Queue a message for delivery when the current transaction commits."""
    session = db.session()  # the request's Session behind the scoped proxy
    if not session.in_transaction():
        session.begin()  # the message belongs to a transaction even if nothing was queried yet
    session.info.setdefault(_QUEUE, []).append(build_message(to, subject, template, **context))


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    for message in session.info.pop(_QUEUE, []):
        try:
            deliver(message)
        except (OSError, smtplib.SMTPException):
            # The change is committed; a lost notification must not turn it into an error page.
            current_app.logger.exception("mail to %s could not be delivered", message["To"])


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint inside it
        session.info.pop(_QUEUE, None)
