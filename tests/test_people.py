"""Applicant profile: identity checks, NIK encrypted and masked, one person per NIK, audit, export."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.core import crypto
from app.core.audit import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person
from tests.factories import create_person, create_registration, new_nik, profile_form_data


def person_of(app, user_id):
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.user_id == user_id))
        if person is not None:
            db.session.expunge(person)
        return person


def profile_of(app, user_id):
    """The account's person once its applicant profile is complete (every account has a person)."""
    from app.people.services import profile_complete

    person = person_of(app, user_id)
    return person if profile_complete(person) else None


def test_every_account_has_a_person_whose_profile_starts_empty(app, make_user):
    applicant = make_user(Role.APPLICANT)
    person = person_of(app, applicant.id)
    assert person is not None and person.nik_hash is None and person.village_code is None
    assert profile_of(app, applicant.id) is None


def events(app, action, object_id=None):
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == str(object_id))
        return [
            {"actor_id": e.actor_id, "before": e.before, "after": e.after}
            for e in db.session.scalars(stmt.order_by(AuditEvent.id))
        ]


def test_profile_is_saved_with_nik_encrypted_and_masked(app, client, logged_in):
    user = logged_in()
    nik = new_nik()
    response = client.post("/profil/ubah", data=profile_form_data(nik=f"{nik[:4]}.{nik[4:8]} {nik[8:]}"))
    assert response.status_code == 302
    person = person_of(app, user.id)
    assert nik not in person.nik_encrypted
    with app.app_context():
        assert crypto.decrypt(person.nik_encrypted) == nik
        assert person.nik_hash == crypto.keyed_hash(nik)
    assert person.nik_masked == nik[:4] + "********" + nik[-4:]
    assert person.phone == "+6281234567890"
    assert (person.rt, person.rw) == ("003", "007")
    html = client.get("/profil").get_data(as_text=True)
    assert person.nik_masked in html
    assert nik not in html
    assert "0812-3456-7890" in html


def test_one_name_is_enough(app, client, logged_in):
    user = logged_in()
    assert client.post("/profil/ubah", data=profile_form_data(full_name="Sukarno")).status_code == 302
    assert person_of(app, user.id).full_name == "Sukarno"


