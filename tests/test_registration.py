"""Registration lifecycle: category rules, completeness, every transition (legal and illegal), the
one-open-registration rule, the agency queue within jurisdiction, e-mails, and concurrent decisions."""

from __future__ import annotations

import io
import re
import threading

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.actors import SYSTEM
from app.core.errors import PermissionDenied
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person
from app.registration import services
from app.registration.models import Registration, RegistrationEvent
from app.registration.services import RegistrationError
from app.registration.states import TRANSITIONS, Action, Status, target
from tests.factories import (
    VILLAGE_SEMARANG,
    create_person,
    create_registration,
    create_user,
    login,
    sample_file,
)

NUMBER = re.compile(r"^\d{6}/REG/32/[IVX]+/\d{4}$")


def load(app, registration_id):
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        events = [(e.from_status, e.to_status, e.reason) for e in registration.events]
        return registration.status, registration.registration_number, registration.decision_reason, events


def relawan_form(kind: str, province: str = "32", regency: str = "32.04") -> dict:
    """What the Relawan Sosial form posts (registered at the regency's Dinas Sosial)."""
    return {
        "relawan_kind": kind,
        "registration_level": "KABKOTA",
        "region_code-1": province,
        "region_code-2": regency,
    }


def upload_required_documents(client, rid: int, kind: str = "png") -> None:
    """Upload KTP, photo and diploma through the web form, as the signed-in client."""
    for document in ("KTP", "FOTO", "IJAZAH"):
        client.post(
            f"/pendaftaran/{rid}/dokumen",
            data={"kind": document, "file": (io.BytesIO(sample_file(kind)), f"{document}.{kind}")},
            content_type="multipart/form-data",
        )


# --- The state machine itself ---------------------------------------------------------------------


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", list(Status))
def test_every_action_from_every_status(action, status):
    sources, result = TRANSITIONS[action]
    assert target(action, status) == (result if status in sources else None)


def test_only_the_documented_transitions_exist():
    legal = {(s, a) for a in Action for s in Status if target(a, s)}
    assert legal == {
        (Status.DRAFT, Action.SUBMIT),
        (Status.RETURNED, Action.SUBMIT),
        (Status.SUBMITTED, Action.VERIFY),
        (Status.SUBMITTED, Action.RETURN),
        (Status.SUBMITTED, Action.REJECT),
    }


# --- Category rules and completeness (services) ----------------------------------------------------


def draft(app, category, options, region="32.04", person_id=None):
    person_id = person_id or create_person(app)
    with app.app_context():
        person = db.session.get(Person, person_id)
        registration = services.save_draft(person, category, options, region, actor=SYSTEM)
        db.session.commit()
        return registration.id


def missing(app, registration_id):
    with app.app_context():
        return services.missing_items(db.session.get(Registration, registration_id))


def test_tks_from_the_community_needs_the_pendamping_kind_and_an_assignment_letter(app):
    rid = draft(app, "TKS", {"origin": "MASYARAKAT"})
    items = missing(app, rid)
    assert "Isi Jenis Pendamping Sosial." in items
    assert "Unggah Surat keputusan/surat tugas (SK)." in items
    assert "Unggah Pindaian KTP." in items


def test_tks_asn_drops_a_pendamping_kind_it_does_not_need(app):
    rid = draft(app, "TKS", {"origin": "ASN", "pendamping_kind": "PKH"})
    with app.app_context():
        registration = db.session.get(Registration, rid)
        assert registration.options == {"origin": "ASN"}
        assert registration.subtype == "ASN"
    assert not any("Pendamping" in item for item in missing(app, rid))


def test_specialist_social_worker_needs_a_specialisation(app):
    rid = draft(app, "PEKSOS", {"level": "SPESIALIS"})
    assert "Isi Bidang spesialisasi." in missing(app, rid)
    generalist = draft(app, "PEKSOS", {"level": "GENERALIS"})
    assert not any("spesialisasi" in item for item in missing(app, generalist))


def test_penyuluh_needs_a_letter_only_on_assignment(app):
    asn = draft(app, "PENYULUH", {"mode": "ASN"})
    mandiri = draft(app, "PENYULUH", {"mode": "MANDIRI"})
    assert "Unggah Surat keputusan/surat tugas (SK)." in missing(app, asn)
    assert "Unggah Surat keputusan/surat tugas (SK)." not in missing(app, mandiri)


