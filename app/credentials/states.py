"""The lifecycles of certificates and practice licences (declared with app/core/lifecycle.py).

Certificate (sertifikat kompetensi), issued for a "Kompeten" decision:

    active ──suspend (reason)──▶ suspended ──reinstate──▶ active
      │                             │
      ├──────────revoke (reason + ethics reference)──────▶ revoked      (dicabut)
      ├──────────expire (valid_until passed; daily job)───▶ expired      (kedaluwarsa)
      └──────────supersede (a correction or a renewal)────▶ superseded   (diganti; points to the new one)

    The status column is what was recorded; the *live* status also counts a valid_until already
    passed as expired before the daily job has run (`live_certificate_status`). Every change is a
    `CertificateEvent` with its effective date, so `status_on(events, D)` answers the register's
    question "what was this certificate's status on date D".

Practice licence (izin praktik / SIPPS) of a Pekerja Sosial, for one practice place:

    submitted ──grant──▶ active ──suspend──▶ suspended ──reinstate──▶ active
        │                  │                     │
        ├──refuse──▶ refused (reason)            │
        └──withdraw──▶ withdrawn (by the applicant, before the decision)
                           ├───────revoke (reason + ethics reference)──▶ revoked
                           ├───────expire (valid_until passed)─────────▶ expired
                           └───────end (holder's request, death, the certificate revoked,
                                       expired or superseded without a successor)──▶ ended

    The cascade from the certificate (credentials.services): suspending a certificate suspends its
    active licences with `suspended_by_cascade`; reinstating it reinstates only those; revoking or
    expiring it ends them (`end`, reason certificate_revoked / certificate_expired).
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
from app.core.lifecycle import Lifecycle, labelled, status_in_sql


class CredentialError(DomainError):
    pass


# --- Certificate -----------------------------------------------------------------------------------

CERTIFICATE_STATUS_LABELS: dict = {}
CERTIFICATE_STATUS_BADGES: dict = {}


@labelled(CERTIFICATE_STATUS_LABELS, CERTIFICATE_STATUS_BADGES)
class CertificateStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


CERTIFICATE_STATUS_LABELS.update(
    {
        CertificateStatus.ACTIVE: _l("Aktif"),
        CertificateStatus.SUSPENDED: _l("Dibekukan"),
        CertificateStatus.REVOKED: _l("Dicabut"),
        CertificateStatus.EXPIRED: _l("Kedaluwarsa"),
        CertificateStatus.SUPERSEDED: _l("Diganti"),
    }
)
CERTIFICATE_STATUS_BADGES.update(
    {
        CertificateStatus.ACTIVE: "success",
        CertificateStatus.SUSPENDED: "warning",
        CertificateStatus.REVOKED: "danger",
        CertificateStatus.EXPIRED: "secondary",
        CertificateStatus.SUPERSEDED: "info",
    }
)


class CertificateAction(StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    EXPIRE = "expire"
    SUPERSEDE = "supersede"


CERTIFICATE_LIVE = frozenset({CertificateStatus.ACTIVE, CertificateStatus.SUSPENDED})

CERTIFICATE_LIFECYCLE = Lifecycle(
    name="certificate",
    status=CertificateStatus,
    transitions={
        CertificateAction.SUSPEND: ({CertificateStatus.ACTIVE}, CertificateStatus.SUSPENDED),
        CertificateAction.REINSTATE: ({CertificateStatus.SUSPENDED}, CertificateStatus.ACTIVE),
        CertificateAction.REVOKE: (CERTIFICATE_LIVE, CertificateStatus.REVOKED),
        CertificateAction.EXPIRE: (CERTIFICATE_LIVE, CertificateStatus.EXPIRED),
        CertificateAction.SUPERSEDE: (CERTIFICATE_LIVE, CertificateStatus.SUPERSEDED),
    },
    needs_reason=frozenset({CertificateAction.SUSPEND, CertificateAction.REVOKE}),
    final=frozenset({CertificateStatus.REVOKED, CertificateStatus.EXPIRED, CertificateStatus.SUPERSEDED}),
    initial=CertificateStatus.ACTIVE,
    error=CredentialError,
)


# --- Practice licence ------------------------------------------------------------------------------

LICENCE_STATUS_LABELS: dict = {}
LICENCE_STATUS_BADGES: dict = {}


@labelled(LICENCE_STATUS_LABELS, LICENCE_STATUS_BADGES)
class LicenceStatus(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    REFUSED = "refused"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    ENDED = "ended"


LICENCE_STATUS_LABELS.update(
    {
        LicenceStatus.SUBMITTED: _l("Menunggu keputusan"),
        LicenceStatus.WITHDRAWN: _l("Dibatalkan pemohon"),
        LicenceStatus.REFUSED: _l("Ditolak"),
        LicenceStatus.ACTIVE: _l("Aktif"),
        LicenceStatus.SUSPENDED: _l("Dibekukan"),
        LicenceStatus.REVOKED: _l("Dicabut"),
        LicenceStatus.EXPIRED: _l("Kedaluwarsa"),
        LicenceStatus.ENDED: _l("Berakhir"),
    }
)
LICENCE_STATUS_BADGES.update(
    {
        LicenceStatus.SUBMITTED: "primary",
        LicenceStatus.WITHDRAWN: "secondary",
        LicenceStatus.REFUSED: "danger",
        LicenceStatus.ACTIVE: "success",
        LicenceStatus.SUSPENDED: "warning",
        LicenceStatus.REVOKED: "danger",
        LicenceStatus.EXPIRED: "secondary",
        LicenceStatus.ENDED: "secondary",
    }
)


class LicenceAction(StrEnum):
    WITHDRAW = "withdraw"
    GRANT = "grant"
    REFUSE = "refuse"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    EXPIRE = "expire"
    END = "end"


# Licences that count against the limit of active licences per person (LICENCE_MAX_ACTIVE): a
# suspended licence may be reinstated, so it keeps its place.
LICENCE_HELD = frozenset({LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED})
# One open or held licence per person and practice place (a partial unique index).
LICENCE_OPEN = frozenset({LicenceStatus.SUBMITTED, *LICENCE_HELD})
OPEN_LICENCE_CONDITION = status_in_sql("status", LICENCE_OPEN)

LICENCE_LIFECYCLE = Lifecycle(
    name="licence",
    status=LicenceStatus,
    transitions={
        LicenceAction.WITHDRAW: ({LicenceStatus.SUBMITTED}, LicenceStatus.WITHDRAWN),
        LicenceAction.GRANT: ({LicenceStatus.SUBMITTED}, LicenceStatus.ACTIVE),
        LicenceAction.REFUSE: ({LicenceStatus.SUBMITTED}, LicenceStatus.REFUSED),
        LicenceAction.SUSPEND: ({LicenceStatus.ACTIVE}, LicenceStatus.SUSPENDED),
        LicenceAction.REINSTATE: ({LicenceStatus.SUSPENDED}, LicenceStatus.ACTIVE),
        LicenceAction.REVOKE: (LICENCE_HELD, LicenceStatus.REVOKED),
        LicenceAction.EXPIRE: (LICENCE_HELD, LicenceStatus.EXPIRED),
        LicenceAction.END: (LICENCE_HELD, LicenceStatus.ENDED),
    },
    needs_reason=frozenset(
        {LicenceAction.REFUSE, LicenceAction.SUSPEND, LicenceAction.REVOKE, LicenceAction.END}
    ),
    final=frozenset(
        {
            LicenceStatus.WITHDRAWN,
            LicenceStatus.REFUSED,
            LicenceStatus.REVOKED,
            LicenceStatus.EXPIRED,
            LicenceStatus.ENDED,
        }
    ),
    initial=LicenceStatus.SUBMITTED,
    error=CredentialError,
)


class LicenceEndReason(StrEnum):
    """Why a licence ended (status `ended`; revocation and expiry have their own statuses)."""

    HOLDER_REQUEST = "holder_request"
    DEATH = "death"
    CERTIFICATE_REVOKED = "certificate_revoked"
    CERTIFICATE_EXPIRED = "certificate_expired"


LICENCE_END_REASON_LABELS = {
    LicenceEndReason.HOLDER_REQUEST: _l("Atas permintaan pemegang izin"),
    LicenceEndReason.DEATH: _l("Pemegang izin meninggal dunia"),
    LicenceEndReason.CERTIFICATE_REVOKED: _l("Sertifikat kompetensi dicabut"),
    LicenceEndReason.CERTIFICATE_EXPIRED: _l("Sertifikat kompetensi kedaluwarsa"),
}


class PracticeType(StrEnum):
    """How the social worker practises at the place (praktik mandiri)."""

    INDIVIDUAL = "individual"  # praktik perorangan
    JOINT = "joint"  # praktik bersama
    INSTITUTION = "institution"  # di lembaga kesejahteraan sosial / fasilitas pelayanan


PRACTICE_TYPE_LABELS = {
    PracticeType.INDIVIDUAL: _l("Praktik perorangan"),
    PracticeType.JOINT: _l("Praktik bersama"),
    PracticeType.INSTITUTION: _l("Praktik di lembaga/fasilitas pelayanan"),
}
