"""Issue 7 item 1: a verified identity is locked; a change is a correction request with a reason and
evidence, decided by an officer whose jurisdiction covers one of the person's registrations, and the
person's history shows every change old → new."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.core.actors import SYSTEM
from app.core.roles import Role
from app.extensions import db
from app.people.models import CorrectionRequest, CorrectionStatus, Person
from app.registration import services as registrations
from app.registration.models import Registration
from tests.factories import create_registration, new_nik, profile_form_data, sample_file


def verified_applicant(app, client, logged_in, region="32.04"):
    """An applicant with a profile and a verified registration in `region`; returns (user, person id,
    registration id)."""
    user = logged_in()
    assert client.post("/profil/ubah", data=profile_form_data(full_name="Siti Rahma")).status_code == 302
    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.user_id == user.id))
    registration_id = create_registration(app, person_id, region=region)
    with app.app_context():
        registrations.decide(db.session.get(Registration, registration_id), "verify", SYSTEM)
        db.session.commit()
    return user, person_id, registration_id


def correction_data(**overrides):
    data = {
        "nik": "",
        "full_name": "Siti Rahmawati",
        "birth_place": "Bandung",
        "birth_date": "1990-08-12",
        "sex": "L",
        "reason": "Nama pada KTP ditulis lengkap.",
        "evidence": (io.BytesIO(sample_file("pdf")), "ktp.pdf"),
    }
    data.update(overrides)
    return data


def of_person(person_id):
    return select(CorrectionRequest.id).where(CorrectionRequest.person_id == person_id)


def switch(client, logged_in, role=Role.APPLICANT, **kwargs):
    client.post("/akun/keluar")
    return logged_in(role, **kwargs)


def person(app, person_id):
    with app.app_context():
        found = db.session.get(Person, person_id)
        db.session.expunge(found)
        return found


def test_before_verification_the_identity_is_editable(app, client, logged_in):
    logged_in()
    client.post("/profil/ubah", data=profile_form_data())
    html = client.get("/profil/ubah").get_data(as_text=True)
    assert 'name="full_name"' in html and "Ajukan koreksi data" not in html


def test_verified_identity_is_locked_in_the_profile_form_but_contact_stays_editable(app, client, logged_in):
    user, person_id, _ = verified_applicant(app, client, logged_in)
    html = client.get("/profil/ubah").get_data(as_text=True)
    assert 'data-testid="identity-locked"' in html and "/profil/koreksi" in html
    assert 'name="full_name"' not in html and 'name="nik"' not in html
    # A tampered post of identity fields changes nothing; the contact fields are saved.
    response = client.post(
        "/profil/ubah",
        data=profile_form_data(
            full_name="Nama Lain", nik=new_nik(), birth_place="Garut", phone="0813 1111 2222"
        ),
    )
    assert response.status_code == 302
    saved = person(app, person_id)
    assert (
        saved.full_name == "Siti Rahma" and saved.birth_place == "Bandung" and saved.phone == "+6281311112222"
    )
    history = client.get("/profil").get_data(as_text=True)
    assert "Profil diubah" in history and "+6281234567890 → +6281311112222" in history


def test_the_service_refuses_identity_changes_once_verified(app, client, logged_in):
    import pytest

    from app.core.errors import DomainError
    from app.people.services import ProfileData, save_profile

    _, person_id, _ = verified_applicant(app, client, logged_in)
    with app.app_context():
        found = db.session.get(Person, person_id)
        data = ProfileData(
            **{k: v for k, v in found.audit_view().items() if k in ProfileData.__dataclass_fields__}
        )
        data.nik, data.full_name = found.nik, "Nama Lain"
        with pytest.raises(DomainError) as refused:
            save_profile(data, person=found)
        assert "Silakan ajukan koreksi data" in str(refused.value.errors["full_name"][0])
        db.session.rollback()


def test_a_correction_needs_a_reason_evidence_and_a_change(app, client, logged_in):
    _, person_id, _ = verified_applicant(app, client, logged_in)
    response = client.post(
        "/profil/koreksi",
        data=correction_data(reason="", evidence=None, full_name="Siti Rahma"),
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Unggah minimal satu dokumen bukti" in html
    assert "wajib diisi" in html.lower() or "Mohon tuliskan alasan" in html
    # A future birth date is refused like on the profile; what was typed stays.
    response = client.post(
        "/profil/koreksi", data=correction_data(birth_date="2999-01-01"), content_type="multipart/form-data"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "masa depan" in html and 'value="Siti Rahmawati"' in html
    with app.app_context():
        assert db.session.scalar(of_person(person_id)) is None


def test_correction_requested_listed_approved_and_recorded_old_to_new(app, client, logged_in, outbox):
    user, person_id, registration_id = verified_applicant(app, client, logged_in)
    new = new_nik()
    response = client.post(
        "/profil/koreksi", data=correction_data(nik=new), content_type="multipart/form-data"
    )
    assert response.status_code == 302
    with app.app_context():
        correction = db.session.get(CorrectionRequest, db.session.scalar(of_person(person_id)))
        correction_id = correction.id
        assert correction.status == CorrectionStatus.PENDING
        assert correction.new_values["full_name"] == "Siti Rahmawati"
        assert correction.new_values["nik"] == new[:4] + "********" + new[-4:]
        assert new not in str(correction.new_values) and new not in correction.new_nik_encrypted
        assert len(correction.documents) == 1
    # Nothing changes before the decision; a second request waits for the first.
    assert person(app, person_id).full_name == "Siti Rahma"
    assert client.get("/profil/koreksi").headers["Location"].endswith(f"/koreksi-data/{correction_id}")

    # An officer of another regency neither sees it listed nor opens it.
    switch(client, logged_in, Role.AGENCY_OFFICER, region_code="33.74")
    assert f"/koreksi-data/{correction_id}" not in client.get("/koreksi-data").get_data(as_text=True)
    assert client.get(f"/koreksi-data/{correction_id}").status_code == 404
    assert (
        client.post(f"/koreksi-data/{correction_id}/putuskan", data={"action": "approve"}).status_code == 404
    )

    # The officer of the registration's regency finds it from the menu, sees old → new and the evidence.
    switch(client, logged_in, Role.AGENCY_OFFICER, region_code="32.04")
    listing = client.get("/koreksi-data").get_data(as_text=True)
    assert 'href="/koreksi-data"' in listing and f"/koreksi-data/{correction_id}" in listing
    detail = client.get(f"/koreksi-data/{correction_id}").get_data(as_text=True)
    assert "Siti Rahma" in detail and "Siti Rahmawati" in detail and "ktp.pdf" in detail
    evidence = client.get(f"/koreksi-data/{correction_id}/dokumen/{_first_document(app, correction_id)}")
    assert evidence.status_code == 200 and evidence.headers["X-Content-Type-Options"] == "nosniff"

    # Rejecting needs a reason; approving writes the new values.
    refused = client.post(f"/koreksi-data/{correction_id}/putuskan", data={"action": "reject", "reason": ""})
    assert refused.status_code == 422 and "Mohon tuliskan alasan penolakan" in refused.get_data(as_text=True)
    approved = client.post(f"/koreksi-data/{correction_id}/putuskan", data={"action": "approve"})
    assert approved.status_code == 302
    saved = person(app, person_id)
    assert saved.full_name == "Siti Rahmawati" and saved.nik_masked == new[:4] + "********" + new[-4:]
    with app.app_context():
        assert db.session.get(Person, person_id).nik == new
        correction = db.session.get(CorrectionRequest, correction_id)
        assert correction.status == CorrectionStatus.APPROVED and correction.new_nik_encrypted is None
        assert [str(e.to_status) for e in correction.events] == ["pending", "approved"]
    # The officer's registration page shows the history, old → new.
    page = client.get(f"/pendaftaran/{registration_id}").get_data(as_text=True)
    assert "Koreksi data disetujui" in page and "Siti Rahma → Siti Rahmawati" in page
    # Decided: no second decision.
    again = client.post(f"/koreksi-data/{correction_id}/putuskan", data={"action": "reject", "reason": "x"})
    assert again.status_code == 422 and "sudah berstatus" in again.get_data(as_text=True)


def test_a_rejected_correction_keeps_the_data_and_says_why(app, client, logged_in):
    user, person_id, _ = verified_applicant(app, client, logged_in)
    client.post("/profil/koreksi", data=correction_data(), content_type="multipart/form-data")
    with app.app_context():
        correction_id = db.session.scalar(of_person(person_id))
    switch(client, logged_in, Role.AGENCY_OFFICER, region_code="32")
    response = client.post(
        f"/koreksi-data/{correction_id}/putuskan", data={"action": "reject", "reason": "Bukti tidak terbaca."}
    )
    assert response.status_code == 302
    assert person(app, person_id).full_name == "Siti Rahma"
    from tests.factories import login

    client.post("/akun/keluar")
    login(client, user)
    page = client.get(f"/koreksi-data/{correction_id}").get_data(as_text=True)
    assert "Ditolak" in page and "Bukti tidak terbaca." in page
    assert "Koreksi data ditolak" in client.get("/profil").get_data(as_text=True)


def test_an_applicant_cannot_open_another_persons_correction(app, client, logged_in):
    _, person_id, _ = verified_applicant(app, client, logged_in)
    client.post("/profil/koreksi", data=correction_data(), content_type="multipart/form-data")
    with app.app_context():
        correction_id = db.session.scalar(of_person(person_id))
    switch(client, logged_in)
    assert client.get(f"/koreksi-data/{correction_id}").status_code == 404


def _first_document(app, correction_id):
    with app.app_context():
        return db.session.get(CorrectionRequest, correction_id).documents[0].id