def test_wrong_input_gets_indonesian_messages_and_keeps_what_was_typed(app, client, logged_in):
    user = logged_in()
    data = profile_form_data(
        nik="32041212089",
        phone="12345",
        rt="abc",
        birth_date="2020-13-45",
        full_name="Rina Marlina",
        street="Jl. Kenanga 9",
    )
    response = client.post("/profil/ubah", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tanggal tidak valid" in html
    assert "Isi 1–3 angka" in html
    assert 'value="Rina Marlina"' in html and 'value="Jl. Kenanga 9"' in html
    assert profile_of(app, user.id) is None
    # With the form-level fields right, the identity rules speak.
    response = client.post("/profil/ubah", data=profile_form_data(nik="32041212089", phone="12345"))
    html = response.get_data(as_text=True)
    assert "NIK harus terdiri dari 16 digit" in html
    assert "Nomor telepon tidak valid" in html
    assert 'value="32041212089"' in html


def test_nik_hard_errors_are_refused(client, logged_in):
    logged_in()
    for nik, message in [
        ("9904121208900001", "Kode provinsi 99"),
        ("3204121308900000", "tidak boleh 0000"),
        ("3204123202900001", "Tanggal lahir pada NIK tidak valid"),
        ("32041212089A0001", "hanya boleh berisi angka"),
    ]:
        html = client.post("/profil/ubah", data=profile_form_data(nik=nik)).get_data(as_text=True)
        assert message in html, nik


def test_address_must_reach_the_village(client, logged_in):
    logged_in()
    data = profile_form_data()
    del data["village_code-4"]
    html = client.post("/profil/ubah", data=data).get_data(as_text=True)
    assert "Pilih wilayah sampai tingkat desa/kelurahan" in html


def test_region_picker_refresh_without_javascript_keeps_input(app, client, logged_in):
    user = logged_in()
    data = {"full_name": "Tanpa JS", "village_code-1": "33", "region_refresh": "1"}
    response = client.post("/profil/ubah", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Tanpa JS"' in html
    assert 'value="33.74"' in html  # Kota Semarang now offered at the regency level
    assert "Wajib diisi" not in html  # a refresh is not a submission
    assert profile_of(app, user.id) is None


def test_civil_servant_needs_nip_and_post(client, logged_in):
    logged_in()
    html = client.post("/profil/ubah", data=profile_form_data(is_civil_servant="y")).get_data(as_text=True)
    assert "NIP wajib diisi untuk ASN." in html
    assert "Wajib diisi untuk ASN." in html


def test_civil_servant_with_valid_nip(app, client, logged_in):
    user = logged_in()
    data = profile_form_data(
        is_civil_servant="y",
        nip="199008122015031001",
        asn_type="PNS",
        agency_name="Dinas Sosial Kab. Bandung",
        position="Penyuluh Sosial",
    )
    assert client.post("/profil/ubah", data=data).status_code == 302
    person = person_of(app, user.id)
    assert person.nip == "199008122015031001"
    assert person.identity_warnings == []


def test_identity_disagreement_is_a_warning_not_an_error(app, client, logged_in):
    user = logged_in()
    response = client.post("/profil/ubah", data=profile_form_data(birth_date="1990-08-13", sex="P"))
    assert response.status_code == 302
    warnings = person_of(app, user.id).identity_warnings
    assert any("Tanggal lahir pada NIK" in w for w in warnings)
    assert any("Jenis kelamin pada NIK" in w for w in warnings)


def test_an_existing_nik_is_not_duplicated(app, client, logged_in):
    nik = new_nik()
    create_person(app, nik=nik)
    user = logged_in()
    html = client.post("/profil/ubah", data=profile_form_data(nik=nik)).get_data(as_text=True)
    assert "hubungi Dinas Sosial dan sebutkan kode rujukan RJK-" in html
    assert profile_of(app, user.id) is None


def test_officer_entering_an_existing_nik_is_shown_the_existing_record(app, client, logged_in):
    nik = new_nik()
    person_id = create_person(app, nik=nik, full_name="Ujang Sopandi")
    logged_in(Role.AGENCY_OFFICER, region_code="32.04")
    html = client.post("/orang/baru", data=profile_form_data(nik=nik)).get_data(as_text=True)
    assert "sudah terdaftar atas nama Ujang Sopandi" in html
    assert f"/pendaftaran/baru?orang={person_id}" in html


def test_edit_keeps_the_stored_nik_when_left_blank_and_audits_the_change(app, client, logged_in):
    user = logged_in()
    nik = new_nik()
    client.post("/profil/ubah", data=profile_form_data(nik=nik))
    edit_page = client.get("/profil/ubah").get_data(as_text=True)
    assert nik not in edit_page
    response = client.post("/profil/ubah", data=profile_form_data(nik="", street="Jl. Baru 1"))
    assert response.status_code == 302
    person = person_of(app, user.id)
    assert person.street == "Jl. Baru 1"
    with app.app_context():
        assert crypto.decrypt(person.nik_encrypted) == nik
    updated = events(app, "person.updated", person.id)
    assert updated[-1]["before"]["street"] == "Jl. Raya Dayeuhkolot No. 10"
    assert updated[-1]["after"]["street"] == "Jl. Baru 1"
    assert updated[-1]["actor_id"] == user.id
    # The audit trail keeps the NIK masked, never in full.
    assert nik not in json.dumps(updated)
    assert updated[-1]["after"]["nik"] == person.nik_masked


def test_revealing_the_full_nik_is_audited(app, client, logged_in):
    user = logged_in()
    nik = new_nik()
    client.post("/profil/ubah", data=profile_form_data(nik=nik))
    html = client.post("/profil/nik").get_data(as_text=True)
    assert nik in html
    person = person_of(app, user.id)
    assert events(app, "person.nik_revealed", person.id)[-1]["actor_id"] == user.id


def test_officer_reveal_is_audited_with_the_officer(app, client, logged_in):
    nik = new_nik()
    person_id = create_person(app, nik=nik)
    registration_id = create_registration(app, person_id)
    officer = logged_in(Role.AGENCY_OFFICER, region_code="32")
    page = client.get(f"/pendaftaran/{registration_id}").get_data(as_text=True)
    assert nik not in page
    html = client.post(f"/pendaftaran/{registration_id}/nik").get_data(as_text=True)
    assert nik in html
    assert events(app, "person.nik_revealed", person_id)[-1]["actor_id"] == officer.id
    assert events(app, "person.viewed", person_id)[-1]["actor_id"] == officer.id


def test_applicant_downloads_everything_held_about_them(app, client, logged_in):
    user = logged_in()
    nik = new_nik()
    client.post("/profil/ubah", data=profile_form_data(nik=nik, full_name="Lina"))
    person = person_of(app, user.id)
    create_registration(app, person.id)
    response = client.get("/profil/unduh-data")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["nik"] == nik
    assert data["profile"]["full_name"] == "Lina"
    [registration] = data["registrations"]
    assert registration["category_code"] == "RELAWAN"
    assert [e["to"] for e in registration["timeline"]] == ["draft", "submitted"]
    assert {d["kind"] for d in registration["documents"]} == {"KTP", "FOTO", "IJAZAH"}
    assert events(app, "person.exported", person.id)


def test_a_missing_address_is_reported_with_the_other_missing_fields(client, logged_in):
    logged_in()
    html = client.post("/profil/ubah", data={"full_name": "Hanya Nama"}).get_data(as_text=True)
    assert "Pilih wilayah sampai tingkat desa/kelurahan." in html
    assert html.count("Wajib diisi.") >= 5
    assert 'value="Hanya Nama"' in html
