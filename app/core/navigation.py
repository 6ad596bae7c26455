"""The main menu. Each entry shows when one of the user's roles may open its endpoint (the union of
their grants, as enforce_access decides), so the menu and the access rules cannot disagree. Entries
are grouped by part of the chain (registration, training, exams, certificates and licences, admin)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.core.permissions import role_may_open

# The menu in groups: a group with one entry the user may open shows as a plain link, with more as a
# dropdown (an officer or a board admin holds a dozen entries; in one row they would wrap word by word).
MENU: list[tuple[str | None, list[tuple[str, str]]]] = [
    (None, [("main.dashboard", _l("Dasbor")), ("people.profile", _l("Profil saya"))]),
    (
        _l("Pendaftaran"),
        [
            ("registration.my_registrations", _l("Pendaftaran saya")),
            ("registration.queue", _l("Antrean verifikasi")),
            ("people.walk_in_person", _l("Pendaftaran langsung")),
            ("people.corrections_list", _l("Koreksi data")),
        ],
    ),
    (
        _l("Pelatihan"),
        [
            ("enrolment.my_enrolments", _l("Pelatihan saya")),
            ("sttp.mine", _l("STTP saya")),
            ("ledger.my_ledger", _l("Riwayat pelatihan (JP)")),
            ("catalogue.sessions", _l("Angkatan diklat")),
            ("catalogue.programmes", _l("Program diklat")),
            ("enrolment.nominations", _l("Usulan peserta diklat")),
            ("ledger.reports_queue", _l("Laporan pelatihan eksternal")),
            ("ledger.records", _l("Rekap pelatihan")),
            ("catalogue.providers", _l("Penyelenggara diklat")),
        ],
    ),
    (
        _l("Uji kompetensi"),
        [
            ("candidacy.mine", _l("Uji kompetensi saya")),
            ("appeals.mine", _l("Banding saya")),
            ("assessment.worklist", _l("Penilaian asesi")),
            ("exams.my_assignments", _l("Jadwal tugas asesmen")),
            ("exams.sessions", _l("Jadwal uji kompetensi")),
            ("candidacy.jurisdiction", _l("Asesi di wilayah Anda")),
            ("plenary.index", _l("Rapat pleno")),
            ("appeals.board_list", _l("Banding")),
            ("schemes.list", _l("Skema sertifikasi")),
            ("assessors.list", _l("Asesor")),
        ],
    ),
    (
        _l("Sertifikat & izin"),
        [
            ("registry.mine", _l("Sertifikat saya")),
            ("licences.mine", _l("Izin praktik saya")),
            ("registry.body_list", _l("Sertifikat lembaga")),
            ("registry.jurisdiction_list", _l("Sertifikat di wilayah Anda")),
            ("licences.officer_list", _l("Izin praktik")),
        ],
    ),
    (
        _l("Administrasi"),
        [
            ("admin.staff_list", _l("Akun staf")),
            ("admin.institutions", _l("Lembaga")),
            ("admin.number_patterns", _l("Pola nomor")),
            ("admin.audit_log", _l("Jejak audit")),
            ("admin.mail_list", _l("Surel keluar")),
        ],
    ),
]


@dataclass(frozen=True)
class MenuEntry:
    """A link (`label`, `endpoint`) or a dropdown (`label`, `children`) of the signed-in user's menu."""

    label: str
    endpoint: str | None = None
    children: tuple[tuple[str, str], ...] = ()

    @property
    def endpoints(self) -> tuple[str, ...]:
        return (self.endpoint,) if self.endpoint else tuple(endpoint for endpoint, _label in self.children)


def _allowed(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label in items if role_may_open(current_user, endpoint)]


def menu_links() -> list[tuple[str, str]]:
    """Every entry the user may open, in menu order (the dashboard's cards)."""
    if not current_user.is_authenticated:
        return []
    return [(endpoint, str(label)) for _group, items in MENU for endpoint, label in _allowed(items)]


def nav_items() -> list[MenuEntry]:
    if not current_user.is_authenticated:
        return []
    entries = []
    for group, items in MENU:
        allowed = _allowed(items)
        if group is None or len(allowed) == 1:
            entries.extend(MenuEntry(str(label), endpoint) for endpoint, label in allowed)
        elif allowed:
            entries.append(MenuEntry(str(group), children=tuple((e, str(label)) for e, label in allowed)))
    return entries


def page_url(number: int) -> str:
    """The current page's URL with another page number, keeping the filters."""
    args = {**request.view_args, **request.args.to_dict(), "page": number}
    return url_for(request.endpoint, **args)
