"""Shared form pieces: validators with Indonesian messages, the empty POST-only form, and the way a
service's DomainError lands beside the right field."""

from __future__ import annotations

import wtforms
from flask import flash, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import ValidationError, validators

from app.core import unit_of_work
from app.core.errors import DomainError

# --- Fields with Indonesian refusals -------------------------------------------------------------


class WholeNumberField(wtforms.IntegerField):
    """An integer input whose refusal reads in Indonesian (and keeps what was typed)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as error:
            self.data = None
            raise ValueError(str(_l("Isi dengan bilangan bulat, misalnya 40."))) from error
        if abs(self.data) > 2**31 - 1:
            self.data = None
            raise ValueError(str(_l("Angka terlalu besar.")))


NOT_A_CHOICE = _l("Pilih salah satu pilihan yang tersedia.")


class SelectField(wtforms.SelectField):
    """A select whose refusal of an unknown value (a stale page, a tampered form) reads in
    Indonesian. Named SelectField so the form macros style it as a select."""

    def pre_validate(self, form):
        if self.data in (None, "") and not self.flags.required:
            return
        if self.choices is not None and not any(self.data == value for value, *_rest in self.iter_choices()):
            raise ValidationError(str(NOT_A_CHOICE))


def required():
    return validators.InputRequired(message=_l("Wajib diisi."))


def optional():
    return validators.Optional()


def max_length(n: int):
    return validators.Length(max=n, message=_l("Maksimal %(n)s karakter.", n=n))


def valid_email():
    return validators.Email(message=_l("Alamat surel tidak valid."), check_deliverability=False)


def same_as(field: str):
    return validators.EqualTo(field, message=_l("Kedua isian tidak sama."))


# A submit button with this name asks the server to fill the next level of a region picker
# (the no-JavaScript path of RegionField); it is a refresh, not a submission.
REFRESH_FIELD = "region_refresh"


class AppForm(FlaskForm):
    """Base of every form in the application."""

    def is_refresh(self) -> bool:
        return self.is_submitted() and REFRESH_FIELD in request.form

    def validate_on_submit(self, extra_validators=None) -> bool:
        if self.is_refresh():
            return False
        return super().validate_on_submit(extra_validators)

    def validate(self, extra_validators=None) -> bool:
        """Also refuse control characters (a NUL byte would make PostgreSQL fail) in any text."""
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and has_control_characters(field.data):
                field.errors = [*field.errors, str(_l("Isian berisi karakter yang tidak diizinkan."))]
                valid = False
        return valid


def has_control_characters(text: str) -> bool:
    """True for NUL and the other C0 controls except tab, line feed and carriage return."""
    return any((ord(c) < 0x20 and c not in "\t\n\r") or ord(c) == 0x7F for c in text)


class ActionForm(AppForm):
    """Empty form for buttons that only POST: it carries the CSRF token."""


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's error(s) beside their fields, or at the top of the form. What the service
    wrote before it refused is not committed."""
    unit_of_work.discard()
    errors = error.errors or {error.field: [error.message]}
    for name, messages in errors.items():
        field = getattr(form, name, None) if name else None
        texts = [str(m) for m in messages]
        if field is not None:
            field.errors = [*field.errors, *texts]
        else:
            form.form_errors.extend(texts)


def flash_error(error: DomainError) -> None:
    """Show a service's error(s) as messages on the next page; nothing of the attempt is committed."""
    unit_of_work.discard()
    for message in error.errors.get(None, []) or [error.message]:
        flash(str(message), "danger")


class DateField(wtforms.DateField):
    """A date input (YYYY-MM-DD, the HTML date picker's format) with an Indonesian message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(str(_l("Tanggal tidak valid. Gunakan format TTTT-BB-HH."))) from error
