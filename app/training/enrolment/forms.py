from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, RadioField, StringField, TextAreaField

from app.core.forms import AppForm, DateField, max_length, optional, required
from app.training.enrolment.services import MOTIVATION_MAX, REASON_MAX


class ApplyForm(AppForm):
    registration_id = RadioField(
        _l("Pendaftaran yang Anda gunakan"),
        coerce=int,
        validators=[required()],
        description=_l("Pendaftaran terverifikasi dalam kategori yang dilayani program ini."),
    )
    motivation = TextAreaField(
        _l("Motivasi (tidak wajib)"),
        validators=[optional(), max_length(MOTIVATION_MAX)],
        description=_l("Mengapa Anda mengikuti pelatihan ini."),
    )


class DecisionForm(AppForm):
    action = HiddenField()
    reason = TextAreaField(
        _l("Alasan (wajib untuk menolak)"),
        validators=[optional(), max_length(REASON_MAX)],
    )


class WithdrawForm(AppForm):
    reason = TextAreaField(_l("Alasan (tidak wajib)"), validators=[optional(), max_length(REASON_MAX)])


class RemoveForm(AppForm):
    """The training officer withdraws a participant from the roster (services.remove_participant)."""

    reason = TextAreaField(
        _l("Alasan dikeluarkan (wajib, dikirim ke peserta)"),
        validators=[optional(), max_length(REASON_MAX)],
    )


class NominateForm(AppForm):
    registration_id = IntegerField(validators=[required()])


class NomineeSearchForm(AppForm):
    """The nomination search (a GET form: the chosen session and the search stay in the URL)."""

    q = StringField(
        _l("Cari nama atau NIK"),
        validators=[optional(), max_length(200)],
        description=_l("Ketik sekurang-kurangnya 3 huruf awal nama, atau NIK lengkap (16 angka)."),
    )


class AttendanceDayForm(AppForm):
    """The roster of one day: the ticked participants come as `hadir` (their enrolment ids)."""

    day = DateField(_l("Tanggal"), validators=[required()])


class AttendanceImportForm(AppForm):
    file = FileField(
        _l("Berkas daftar hadir"),
        description=_l(
            "CSV atau XLSX dengan kolom NIK atau NIP, tanggal, dan hadir (ya/tidak). "
            "Semua baris diperiksa terlebih dahulu; jika ada satu saja yang salah, tidak ada yang disimpan."
        ),
    )
