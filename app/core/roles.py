"""The roles of the system (domain brief §2). A person's account holds one or more role grants
(accounts.models.RoleGrant), each with the scope its role needs:

- applicant: their own records only (no scope);
- agency_officer: one region — a province or a regency/city (permissions.jurisdiction_filter);
- training_officer: one training provider (permissions.provider_filter);
- board_admin and assessor: one certification body (permissions.body_filter);
- ministry_admin: national (no scope).
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
    def scope(self) -> str | None:
        """The grant column that scopes this role (None: no scope)."""
        return SCOPE_OF_ROLE.get(self)

    @property
    def needs_region(self) -> bool:
        return self.scope == REGION_SCOPE

    @property
    def needs_body(self) -> bool:
        return self.scope == BODY_SCOPE

    @property
    def needs_provider(self) -> bool:
        return self.scope == PROVIDER_SCOPE


ROLE_LABELS = {
    Role.APPLICANT: _l("Pemohon"),
    Role.AGENCY_OFFICER: _l("Petugas Dinas Sosial"),
    Role.TRAINING_OFFICER: _l("Penyelenggara diklat"),
    Role.BOARD_ADMIN: _l("Admin lembaga sertifikasi"),
    Role.ASSESSOR: _l("Asesor"),
    Role.MINISTRY_ADMIN: _l("Admin Kemensos"),
}

# The scope columns of a role grant, and which roles need which one (the CHECK constraints of
# role_grants are derived from this table).
REGION_SCOPE = "region_code"
BODY_SCOPE = "certification_body_code"
PROVIDER_SCOPE = "training_provider_code"
SCOPE_COLUMNS = (REGION_SCOPE, BODY_SCOPE, PROVIDER_SCOPE)
SCOPE_OF_ROLE = {
    Role.AGENCY_OFFICER: REGION_SCOPE,
    Role.BOARD_ADMIN: BODY_SCOPE,
    Role.ASSESSOR: BODY_SCOPE,
    Role.TRAINING_OFFICER: PROVIDER_SCOPE,
}

STAFF_ROLES = tuple(r for r in Role if r is not Role.APPLICANT)
OFFICER_ROLES = (Role.AGENCY_OFFICER, Role.MINISTRY_ADMIN)