def test_unknown_options_categories_and_regions_are_refused(app):
    person_id = create_person(app)
    with app.app_context():
        person = db.session.get(Person, person_id)
        with pytest.raises(RegistrationError) as error:
            services.save_draft(person, "RELAWAN", {"relawan_kind": "BUKAN"}, "32.04", actor=SYSTEM)
        assert error.value.errors == {"relawan_kind": [error.value.errors["relawan_kind"][0]]}
        with pytest.raises(RegistrationError):
            services.save_draft(person, "ASTRONOT", {}, "32.04", actor=SYSTEM)
        for region in ("32", "32.04.12.2002", "99.99"):
            with pytest.raises(RegistrationError) as error:
                services.save_draft(person, "RELAWAN", {"relawan_kind": "PSM"}, region, actor=SYSTEM)
            assert "region_code" in error.value.errors


def test_submitting_an_incomplete_registration_lists_what_is_missing(app):
    rid = draft(app, "RELAWAN", {"relawan_kind": "TAGANA"})
    with app.app_context():
        registration = db.session.get(Registration, rid)
        with pytest.raises(RegistrationError) as error:
            services.submit(registration, SYSTEM)
        assert "Isi Terdata di." in error.value.errors[None]
        assert "Unggah Pas foto." in error.value.errors[None]
    assert load(app, rid)[0] == "draft"


# --- One person, one open registration per category and subtype ------------------------------------


def test_no_two_open_registrations_of_the_same_subtype(app):
    person_id = create_person(app)
    first = create_registration(app, person_id)
    officer_id = create_officer_id(app)
    with app.app_context():
        person = db.session.get(Person, person_id)
        with pytest.raises(RegistrationError, match="sudah memiliki pendaftaran Relawan Sosial"):
            services.save_draft(person, "RELAWAN", {"relawan_kind": "KARANG_TARUNA"}, "32.04", actor=SYSTEM)
        # Another kind of Relawan is a different subtype.
        services.save_draft(person, "RELAWAN", {"relawan_kind": "TAGANA"}, "32.04", actor=SYSTEM)
        # Once the first is rejected, the same subtype may be registered again.
        officer = db.session.get(User, officer_id)
        services.decide(db.session.get(Registration, first), Action.REJECT, officer, "Dokumen palsu")
        services.save_draft(person, "RELAWAN", {"relawan_kind": "KARANG_TARUNA"}, "32.04", actor=SYSTEM)
        db.session.commit()


def create_officer_id(app, region="32.04"):
    return create_user(app, Role.AGENCY_OFFICER, region_code=region).id


# --- The whole lifecycle through the web, with e-mails and the timeline ----------------------------


def applicant_with_draft(app, client):
    user = create_user(app, Role.APPLICANT)
    login(client, user)
    person_id = create_person(app, user_id=user.id)
    with app.app_context():
        email = db.session.get(Person, person_id).email
    return user, person_id, email


def test_submit_return_resubmit_verify(app, client, outbox):
    user, person_id, email = applicant_with_draft(app, client)
    response = client.post(
        "/pendaftaran/baru/RELAWAN",
        data=relawan_form("KARANG_TARUNA"),
    )
    rid = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/pendaftaran/{rid}").get_data(as_text=True)
    assert "Belum dapat diajukan" in page and "Unggah Pas foto." in page

    assert client.post(f"/pendaftaran/{rid}/ajukan").status_code == 302
    assert load(app, rid)[0] == "draft"  # incomplete: refused, with the list flashed
    upload_required_documents(client, rid)
    client.post(f"/pendaftaran/{rid}/ajukan")
    assert load(app, rid)[0] == "submitted"
    assert "Diajukan" in outbox.last_to(email)["Subject"]

    officer = app.test_client()
    login(officer, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    # A return needs a reason, and the reason reaches the applicant.
    html = officer.post(f"/pendaftaran/{rid}/putusan", data={"action": "return"}).get_data(as_text=True)
    assert "Mohon tuliskan alasannya untuk pemohon." in html
    officer.post(
        f"/pendaftaran/{rid}/putusan", data={"action": "return", "reason": "Foto buram, unggah ulang."}
    )
    status, number, reason, _ = load(app, rid)
    assert (status, number, reason) == ("returned", None, "Foto buram, unggah ulang.")
    assert "Foto buram, unggah ulang." in outbox.body(outbox.last_to(email))
    assert "Foto buram, unggah ulang." in client.get(f"/pendaftaran/{rid}").get_data(as_text=True)

    # The applicant edits and resubmits.
    client.post(
        f"/pendaftaran/{rid}/dokumen",
        data={"kind": "FOTO", "file": (io.BytesIO(sample_file("jpg")), "f.jpg")},
        content_type="multipart/form-data",
    )
    client.post(f"/pendaftaran/{rid}/ajukan")
    assert load(app, rid)[0] == "submitted"

    officer.post(f"/pendaftaran/{rid}/putusan", data={"action": "verify"})
    status, number, reason, events = load(app, rid)
    assert status == "verified" and NUMBER.match(number)
    assert reason is None
    assert [(f, t) for f, t, _ in events] == [
        (None, "draft"),
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "verified"),
    ]
    assert number in outbox.body(outbox.last_to(email))
    mine = client.get("/pendaftaran").get_data(as_text=True)
    assert number in mine
    # Verified is final: no more edits, uploads or submissions.
    assert client.get(f"/pendaftaran/{rid}/ubah").status_code == 403
    assert client.post(f"/pendaftaran/{rid}/ajukan").status_code == 403


