"""Forms of practice licences. Field validators check only shape; the rules (a live Pekerja Sosial
certificate, the STR still valid, both files present) are in services.application_errors, so the
form and any other caller get the same answer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField

from app.core.forms import AppForm, DateField, SelectField, max_length, optional
from app.credentials.licences.services import MAX_PLACE_NAME, MAX_STR_NUMBER, OFFICER_END_REASONS, Application
from app.credentials.states import LICENCE_END_REASON_LABELS, PRACTICE_TYPE_LABELS, PracticeType
from app.reference.fields import RegionField
from app.reference.models import VILLAGE


class ApplicationForm(AppForm):
    certificate_id = SelectField(_l("Sertifikat kompetensi"), choices=[], validators=[optional()])
    practice_type = SelectField(
        _l("Jenis praktik"),
        choices=[("", "—"), *[(str(t), PRACTICE_TYPE_LABELS[t]) for t in PracticeType]],
        validators=[optional()],
    )
    place_name = StringField(
        _l("Nama tempat praktik"),
        validators=[optional(), max_length(MAX_PLACE_NAME)],
        description=_l(
            "Mis. Praktik Pekerja Sosial Mandiri Sejahtera, atau nama lembaga tempat Anda praktik."
        ),
    )
    address = TextAreaField(
        _l("Alamat tempat praktik"),
        validators=[optional(), max_length(500)],
        description=_l("Jalan, nomor, RT/RW."),
    )
    region_code = RegionField(
        _l("Wilayah tempat praktik"),
        min_level=VILLAGE,
        max_level=VILLAGE,
        description=_l("Permohonan diputuskan oleh Dinas Sosial kabupaten/kota wilayah ini."),
    )
    str_number = StringField(
        _l("Nomor STR"),
        validators=[optional(), max_length(MAX_STR_NUMBER)],
        description=_l("Nomor STR pekerja sosial sesuai UU 14/2019, berlaku 5 tahun."),
    )
    str_expires_on = DateField(_l("STR berlaku sampai"), validators=[optional()], render_kw={"type": "date"})
    place_proof = FileField(
        _l("Bukti tempat praktik"),
        description=_l(
            "Mis. surat keterangan domisili, akta sewa, atau surat dari lembaga. PDF, JPEG atau PNG."
        ),
    )
    health_letter = FileField(
        _l("Surat keterangan sehat"),
        description=_l(
            "PDF, JPEG atau PNG. Hanya dapat dibuka oleh Anda dan petugas yang memutuskan; dihapus "
            "setelah permohonan diputuskan."
        ),
    )
    held_proof = HiddenField()
    held_health = HiddenField()

    def values(self) -> Application:
        raw = self.certificate_id.data
        return Application(
            certificate_id=int(raw) if raw and str(raw).isdigit() else None,
            practice_type=self.practice_type.data or "",
            place_name=self.place_name.data or "",
            address=self.address.data or "",
            region_code=self.region_code.data,
            str_number=self.str_number.data or "",
            str_expires_on=self.str_expires_on.data,
        )


class DecisionForm(AppForm):
    """Grant or refuse; suspend, reinstate, revoke or end (the button's `action`)."""

    action = HiddenField()
    reason = TextAreaField(
        _l("Alasan (wajib untuk menolak, membekukan, mencabut dan mengakhiri)"),
        validators=[optional(), max_length(2000)],
    )
    reference = StringField(
        _l("Rujukan rekomendasi/keputusan kode etik (wajib untuk mencabut)"),
        validators=[optional(), max_length(300)],
    )
    end_reason = SelectField(
        _l("Alasan berakhir"),
        choices=[("", "—"), *[(str(r), LICENCE_END_REASON_LABELS[r]) for r in OFFICER_END_REASONS]],
        validators=[optional()],
    )


class EndForm(AppForm):
    """The holder ends their own licence."""

    reason = TextAreaField(_l("Alasan (tidak wajib)"), validators=[optional(), max_length(1000)])
