"""The main menu. Each entry shows when one of the user's roles may open its endpoint (the union of
their grants, as enforce_access decides), so the menu and the access rules cannot disagree."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.permissions import role_may_open

MENU = [
    ("main.dashboard", _l("Dasbor")),
    ("people.profile", _l("Profil saya")),
    ("registration.my_registrations", _l("Pendaftaran saya")),
    ("registration.queue", _l("Antrean verifikasi")),
    ("people.walk_in_person", _l("Pendaftaran langsung")),
    ("people.corrections_list", _l("Koreksi data")),
    ("enrolment.my_enrolments", _l("Pelatihan saya")),
    ("sttp.mine", _l("STTP saya")),
    ("ledger.my_ledger", _l("Riwayat pelatihan (JP)")),
    ("catalogue.sessions", _l("Angkatan diklat")),
    ("catalogue.programmes", _l("Program diklat")),
    ("enrolment.nominations", _l("Usulan peserta diklat")),
    ("ledger.reports_queue", _l("Laporan pelatihan eksternal")),
    ("ledger.records", _l("Rekap pelatihan")),
    ("catalogue.providers", _l("Penyelenggara diklat")),
    ("admin.staff_list", _l("Akun staf")),
    ("admin.institutions", _l("Lembaga")),
    ("admin.number_patterns", _l("Pola nomor")),
    ("admin.audit_log", _l("Jejak audit")),
    ("admin.mail_list", _l("Surel keluar")),
    ("assessment.worklist", _l("Penilaian asesi")),
    ("candidacy.mine", _l("Uji kompetensi saya")),
    ("candidacy.jurisdiction", _l("Asesi di wilayah Anda")),
    ("exams.sessions", _l("Jadwal uji kompetensi")),
    ("exams.my_assignments", _l("Jadwal tugas asesmen")),
    ("plenary.index", _l("Rapat pleno")),
    ("appeals.mine", _l("Banding saya")),
    ("registry.mine", _l("Sertifikat saya")),
    ("licences.mine", _l("Izin praktik saya")),
    ("licences.officer_list", _l("Izin praktik")),
    ("appeals.board_list", _l("Banding")),
    ("registry.body_list", _l("Sertifikat lembaga")),
    ("registry.jurisdiction_list", _l("Sertifikat di wilayah Anda")),
    ("schemes.list", _l("Skema sertifikasi")),
    ("assessors.list", _l("Asesor")),
]


def nav_items() -> list[tuple[str, str]]:
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label in MENU if role_may_open(current_user, endpoint)]


def page_url(number: int) -> str:
    """The current page's URL with another page number, keeping the filters."""
    args = {**request.view_args, **request.args.to_dict(), "page": number}
    return url_for(request.endpoint, **args)
