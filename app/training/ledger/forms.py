"""Forms of the JP ledger. Field validators check only shape (lengths, a parseable date or number);
the rules (dates in order, JP bounds, evidence present) are in services.report_errors, so the form and
any other caller get the same answer."""

from __future__ import annotations

import wtforms
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField

from app.core.forms import AppForm, DateField, max_length, optional
from app.training.ledger.services import ReportValues


class WholeNumberField(wtforms.IntegerField):
    """An integer input with an Indonesian message for anything else."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(str(_l("Isi dengan bilangan bulat, mis. 32."))) from error


class ReportForm(AppForm):
    title = StringField(
        _l("Nama pelatihan"),
        validators=[optional(), max_length(200)],
        description=_l("Sesuai yang tertulis pada sertifikat."),
    )
    provider_name = StringField(
        _l("Lembaga penyelenggara"),
        validators=[optional(), max_length(200)],
        description=_l(
            "Nama lembaga yang menerbitkan sertifikat, mis. Pusdiklat Kesos atau perguruan tinggi."
        ),
    )
    certificate_number = StringField(
        _l("Nomor sertifikat (tidak wajib)"), validators=[optional(), max_length(100)]
    )
    started_on = DateField(_l("Tanggal mulai"), validators=[optional()], render_kw={"type": "date"})
    ended_on = DateField(_l("Tanggal selesai"), validators=[optional()], render_kw={"type": "date"})
    jp = WholeNumberField(
        _l("Jumlah JP"),
        validators=[optional()],
        description=_l("Jam pelajaran sesuai sertifikat (1 JP = 45 menit)."),
        render_kw={"inputmode": "numeric", "min": "1"},
    )
    evidence = FileField(
        _l("Sertifikat dari lembaga penyelenggara"),
        description=_l("PDF, JPEG atau PNG; foto dari HP diperkecil otomatis."),
    )
    held_evidence = HiddenField()

    def values(self) -> ReportValues:
        return ReportValues(
            title=self.title.data or "",
            provider_name=self.provider_name.data or "",
            certificate_number=self.certificate_number.data or "",
            started_on=self.started_on.data,
            ended_on=self.ended_on.data,
            jp=self.jp.data,
        )


class DecisionForm(AppForm):
    action = HiddenField()
    reason = TextAreaField(_l("Alasan (wajib jika tidak diakui)"), validators=[optional(), max_length(2000)])