def test_rejection_is_final_and_needs_a_reason(app, client, outbox):
    person_id = create_person(app)
    rid = create_registration(app, person_id)
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32"))
    client.post(
        f"/pendaftaran/{rid}/putusan", data={"action": "reject", "reason": "Bukan anggota Karang Taruna."}
    )
    assert load(app, rid)[:3] == ("rejected", None, "Bukan anggota Karang Taruna.")
    response = client.post(f"/pendaftaran/{rid}/putusan", data={"action": "verify"})
    assert response.status_code == 409
    assert "sudah berstatus Ditolak" in response.get_data(as_text=True)
    assert load(app, rid)[0] == "rejected"


def test_illegal_transitions_raise_and_change_nothing(app):
    person_id = create_person(app)
    draft_id = create_registration(app, person_id, submit=False)
    officer_id = create_officer_id(app)
    with app.app_context():
        officer = db.session.get(User, officer_id)
        registration = db.session.get(Registration, draft_id)
        for action in (Action.VERIFY, Action.RETURN, Action.REJECT):
            with pytest.raises(RegistrationError, match="sudah berstatus Draf"):
                services.decide(registration, action, officer, "alasan")
        with pytest.raises(RegistrationError):
            services.decide(registration, Action.SUBMIT, officer)
    assert load(app, draft_id)[0] == "draft"


def test_double_submit_of_the_same_decision_transitions_once(app, client):
    rid = create_registration(app, create_person(app))
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    first = client.post(f"/pendaftaran/{rid}/putusan", data={"action": "verify"})
    second = client.post(f"/pendaftaran/{rid}/putusan", data={"action": "verify"})
    assert first.status_code == 302 and second.status_code == 409
    assert "sudah berstatus Terverifikasi" in second.get_data(as_text=True)
    events = load(app, rid)[3]
    assert [t for _, t, _ in events].count("verified") == 1


# --- The agency's queue and jurisdiction -----------------------------------------------------------


def test_queue_shows_only_submitted_registrations_in_jurisdiction_oldest_first(app, client):
    bandung_old = create_registration(app, create_person(app, full_name="Pertama Bandung"))
    create_registration(app, create_person(app, full_name="Masih Draf"), submit=False)
    semarang = create_registration(
        app, create_person(app, full_name="Warga Semarang", village=VILLAGE_SEMARANG), region="33.74"
    )
    bandung_new = create_registration(
        app, create_person(app, full_name="Kedua Bandung"), category="PENYULUH", options={"mode": "MANDIRI"}
    )
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    html = client.get("/verifikasi").get_data(as_text=True)
    assert html.index("Pertama Bandung") < html.index("Kedua Bandung")
    assert "Masih Draf" not in html and "Warga Semarang" not in html
    filtered = client.get("/verifikasi?kategori=PENYULUH").get_data(as_text=True)
    assert "Kedua Bandung" in filtered and "Pertama Bandung" not in filtered
    # A region filter outside the jurisdiction is ignored, not obeyed.
    outside = client.get("/verifikasi?wilayah=33").get_data(as_text=True)
    assert "Warga Semarang" not in outside

    jateng = app.test_client()
    login(jateng, create_user(app, Role.AGENCY_OFFICER, region_code="33"))
    html = jateng.get("/verifikasi").get_data(as_text=True)
    assert "Warga Semarang" in html and "Pertama Bandung" not in html
    assert jateng.get(f"/pendaftaran/{bandung_old}").status_code == 404
    assert jateng.post(f"/pendaftaran/{bandung_new}/putusan", data={"action": "verify"}).status_code == 404
    assert load(app, bandung_new)[0] == "submitted"
    assert load(app, semarang)[0] == "submitted"

    ministry = app.test_client()
    login(ministry, create_user(app, Role.MINISTRY_ADMIN))
    html = ministry.get("/verifikasi").get_data(as_text=True)
    assert "Warga Semarang" in html and "Pertama Bandung" in html


