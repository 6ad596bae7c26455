"""Forms of the scheme pages. Validation here is about shape (required, length, number); the rules
(codes, ranges, the body's categories) are in services.py and come back beside the same fields."""

from __future__ import annotations

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, StringField, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.certification.schemes.services import (
    DEFAULT_RETAKE_WAIT_DAYS,
    DEFAULT_VALIDITY_YEARS,
    DOCUMENT_LABELS,
)
from app.certification.states import METHOD_LABELS
from app.core.forms import (
    NOT_A_CHOICE,
    AppForm,
    SelectField,
    WholeNumberField,
    max_length,
    optional,
    required,
)


class CheckboxesField(wtforms.SelectMultipleField):
    """Several checkboxes of one question; an unknown value (a tampered form) is refused in
    Indonesian. The template draws the boxes (templates/certification/schemes/_fields.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            self.data = [self.coerce(value) for value in valuelist]
        except (TypeError, ValueError):
            self.data = []
            raise ValueError(str(NOT_A_CHOICE)) from None

    def pre_validate(self, form):
        values = {self.coerce(value) for value, *_rest in self.iter_choices()}
        if any(item not in values for item in self.data or []):
            raise ValidationError(str(NOT_A_CHOICE))


class VersionForm(AppForm):
    name = StringField(
        _l("Nama skema"),
        validators=[required(), max_length(200)],
        description=_l("Misalnya Pekerja Sosial Generalis."),
    )
    target = SelectField(
        _l("Sasaran"),
        validators=[required()],
        description=_l("Kategori (dan jenis/jenjang) pendaftar yang dapat mengikuti skema ini."),
    )
    methods = CheckboxesField(
        _l("Metode asesmen"),
        choices=[(str(method), label) for method, label in METHOD_LABELS.items()],
    )
    min_education_code = SelectField(_l("Pendidikan minimal"), validators=[optional()])
    min_training_jp = WholeNumberField(
        _l("Minimal JP pelatihan"),
        validators=[optional()],
        description=_l("Kosongkan atau isi 0 jika tidak ada syarat pelatihan."),
    )
    jp_from_linked_programmes_only = BooleanField(
        _l("Hanya hitung JP dari program diklat yang unit kompetensinya sama dengan skema ini")
    )
    min_experience_months = WholeNumberField(
        _l("Minimal pengalaman praktik (bulan)"),
        validators=[optional()],
        description=_l("Jika minimal jam praktik juga diisi, salah satunya cukup terpenuhi."),
    )
    min_practice_hours = WholeNumberField(_l("Minimal jam praktik"), validators=[optional()])
    requires_verified_registration = BooleanField(
        _l("Wajib memiliki pendaftaran terverifikasi pada sasaran skema"), default=True
    )
    required_documents = CheckboxesField(
        _l("Dokumen wajib"),
        choices=[(str(purpose), label) for purpose, label in DOCUMENT_LABELS.items()],
    )
    validity_years = WholeNumberField(
        _l("Masa berlaku sertifikat (tahun)"),
        validators=[required()],
        default=DEFAULT_VALIDITY_YEARS,
        description=_l("1 sampai 10 tahun."),
    )
    second_assessor_required = BooleanField(_l("Selalu dinilai oleh asesor kedua"))
    retake_wait_days = WholeNumberField(
        _l("Masa tunggu uji ulang (hari)"),
        validators=[required()],
        default=DEFAULT_RETAKE_WAIT_DAYS,
        description=_l("Asesi yang Belum Kompeten dapat mendaftar lagi setelah sekian hari sejak keputusan."),
    )
    renewal_jp_per_year = WholeNumberField(
        _l("JP pelatihan per tahun untuk resertifikasi"),
        validators=[optional()],
        description=_l(
            "Pelatihan yang wajib diikuti pemegang sertifikat untuk setiap tahun masa berlaku. Kosongkan "
            "untuk memakai ketentuan umum."
        ),
    )
    renewal_by_portfolio = BooleanField(
        _l("Resertifikasi cukup dengan telaah portofolio (tanpa uji)"),
        description=_l(
            "Pemegang sertifikat yang mengajukan resertifikasi dinilai asesor dari portofolionya saja, tanpa "
            "wawancara, observasi, atau tes, dan tidak perlu hadir di tempat uji."
        ),
    )


class SchemeForm(VersionForm):
    body_code = SelectField(_l("Lembaga sertifikasi"), validators=[required()])
    code = StringField(
        _l("Kode skema"),
        validators=[required(), max_length(30)],
        description=_l("Unik di lembaga Anda, misalnya PS-GEN. Tidak dapat diubah kemudian."),
    )


class UnitForm(AppForm):
    code = StringField(
        _l("Kode unit"),
        validators=[required(), max_length(40)],
        description=_l("Misalnya KS.01.001."),
    )
    title = StringField(_l("Judul unit"), validators=[required(), max_length(300)])


class MoveForm(AppForm):
    direction = HiddenField()
