"""The form of the public pages: a visitor drops a PDF to check it (CSRF-protected like every form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from app.core.forms import AppForm


class FileCheckForm(AppForm):
    file = FileField(
        _l("Berkas PDF yang ingin diperiksa"),
        description=_l("Berkas tidak disimpan: hanya dibandingkan dengan dokumen yang diterbitkan."),
    )
