"""Institutions and memberships: add an institution, add or end a person's membership, and ask
"who worked where on a date". Services raise DomainError; the caller commits."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from app.core import audit
from app.core.errors import DomainError
from app.core.models import local_today
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind, PersonInstitution
from app.people.models import Person
from app.reference.models import Region


class InstitutionError(DomainError):
    pass


def create_institution(*, name: str, kind: str, region_code: str | None = None, actor=None) -> Institution:
    name = (name or "").strip()
    if not name:
        raise InstitutionError(_l("Nama lembaga wajib diisi."), field="name")
    try:
        kind = InstitutionKind(kind)
    except ValueError:
        raise InstitutionError(_l("Pilih jenis lembaga."), field="kind") from None
    region_code = region_code or None
    if region_code and db.session.get(Region, region_code) is None:
        raise InstitutionError(_l("Wilayah tidak dikenal."), field="region_code")
    institution = Institution(name=name, kind=kind, region_code=region_code, active=True)
    db.session.add(institution)
    db.session.flush()
    audit.record(
        "institution.created",
        object_type="institution",
        object_id=institution.id,
        after={"name": name, "kind": str(kind), "region_code": region_code},
        actor=actor,
    )
    return institution


def add_membership(
    person: Person,
    institution: Institution,
    *,
    started_on: date,
    position: str | None = None,
    ended_on: date | None = None,
    actor=None,
) -> PersonInstitution:
    """Record that a person works (or worked) at an institution; periods at one institution may not
    overlap."""
    if not institution.active:
        raise InstitutionError(_l("Lembaga ini tidak aktif."), field="institution_id")
    if started_on is None:
        raise InstitutionError(_l("Tanggal mulai wajib diisi."), field="started_on")
    if ended_on is not None and ended_on < started_on:
        raise InstitutionError(_l("Tanggal selesai tidak boleh sebelum tanggal mulai."), field="ended_on")
    overlapping = db.session.scalar(
        select(PersonInstitution.id).where(
            PersonInstitution.person_id == person.id,
            PersonInstitution.institution_id == institution.id,
            or_(PersonInstitution.ended_on.is_(None), PersonInstitution.ended_on >= started_on),
            PersonInstitution.started_on <= (ended_on or date.max),
        )
    )
    if overlapping is not None:
        raise InstitutionError(
            _l("Orang ini sudah tercatat di lembaga tersebut pada periode yang sama."), field="started_on"
        )
    membership = PersonInstitution(
        person_id=person.id,
        institution_id=institution.id,
        position=(position or "").strip() or None,
        started_on=started_on,
        ended_on=ended_on,
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "membership.added",
        object_type="person",
        object_id=person.id,
        after=membership.audit_view(),
        actor=actor,
    )
    return membership


def end_membership(membership: PersonInstitution, ended_on: date | None = None, actor=None) -> None:
    ended_on = ended_on or local_today()
    if membership.ended_on is not None:
        raise InstitutionError(_l("Keanggotaan ini sudah berakhir."))
    if ended_on < membership.started_on:
        raise InstitutionError(_l("Tanggal selesai tidak boleh sebelum tanggal mulai."), field="ended_on")
    before = membership.audit_view()
    membership.ended_on = ended_on
    db.session.flush()
    audit.record(
        "membership.ended",
        object_type="person",
        object_id=membership.person_id,
        before=before,
        after=membership.audit_view(),
        actor=actor,
    )


def memberships_of(person_id: int) -> list[PersonInstitution]:
    stmt = (
        select(PersonInstitution)
        .where(PersonInstitution.person_id == person_id)
        .order_by(PersonInstitution.ended_on.is_not(None), PersonInstitution.started_on.desc())
    )
    return list(db.session.scalars(stmt))


def institutions_of(person_id: int, on: date | None = None) -> list[Institution]:
    """Where the person worked on a date (today by default)."""
    on = on or local_today()
    stmt = select(PersonInstitution).where(
        PersonInstitution.person_id == person_id,
        PersonInstitution.started_on <= on,
        or_(PersonInstitution.ended_on.is_(None), PersonInstitution.ended_on >= on),
    )
    return [m.institution for m in db.session.scalars(stmt)]


def people_at(institution_id: int, on: date | None = None) -> list[int]:
    """The ids of the people working at an institution on a date."""
    on = on or local_today()
    stmt = select(PersonInstitution.person_id).where(
        PersonInstitution.institution_id == institution_id,
        PersonInstitution.started_on <= on,
        or_(PersonInstitution.ended_on.is_(None), PersonInstitution.ended_on >= on),
    )
    return list(db.session.scalars(stmt))
