"""Issue 7 item 2: tracking numbers at submission, the printable proof of registration, and a walk-in
person claiming their record with the receipt's claim code or an officer's e-mailed invitation."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlparse

from sqlalchemy import select, update

from app.core.audit import AuditEvent
from app.core.models import utcnow
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person, PersonClaim
from app.registration.models import Registration
from tests.factories import create_person, create_registration, new_nik, profile_form_data

TRACKING = re.compile(r"\d{7}/TRK/\d{4}")


def switch(client, logged_in, role=Role.APPLICANT, **kwargs):
    client.post("/akun/keluar")
    return logged_in(role, **kwargs)


def walk_in(app):
    """A person entered at the desk (no account) with a submitted registration in Kab. Bandung."""
    nik = new_nik()
    person_id = create_person(app, nik=nik, full_name="Ujang Sopandi", email="ujang@contoh.id")
    registration_id = create_registration(app, person_id, region="32.04")
    return nik, person_id, registration_id


def test_an_applicant_gets_a_tracking_number_at_submission(app, client, logged_in, outbox):
    user = logged_in()
    data = profile_form_data(email="pemohon.trk@contoh.id")
    assert client.post("/profil/ubah", data=data).status_code == 302
    with app.app_context():
        person_id = db.session.scalar(select(Person.id).where(Person.user_id == user.id))
    registration_id = create_registration(app, person_id, submit=False)  # a draft with its documents
    with app.app_context():
        assert db.session.get(Registration, registration_id).tracking_number is None  # a draft has none
    assert client.post(f"/pendaftaran/{registration_id}/ajukan").status_code == 302
    with app.app_context():
        number = db.session.get(Registration, registration_id).tracking_number
    assert TRACKING.fullmatch(number)
    assert number in client.get(f"/pendaftaran/{registration_id}").get_data(as_text=True)
    assert f"Nomor pelacakan: {number}" in outbox.body(outbox.last_to("pemohon.trk@contoh.id"))
    receipt = client.get(f"/pendaftaran/{registration_id}/tanda-terima").get_data(as_text=True)
    assert number in receipt and "Relawan Sosial" in receipt and "Kode klaim" not in receipt
    assert 'name="email"' not in receipt  # an applicant is not offered the officer's tools


def test_tracking_numbers_are_distinct_and_sequential(app):
    first = create_registration(app, create_person(app))
    second = create_registration(app, create_person(app))
    with app.app_context():
        a, b = (db.session.get(Registration, i).tracking_number for i in (first, second))
    assert a != b and int(b[:7]) == int(a[:7]) + 1


def test_desk_receipt_with_a_claim_code_then_the_person_claims_the_record(app, client, logged_in):
    nik, person_id, registration_id = walk_in(app)
    switch(client, logged_in, Role.AGENCY_OFFICER, region_code="32.04")
    receipt = client.get(f"/pendaftaran/{registration_id}/tanda-terima").get_data(as_text=True)
    assert (
        "Tanda bukti pendaftaran" in receipt
        and "Kabupaten Bandung" in receipt
        and "Kode klaim:" not in receipt
    )
    printed = client.post(f"/pendaftaran/{registration_id}/tanda-terima").get_data(as_text=True)
    code = re.search(r'data-testid="claim-code">([A-Z0-9-]+)<', printed).group(1)
    with app.app_context():
        claim = db.session.scalar(select(PersonClaim).where(PersonClaim.person_id == person_id))
        assert code.replace("-", "") not in claim.secret_hash and claim.used_at is None

    user = switch(client, logged_in)
    with app.app_context():
        bare_id = db.session.scalar(select(Person.id).where(Person.user_id == user.id))
    wrong = client.post("/klaim", data={"nik": nik, "code": "AAAA-AAAA"})
    assert wrong.status_code == 422 and "tidak cocok" in wrong.get_data(as_text=True)
    assert f'value="{nik}"' in wrong.get_data(as_text=True)
    response = client.post("/klaim", data={"nik": nik, "code": code.lower()})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.user_id == user.id
        assert db.session.get(Person, bare_id) is None  # the bare person was replaced
        assert db.session.scalar(select(PersonClaim.used_at).where(PersonClaim.person_id == person_id))
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "person.claimed"))
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "person.claim_failed"))
    # The account now sees the record and its registration.
    assert "Ujang Sopandi" in client.get("/profil").get_data(as_text=True)
    assert client.get(f"/pendaftaran/{registration_id}").status_code == 200
    # Single use: a second account cannot reuse the code.
    switch(client, logged_in)
    again = client.post("/klaim", data={"nik": nik, "code": code})
    assert again.status_code == 422


def test_a_new_code_replaces_the_old_and_codes_expire(app, client, logged_in):
    nik, person_id, registration_id = walk_in(app)
    switch(client, logged_in, Role.AGENCY_OFFICER, region_code="32.04")
    pattern = r'data-testid="claim-code">([A-Z0-9-]+)<'
    old = re.search(
        pattern, client.post(f"/pendaftaran/{registration_id}/tanda-terima").get_data(as_text=True)
    )[1]
    new = re.search(
        pattern, client.post(f"/pendaftaran/{registration_id}/tanda-terima").get_data(as_text=True)
    )[1]
    switch(client, logged_in)
    assert client.post("/klaim", data={"nik": nik, "code": old}).status_code == 422
    with app.app_context():
        expired = utcnow() - timedelta(minutes=1)
        db.session.execute(
            update(PersonClaim).where(PersonClaim.person_id == person_id).values(expires_at=expired)
        )
        db.session.commit()
    assert client.post("/klaim", data={"nik": nik, "code": new}).status_code == 422


def test_claim_attempts_are_rate_limited_per_account(app, client, logged_in):
    nik, _, _ = walk_in(app)
    logged_in()
    statuses = [client.post("/klaim", data={"nik": nik, "code": "ZZZZ-ZZZZ"}).status_code for _ in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429


def test_an_account_with_its_own_nik_cannot_absorb_a_walk_in(app, client, logged_in):
    nik, person_id, registration_id = walk_in(app)
    switch(client, logged_in, Role.AGENCY_OFFICER, region_code="32.04")
    code = re.search(
        r'data-testid="claim-code">([A-Z0-9-]+)<',
        client.post(f"/pendaftaran/{registration_id}/tanda-terima").get_data(as_text=True),
    )[1]
    switch(client, logged_in)
    assert client.post("/profil/ubah", data=profile_form_data()).status_code == 302
    response = client.post("/klaim", data={"nik": nik, "code": code})
    assert response.status_code == 422 and "sudah memiliki data diri" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Person, person_id).user_id is None


def test_officer_invitation_links_the_account_after_login(app, client, logged_in, outbox):
    nik, person_id, registration_id = walk_in(app)
    officer = switch(client, logged_in, Role.AGENCY_OFFICER, region_code="32.04")
    bad = client.post(f"/pendaftaran/{registration_id}/undangan-klaim", data={"email": "bukan-email"})
    assert bad.status_code == 422 and 'value="bukan-email"' in bad.get_data(as_text=True)
    sent = client.post(f"/pendaftaran/{registration_id}/undangan-klaim", data={"email": "ujang@contoh.id"})
    assert sent.status_code == 302
    message = outbox.last_to("ujang@contoh.id")
    assert outbox.body(message).startswith("Yth. Ujang Sopandi,")
    path = urlparse(outbox.link_to("ujang@contoh.id", "/klaim/undangan/")).path

    client.post("/akun/keluar")
    assert client.get(path).status_code == 302  # sign up or log in first
    user = logged_in()
    page = client.get(path)
    assert (
        page.status_code == 200
        and "Ujang Sopandi" in page.get_data(as_text=True)
        and nik not in page.get_data(as_text=True)
    )
    assert client.post(path).status_code == 302
    with app.app_context():
        assert db.session.get(Person, person_id).user_id == user.id
    assert client.get(path).status_code == 404  # single use
    assert officer.id != user.id


def test_other_regions_officers_and_applicants_cannot_issue_codes(app, client, logged_in):
    _, _, registration_id = walk_in(app)
    switch(client, logged_in, Role.AGENCY_OFFICER, region_code="33.74")
    assert client.get(f"/pendaftaran/{registration_id}/tanda-terima").status_code == 404
    assert client.post(f"/pendaftaran/{registration_id}/tanda-terima").status_code == 404
    switch(client, logged_in)
    assert client.post(f"/pendaftaran/{registration_id}/tanda-terima").status_code == 403