def test_other_applicants_cannot_see_a_registration(app, client):
    rid = create_registration(app, create_person(app, user_id=create_user(app).id))
    login(client, create_user(app))
    assert client.get(f"/pendaftaran/{rid}").status_code == 404


# --- Walk-in: an officer enters a person without an account and verifies at once -------------------


def test_officer_enters_a_walk_in_and_verifies_at_once(app, client):
    from tests.factories import profile_form_data

    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    response = client.post("/orang/baru", data=profile_form_data(full_name="Mak Icih", email=""))
    assert response.status_code == 302
    person_id = int(response.headers["Location"].split("orang=")[1])
    # Outside the officer's jurisdiction the registration cannot be entered.
    html = client.post(
        f"/pendaftaran/baru/RELAWAN?orang={person_id}",
        data=relawan_form("PSM", "33", "33.74"),
    ).get_data(as_text=True)
    assert "di dalam wilayah kerja Anda" in html
    response = client.post(
        f"/pendaftaran/baru/RELAWAN?orang={person_id}",
        data=relawan_form("PSM"),
    )
    rid = int(response.headers["Location"].rsplit("/", 1)[1])
    upload_required_documents(client, rid, "pdf")
    client.post(f"/pendaftaran/{rid}/ajukan", data={"verify_now": "1"})
    status, number, _, events = load(app, rid)
    assert status == "verified" and NUMBER.match(number)
    assert [t for _, t, _ in events] == ["draft", "submitted", "verified"]
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person.user_id is None


# --- Concurrency: two officers decide the same registration at the same moment ---------------------


@pytest.mark.live
def test_concurrent_decisions_transition_exactly_once(app):
    rid = create_registration(app, create_person(app))
    officers = [create_officer_id(app) for _ in range(2)]
    barrier = threading.Barrier(len(officers))
    outcomes: list[str] = []

    def decide(officer_id, action):
        with app.app_context():
            officer = db.session.get(User, officer_id)
            registration = db.session.get(Registration, rid)
            db.session.commit()  # end the reading transaction; both start deciding together
            barrier.wait()
            try:
                services.decide(registration, action, officer, "alasan")
                db.session.commit()
                outcomes.append("won")
            except RegistrationError:
                db.session.rollback()
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=(officers[0], Action.VERIFY)),
        threading.Thread(target=decide, args=(officers[1], Action.REJECT)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["conflict", "won"]
    with app.app_context():
        decisions = db.session.scalar(
            select(func.count())
            .select_from(RegistrationEvent)
            .where(
                RegistrationEvent.registration_id == rid,
                RegistrationEvent.to_status.in_(["verified", "rejected"]),
            )
        )
        assert decisions == 1
        registration = db.session.get(Registration, rid)
        assert (registration.status == "verified") == (registration.registration_number is not None)


@pytest.mark.live
def test_registration_numbers_are_unique_under_concurrent_verification(app):
    registrations = [create_registration(app, create_person(app)) for _ in range(8)]
    officer_id = create_officer_id(app)
    barrier = threading.Barrier(len(registrations))
    errors: list[BaseException] = []

    def verify(rid):
        try:
            with app.app_context():
                officer = db.session.get(User, officer_id)
                registration = db.session.get(Registration, rid)
                db.session.commit()  # end the reading transaction; all start writing together
                barrier.wait()
                services.decide(registration, Action.VERIFY, officer)
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=verify, args=(rid,)) for rid in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    numbers = [load(app, rid)[1] for rid in registrations]
    assert all(numbers) and len(set(numbers)) == len(numbers)
    sequence = sorted(int(n.split("/")[0]) for n in numbers)
    assert sequence == list(range(sequence[0], sequence[0] + len(numbers)))  # gap-free


# --- Who may register whom: officers only for walk-ins in their jurisdiction ----------------------


