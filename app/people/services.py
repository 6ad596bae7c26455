"""Profile rules: identity checks, one person per NIK, audited changes, reveal and export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from app.core import audit, crypto
from app.core.errors import DomainError
from app.core.permissions import in_jurisdiction, jurisdiction_scopes
from app.extensions import db
from app.people.identity import (
    DEFAULT_MAX_AGE,
    DEFAULT_MIN_AGE,
    check_birth_date,
    check_nik,
    check_nip,
    mask_nik,
    normalize_nik,
    parse_mobile_phone,
    parse_phone,
)
from app.people.models import IDENTITY_FIELDS, Person
from app.reference.models import PROVINCE, VILLAGE, Region, province_of, regency_of
from app.registration.models import Registration
from app.registration.states import Status


@dataclass
class ProfileData:
    """Plain values of a profile, as a form or an import hands them over."""

    nik: str
    full_name: str
    birth_place: str
    birth_date: date
    sex: str
    village_code: str
    street: str
    rt: str
    rw: str
    phone: str
    email: str | None
    education_level_code: str
    education_field: str | None = None
    religion_code: str | None = None
    is_civil_servant: bool = False
    nip: str | None = None
    asn_type: str | None = None
    agency_name: str | None = None
    position: str | None = None
    landline: str | None = None


class DuplicateNik(DomainError):
    """The NIK belongs to a person already on the register."""

    def __init__(self, message, existing: Person):
        super().__init__(message, field="nik")
        self.existing = existing


# What an applicant's profile must hold before they register (staff persons may lack all of it).
APPLICANT_PROFILE_FIELDS = (
    "nik_hash",
    "birth_place",
    "birth_date",
    "sex",
    "village_code",
    "street",
    "rt",
    "rw",
    "phone",
    "education_level_code",
)


def profile_complete(person: Person | None) -> bool:
    """True when the person has the full applicant profile (identity, address, contact, education)."""
    return person is not None and all(getattr(person, name) is not None for name in APPLICANT_PROFILE_FIELDS)


def default_service_region(person: Person, actor) -> str | None:
    """Where a new registration's service-region picker starts: the district of the person's address
    (for the person, or an officer whose jurisdiction covers it), else the officer's own region."""
    district = ".".join(person.village_code.split(".")[:3]) if person.village_code else None
    if actor is not None and person.user_id == actor.id:
        return district
    if district and in_jurisdiction(actor, district):
        return district
    scopes = jurisdiction_scopes(actor)
    return scopes[0] if scopes else None


def person_of_user(user_id: int) -> Person | None:
    return db.session.scalar(select(Person).where(Person.user_id == user_id))


def create_account_person(user, *, actor=None) -> Person:
    """The person behind a new account (staff or applicant): a name and an e-mail; the applicant
    profile is filled in later by its owner."""
    person = Person(
        user_id=user.id,
        full_name=user.full_name,
        email=user.email,
        identity_warnings=[],
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(person)
    db.session.flush()
    audit.record(
        "person.created",
        object_type="person",
        object_id=person.id,
        after={"user_id": user.id, "full_name": person.full_name},
        actor=actor,
    )
    return person


def _region_level(code: str) -> int | None:
    region = db.session.get(Region, code)
    return region.level if region else None


def identity_locked(person: Person | None) -> bool:
    """True once any registration of the person is verified: the identity fields then change only
    through a correction request (corrections.py)."""
    if person is None or person.id is None:
        return False
    verified = exists().where(Registration.person_id == person.id, Registration.status == Status.VERIFIED)
    return bool(db.session.scalar(select(verified)))


def identity_errors(nik: str, birth_date: date | None, sex: str | None, *, today: date | None = None) -> dict:
    """Hard errors of the identity fields alone (NIK, birth date), by field."""
    errors: dict[str, list] = {}
    result = check_nik(
        nik,
        birth_date=birth_date,
        sex=sex,
        province_exists=lambda code: _region_level(code) == PROVINCE,
        today=today,
    )
    if result.errors:
        errors["nik"] = result.errors
    min_age, max_age = age_range()
    born = check_birth_date(birth_date, min_age=min_age, max_age=max_age, today=today)
    if born.errors:
        errors["birth_date"] = born.errors
    return errors


def identity_warnings(person: Person) -> list[str]:
    """The NIK/NIP warnings of a stored person (recomputed after a correction)."""
    warnings = check_nik(
        person.nik or "",
        birth_date=person.birth_date,
        sex=person.sex,
        province_exists=lambda code: _region_level(code) == PROVINCE,
        district_exists=lambda code: _region_level(code) is not None,
    ).warnings
    result = [str(w) for w in warnings]
    if person.is_civil_servant and person.nip:
        result += [
            str(w) for w in check_nip(person.nip, birth_date=person.birth_date, sex=person.sex).warnings
        ]
    return result


def find_by_nik(nik: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.nik_hash == crypto.keyed_hash(normalize_nik(nik))))


def age_range() -> tuple[int, int]:
    """The accepted ages (inclusive), from the PERSON_MIN_AGE / PERSON_MAX_AGE settings."""
    config = current_app.config
    return config.get("PERSON_MIN_AGE", DEFAULT_MIN_AGE), config.get("PERSON_MAX_AGE", DEFAULT_MAX_AGE)


