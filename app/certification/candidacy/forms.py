"""Forms of the candidacy pages. Field validators check only shape (a number, a length); the rules
(an offered version, the purpose, the bounds of the declared experience) are in services, so the form
and any other caller get the same answer."""

from __future__ import annotations

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField

from app.certification.candidacy.services import REASON_MAX, SUMMARY_MAX, Application
from app.certification.states import PURPOSE_LABELS
from app.core.forms import AppForm, max_length, optional, required


class WholeNumberField(wtforms.IntegerField):
    """An integer input with an Indonesian message for anything else."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = None
            raise ValueError(str(_l("Isi dengan bilangan bulat, mis. 24."))) from error


class ApplicationForm(AppForm):
    """APL.01: the parts the candidate may change while the application is editable."""

    purpose = RadioField(
        _l("Tujuan asesmen"),
        choices=[(str(purpose), label) for purpose, label in PURPOSE_LABELS.items()],
        validators=[required()],
    )
    declared_months = WholeNumberField(
        _l("Lama pengalaman praktik (bulan, tidak wajib)"),
        validators=[optional()],
        description=_l(
            "Pengalaman yang dinyatakan dihitung jika Anda mengunggah surat keterangan pengalaman praktik."
        ),
        render_kw={"inputmode": "numeric", "min": "0"},
    )
    declared_hours = WholeNumberField(
        _l("Jam praktik (tidak wajib)"),
        validators=[optional()],
        render_kw={"inputmode": "numeric", "min": "0"},
    )
    summary = TextAreaField(
        _l("Ringkasan pengalaman (tidak wajib)"),
        validators=[optional(), max_length(SUMMARY_MAX)],
        description=_l("Tempat dan bentuk praktik pekerjaan sosial Anda."),
    )

    def application(self, version_id: int | None = None) -> Application:
        return Application(
            version_id=version_id,
            purpose=self.purpose.data,
            declared_months=self.declared_months.data,
            declared_hours=self.declared_hours.data,
            summary=self.summary.data or "",
        )


class ApplyForm(ApplicationForm):
    version_id = RadioField(_l("Skema yang Anda ikuti"), coerce=int, validators=[required()])

    def application(self, version_id: int | None = None) -> Application:
        return super().application(self.version_id.data)


class WithdrawForm(AppForm):
    reason = TextAreaField(_l("Alasan (tidak wajib)"), validators=[optional(), max_length(REASON_MAX)])


class NominateForm(AppForm):
    registration_id = IntegerField(validators=[required()])
    version_id = IntegerField(validators=[required()])


class NomineeSearchForm(AppForm):
    """The nomination search (a GET form: the chosen session, scheme and search stay in the URL)."""

    q = StringField(
        _l("Cari nama atau NIK"),
        validators=[optional(), max_length(200)],
        description=_l("Ketik sekurang-kurangnya 3 huruf awal nama, atau NIK lengkap (16 angka)."),
    )
    skema = HiddenField()
