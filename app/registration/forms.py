from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from app.core.forms import AppForm, max_length, optional, required
from app.reference.fields import RegionField
from app.reference.models import DISTRICT, REGENCY
from app.registration.categories import GROUP_LABELS, SPECS


class RegistrationFormBase(AppForm):
    region_code = RegionField(
        _l("Wilayah tugas"),
        min_level=REGENCY,
        max_level=DISTRICT,
        description=_l(
            "Wilayah tempat Anda bertugas; pendaftaran diverifikasi oleh Dinas Sosial wilayah ini."
        ),
    )


def registration_form(category_code: str, choices: dict[str, list[tuple[str, str]]], **kwargs):
    """A form with the option groups of one category (categories.py), in order."""
    spec = SPECS[category_code]
    fields = {
        group: SelectField(
            GROUP_LABELS[group], choices=[("", "—"), *choices.get(group, [])], validators=[optional()]
        )
        for group in spec.groups
    }
    form_class = type(f"RegistrationForm_{category_code}", (RegistrationFormBase,), fields)
    return form_class(**kwargs)


class DocumentForm(AppForm):
    kind = HiddenField()
    file = FileField(_l("Berkas"), description=_l("PDF, JPEG, atau PNG."))


class DecisionForm(AppForm):
    action = HiddenField()
    reason = TextAreaField(
        _l("Alasan (wajib untuk dikembalikan atau ditolak)"),
        validators=[optional(), max_length(2000)],
    )


class SubmitForm(AppForm):
    """Submit (or resubmit after a return); the note is offered only on a resubmission."""

    note = TextAreaField(
        _l("Catatan untuk petugas (tidak wajib)"),
        validators=[optional(), max_length(1000)],
        description=_l("Misalnya, apa yang sudah Anda perbaiki."),
    )


class QueueSearchForm(AppForm):
    """The queue's search (a GET form: filters stay in the URL)."""

    q = StringField(
        _l("Cari"),
        validators=[optional(), max_length(200)],
        description=_l("Awal nama (minimal 3 huruf), nomor registrasi, atau NIK lengkap."),
    )


class NikCheckForm(AppForm):
    nik = StringField(
        _l("NIK"),
        validators=[required(), max_length(40)],
        description=_l("16 angka, sesuai KTP."),
    )
