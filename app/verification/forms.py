"""The form of the public pages: a visitor drops a PDF to check it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from app.core.forms import AppForm


class FileCheckForm(AppForm):
    """Without a CSRF token, alone among the app's forms: the check is anonymous and changes and stores
    nothing, so a forged submission could do nothing a stranger cannot do directly (CSRF guards a
    signed-in user's authority, and there is none here); and a per-visitor token in the page would
    keep the public page from being cached (app/verification/page_cache.py) and would set a session
    cookie on everyone who scans a QR code. The rate limit still applies."""

    class Meta:
        csrf = False

    file = FileField(
        _l("Berkas PDF yang ingin diperiksa"),
        description=_l("Berkas tidak disimpan: hanya dibandingkan dengan dokumen yang diterbitkan."),
    )
