"""Mail that failed or is waiting for a retry (`/admin/surel`), and sending one again."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.admin.routes import bp
from app.core import mail
from app.core.forms import ActionForm
from app.core.mail import MailStatus, OutgoingMail
from app.core.permissions import allow
from app.core.roles import Role
from app.extensions import db

PAGE_SIZE = 50
# Tabs: the URL value and the statuses it shows.
TABS = {
    "": (_l("Gagal dan menunggu"), (MailStatus.FAILED, MailStatus.QUEUED)),
    "gagal": (_l("Gagal"), (MailStatus.FAILED,)),
    "menunggu": (_l("Menunggu"), (MailStatus.QUEUED,)),
}
STATUS_LABELS = {
    MailStatus.QUEUED: _l("Menunggu"),
    MailStatus.SENT: _l("Terkirim"),
    MailStatus.FAILED: _l("Gagal"),
}


@bp.get("/surel")
@allow(Role.MINISTRY_ADMIN)
def mail_list():
    tab = request.args.get("status", "")
    if tab not in TABS:
        tab = ""
    before = request.args.get("sebelum", type=int)
    stmt = select(OutgoingMail).where(OutgoingMail.status.in_(TABS[tab][1])).order_by(OutgoingMail.id.desc())
    if before:
        stmt = stmt.where(OutgoingMail.id < before)
    rows = db.session.scalars(stmt.limit(PAGE_SIZE + 1)).all()
    mails, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    return render_template(
        "admin/mail_list.html",
        mails=mails,
        tab=tab,
        tabs=TABS,
        labels=STATUS_LABELS,
        next_before=mails[-1].id if more else None,
        first_page=before is None,
        action_form=ActionForm(),
    )


@bp.post("/surel/<int:mail_id>/kirim-ulang")
@allow(Role.MINISTRY_ADMIN)
def mail_send_again(mail_id: int):
    record = db.session.get(OutgoingMail, mail_id)
    if record is None:
        abort(404)
    if record.status == MailStatus.SENT:
        flash(_("Surel ke %(to)s sudah terkirim; surel tidak dikirim ulang.", to=record.to), "info")
    else:
        mail.send_again(record, actor=current_user)
        flash(_("Surel ke %(to)s dimasukkan kembali ke antrean pengiriman.", to=record.to), "success")
    return redirect(url_for("admin.mail_list", status=request.args.get("status", "")))