def _check(
    data: ProfileData,
    region_level: Callable[[str], int | None] = _region_level,
    *,
    today: date | None = None,
) -> tuple[dict, list[str], str, str | None]:
    """Validate identity fields; returns (errors by field, warnings, E.164 phone, NIP).

    `region_level(code)` answers a region's level (None if unknown); bulk imports pass a cached one.
    The E.164 landline, when given, replaces `data.landline`."""
    errors: dict[str, list] = {}
    warnings: list[str] = []
    nik = check_nik(
        data.nik,
        birth_date=data.birth_date,
        sex=data.sex,
        province_exists=lambda code: region_level(code) == PROVINCE,
        district_exists=lambda code: region_level(code) is not None,
        today=today,
    )
    if nik.errors:
        errors["nik"] = nik.errors
    warnings += [str(w) for w in nik.warnings]
    min_age, max_age = age_range()
    born = check_birth_date(data.birth_date, min_age=min_age, max_age=max_age, today=today)
    if born.errors:
        errors["birth_date"] = born.errors
    phone = parse_mobile_phone(data.phone)
    if phone.errors:
        errors["phone"] = phone.errors
    if (data.landline or "").strip():
        landline = parse_phone(data.landline)
        if landline.errors:
            errors["landline"] = landline.errors
        data.landline = landline.value
    else:
        data.landline = None
    nip_value = None
    if data.is_civil_servant:
        if not data.nip:
            errors["nip"] = [_l("NIP wajib diisi untuk ASN.")]
        else:
            nip = check_nip(data.nip, birth_date=data.birth_date, sex=data.sex, today=today)
            if nip.errors:
                errors["nip"] = nip.errors
            warnings += [str(w) for w in nip.warnings]
            nip_value = nip.value
        for name in ("asn_type", "agency_name", "position"):
            if not getattr(data, name):
                errors[name] = [_l("Wajib diisi untuk ASN.")]
    if region_level(data.village_code) != VILLAGE:
        errors["village_code"] = [_l("Pilih alamat sampai desa/kelurahan.")]
    return errors, warnings, phone.value or "", nip_value


def _profile_values(data: ProfileData, nik: str, *, phone: str, nip: str | None, warnings: list[str]) -> dict:
    """The Person column values of a checked profile (NIK normalised; stored encrypted, hashed, masked)."""
    values = {f.name: getattr(data, f.name) for f in fields(data)}  # (asdict deep-copies: slow in bulk)
    values.update(
        nik_encrypted=crypto.encrypt(nik),
        nik_hash=crypto.keyed_hash(nik),
        nik_masked=mask_nik(nik),
        full_name=data.full_name.strip(),
        phone=phone,
        nip=nip if data.is_civil_servant else None,
        rt=data.rt.zfill(3),
        rw=data.rw.zfill(3),
        identity_warnings=warnings,
        # What Person's validator derives on assignment; bulk inserts bypass it.
        province_code=province_of(data.village_code),
        regency_code=regency_of(data.village_code),
    )
    values.pop("nik")
    if not data.is_civil_servant:
        values.update(asn_type=None, agency_name=None, position=None)
    return values


def save_profile(
    data: ProfileData,
    *,
    person: Person | None = None,
    user_id: int | None = None,
    actor=None,
    today: date | None = None,
) -> Person:
    """Create or update a profile. Raises DomainError (all field errors at once) or DuplicateNik.

    The saved person's `identity_warnings` are what the caller shows ("Profil disimpan, tetapi
    periksa: …"); saving with warnings is allowed."""
    errors, warnings, phone, nip = _check(data, today=today)
    if errors:
        raise DomainError(_l("Mohon periksa kembali isian yang ditandai."), errors=errors)
    if person is None and user_id is not None:
        person = person_of_user(user_id)  # the account's person, created with the account
    nik = normalize_nik(data.nik)
    existing = find_by_nik(nik)
    if existing is not None and (person is None or existing.id != person.id):
        raise DuplicateNik(
            _l("NIK ini sudah terdaftar. Jika ini NIK Anda, silakan hubungi Dinas Sosial setempat."), existing
        )
    if person is not None and identity_locked(person):
        _refuse_locked_changes(data, nik, person)
    before = person.audit_view() if person and profile_complete(person) else None
    if person is None:
        person = Person(user_id=user_id, created_by_id=getattr(actor, "id", None))
        db.session.add(person)
    values = _profile_values(data, nik, phone=phone, nip=nip, warnings=warnings)
    for name, value in values.items():
        setattr(person, name, value)
    db.session.flush()
    after = person.audit_view()
    if before != after:
        audit.record(
            "person.updated" if before else "person.created",
            object_type="person",
            object_id=person.id,
            before=before,
            after=after,
            actor=actor,
        )
    return person


def _refuse_locked_changes(data: ProfileData, nik: str, person: Person) -> None:
    """A verified identity changes only through a correction request (corrections.py)."""
    entered = {
        "nik": nik,
        "full_name": data.full_name.strip(),
        "birth_place": data.birth_place,
        "birth_date": data.birth_date,
        "sex": data.sex,
    }
    changed = [name for name in IDENTITY_FIELDS if entered[name] != getattr(person, name)]
    if changed:
        message = _l("Data identitas sudah terverifikasi. Silakan ajukan koreksi data untuk mengubahnya.")
        raise DomainError(message, errors={name: [message] for name in changed})


def reveal_nik(person: Person, actor) -> str:
    """The full NIK, for someone entitled to see it; every reveal is in the audit trail."""
    audit.record("person.nik_revealed", object_type="person", object_id=person.id, actor=actor)
    return person.nik


def export_person_data(person: Person) -> dict:
    """Everything held about a person, for their own download (UU 27/2022 PDP)."""
    from app.registration.services import export_registrations

    profile = person.audit_view()
    profile["nik"] = person.nik
    profile["identity_warnings"] = person.identity_warnings
    profile["created_at"] = person.created_at
    profile["updated_at"] = person.updated_at
    return {"profile": profile, "registrations": export_registrations(person)}
