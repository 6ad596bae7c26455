from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Regexp

from app.core.forms import AppForm, DateField, max_length, optional, required, valid_email
from app.people.identity import SEX_FEMALE, SEX_MALE
from app.reference.fields import RegionField
from app.reference.models import VILLAGE

RT_RW = Regexp(r"^\d{1,3}$", message=_l("Isi 1–3 angka. Contoh: 003."))


class ProfileForm(AppForm):
    nik = StringField(
        _l("NIK"),
        validators=[required(), max_length(24)],
        description=_l("16 angka, sesuai KTP."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    full_name = StringField(
        _l("Nama lengkap"),
        validators=[required(), max_length(200)],
        description=_l("Sesuai KTP. Nama tunggal (satu kata) dapat diterima."),
    )
    birth_place = StringField(_l("Tempat lahir"), validators=[required(), max_length(120)])
    birth_date = DateField(
        _l("Tanggal lahir"),
        validators=[required()],
        render_kw={"type": "date"},
    )
    sex = RadioField(
        _l("Jenis kelamin"),
        choices=[(SEX_MALE, _l("Laki-laki")), (SEX_FEMALE, _l("Perempuan"))],
        validators=[required()],
    )
    village_code = RegionField(_l("Alamat (wilayah)"), min_level=VILLAGE, max_level=VILLAGE, required=True)
    street = StringField(_l("Jalan, nomor rumah"), validators=[required(), max_length(255)])
    rt = StringField(_l("RT"), validators=[required(), RT_RW], render_kw={"inputmode": "numeric"})
    rw = StringField(_l("RW"), validators=[required(), RT_RW], render_kw={"inputmode": "numeric"})
    phone = StringField(
        _l("Nomor HP"),
        validators=[required(), max_length(30)],
        description=_l("Nomor HP. Contoh: 0812-3456-7890"),
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    landline = StringField(
        _l("Telepon rumah/kantor (tidak wajib)"),
        validators=[optional(), max_length(30)],
        description=_l("Contoh: (022) 7001234"),
        render_kw={"inputmode": "tel"},
    )
    email = EmailField(_l("Surel"), validators=[optional(), valid_email(), max_length(255)])
    education_level_code = SelectField(_l("Pendidikan terakhir"), validators=[required()])
    education_field = StringField(_l("Jurusan/bidang pendidikan"), validators=[optional(), max_length(200)])
    religion_code = SelectField(
        _l("Agama (tidak wajib)"), validators=[optional()], description=_l("Tidak wajib diisi.")
    )
    is_civil_servant = BooleanField(_l("Saya Aparatur Sipil Negara (ASN)"))
    nip = StringField(_l("NIP"), validators=[optional(), max_length(24)], render_kw={"inputmode": "numeric"})
    asn_type = SelectField(
        _l("Status ASN"),
        choices=[("", "—"), ("PNS", "PNS"), ("PPPK", "PPPK")],
        validators=[optional()],
    )
    agency_name = StringField(_l("Instansi"), validators=[optional(), max_length(200)])
    position = StringField(_l("Jabatan"), validators=[optional(), max_length(200)])


class WalkInForm(ProfileForm):
    """The officer's entry of a person at the desk: the same fields, worded about that person."""

    is_civil_servant = BooleanField(_l("Orang ini Aparatur Sipil Negara (ASN)"))
    agency_name = StringField(
        _l("Instansi tempat orang ini bertugas"), validators=[optional(), max_length(200)]
    )
    email = EmailField(
        _l("Surel"),
        validators=[optional(), valid_email(), max_length(255)],
        description=_l("Jika ada; digunakan untuk mengirim undangan klaim data ini."),
    )


class CorrectionForm(AppForm):
    """A correction of the locked identity fields: the new values, a reason and evidence."""

    nik = StringField(
        _l("NIK baru"),
        validators=[optional(), max_length(24)],
        description=_l("Kosongkan jika NIK tidak berubah."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    full_name = StringField(_l("Nama lengkap"), validators=[required(), max_length(200)])
    birth_place = StringField(_l("Tempat lahir"), validators=[required(), max_length(120)])
    birth_date = DateField(_l("Tanggal lahir"), validators=[required()], render_kw={"type": "date"})
    sex = RadioField(
        _l("Jenis kelamin"),
        choices=[(SEX_MALE, _l("Laki-laki")), (SEX_FEMALE, _l("Perempuan"))],
        validators=[required()],
    )
    reason = TextAreaField(
        _l("Alasan koreksi"),
        # Checked by the service, so a missing reason and missing evidence are reported together.
        validators=[optional(), max_length(2000)],
        description=_l("Jelaskan data mana yang keliru dan mengapa."),
    )
    evidence = MultipleFileField(
        _l("Dokumen bukti"),
        description=_l(
            "KTP, akta kelahiran, atau dokumen resmi lain; PDF, JPEG, atau PNG; maksimal 5 berkas."
        ),
    )


class CorrectionDecisionForm(AppForm):
    action = HiddenField()
    reason = TextAreaField(
        _l("Alasan (wajib jika ditolak)"),
        validators=[optional(), max_length(2000)],
    )


class ClaimForm(AppForm):
    """The applicant proves a walk-in record is theirs: NIK and the claim code of the desk receipt."""

    nik = StringField(
        _l("NIK"),
        validators=[required(), max_length(24)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    code = StringField(
        _l("Kode klaim"),
        validators=[required(), max_length(20)],
        description=_l("Tercetak pada tanda bukti pendaftaran. Contoh: K7PM-4XQ2."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )


class InvitationForm(AppForm):
    email = EmailField(_l("Surel orang ini"), validators=[required(), valid_email(), max_length(255)])
