"""Issue 7 items 3, 12, 13: impossible birth dates refused, warnings shown to the applicant, a mobile
number that is a mobile, a separate landline, and the walk-in form worded for the officer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.errors import DomainError
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person
from tests.factories import create_person, profile_form_data


def person_of(app, user_id):
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.user_id == user_id))
        db.session.expunge(person)
        return person


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [("2999-01-01", "berada di masa depan"), ("1890-05-01", "usia maksimal 100 tahun")],
)
def test_impossible_birth_dates_are_refused_and_nothing_typed_is_lost(
    app, client, logged_in, birth_date, message
):
    user = logged_in()
    data = profile_form_data(birth_date=birth_date, full_name="Siti Aminah", street="Jl. Kenanga 4")
    response = client.post("/profil/ubah", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert (
        'value="Siti Aminah"' in html and 'value="Jl. Kenanga 4"' in html and f'value="{birth_date}"' in html
    )
    assert person_of(app, user.id).nik_hash is None


def test_the_age_range_is_a_setting_and_today_is_a_parameter(app):
    from app.people.services import ProfileData, save_profile

    values = {
        "nik": "3204125208100001",
        "full_name": "Rina",
        "birth_place": "Bandung",
        "birth_date": date(2010, 8, 12),
        "sex": "P",
        "village_code": "32.04.12.2002",
        "street": "Jl. Mawar 1",
        "rt": "001",
        "rw": "002",
        "phone": "081234567890",
        "email": None,
        "education_level_code": "SMA/SMK",
    }
    with app.app_context():
        # 16 on a "today" pinned years away: within 15–100.
        assert save_profile(ProfileData(**values), today=date(2026, 9, 1)).id
        db.session.rollback()
        # 14 years old on an earlier "today": refused on the birth date.
        with pytest.raises(DomainError) as refused:
            save_profile(ProfileData(**values), today=date(2024, 9, 1))
        assert "minimal 15 tahun" in str(refused.value.errors["birth_date"][0])
        app.config["PERSON_MIN_AGE"] = 18
        try:
            with pytest.raises(DomainError) as refused:
                save_profile(ProfileData(**values), today=date(2026, 9, 1))
            assert "minimal 18 tahun" in str(refused.value.errors["birth_date"][0])
        finally:
            app.config["PERSON_MIN_AGE"] = 15
        db.session.rollback()


def test_identity_warnings_are_shown_to_the_applicant_on_saving(app, client, logged_in):
    user = logged_in()
    response = client.post(
        "/profil/ubah", data=profile_form_data(birth_date="1990-08-13", sex="P"), follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Profil disimpan. Namun, mohon periksa:" in html
    assert "Tanggal lahir pada NIK (12-08-1990) berbeda dengan tanggal lahir yang diisi (13-08-1990)" in html
    assert "alert-warning" in html
    assert person_of(app, user.id).identity_warnings  # saved all the same
    # The profile page keeps showing them until they are fixed.
    assert "Periksa data berikut sebelum mengajukan pendaftaran" in client.get("/profil").get_data(
        as_text=True
    )


def test_a_clean_profile_is_just_saved(client, logged_in):
    logged_in()
    html = client.post("/profil/ubah", data=profile_form_data(), follow_redirects=True).get_data(as_text=True)
    assert "Profil disimpan." in html and "Namun, periksa" not in html


def test_a_landline_is_refused_as_the_mobile_number(app, client, logged_in):
    user = logged_in()
    response = client.post("/profil/ubah", data=profile_form_data(phone="(022) 7001234"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "bukan nomor HP" in html and 'value="(022) 7001234"' in html
    assert person_of(app, user.id).nik_hash is None


def test_the_optional_landline_is_checked_stored_and_shown(app, client, logged_in):
    user = logged_in()
    bad = client.post("/profil/ubah", data=profile_form_data(landline="12"))
    assert bad.status_code == 422 and "Nomor telepon tidak valid" in bad.get_data(as_text=True)
    assert client.post("/profil/ubah", data=profile_form_data(landline="(022) 7001234")).status_code == 302
    assert person_of(app, user.id).landline == "+62227001234"
    assert "(022) 7001234" in client.get("/profil").get_data(as_text=True)


def test_walk_in_form_is_worded_for_the_officer_and_starts_at_their_region(client, logged_in):
    logged_in(Role.AGENCY_OFFICER, region_code="32.04")
    html = client.get("/orang/baru").get_data(as_text=True)
    assert "Orang ini Aparatur Sipil Negara" in html and "jika orang ini ASN" in html
    assert "Saya Aparatur" not in html and "jika Anda ASN" not in html
    assert '<option value="32" selected' in html and '<option value="32.04" selected' in html


def test_applicant_registration_starts_at_the_address_district(app, client, logged_in):
    logged_in()
    assert client.post("/profil/ubah", data=profile_form_data()).status_code == 302
    html = client.get("/pendaftaran/baru/RELAWAN").get_data(as_text=True)
    assert '<option value="32.04" selected' in html and '<option value="32.04.12" selected' in html


def test_officer_registration_for_a_walk_in_is_worded_for_the_officer(app, client, logged_in):
    person_id = create_person(app)
    logged_in(Role.AGENCY_OFFICER, region_code="32.04")
    html = client.get(f"/pendaftaran/baru/RELAWAN?orang={person_id}").get_data(as_text=True)
    assert "Wilayah tempat orang ini bertugas" in html
    assert '<option value="32.04.12" selected' in html  # the address is inside the officer's regency
