"""The roles of the system (domain brief §2). A user holds exactly one role.

Scope per role:
- applicant: their own records only;
- agency_officer: one region (a province, or a regency/city) — see permissions.jurisdiction_filter;
- training_officer: training they run (later issues);
- board_admin and assessor: one certification body;
- ministry_admin: national.
"""

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    APPLICANT = "applicant"
    AGENCY_OFFICER = "agency_officer"
    TRAINING_OFFICER = "training_officer"
    BOARD_ADMIN = "board_admin"
    ASSESSOR = "assessor"
    MINISTRY_ADMIN = "ministry_admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def needs_region(self) -> bool:
        return self is Role.AGENCY_OFFICER

    @property
    def needs_body(self) -> bool:
        return self in (Role.BOARD_ADMIN, Role.ASSESSOR)


ROLE_LABELS = {
    Role.APPLICANT: _l("Pemohon"),
    Role.AGENCY_OFFICER: _l("Petugas Dinas Sosial"),
    Role.TRAINING_OFFICER: _l("Penyelenggara Diklat"),
    Role.BOARD_ADMIN: _l("Admin Lembaga Sertifikasi"),
    Role.ASSESSOR: _l("Asesor"),
    Role.MINISTRY_ADMIN: _l("Admin Kemensos"),
}

STAFF_ROLES = tuple(r for r in Role if r is not Role.APPLICANT)
