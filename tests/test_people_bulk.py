"""Bulk creation of people: the same rules as a single profile, one audit event per person, and all or
nothing when a row is invalid."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core import crypto
from app.core.audit import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.people.bulk import BulkImportError, create_people
from app.people.models import Person
from app.people.services import ProfileData, save_profile
from tests.factories import VILLAGE_BANDUNG, VILLAGE_SEMARANG, create_user, new_nik


def profile(**overrides) -> ProfileData:
    values = {
        "nik": new_nik(),
        "full_name": " Dewi Lestari ",
        "birth_place": "Bandung",
        "birth_date": date(1990, 8, 12),
        "sex": "L",
        "village_code": VILLAGE_BANDUNG,
        "street": "Jl. Melati 5",
        "rt": "1",
        "rw": "2",
        "phone": "0812 3456 7890",
        "email": None,
        "education_level_code": "SMA/SMK",
    }
    values.update(overrides)
    return ProfileData(**values)


def people_with(niks: list[str]) -> list[Person]:
    hashes = [crypto.keyed_hash(n) for n in niks]
    return db.session.scalars(select(Person).where(Person.nik_hash.in_(hashes)).order_by(Person.id)).all()


def audit_count(action: str = "person.created") -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_valid_rows_are_created_with_one_audit_event_each(app, ctx):
    actor = db.session.get(User, create_user(app, Role.AGENCY_OFFICER).id)
    rows = [
        profile(),
        profile(village_code=VILLAGE_SEMARANG, nik=new_nik("337401"), birth_place="Semarang"),
        profile(
            is_civil_servant=True,
            nip="199008122015031001",
            asn_type="PNS",
            agency_name="Dinas Sosial",
            position="Pekerja Sosial",
        ),
    ]
    events_before = audit_count()
    assert create_people(rows, actor, batch_size=2) == 3
    db.session.commit()

    people = people_with([r.nik for r in rows])
    assert [p.nik for p in people] == [r.nik for r in rows]  # encrypted, and decrypts back
    first = people[0]
    assert first.full_name == "Dewi Lestari" and (first.rt, first.rw) == ("001", "002")
    assert first.phone == "+6281234567890" and first.nik_masked == first.audit_view()["nik"]
    assert first.created_by_id == actor.id and first.user_id is None
    assert people[2].nip == "199008122015031001"

    assert audit_count() == events_before + 3
    for person in people:
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "person.created", AuditEvent.object_id == str(person.id)
            )
        )
        assert event.actor_id == actor.id
        assert event.after == json.loads(json.dumps(person.audit_view(), default=str))


def test_bulk_and_single_profiles_store_the_same_values(ctx):
    data = profile()
    single = save_profile(data)
    other = replace(data, nik=new_nik())
    create_people([other])
    bulk = people_with([other.nik])[0]
    skip = {"id", "nik_encrypted", "nik_hash", "nik_masked", "created_at", "updated_at"}
    columns = [c.key for c in Person.__table__.columns if c.key not in skip]
    assert {c: getattr(bulk, c) for c in columns} == {c: getattr(single, c) for c in columns}


def test_an_invalid_row_is_reported_by_number_and_nothing_is_created(ctx):
    registered = profile()
    save_profile(registered)
    db.session.commit()
    rows = [
        profile(),
        profile(village_code="32.04"),  # not a village
        profile(),
        profile(nik="123"),
        replace(registered, full_name="Orang Lain"),  # NIK already on the register
    ]
    rows.append(replace(rows[0], full_name="Kembar"))  # the same NIK twice in the input
    events_before = audit_count()

    with pytest.raises(BulkImportError) as caught:
        create_people(rows, batch_size=2)

    failures = {f.row: f.errors for f in caught.value.rows}
    assert sorted(failures) == [2, 4, 5, 6]
    assert list(failures[2]) == ["village_code"]
    assert list(failures[4]) == ["nik"]
    assert "sudah terdaftar" in str(failures[5]["nik"][0])
    assert "baris 1" in str(failures[6]["nik"][0])
    assert "4 baris tidak valid" in str(caught.value.message)
    db.session.commit()  # even a caller that commits keeps nothing of the import
    assert people_with([r.nik for r in rows[:4]]) == []
    assert audit_count() == events_before
