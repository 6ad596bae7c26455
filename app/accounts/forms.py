from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Length

from app.accounts.services import MIN_PASSWORD_LENGTH
from app.core.forms import AppForm, max_length, required, same_as, valid_email
from app.core.roles import STAFF_ROLES
from app.reference.fields import RegionField
from app.reference.models import PROVINCE, REGENCY


def min_password():
    """The same rule the service enforces, checked with the other fields so one round shows all errors."""
    return Length(
        min=MIN_PASSWORD_LENGTH, message=_l("Kata sandi minimal %(n)s karakter.", n=MIN_PASSWORD_LENGTH)
    )


class LoginForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[required(), valid_email(), max_length(255)])
    password = PasswordField(_l("Kata sandi"), validators=[required()])
    next = HiddenField()


class SignUpForm(AppForm):
    full_name = StringField(
        _l("Nama lengkap"),
        validators=[required(), max_length(200)],
        description=_l("Satu nama saja juga boleh."),
    )
    email = EmailField(_l("E-mail"), validators=[required(), valid_email(), max_length(255)])
    password = PasswordField(
        _l("Kata sandi"), validators=[required(), min_password()], description=_l("Minimal 10 karakter.")
    )
    password_confirm = PasswordField(_l("Ulangi kata sandi"), validators=[required(), same_as("password")])


class EmailOnlyForm(AppForm):
    email = EmailField(_l("E-mail"), validators=[required(), valid_email(), max_length(255)])


class ResetPasswordForm(AppForm):
    password = PasswordField(
        _l("Kata sandi baru"), validators=[required(), min_password()], description=_l("Minimal 10 karakter.")
    )
    password_confirm = PasswordField(
        _l("Ulangi kata sandi baru"), validators=[required(), same_as("password")]
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[required()])


def role_choices():
    return [(str(role), role.label) for role in STAFF_ROLES]


class StaffForm(AppForm):
    full_name = StringField(_l("Nama lengkap"), validators=[required(), max_length(200)])
    email = EmailField(_l("E-mail"), validators=[required(), valid_email(), max_length(255)])
    role = SelectField(_l("Peran"), validators=[required()])
    region_code = RegionField(
        _l("Wilayah kerja"),
        min_level=PROVINCE,
        max_level=REGENCY,
        description=_l("Wajib untuk petugas Dinas Sosial: satu provinsi atau kabupaten/kota."),
    )
    body_code = SelectField(_l("Lembaga sertifikasi"))
