"""Forms of the assessor registry. Validation here is about shape; the rules (known account, unique
No. MET, the body's schemes, licence date) are in services.py and come back beside the same fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.certification.schemes.forms import CheckboxesField
from app.core.forms import AppForm, DateField, SelectField, max_length, optional, required, valid_email


class AssessorForm(AppForm):
    name = StringField(_l("Nama asesor"), validators=[required(), max_length(200)])
    met_number = StringField(
        _l("No. MET"),
        validators=[required(), max_length(60)],
        description=_l("Nomor registrasi asesor kompetensi, unik di lembaga Anda."),
    )
    institution_id = SelectField(
        _l("Lembaga tempat bekerja"),
        validators=[optional()],
        description=_l("Digunakan untuk memeriksa konflik kepentingan dengan lembaga asesi."),
    )
    institution_name = StringField(
        _l("Nama instansi (tidak wajib)"),
        validators=[optional(), max_length(200)],
        description=_l(
            "Seperti tertulis pada surat tugas, atau instansi yang tidak ada dalam daftar lembaga."
        ),
    )
    licence_valid_until = DateField(_l("Lisensi asesor berlaku sampai"), validators=[required()])
    scheme_ids = CheckboxesField(_l("Skema yang dapat dinilai asesor ini"), coerce=int)


class AssessorAddForm(AssessorForm):
    body_code = SelectField(_l("Lembaga sertifikasi"), validators=[required()])
    email = StringField(
        _l("Alamat surel akun asesor"),
        validators=[required(), max_length(255), valid_email()],
        description=_l(
            "Akun harus sudah ada. Calon asesor yang belum memiliki akun diminta membuat akun "
            "terlebih dahulu."
        ),
    )
    name = StringField(
        _l("Nama asesor"),
        validators=[optional(), max_length(200)],
        description=_l("Jika dikosongkan, nama pada akun digunakan."),
    )
