"""The audit trail as people read it: translated action names, the names of the people and objects
involved (loaded in bulk), the filters of the audit page, and its CSV export (inline when small, on
the job queue with a progress bar when large).

Pure helpers plus queries; the views in admin/routes.py stay thin.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core import audit, exports, jobs, mail, reference_codes
from app.core.audit import AuditEvent
from app.core.display import local_datetime
from app.core.jobs import enqueue_after_commit, job
from app.core.urls import external_url
from app.extensions import db
from app.people.models import Person
from app.registration.models import Registration

EXPORT_INLINE_LIMIT = exports.EXPORT_INLINE_LIMIT  # more rows than this go to the job queue
EXPORT_BATCH = exports.EXPORT_BATCH
JOB_KIND = "audit_export"

ACTION_LABELS = {
    "access.denied": _l("Akses ditolak"),
    "permission.denied": _l("Izin ditolak"),
    "account.signed_up": _l("Akun pemohon dibuat"),
    "account.email_verified": _l("Alamat surel diverifikasi"),
    "account.logged_in": _l("Masuk"),
    "account.login_failed": _l("Gagal masuk"),
    "account.logged_out": _l("Keluar"),
    "account.logged_out_everywhere": _l("Keluar dari semua perangkat"),
    "account.password_changed": _l("Kata sandi diubah"),
    "account.password_reset_requested": _l("Permintaan atur ulang kata sandi"),
    "account.password_reset": _l("Kata sandi diatur ulang"),
    "account.invitation_accepted": _l("Undangan staf diterima"),
    "staff.created": _l("Akun staf dibuat"),
    "staff.updated": _l("Akun staf diubah"),
    "staff.activated": _l("Akun staf diaktifkan"),
    "staff.deactivated": _l("Akun staf dinonaktifkan"),
    "role.granted": _l("Peran diberikan"),
    "role.revoked": _l("Peran dicabut"),
    "person.created": _l("Data diri dibuat"),
    "person.updated": _l("Data diri diubah"),
    "person.viewed": _l("Data diri dibuka"),
    "person.exported": _l("Data pribadi diunduh"),
    "person.nik_revealed": _l("NIK lengkap ditampilkan"),
    "person.access_denied": _l("Akses ke data diri ditolak"),
    "person.duplicate_nik_entered": _l("NIK yang sudah terdaftar dimasukkan petugas"),
    "person.nik_in_use": _l("NIK yang sudah terdaftar dimasukkan pemohon (kode rujukan)"),
    "person.nik_check_limited": _l("Percobaan NIK terdaftar dibatasi"),
    # The generic lifecycle records `<name>.<action>` (app/core/lifecycle.py); older entries keep the
    # past-tense names above and below.
    "registration.submit": _l("Pendaftaran diajukan"),
    "registration.verify": _l("Pendaftaran diverifikasi"),
    "registration.return": _l("Pendaftaran dikembalikan"),
    "registration.reject": _l("Pendaftaran ditolak"),
    "person_correction.approve": _l("Koreksi data disetujui"),
    "person_correction.viewed": _l("Permintaan koreksi data dibuka"),
    "person_correction.document_downloaded": _l("Bukti koreksi data diunduh"),
    "person_correction.access_denied": _l("Akses ke koreksi data ditolak"),
    "person.correction_requested": _l("Koreksi data diminta"),
    "person.corrected": _l("Data diri dikoreksi"),
    "person.claim_code_issued": _l("Kode klaim diterbitkan"),
    "person.claim_invitation_sent": _l("Undangan klaim data dikirim"),
    "person.claimed": _l("Data diri diklaim pemiliknya"),
    "person.claim_failed": _l("Klaim data gagal"),
    "person.nik_checked": _l("NIK diperiksa petugas"),
    "registration.searched_by_nik": _l("Pencarian pendaftaran dengan NIK"),
    "training_programme.reactivated": _l("Program diklat digunakan kembali"),
    "exam_session.results_export_downloaded": _l("Ekspor hasil uji kompetensi diunduh"),
    "person_correction.reject": _l("Koreksi data ditolak"),
    # Certificates and practice licences
    "certificate.issue_started": _l("Penerbitan sertifikat dimulai"),
    "certificate.issue_resumed": _l("Penerbitan sertifikat dilanjutkan"),
    "certificate.issued": _l("Sertifikat diterbitkan"),
    "certificate.corrected": _l("Sertifikat dikoreksi (diterbitkan ulang)"),
    "certificate.suspend": _l("Sertifikat dibekukan"),
    "certificate.reinstate": _l("Sertifikat diaktifkan kembali"),
    "certificate.revoke": _l("Sertifikat dicabut"),
    "certificate.expire": _l("Sertifikat kedaluwarsa"),
    "certificate.supersede": _l("Sertifikat diganti"),
    "certificate.access_denied": _l("Akses ke sertifikat ditolak"),
    "certificate_issue.access_denied": _l("Akses ke penerbitan sertifikat ditolak"),
    "licence.applied": _l("Izin praktik diajukan"),
    "licence.withdraw": _l("Permohonan izin praktik ditarik"),
    "licence.grant": _l("Izin praktik diberikan"),
    "licence.refuse": _l("Izin praktik ditolak"),
    "licence.suspend": _l("Izin praktik dibekukan"),
    "licence.reinstate": _l("Izin praktik diaktifkan kembali"),
    "licence.revoke": _l("Izin praktik dicabut"),
    "licence.expire": _l("Izin praktik kedaluwarsa"),
    "licence.end": _l("Izin praktik berakhir"),
    "licence.document_downloaded": _l("Berkas izin praktik diunduh"),
    "licence.pdf_requeued": _l("PDF izin praktik disusun ulang"),
    "licence.access_denied": _l("Akses ke izin praktik ditolak"),
    "registration.created": _l("Pendaftaran dibuat"),
    "registration.updated": _l("Pendaftaran diubah"),
    "registration.submitted": _l("Pendaftaran diajukan"),
    "registration.verified": _l("Pendaftaran diverifikasi"),
    "registration.returned": _l("Pendaftaran dikembalikan"),
    "registration.rejected": _l("Pendaftaran ditolak"),
    "registration.access_denied": _l("Akses ke pendaftaran ditolak"),
    "registration.document_uploaded": _l("Dokumen diunggah"),
    "registration.document_deleted": _l("Dokumen dihapus"),
    "registration.document_downloaded": _l("Dokumen diunduh"),
    "registration.document_previewed": _l("Pratinjau dokumen dibuka"),
    "document.access_denied": _l("Akses ke dokumen ditolak"),
    "document.purged": _l("Dokumen dihapus permanen"),
    "institution.created": _l("Lembaga dibuat"),
    "membership.added": _l("Keanggotaan lembaga ditambahkan"),
    "membership.ended": _l("Keanggotaan lembaga diakhiri"),
    "number_pattern.updated": _l("Pola nomor diubah"),
    "mail.requeued": _l("Surel dikirim ulang"),
    "audit.exported": _l("Jejak audit diekspor"),
    # Training (diklat)
    "training_provider.created": _l("Penyelenggara diklat ditambahkan"),
    "training_provider.updated": _l("Penyelenggara diklat diubah"),
    "training_provider.activated": _l("Penyelenggara diklat diaktifkan"),
    "training_provider.deactivated": _l("Penyelenggara diklat dinonaktifkan"),
    "training_programme.created": _l("Program diklat dibuat"),
    "training_programme.updated": _l("Program diklat diubah"),
    "training_programme.retired": _l("Program diklat tidak digunakan lagi"),
    "training_programme.deleted": _l("Program diklat dihapus"),
    "training_programme.access_denied": _l("Akses ke program diklat ditolak"),
    "training_session.created": _l("Angkatan diklat dibuat"),
    "training_session.updated": _l("Angkatan diklat diubah"),
    "training_session.open": _l("Pendaftaran angkatan dibuka"),
    "training_session.start": _l("Angkatan dimulai"),
    "training_session.close": _l("Angkatan ditutup"),
    "training_session.cancel": _l("Angkatan dibatalkan"),
    "training_session.facilitator_added": _l("Pengajar ditambahkan"),
    "training_session.facilitator_removed": _l("Pengajar dihapus"),
    "training_session.completion_started": _l("Penyelesaian angkatan dimulai"),
    "training_session.completion_resumed": _l("Penyelesaian angkatan dilanjutkan"),
    "training_session.access_denied": _l("Akses ke angkatan diklat ditolak"),
    "enrolment.apply": _l("Pendaftaran diklat diajukan"),
    "enrolment.nominate": _l("Peserta diklat diusulkan"),
    "enrolment.accept": _l("Peserta diklat diterima"),
    "enrolment.wait_list": _l("Peserta dimasukkan ke daftar tunggu"),
    "enrolment.reject": _l("Pendaftaran diklat ditolak"),
    "enrolment.complete": _l("Peserta dinyatakan lulus"),
    "enrolment.fail": _l("Peserta dinyatakan tidak lulus"),
    "enrolment.withdraw": _l("Peserta mengundurkan diri"),
    "enrolment.searched_by_nik": _l("Pencarian peserta dengan NIK"),
    "enrolment.access_denied": _l("Akses ke peserta diklat ditolak"),
    "attendance.recorded": _l("Kehadiran dicatat"),
    "attendance.imported": _l("Kehadiran diimpor"),
    "issued_document.issued": _l("Dokumen diterbitkan"),
    "issued_document.access_denied": _l("Akses ke dokumen terbit ditolak"),
    "training_record.created": _l("Riwayat pelatihan dicatat"),
    "training_record.reported": _l("Pelatihan eksternal dilaporkan"),
    "training_record.withdrawn": _l("Laporan pelatihan eksternal ditarik"),
    "training_record.accept": _l("Pelatihan eksternal diakui"),
    "training_record.reject": _l("Pelatihan eksternal tidak diakui"),
    "training_record.evidence_downloaded": _l("Bukti pelatihan diunduh"),
    "training_record.evidence_previewed": _l("Pratinjau bukti pelatihan dibuka"),
    "training_record.exported": _l("Rekap pelatihan diekspor"),
    "training_record.export_downloaded": _l("Berkas rekap pelatihan diunduh"),
    "training_record.access_denied": _l("Akses ke riwayat pelatihan ditolak"),
    # Certification: the assessor's scoring
    "assessment.marks_saved": _l("Draf penilaian asesor disimpan"),
    "assessment.submit": _l("Penilaian asesor dikirim"),
    "assessment.supersede": _l("Penilaian asesor dikoreksi"),
    "assessment.withdraw": _l("Penugasan asesor ditarik (konflik kepentingan)"),
    "assessment.corrected": _l("Koreksi penilaian asesor dibuat"),
    "assessment.access_denied": _l("Akses ke penilaian asesor ditolak"),
    "assessment.document_downloaded": _l("Dokumen asesi diunduh asesor"),
    "candidacy.disagreement_flagged": _l("Perbedaan rekomendasi asesor ditandai"),
    "candidacy.disagreement_cleared": _l("Tanda perbedaan rekomendasi dihapus setelah koreksi"),
    "candidacy.disagreement_resolved": _l("Perbedaan rekomendasi diselesaikan asesor ketiga"),
    "declared_conflict.created": _l("Asesor menyatakan konflik kepentingan"),
    "candidacy.apply": _l("Permohonan uji kompetensi dibuat"),
    "candidacy.nominate": _l("Peserta uji kompetensi diusulkan"),
    "candidacy.updated": _l("Data permohonan uji kompetensi diubah"),
    "candidacy.self_assessed": _l("Asesmen mandiri (APL.02) disimpan"),
    "candidacy.document_uploaded": _l("Berkas portofolio diunggah"),
    "candidacy.document_deleted": _l("Berkas portofolio dihapus"),
    "candidacy.document_downloaded": _l("Berkas portofolio diunduh"),
    "candidacy.submit": _l("Permohonan uji kompetensi dikirim"),
    "candidacy.withdraw": _l("Asesi mengundurkan diri"),
    "candidacy.searched_by_nik": _l("Pencarian calon asesi dengan NIK"),
    "candidacy.access_denied": _l("Akses ke permohonan uji kompetensi ditolak"),
    "exam_session.created": _l("Jadwal uji kompetensi dibuat"),
    "exam_session.updated": _l("Jadwal uji kompetensi diubah"),
    "exam_session.open": _l("Pendaftaran uji kompetensi dibuka"),
    "exam_session.close": _l("Pendaftaran uji kompetensi ditutup"),
    "exam_session.start_assessment": _l("Asesmen dimulai"),
    "exam_session.open_plenary": _l("Rapat pleno dibuka"),
    "exam_session.cancel": _l("Jadwal uji kompetensi dibatalkan"),
    "exam_session.assessor_added": _l("Asesor ditugaskan pada jadwal"),
    "exam_session.assessor_removed": _l("Asesor dihapus dari jadwal"),
    "exam_session.declaration_signed": _l("Pernyataan bebas konflik kepentingan ditandatangani"),
    "exam_session.access_denied": _l("Akses ke jadwal uji kompetensi ditolak"),
    "session_assessor.access_denied": _l("Akses ke penugasan asesor ditolak"),
    "exam_session.decide": _l("Hasil uji kompetensi ditetapkan dalam rapat pleno"),
    "exam_session.results_exported": _l("Hasil uji kompetensi diekspor"),
    "candidacy.decide": _l("Hasil asesi ditetapkan"),
    "candidacy.mark_absent": _l("Asesi ditandai tidak hadir"),
    "decree.issued": _l("SK hasil uji kompetensi diterbitkan"),
    "decree.access_denied": _l("Akses ke SK hasil uji kompetensi ditolak"),
    "decree.job_resumed": _l("Penyusunan PDF SK dilanjutkan"),
    "decision.created": _l("Keputusan asesmen ulang ditetapkan"),
    "plenary.access_denied": _l("Akses ke rapat pleno ditolak"),
    "appeal.file": _l("Banding diajukan"),
    "appeal.form_panel": _l("Panel banding dibentuk"),
    "appeal.uphold": _l("Banding diterima (asesmen ulang)"),
    "appeal.dismiss": _l("Banding ditolak (hasil tetap)"),
    "appeal.withdraw": _l("Banding dicabut"),
    "appeal.access_denied": _l("Akses ke banding ditolak"),
    "candidacy.reopen": _l("Asesi dibuka kembali untuk asesmen ulang"),
    # Certification: schemes and the assessor registry
    "scheme.created": _l("Skema sertifikasi dibuat"),
    "scheme.retired": _l("Skema sertifikasi dipensiunkan"),
    "scheme.access_denied": _l("Akses ke skema sertifikasi ditolak"),
    "scheme_version.created": _l("Versi baru skema dibuat"),
    "scheme_version.updated": _l("Versi skema diubah"),
    "scheme_version.published": _l("Versi skema diterbitkan"),
    "scheme_version.unit_added": _l("Unit kompetensi ditambahkan"),
    "scheme_version.unit_updated": _l("Unit kompetensi diubah"),
    "scheme_version.unit_removed": _l("Unit kompetensi dihapus"),
    "scheme_version.units_reordered": _l("Urutan unit kompetensi diubah"),
    "assessor.added": _l("Asesor ditambahkan"),
    "assessor.updated": _l("Data asesor diubah"),
    "assessor.activated": _l("Asesor diaktifkan kembali"),
    "assessor.deactivated": _l("Asesor dinonaktifkan"),
    "assessor.access_denied": _l("Akses ke data asesor ditolak"),
    "candidacy.accept": _l("Asesi dinyatakan memenuhi syarat"),
    "candidacy.return": _l("Permohonan asesi dikembalikan untuk perbaikan"),
    "candidacy.reject": _l("Permohonan asesi ditolak"),
    "candidacy.accepted_with_override": _l("Asesi diterima walaupun ada syarat yang belum terpenuhi"),
    "candidacy.disputed": _l("Penilaian asesor pertama disanggah"),
    "assessment.assigned": _l("Asesor ditugaskan"),
    "assessment.unassigned": _l("Penugasan asesor dibatalkan"),
    "screening.document_downloaded": _l("Dokumen portofolio asesi diunduh"),
    "screening.access_denied": _l("Akses ke seleksi asesi ditolak"),
}

OBJECT_LABELS = {
    "user": _l("Akun"),
    "person": _l("Orang"),
    "registration": _l("Pendaftaran"),
    "document": _l("Dokumen"),
    "institution": _l("Lembaga"),
    "number_pattern": _l("Pola nomor"),
    "outgoing_mail": _l("Surel"),
    "endpoint": _l("Halaman"),
    "nik_check": _l("Kode rujukan"),
    "job": _l("Tugas"),
    "training_provider": _l("Penyelenggara diklat"),
    "training_programme": _l("Program diklat"),
    "training_session": _l("Angkatan diklat"),
    "enrolment": _l("Peserta diklat"),
    "attendance": _l("Kehadiran"),
    "issued_document": _l("Dokumen terbit"),
    "training_record": _l("Riwayat pelatihan"),
    "assessment": _l("Penilaian asesor"),
    "declared_conflict": _l("Konflik kepentingan asesor"),
    "candidacy": _l("Permohonan uji kompetensi"),
    "exam_session": _l("Jadwal uji kompetensi"),
    "session_assessor": _l("Penugasan asesor"),
    "decree": _l("SK hasil uji kompetensi"),
    "decision": _l("Keputusan pleno"),
    "appeal": _l("Banding"),
    "scheme": _l("Skema sertifikasi"),
    "scheme_version": _l("Versi skema"),
    "assessor": _l("Asesor"),
    "certificate": _l("Sertifikat kompetensi"),
    "licence": _l("Izin praktik"),
    "person_correction": _l("Koreksi data"),
}


def action_label(action: str) -> str:
    """The translated name of an action; an unknown one reads "<Object>: <words>" (never a raw code)."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    kind, _, verb = action.partition(".")
    words = (verb or kind).replace("_", " ").strip()
    prefix = OBJECT_LABELS.get(kind)
    return f"{prefix}: {words}" if prefix and verb else words.capitalize()


