"""Institutions and dated memberships: who works where, and when (asked by later conflict-of-interest
rules), and the ministry admin's pages for them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.errors import DomainError
from app.core.roles import Role
from app.extensions import db
from app.institutions import services
from app.institutions.models import Institution, InstitutionKind, PersonInstitution
from app.people.models import Person
from tests.factories import create_person, create_user


@pytest.fixture
def person_id(app):
    return create_person(app)  # before any object is loaded: the factory closes its own context


@pytest.fixture
def lks(person_id, ctx):
    return services.create_institution(name="LKS Harapan Bangsa", kind="lks", region_code="32.04")


def test_memberships_are_dated_and_answer_who_worked_where(person_id, lks):
    person = db.session.get(Person, person_id)
    campus = services.create_institution(name="Poltekesos Bandung", kind=InstitutionKind.UNIVERSITY)
    old = services.add_membership(
        person, lks, position="Pekerja sosial", started_on=date(2015, 1, 5), ended_on=date(2019, 12, 31)
    )
    now = services.add_membership(person, campus, position="Dosen", started_on=date(2020, 2, 1))
    assert not old.current and now.current
    assert services.institutions_of(person.id, on=date(2018, 6, 1)) == [lks]
    assert services.institutions_of(person.id, on=date(2021, 6, 1)) == [campus]
    assert services.institutions_of(person.id, on=date(2014, 6, 1)) == []
    assert services.people_at(lks.id, on=date(2019, 12, 31)) == [person.id]
    assert services.people_at(lks.id, on=date(2020, 1, 1)) == []
    assert [m.institution.name for m in services.memberships_of(person.id)] == [
        "Poltekesos Bandung",
        "LKS Harapan Bangsa",
    ]

    services.end_membership(now, ended_on=date(2024, 7, 31))
    assert services.institutions_of(person.id, on=date(2024, 8, 1)) == []
    with pytest.raises(DomainError, match="sudah berakhir"):
        services.end_membership(now, ended_on=date(2024, 8, 31))


def test_overlapping_or_backwards_periods_are_refused(person_id, lks):
    person = db.session.get(Person, person_id)
    services.add_membership(person, lks, started_on=date(2020, 1, 1), ended_on=date(2021, 12, 31))
    with pytest.raises(DomainError, match="periode yang sama"):
        services.add_membership(person, lks, started_on=date(2021, 6, 1))
    with pytest.raises(DomainError, match="tidak boleh sebelum") as error:
        services.add_membership(person, lks, started_on=date(2023, 1, 1), ended_on=date(2022, 1, 1))
    assert error.value.field == "ended_on"
    # After the first period, a second one at the same place is fine.
    services.add_membership(person, lks, started_on=date(2022, 1, 1))


def test_an_institution_needs_a_name_and_a_kind(ctx):
    with pytest.raises(DomainError) as error:
        services.create_institution(name=" ", kind="lks")
    assert error.value.field == "name"
    with pytest.raises(DomainError) as error:
        services.create_institution(name="Yayasan", kind="yayasan")
    assert error.value.field == "kind"


def test_admin_adds_an_institution_and_a_staff_membership(app, client, logged_in):
    admin = logged_in(Role.MINISTRY_ADMIN)
    response = client.post(
        "/admin/lembaga",
        data={"name": "Dinas Sosial Kab. Bandung", "kind": "government_agency", "region_code-1": "32"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Dinas Sosial Kab. Bandung" in client.get("/admin/lembaga").get_data(as_text=True)
    response = client.post("/admin/lembaga", data={"name": "", "kind": ""})
    assert response.status_code == 422 and "Wajib diisi." in response.get_data(as_text=True)

    officer = create_user(app, Role.AGENCY_OFFICER)
    with app.app_context():
        institution_id = db.session.scalar(select(Institution.id).filter_by(name="Dinas Sosial Kab. Bandung"))
    response = client.post(
        f"/admin/staf/{officer.id}/lembaga",
        data={"institution_id": str(institution_id), "position": "Kepala Seksi", "started_on": "2022-03-01"},
    )
    assert response.status_code == 302
    page = client.get(f"/admin/staf/{officer.id}").get_data(as_text=True)
    assert "Kepala Seksi" in page and "1 Maret 2022" in page
    with app.app_context():
        membership = db.session.scalar(
            select(PersonInstitution).where(PersonInstitution.institution_id == institution_id)
        )
        assert membership.person.user_id == officer.id and membership.ended_on is None
        membership_id = membership.id
    response = client.post(
        f"/admin/staf/{officer.id}/lembaga",
        data={"institution_id": str(institution_id), "started_on": "2023-01-01"},
    )
    assert response.status_code == 422
    assert "periode yang sama" in response.get_data(as_text=True)
    assert client.post(f"/admin/staf/{officer.id}/lembaga/{membership_id}/akhiri").status_code == 302
    with app.app_context():
        assert db.session.get(PersonInstitution, membership_id).ended_on is not None
    assert admin  # the pages above were opened as the ministry admin


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MINISTRY_ADMIN])
def test_only_the_ministry_admin_manages_institutions(client, logged_in, role):
    logged_in(role)
    assert client.get("/admin/lembaga").status_code == 403
    assert client.post("/admin/lembaga", data={"name": "X", "kind": "lks"}).status_code == 403
