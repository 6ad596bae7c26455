"""Forms of the certificate register: the list filters (GET, no CSRF), the status-on-date question,
and the board admin's actions. Field validators check only shape; the rules are in services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from app.core.forms import AppForm, DateField, SelectField, max_length, optional, required
from app.credentials.certificates.issuing import MAX_REASON as CORRECTION_REASON_MAX
from app.credentials.registry.services import NUMBER_MAX, REASON_MAX, REFERENCE_MAX
from app.credentials.states import CERTIFICATE_STATUS_LABELS, CertificateStatus

# Status filter slugs (Indonesian, in the URL) → the live status they select.
STATUS_SLUGS = {
    "aktif": CertificateStatus.ACTIVE,
    "dibekukan": CertificateStatus.SUSPENDED,
    "dicabut": CertificateStatus.REVOKED,
    "kedaluwarsa": CertificateStatus.EXPIRED,
    "diganti": CertificateStatus.SUPERSEDED,
}


class FilterForm(AppForm):
    """The list filters; read from the query string."""

    class Meta:
        csrf = False

    nomor = StringField(
        _l("Nomor sertifikat"),
        validators=[optional(), max_length(NUMBER_MAX)],
        description=_l("Nomor lengkap, misalnya 000123/LSPS/PS-GEN/XI/2026."),
    )
    status = SelectField(
        _l("Status"),
        choices=[("", _l("Semua status"))]
        + [(slug, CERTIFICATE_STATUS_LABELS[s]) for slug, s in STATUS_SLUGS.items()],
        validators=[optional()],
    )
    skema = SelectField(_l("Skema"), validators=[optional()])


class StatusOnForm(AppForm):
    class Meta:
        csrf = False

    tanggal = DateField(_l("Status pada tanggal"), validators=[optional()])


class SuspendForm(AppForm):
    reason = TextAreaField(
        _l("Alasan pembekuan"),
        validators=[required(), max_length(REASON_MAX)],
        description=_l("Dikirim kepada pemegang sertifikat melalui surel; tidak ditampilkan kepada publik."),
        render_kw={"rows": 3, "maxlength": REASON_MAX},
    )
    effective_on = DateField(
        _l("Berlaku sejak"),
        validators=[optional()],
        description=_l(
            "Kosongkan untuk hari ini. Tanggal sebelum hari ini boleh; tanggal di masa depan tidak."
        ),
    )


class RevokeForm(AppForm):
    reason = TextAreaField(
        _l("Alasan pencabutan"),
        validators=[required(), max_length(REASON_MAX)],
        description=_l(
            "Alasan ini bersifat publik: ditampilkan di halaman verifikasi sertifikat yang dapat dibuka "
            "siapa pun. Jangan menuliskan data pribadi."
        ),
        render_kw={"rows": 3, "maxlength": REASON_MAX},
    )
    reference = StringField(
        _l("Nomor rekomendasi/keputusan etik"),
        validators=[required(), max_length(REFERENCE_MAX)],
        description=_l("Rekomendasi atau keputusan komite etik yang menjadi dasar pencabutan."),
    )


class RenewalForm(AppForm):
    session_id = SelectField(
        _l("Jadwal uji kompetensi"),
        coerce=int,
        validators=[required()],
        description=_l(
            "Jadwal uji lembaga Anda yang menawarkan skema sertifikat ini dan sedang membuka pendaftaran."
        ),
    )


class CorrectForm(AppForm):
    correction_reason = TextAreaField(
        _l("Alasan koreksi"),
        validators=[required(), max_length(CORRECTION_REASON_MAX)],
        description=_l(
            "Misalnya nama pemegang yang salah tulis. Sertifikat baru diterbitkan dari data terkini dan "
            "menggantikan sertifikat ini."
        ),
        render_kw={"rows": 2, "maxlength": CORRECTION_REASON_MAX},
    )