def test_officer_cannot_register_an_account_holder_or_an_outsider(app, client):
    from tests.factories import profile_form_data

    applicant = create_person(app, user_id=create_user(app).id)  # has an account, lives in 32.04
    semarang_walk_in = create_person(app, village=VILLAGE_SEMARANG)
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    login(client, officer)
    for person_id in (applicant, semarang_walk_in, 999999):
        assert client.get(f"/pendaftaran/baru?orang={person_id}").status_code == 404
        response = client.post(
            f"/pendaftaran/baru/RELAWAN?orang={person_id}",
            data=relawan_form("PSM"),
        )
        assert response.status_code == 404
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.person_id.in_([applicant, semarang_walk_in]))
            )
            == 0
        )
        from app.core.audit import AuditEvent

        denied = db.session.scalars(
            select(AuditEvent.object_id).where(
                AuditEvent.action == "person.access_denied", AuditEvent.actor_id == officer.id
            )
        ).all()
        assert str(applicant) in denied and str(semarang_walk_in) in denied
    # A walk-in living in the officer's regency may be registered.
    local_walk_in = create_person(app)
    assert client.get(f"/pendaftaran/baru?orang={local_walk_in}").status_code == 200
    # Typing the NIK of someone outside reach reveals no name and no link.
    with app.app_context():
        semarang = db.session.get(Person, semarang_walk_in)
        nik, name = semarang.nik, semarang.full_name
    html = client.post("/orang/baru", data=profile_form_data(nik=nik)).get_data(as_text=True)
    assert "sudah terdaftar sebagai pemohon dengan akun sendiri atau di wilayah lain" in html
    assert name not in html and f"orang={semarang_walk_in}" not in html


def test_applicant_edits_a_returned_registration_an_officer_entered(app, client):
    user = create_user(app)
    person_id = create_person(app)  # a walk-in when the officer enters the registration
    officer_id = create_officer_id(app)
    with app.app_context():
        officer = db.session.get(User, officer_id)
        person = db.session.get(Person, person_id)
        registration = services.save_draft(
            person,
            "RELAWAN",
            {"relawan_kind": "PSM", "registration_level": "KABKOTA"},
            "32.04",
            actor=officer,
            by_officer=True,
        )
        for kind in ("KTP", "FOTO", "IJAZAH"):
            services.upload_document(registration, kind, "x.png", io.BytesIO(sample_file()), officer)
        services.submit(registration, officer)
        services.decide(registration, Action.RETURN, officer, "Lengkapi jenis relawan yang benar")
        rid = registration.id
        # Later the person has an account of their own (the service refuses an officer registering
        # an account holder, so the link comes after the officer's part). Every account is created
        # with a bare person; linking the walk-in record replaces it.
        bare = db.session.scalar(select(Person).where(Person.user_id == user.id))
        if bare is not None:
            db.session.delete(bare)
            db.session.flush()
        person.user_id = user.id
        db.session.commit()
    login(client, user)
    response = client.post(
        f"/pendaftaran/{rid}/ubah",
        data=relawan_form("LK3"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-500:]
    client.post(f"/pendaftaran/{rid}/ajukan")
    assert load(app, rid)[0] == "submitted"


def test_the_database_refuses_a_second_open_registration_of_the_same_subtype(app):
    from sqlalchemy.exc import IntegrityError

    person_id = create_person(app)
    create_registration(app, person_id)
    with app.app_context():
        duplicate = Registration(
            person_id=person_id,
            category_code="RELAWAN",
            subtype="KARANG_TARUNA",
            options={"relawan_kind": "KARANG_TARUNA"},
            region_code="32.04",
            status="draft",
        )
        db.session.add(duplicate)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_an_unknown_decision_is_a_bad_request(app, client):
    rid = create_registration(app, create_person(app))
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    assert client.post(f"/pendaftaran/{rid}/putusan", data={"action": "submit"}).status_code == 400
    assert load(app, rid)[0] == "submitted"


def test_pages_with_personal_data_are_not_cached_and_previews_are_audited(app, client):
    from app.core.audit import AuditEvent

    user = create_user(app)
    rid = create_registration(app, create_person(app, user_id=user.id))
    login(client, user)
    page = client.get(f"/pendaftaran/{rid}")
    assert "no-store" in page.headers["Cache-Control"]
    document_id = re.search(r"/dokumen/(\d+)/pratinjau", page.get_data(as_text=True)).group(1)
    preview = client.get(f"/pendaftaran/{rid}/dokumen/{document_id}/pratinjau")
    assert preview.status_code == 200
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "registration", AuditEvent.object_id == str(rid)
            )
        ).all()
    assert "registration.document_previewed" in actions


# --- Services authorise too: the same predicates as the views -------------------------------------


