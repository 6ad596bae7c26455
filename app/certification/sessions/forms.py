"""Forms of the exam sessions. Validation here is about shape (required, length, number); the rules
(dates in order, capacity, schemes, assessors) are in services.py and come back beside the fields."""

from __future__ import annotations

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, TextAreaField, ValidationError

from app.certification.states import PLACE_KIND_LABELS
from app.core.forms import (
    NOT_A_CHOICE,
    AppForm,
    DateField,
    SelectField,
    WholeNumberField,
    max_length,
    optional,
    required,
)
from app.reference.fields import RegionField
from app.reference.models import DISTRICT, PROVINCE


class CheckboxListField(wtforms.SelectMultipleField):
    """Several choices as checkboxes (easier on a phone than a multiple select); values are strings.
    An unknown value (a stale page, a tampered form) is refused in Indonesian."""

    widget = wtforms.widgets.ListWidget(prefix_label=False)
    option_widget = wtforms.widgets.CheckboxInput()

    def process_formdata(self, valuelist):
        self.data = list(dict.fromkeys(valuelist))

    def pre_validate(self, form):
        values = {value for value, *_rest in self.iter_choices()}
        if any(v not in values for v in self.data or []):
            raise ValidationError(str(NOT_A_CHOICE))


class SessionForm(AppForm):
    name = StringField(
        _l("Nama jadwal"),
        validators=[required(), max_length(160)],
        description=_l("Misalnya Uji Kompetensi Relawan Sosial Batch 3 Tahun 2027."),
    )
    version_ids = CheckboxListField(
        _l("Skema yang diujikan"),
        coerce=str,
        description=_l("Hanya versi terbit terakhir dari skema yang tidak dipensiunkan."),
    )
    place_kind = SelectField(
        _l("Jenis TUK"),
        choices=[("", "—"), *((str(kind), label) for kind, label in PLACE_KIND_LABELS.items())],
        validators=[required()],
    )
    place_name = StringField(
        _l("Nama TUK"),
        validators=[required(), max_length(200)],
        description=_l("Tempat Uji Kompetensi, misalnya Aula Dinas Sosial Kabupaten Bandung."),
    )
    address = StringField(_l("Alamat TUK"), validators=[required(), max_length(255)])
    region_code = RegionField(
        _l("Wilayah TUK"),
        min_level=PROVINCE,
        max_level=DISTRICT,
        description=_l("Daftar jadwal publik menyaring menurut provinsi."),
    )
    capacity = WholeNumberField(_l("Kapasitas (jumlah asesi)"), validators=[required()])
    applications_open_on = DateField(_l("Pendaftaran dibuka"), validators=[required()])
    applications_close_on = DateField(_l("Pendaftaran ditutup"), validators=[required()])
    screening_ends_on = DateField(
        _l("Seleksi administrasi berakhir"),
        validators=[required()],
        description=_l("Paling cepat pada tanggal pendaftaran ditutup."),
    )
    assessment_starts_on = DateField(_l("Asesmen dimulai"), validators=[required()])
    assessment_ends_on = DateField(_l("Asesmen selesai"), validators=[required()])
    plenary_on = DateField(
        _l("Rapat pleno"), validators=[required()], description=_l("Paling cepat pada hari asesmen selesai.")
    )
    signatory_name = StringField(_l("Nama penanda tangan SK"), validators=[required(), max_length(200)])
    signatory_title = StringField(
        _l("Jabatan penanda tangan SK"),
        validators=[required(), max_length(200)],
        description=_l("Misalnya Ketua Lembaga Sertifikasi Pekerjaan Sosial."),
    )


class SessionActionForm(AppForm):
    action = HiddenField()
    reason = TextAreaField(
        _l("Alasan pembatalan (wajib untuk membatalkan)"),
        validators=[optional(), max_length(2000)],
        description=_l("Dikirim melalui surel ke setiap orang yang sudah mengajukan permohonan."),
    )


class AssessorForm(AppForm):
    assessor_id = SelectField(_l("Asesor"), validators=[required()])


class DeclarationForm(AppForm):
    confirm = BooleanField(
        _l(
            "Saya menyatakan tidak memiliki konflik kepentingan dengan asesi yang ditugaskan kepada saya, "
            "dan akan menyatakan konflik jika ada."
        )
    )