def object_type_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    return str(OBJECT_LABELS.get(object_type, object_type.replace("_", " ")))


def action_choices() -> list[tuple[str, str]]:
    return [("", str(_l("Semua aksi")))] + sorted(
        ((action, str(label)) for action, label in ACTION_LABELS.items()), key=lambda pair: pair[1]
    )


def object_type_choices() -> list[tuple[str, str]]:
    return [("", str(_l("Semua jenis objek")))] + [(key, str(label)) for key, label in OBJECT_LABELS.items()]


# --- Filters --------------------------------------------------------------------------------------


@dataclass
class AuditFilters:
    """What the audit page and its export are limited to (URL parameters in Indonesian)."""

    actor: str = ""  # e-mail, account id, or the label of a failed login
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    errors: dict = field(default_factory=dict)

    PARAMS = {
        "actor": "pelaku",
        "action": "aksi",
        "object_type": "objek",
        "object_id": "id_objek",
        "date_from": "dari",
        "date_to": "sampai",
    }

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        def text(name: str, limit: int) -> str:
            value = args.get(cls.PARAMS[name], "")
            return "".join(ch for ch in value if ch.isprintable()).strip()[:limit]

        filters = cls(
            actor=text("actor", 255),
            action=text("action", 80),
            object_type=text("object_type", 80),
            object_id=text("object_id", 80),
        )
        for name in ("date_from", "date_to"):
            raw = text(name, 20)
            if raw:
                try:
                    setattr(filters, name, date.fromisoformat(raw))
                except ValueError:
                    filters.errors[name] = _l("Tanggal tidak valid. Gunakan format TTTT-BB-HH.")
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            filters.errors["date_to"] = _l("Tanggal akhir tidak boleh sebelum tanggal awal.")
        code = reference_codes.normalize(filters.object_id)
        if code:  # a reference code read out by an applicant: find its event whatever type was chosen
            filters.object_type, filters.object_id = "nik_check", code
        if filters.object_id and not filters.object_type:
            filters.errors["object_type"] = _l("Pilih jenis objek untuk mencari menurut ID objek.")
        return filters

    def as_args(self) -> dict[str, str]:
        """The filters as URL parameters (for links, the pages and the export)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {self.PARAMS[name]: value for name, value in values.items() if value}

    def as_job_args(self) -> dict:
        data = asdict(self)
        data.pop("errors")
        data["date_from"] = self.date_from.isoformat() if self.date_from else None
        data["date_to"] = self.date_to.isoformat() if self.date_to else None
        return data

    @classmethod
    def from_job_args(cls, data: dict) -> AuditFilters:
        data = dict(data)
        for name in ("date_from", "date_to"):
            data[name] = date.fromisoformat(data[name]) if data.get(name) else None
        return cls(**data)


def _utc_start_of(day: date) -> datetime:
    """Midnight of a local day (the app's zone, WIB by default) as the naive UTC the events store."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Jakarta"))
    local = datetime.combine(day, time.min, tzinfo=zone)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def filtered_events(filters: AuditFilters) -> Select:
    stmt = select(AuditEvent)
    if filters.actor:
        if filters.actor.isdigit() and len(filters.actor) <= 18:
            stmt = stmt.where(AuditEvent.actor_id == int(filters.actor))
        else:
            user_id = db.session.scalar(
                select(User.id).where(func.lower(User.email) == filters.actor.lower())
            )
            if user_id is not None:
                stmt = stmt.where(AuditEvent.actor_id == user_id)
            else:  # a failed login's typed address, or a label
                stmt = stmt.where(AuditEvent.actor_label == filters.actor.lower())
    if filters.action:
        family = filters.action.rstrip(".")
        if "." in family:
            stmt = stmt.where(AuditEvent.action == filters.action)
        else:  # a family: "account" or "account." → every account.* action
            stmt = stmt.where(AuditEvent.action.startswith(family + ".", autoescape=True))
    if filters.object_type:
        stmt = stmt.where(AuditEvent.object_type == filters.object_type)
        if filters.object_id:
            stmt = stmt.where(AuditEvent.object_id == filters.object_id)
    if filters.date_from:
        stmt = stmt.where(AuditEvent.occurred_at >= _utc_start_of(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEvent.occurred_at < _utc_start_of(filters.date_to + timedelta(days=1)))
    return stmt


# --- Names of people and objects, in bulk -----------------------------------------------------------


@dataclass
class Named:
    text: str
    url: str | None = None


def _int_ids(values: Iterable) -> set[int]:
    return {int(v) for v in values if v is not None and str(v).isdigit() and len(str(v)) <= 18}


class Names:
    """The people and objects a list of events refers to, loaded with one query per kind."""

    def __init__(self, events: list[AuditEvent], links: bool = True):
        self.links = links
        by_type: dict[str, set] = {}
        for event in events:
            if event.object_type:
                by_type.setdefault(event.object_type, set()).add(event.object_id)
            if event.object_type == "nik_check" and isinstance(event.after, dict):
                by_type.setdefault("person", set()).add(str(event.after.get("person_id")))
        user_ids = _int_ids(e.actor_id for e in events) | _int_ids(by_type.get("user", ()))
        self.users = {}
        if user_ids:
            stmt = select(User).where(User.id.in_(user_ids)).options(selectinload(User.active_grants))
            self.users = {user.id: user for user in db.session.scalars(stmt)}
        self.people = {}
        if person_ids := _int_ids(by_type.get("person", ())):
            rows = db.session.execute(select(Person.id, Person.full_name).where(Person.id.in_(person_ids)))
            self.people = dict(rows.all())
        self.registrations = {}
        if registration_ids := _int_ids(by_type.get("registration", ())):
            rows = db.session.execute(
                select(Registration.id, Registration.registration_number, Person.full_name)
                .join(Person, Person.id == Registration.person_id)
                .where(Registration.id.in_(registration_ids))
            )
            self.registrations = {row[0]: row[1:] for row in rows}

    def _url(self, endpoint: str, **values) -> str | None:
        return url_for(endpoint, **values) if self.links else None

    def _trail(self, object_type: str, object_id) -> str | None:
        return self._url("admin.audit_log", objek=object_type, id_objek=object_id)

    def user(self, user_id: int | None, fallback: str = "") -> Named:
        user = self.users.get(user_id) if user_id is not None else None
        if user is None:
            return Named(fallback or (str(_l("Sistem")) if user_id is None else f"#{user_id}"))
        url = (
            self._url("admin.staff_edit", user_id=user.id) if user.is_staff else self._trail("user", user.id)
        )
        return Named(f"{user.full_name} ({user.email})", url)

    def actor(self, event: AuditEvent) -> Named:
        return self.user(event.actor_id, event.actor_label)

    def object(self, event: AuditEvent) -> Named:
        kind, object_id = event.object_type, event.object_id
        label = object_type_label(kind)
        if not kind:
            return Named("")
        number = int(object_id) if object_id and object_id.isdigit() and len(object_id) <= 18 else None
        if kind == "user" and number in self.users:
            named = self.user(number)
            return Named(f"{label}: {named.text}", named.url)
        if kind == "person" and number in self.people:
            return Named(f"{label}: {self.people[number]}", self._trail(kind, object_id))
        if kind == "registration" and number in self.registrations:
            reg_number, name = self.registrations[number]
            text = f"{label} {reg_number or '#' + object_id}: {name}"
            return Named(text, self._url("registration.detail", registration_id=number))
        if kind == "nik_check":
            person_id = (event.after or {}).get("person_id") if isinstance(event.after, dict) else None
            person = self.people.get(person_id)
            text = f"{label} {object_id}" + (f" — {OBJECT_LABELS['person']}: {person}" if person else "")
            return Named(text, self._trail("person", person_id) if person else None)
        return Named(
            f"{label} {object_id or ''}".strip(), self._trail(kind, object_id) if object_id else None
        )


# --- CSV export ------------------------------------------------------------------------------------

CSV_HEADER = (_l("No."), _l("Waktu"), _l("Pelaku"), _l("Aksi"), _l("Kode aksi"), _l("Objek"), _l("IP"))


_cell = exports.cell  # a spreadsheet never runs a cell as a formula (app/core/exports.py)


def csv_rows(events: list[AuditEvent]) -> Iterator[list[str]]:
    names = Names(events, links=False)
    for event in events:
        yield [
            _cell(v)
            for v in (
                event.id,
                local_datetime(event.occurred_at),
                names.actor(event).text,
                action_label(event.action),
                event.action,
                names.object(event).text,
                event.ip,
            )
        ]


def _batches(filters: AuditFilters) -> Iterator[list[AuditEvent]]:
    """The filtered events, newest first, by keyset batches (bounded memory)."""
    stmt = filtered_events(filters).order_by(AuditEvent.id.desc())
    last = None
    while True:
        batch_stmt = stmt if last is None else stmt.where(AuditEvent.id < last)
        batch = list(db.session.scalars(batch_stmt.limit(EXPORT_BATCH)))
        if not batch:
            return
        yield batch
        last = batch[-1].id
        for event in batch:  # bounded memory: the identity map does not keep what was written
            db.session.expunge(event)


def write_csv(out, filters: AuditFilters, progress=None) -> int:
    batches = (list(csv_rows(batch)) for batch in _batches(filters))
    return exports.write_csv(out, CSV_HEADER, batches, progress)


def is_small(filters: AuditFilters) -> bool:
    """At most EXPORT_INLINE_LIMIT rows (counted no further than that)."""
    return exports.at_most(filtered_events(filters).with_only_columns(AuditEvent.id), EXPORT_INLINE_LIMIT)


def inline_csv(filters: AuditFilters, actor) -> str:
    content, rows = exports.inline_file(
        exports.CSV, CSV_HEADER, (list(csv_rows(batch)) for batch in _batches(filters))
    )
    audit.record("audit.exported", after={**filters.as_job_args(), "rows": rows}, actor=actor)
    return content.decode("utf-8")


export_dir = exports.export_dir


def export_path(job_id: int) -> Path:
    return export_dir() / f"jejak-audit-{job_id}.csv"


def start_export(filters: AuditFilters, actor) -> jobs.Job:
    """A large export: a job the admin follows on a progress page; the file waits for them."""
    total = db.session.scalar(select(func.count()).select_from(filtered_events(filters).subquery()))
    record = jobs.start_job(JOB_KIND, total=total, actor=actor)
    audit.record(
        "audit.exported",
        object_type="job",
        object_id=record.id,
        after={**filters.as_job_args(), "rows": total},
        actor=actor,
    )
    enqueue_after_commit(export_audit_csv, record.id, filters.as_job_args())
    return record


@job()
def export_audit_csv(job_id: int, filter_args: dict) -> None:
    filters = AuditFilters.from_job_args(filter_args)
    rows = exports.run_file_export(
        job_id,
        export_path(job_id),
        exports.CSV,
        CSV_HEADER,
        (list(csv_rows(batch)) for batch in _batches(filters)),
        str(_l("Ekspor gagal; silakan coba lagi.")),
    )
    record = db.session.get(jobs.Job, job_id)
    owner = db.session.get(User, record.created_by_id) if record and record.created_by_id else None
    if owner is not None:  # the file waits; an e-mail says it is ready
        mail.send(
            owner.email,
            _l("Ekspor jejak audit siap diunduh"),
            "audit_export_ready",
            user=owner,
            rows=rows,
            status_url=external_url("admin.audit_export_status", job_id=job_id),
        )