def _footprint(rid: int) -> tuple:
    """Everything a refused service call must leave as it was."""
    from app.core.audit import AuditEvent
    from app.documents.models import Document

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    db.session.expire_all()
    registration = db.session.get(Registration, rid)
    return (
        registration.status,
        registration.options,
        count(AuditEvent),
        count(RegistrationEvent, RegistrationEvent.registration_id == rid),
        count(Document, Document.registration_id == rid),
        count(Registration),
    )


def test_an_applicant_cannot_act_on_someone_elses_registration_through_the_services(app, ctx):
    owner = create_user(app)
    draft_id = create_registration(app, create_person(app, user_id=owner.id), submit=False)
    intruder = db.session.get(User, create_user(app).id)
    registration = db.session.get(Registration, draft_id)
    before = _footprint(draft_id)
    attempts = [
        lambda: services.save_draft(
            registration.person,
            "RELAWAN",
            {"relawan_kind": "LK3"},
            "32.04",
            registration=registration,
            actor=intruder,
        ),
        lambda: services.save_draft(
            registration.person, "RELAWAN", {"relawan_kind": "LK3"}, "32.04", actor=intruder
        ),
        lambda: services.upload_document(registration, "FOTO", "f.png", io.BytesIO(sample_file()), intruder),
        lambda: services.delete_document(registration.documents[0], intruder),
        lambda: services.submit(registration, intruder),
        lambda: services.submit_and_verify(registration, intruder),
        lambda: services.transition(registration, Action.SUBMIT, intruder),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
        assert _footprint(draft_id) == before


def test_only_officers_of_the_region_decide_through_the_services(app, ctx):
    applicant = create_user(app)
    rid = create_registration(app, create_person(app, user_id=applicant.id))  # submitted, in 32.04
    jateng_id = create_user(app, Role.AGENCY_OFFICER, region_code="33").id
    bandung_id = create_officer_id(app)
    registration = db.session.get(Registration, rid)
    jateng, owner = db.session.get(User, jateng_id), db.session.get(User, applicant.id)
    before = _footprint(rid)
    for actor in (jateng, owner, None):
        for action in (Action.VERIFY, Action.RETURN, Action.REJECT):
            with pytest.raises(PermissionDenied):
                services.decide(registration, action, actor, "alasan")
            assert _footprint(rid) == before
    assert registration.registration_number is None
    # The officer of the region may.
    services.decide(registration, Action.VERIFY, db.session.get(User, bandung_id))
    assert registration.status == Status.VERIFIED


def test_a_missing_actor_is_refused_not_taken_for_anyone(app, ctx):
    person_id = create_person(app)
    person = db.session.get(Person, person_id)
    with pytest.raises(PermissionDenied):
        services.save_draft(person, "RELAWAN", {"relawan_kind": "PSM"}, "32.04", actor=None)
    draft_id = create_registration(app, person_id, submit=False)
    registration = db.session.get(Registration, draft_id)
    with pytest.raises(PermissionDenied):
        services.submit(registration, None)
    assert _footprint(draft_id)[0] == Status.DRAFT


def test_a_refusal_that_escapes_a_view_is_a_403_with_an_audit_event(app, client, monkeypatch):
    """If a view's own check ever lets through what the service refuses, the service still refuses:
    the page is a 403, nothing is written, and the attempt is in the audit trail."""
    from app.core.audit import AuditEvent
    from app.registration import routes

    owner = create_user(app)
    rid = create_registration(app, create_person(app, user_id=owner.id), submit=False)
    intruder = create_user(app)
    login(client, intruder)
    monkeypatch.setattr(routes, "can_edit_registration", lambda user, registration: True)
    monkeypatch.setattr(routes, "can_view_registration", lambda user, registration: True)
    response = client.post(f"/pendaftaran/{rid}/ubah", data=relawan_form("LK3"))
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Registration, rid).options["relawan_kind"] == "KARANG_TARUNA"
        denied = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "permission.denied", AuditEvent.actor_id == intruder.id
            )
        ).all()
        assert [(e.object_type, e.object_id) for e in denied] == [("registration", str(rid))]


def test_the_page_offers_only_the_decisions_the_lifecycle_allows(app, client):
    rid = create_registration(app, create_person(app))
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    buttons = re.compile(r'name="action" value="(\w+)"')
    assert buttons.findall(client.get(f"/pendaftaran/{rid}").get_data(as_text=True)) == [
        "verify",
        "return",
        "reject",
    ]
    client.post(f"/pendaftaran/{rid}/putusan", data={"action": "verify"})
    assert buttons.findall(client.get(f"/pendaftaran/{rid}").get_data(as_text=True)) == []
