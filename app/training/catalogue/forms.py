"""Forms of the training catalogue. Validation here is about shape (required, length, number);
the rules (codes, dates, capacity) are in services.py and come back beside the same fields."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, TextAreaField, ValidationError

from app.core.forms import (
    NOT_A_CHOICE,
    AppForm,
    DateField,
    SelectField,
    WholeNumberField,
    max_length,
    optional,
    required,
    valid_email,
)
from app.reference.fields import RegionField
from app.reference.models import DISTRICT, PROVINCE, REGENCY
from app.training.states import MODE_LABELS

ALL_SUBTYPES = "*"  # a target choice: every subtype/level of the category ('' means not served)


class ScoreField(wtforms.DecimalField):
    """A score 0–100 with a comma or a point as the decimal separator."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = Decimal(valuelist[0].strip().replace(",", "."))
            if not self.data.is_finite():
                raise InvalidOperation
            self.data = self.data.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError) as error:
            self.data = None
            raise ValueError(str(_l("Isi dengan angka, misalnya 70 atau 72,5."))) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data.normalize():f}".replace(".", ",")


class RadioField(wtforms.RadioField):
    def pre_validate(self, form):
        if not any(self.data == value for value, *_rest in self.iter_choices()):
            raise ValidationError(str(NOT_A_CHOICE))


# --- Providers ----------------------------------------------------------------------------------


class ProviderForm(AppForm):
    code = StringField(
        _l("Kode"),
        validators=[required(), max_length(30)],
        description=_l(
            "Huruf besar, angka dan tanda hubung, misalnya BBPPKS-MEDAN. Tidak dapat diubah kemudian."
        ),
    )
    name = StringField(_l("Nama penyelenggara"), validators=[required(), max_length(200)])
    kind = SelectField(_l("Jenis"), validators=[required()])
    region_code = RegionField(_l("Wilayah"), min_level=PROVINCE, max_level=REGENCY)
    active = BooleanField(_l("Aktif (dapat dipilih untuk program dan petugas baru)"), default=True)


class ProviderEditForm(ProviderForm):
    code = None  # stable: never changed after creation


# --- Programmes ---------------------------------------------------------------------------------


class ProgrammeFormBase(AppForm):
    provider_code = SelectField(_l("Penyelenggara"), validators=[required()])
    code = StringField(
        _l("Kode program"),
        validators=[required(), max_length(30)],
        description=_l("Unik di penyelenggara Anda, misalnya PDPS-01."),
    )
    title = StringField(_l("Judul program"), validators=[required(), max_length(200)])
    jp = WholeNumberField(_l("Jumlah JP (jam pelajaran)"), validators=[required()])
    learning_outcomes = TextAreaField(
        _l("Capaian pembelajaran"),
        validators=[optional(), max_length(5000)],
        description=_l("Apa yang mampu dilakukan peserta setelah diklat."),
    )
    competency_units = TextAreaField(
        _l("Kode unit kompetensi (tidak wajib)"),
        validators=[optional(), max_length(2000)],
        description=_l("Satu kode per baris atau dipisah koma, misalnya KSO.01, KSO.02."),
    )
    attendance_threshold = WholeNumberField(
        _l("Batas kehadiran (%)"),
        validators=[required()],
        description=_l("Persentase hari yang wajib dihadiri agar peserta lulus."),
    )
    pass_score = ScoreField(
        _l("Nilai kelulusan (tidak wajib)"),
        validators=[optional()],
        description=_l("Jika diisi, peserta harus mencapai nilai akhir ini (0–100)."),
    )


def programme_form(category_choices: dict[str, tuple[str, list[tuple[str, str]]]], **kwargs):
    """The programme form with one target select per category: not served, every subtype, or one.
    `category_choices`: code → (name, [(subtype, label), ...])."""
    fields = {
        f"target_{code}": SelectField(
            name,
            choices=[("", _l("Tidak dilayani")), (ALL_SUBTYPES, _l("Semua jenis/jenjang")), *subtypes],
            validators=[optional()],
        )
        for code, (name, subtypes) in category_choices.items()
    }
    form_class = type("ProgrammeForm", (ProgrammeFormBase,), fields)
    return form_class(**kwargs)


# --- Sessions -----------------------------------------------------------------------------------


class SessionForm(AppForm):
    programme_id = SelectField(_l("Program diklat"), validators=[required()])
    name = StringField(
        _l("Nama angkatan"),
        validators=[required(), max_length(120)],
        description=_l("Misalnya Angkatan I Tahun 2026."),
    )
    starts_on = DateField(_l("Tanggal mulai"), validators=[required()])
    ends_on = DateField(_l("Tanggal selesai"), validators=[required()])
    mode = SelectField(
        _l("Cara pelaksanaan"),
        choices=[(str(mode), label) for mode, label in MODE_LABELS.items()],
        validators=[required()],
    )
    venue = StringField(
        _l("Tempat"),
        validators=[optional(), max_length(255)],
        description=_l("Alamat tempat diklat, atau nama platform untuk diklat daring."),
    )
    region_code = RegionField(
        _l("Wilayah tempat diklat"),
        min_level=PROVINCE,
        max_level=DISTRICT,
        description=_l("Wajib untuk tatap muka dan campuran; katalog publik menyaring menurut provinsi."),
    )
    capacity = WholeNumberField(_l("Kapasitas (jumlah peserta)"), validators=[required()])
    enrolment_opens_on = DateField(_l("Pendaftaran dibuka"), validators=[required()])
    enrolment_closes_on = DateField(
        _l("Pendaftaran ditutup"),
        validators=[required()],
        description=_l("Paling lambat pada tanggal mulai."),
    )
    signatory_name = StringField(_l("Nama penanda tangan STTP"), validators=[required(), max_length(200)])
    signatory_title = StringField(
        _l("Jabatan penanda tangan STTP"),
        validators=[required(), max_length(200)],
        description=_l("Misalnya Kepala BBPPKS Bandung."),
    )


FACILITATOR_ACCOUNT, FACILITATOR_OUTSIDER = "akun", "luar"


class FacilitatorForm(AppForm):
    kind = RadioField(
        _l("Pengajar"),
        choices=[
            (FACILITATOR_ACCOUNT, _l("Orang yang memiliki akun (dicari dengan alamat surel)")),
            (FACILITATOR_OUTSIDER, _l("Pengajar dari luar (nama dan instansi)")),
        ],
        default=FACILITATOR_ACCOUNT,
        validators=[required()],
    )
    email = StringField(
        _l("Alamat surel akun pengajar"), validators=[optional(), max_length(255), valid_email()]
    )
    name = StringField(_l("Nama pengajar"), validators=[optional(), max_length(200)])
    institution = StringField(_l("Instansi"), validators=[optional(), max_length(200)])
    subject = StringField(_l("Materi yang diajarkan"), validators=[required(), max_length(200)])


class SessionActionForm(AppForm):
    action = HiddenField()
    reason = TextAreaField(
        _l("Alasan pembatalan (wajib untuk membatalkan)"),
        validators=[optional(), max_length(2000)],
        description=_l("Dikirim ke setiap pendaftar melalui surel."),
    )
