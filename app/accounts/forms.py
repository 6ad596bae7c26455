from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Length, ValidationError

from app.accounts import passwords
from app.accounts.services import MIN_PASSWORD_LENGTH
from app.core.forms import AppForm, DateField, max_length, optional, required, same_as, valid_email
from app.core.roles import STAFF_ROLES
from app.reference.fields import RegionField
from app.reference.models import PROVINCE, REGENCY


def min_password():
    """The same rule the service enforces, checked with the other fields so one round shows all errors."""
    return Length(
        min=MIN_PASSWORD_LENGTH, message=_l("Kata sandi minimal %(n)s karakter.", n=MIN_PASSWORD_LENGTH)
    )


def strong_password(*other_fields: str):
    """The service's strength rule (common list, zxcvbn), checked with the other fields so one round
    shows every error beside its field; the e-mail and name typed in the same form count as guesses."""

    def check(form, field):
        if len(field.data or "") < MIN_PASSWORD_LENGTH:
            return  # min_password() says it
        inputs = tuple(str(getattr(form, name).data or "") for name in other_fields if hasattr(form, name))
        problem = passwords.weakness(field.data, inputs)
        if problem is not None:
            raise ValidationError(str(problem))

    return check


class LoginForm(AppForm):
    email = EmailField(_l("Surel"), validators=[required(), valid_email(), max_length(255)])
    password = PasswordField(_l("Kata sandi"), validators=[required()])
    next = HiddenField()


class SignUpForm(AppForm):
    full_name = StringField(
        _l("Nama lengkap"),
        validators=[required(), max_length(200)],
        description=_l("Nama tunggal (satu kata) dapat diterima."),
    )
    email = EmailField(_l("Surel"), validators=[required(), valid_email(), max_length(255)])
    password = PasswordField(
        _l("Kata sandi"),
        validators=[required(), min_password(), strong_password("email", "full_name")],
        description=_l("Minimal 10 karakter; hindari kata sandi umum, urutan, dan tanggal."),
    )
    password_confirm = PasswordField(_l("Ulangi kata sandi"), validators=[required(), same_as("password")])


class EmailOnlyForm(AppForm):
    email = EmailField(_l("Surel"), validators=[required(), valid_email(), max_length(255)])


class ResetPasswordForm(AppForm):
    password = PasswordField(
        _l("Kata sandi baru"),
        validators=[required(), min_password(), strong_password()],
        description=_l("Minimal 10 karakter; hindari kata sandi umum, urutan, dan tanggal."),
    )
    password_confirm = PasswordField(
        _l("Ulangi kata sandi baru"), validators=[required(), same_as("password")]
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[required()])


def role_choices(roles=STAFF_ROLES):
    return [(str(role), role.label) for role in roles]


class GrantForm(AppForm):
    """A role with its scope: the first grant of a new staff account, or one more grant."""

    role = SelectField(_l("Peran"), validators=[required()])
    region_code = RegionField(
        _l("Wilayah kerja"),
        min_level=PROVINCE,
        max_level=REGENCY,
        description=_l("Wajib untuk petugas Dinas Sosial: satu provinsi atau kabupaten/kota."),
    )
    body_code = SelectField(
        _l("Lembaga sertifikasi"),
        default="",
        description=_l("Wajib untuk admin lembaga sertifikasi dan asesor."),
    )
    provider_code = SelectField(
        _l("Penyelenggara diklat"), default="", description=_l("Wajib untuk penyelenggara diklat.")
    )


class StaffForm(GrantForm):
    full_name = StringField(_l("Nama lengkap"), validators=[required(), max_length(200)])
    email = EmailField(_l("Surel"), validators=[required(), valid_email(), max_length(255)])


class StaffEditForm(AppForm):
    full_name = StringField(_l("Nama lengkap"), validators=[required(), max_length(200)])


class MembershipForm(AppForm):
    institution_id = SelectField(_l("Lembaga"), validators=[required()])
    position = StringField(_l("Jabatan"), validators=[optional(), max_length(200)])
    started_on = DateField(_l("Mulai"), validators=[required()])
    ended_on = DateField(
        _l("Selesai"), validators=[optional()], description=_l("Kosongkan jika masih bekerja di sana.")
    )


class InstitutionForm(AppForm):
    name = StringField(_l("Nama lembaga"), validators=[required(), max_length(200)])
    kind = SelectField(_l("Jenis"), validators=[required()])
    region_code = RegionField(_l("Wilayah"), min_level=PROVINCE, max_level=REGENCY)


class NumberPatternForm(AppForm):
    pattern = StringField(_l("Pola nomor"), validators=[required(), max_length(120)])
