"""A walk-in person (entered at the desk, no account) claims their record with an account.

Two ways to prove it is theirs:
* a **claim code** printed on the desk receipt (`issue_claim_code`), entered with the NIK after sign-up;
* an **invitation** link the officer e-mails to the address given at the desk (`send_invitation`).

Claiming merges: every account already has a (bare) person; it is replaced by the walk-in record. That is
refused when the account's person already has a NIK or registrations. Secrets are stored as keyed hashes,
single use, expiring; attempts are rate-limited by the view and every step is audited.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update

from app.core import audit, crypto, mail
from app.core.actors import is_system
from app.core.errors import DomainError, PermissionDenied
from app.core.models import utcnow
from app.core.urls import external_url
from app.documents.models import Document
from app.extensions import db
from app.institutions.models import PersonInstitution
from app.people.identity import normalize_nik
from app.people.models import ClaimKind, Person, PersonClaim
from app.people.services import find_by_nik, person_of_user
from app.registration.models import Registration
from app.registration.permissions import can_register_for

# Unambiguous characters (no 0/O, 1/I/L): read from paper and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class ClaimError(DomainError):
    pass


def _hash(secret: str) -> str:
    return crypto.keyed_hash(secret, purpose="person-claim")


def normalize_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _authorise_officer(actor, person: Person) -> None:
    if actor is None or is_system(actor) or person.user_id is not None or not can_register_for(actor, person):
        raise PermissionDenied(object_type="person", object_id=person.id)


def _revoke(person: Person, kind: ClaimKind) -> None:
    db.session.execute(
        update(PersonClaim)
        .where(
            PersonClaim.person_id == person.id,
            PersonClaim.kind == kind,
            PersonClaim.used_at.is_(None),
            PersonClaim.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )


def _new_claim(
    person: Person, kind: ClaimKind, secret: str, actor, max_age: int, sent_to=None
) -> PersonClaim:
    _revoke(person, kind)
    claim = PersonClaim(
        person_id=person.id,
        kind=kind,
        secret_hash=_hash(secret),
        sent_to=sent_to,
        created_by_id=actor.id,
        expires_at=utcnow() + timedelta(seconds=max_age),
    )
    db.session.add(claim)
    db.session.flush()
    return claim


def issue_claim_code(person: Person, actor) -> tuple[str, PersonClaim]:
    """A new claim code for the desk receipt (an earlier unused one stops working). The code is shown
    once, on the receipt; only its hash is kept."""
    _authorise_officer(actor, person)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    claim = _new_claim(person, ClaimKind.CODE, code, actor, current_app.config["CLAIM_CODE_MAX_AGE"])
    audit.record(
        "person.claim_code_issued",
        object_type="person",
        object_id=person.id,
        after={"claim_id": claim.id, "expires_at": claim.expires_at},
        actor=actor,
    )
    return format_code(code), claim


def send_invitation(person: Person, address: str, actor) -> PersonClaim:
    """E-mail a link that lets the person link their account to this record after signing up."""
    _authorise_officer(actor, person)
    address = (address or "").strip()
    if not address:
        raise ClaimError(_l("Isi alamat surel orang ini."), field="email")
    token = secrets.token_urlsafe(32)
    max_age = current_app.config["CLAIM_INVITATION_MAX_AGE"]
    claim = _new_claim(person, ClaimKind.INVITATION, token, actor, max_age, sent_to=address)
    mail.send(
        address,
        _l("Undangan menghubungkan data SDM Kesos ke akun Anda"),
        "claim_invitation",
        person=person,
        url=external_url("people.claim_invitation", token=token),
        days=max_age // 86400,
    )
    audit.record(
        "person.claim_invitation_sent",
        object_type="person",
        object_id=person.id,
        after={"claim_id": claim.id, "to": address},
        actor=actor,
    )
    return claim


def _usable(kind: ClaimKind, secret: str, person_id: int | None = None) -> PersonClaim | None:
    stmt = select(PersonClaim).where(
        PersonClaim.secret_hash == _hash(secret),
        PersonClaim.kind == kind,
        PersonClaim.used_at.is_(None),
        PersonClaim.revoked_at.is_(None),
        PersonClaim.expires_at > utcnow(),
    )
    if person_id is not None:
        stmt = stmt.where(PersonClaim.person_id == person_id)
    return db.session.scalar(stmt)


def invitation(token: str) -> PersonClaim | None:
    """The usable invitation a link carries, or None (unknown, used, replaced or expired)."""
    return _usable(ClaimKind.INVITATION, token) if token else None


NOT_MATCHING = _l(
    "NIK dan kode klaim tidak cocok, atau kode sudah digunakan atau kedaluwarsa. Silakan "
    "periksa tanda bukti pendaftaran Anda, atau minta kode baru kepada Dinas Sosial tempat "
    "Anda didaftarkan."
)


def claim_with_code(user, nik: str, code: str) -> Person:
    """Claim the walk-in record with this NIK, proving it with the receipt's claim code."""
    person = find_by_nik(normalize_nik(nik or "")) if (nik or "").strip() else None
    claim = None
    if person is not None and person.user_id is None:
        claim = _usable(ClaimKind.CODE, normalize_code(code), person.id)
    if claim is None:
        audit.record_regardless(
            "person.claim_failed", object_type="person", object_id=person.id if person else None
        )
        raise ClaimError(NOT_MATCHING)
    return _merge(claim, user)


def claim_with_invitation(user, token: str) -> Person:
    claim = invitation(token)
    if claim is None or claim.person.user_id is not None:
        raise ClaimError(_l("Tautan undangan ini sudah digunakan, diganti, atau kedaluwarsa."))
    return _merge(claim, user)


def _merge(claim: PersonClaim, user) -> Person:
    """Replace the account's bare person by the walk-in record (refused if the account's person holds
    a NIK, registrations or anything else)."""
    walk_in = claim.person
    bare = person_of_user(user.id)
    if bare is not None:
        if bare.nik_hash is not None or _holds_records(bare):
            raise ClaimError(
                _l(
                    "Akun Anda sudah memiliki data diri (NIK atau pendaftaran), sehingga data dari Dinas "
                    "Sosial tidak dapat digabungkan. Silakan hubungi Dinas Sosial tempat Anda didaftarkan."
                )
            )
        bare_id = bare.id
        db.session.delete(bare)
        db.session.flush()
    else:
        bare_id = None
    walk_in.user_id = user.id
    walk_in.email = walk_in.email or user.email
    claim.used_at, claim.used_by_id = utcnow(), user.id
    db.session.flush()
    audit.record(
        "person.claimed",
        object_type="person",
        object_id=walk_in.id,
        after={"user_id": user.id, "claim": str(claim.kind), "replaced_person_id": bare_id},
        actor=user,
    )
    return walk_in


def _holds_records(person: Person) -> bool:
    owned = [
        exists().where(Registration.person_id == person.id),
        exists().where(Document.person_id == person.id),
        exists().where(PersonInstitution.person_id == person.id),
    ]
    return any(db.session.scalar(select(condition)) for condition in owned)
