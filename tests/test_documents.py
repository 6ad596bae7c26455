"""Documents with any owner (app/documents): exactly one owner, purposes and sensitivity, who may open a
restricted document, and the purge of documents past their deletion date (service and CLI)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.core import uploads
from app.core.actors import SYSTEM
from app.core.audit import AuditEvent
from app.core.models import utcnow
from app.core.roles import Role
from app.documents import services
from app.documents.models import Document, Purpose, Sensitivity, one_owner_condition
from app.documents.permissions import can_view_document
from app.extensions import db
from app.people.models import Person
from app.registration.models import Registration
from app.registration.states import Status
from tests.factories import (
    VILLAGE_SEMARANG,
    create_person,
    create_registration,
    create_user,
    login,
    sample_file,
)

# Years away from the real date, so a service that ignored its `today` would fail.
TODAY = date(2041, 3, 1)


def checked_file(kind: str = "png") -> uploads.CheckedFile:
    return services.check_file(f"berkas.{kind}", io.BytesIO(sample_file(kind)))


def stored_path(app, stored_name: str) -> Path:
    return Path(app.config["UPLOAD_DIR"]) / stored_name[:2] / stored_name


def test_old_kind_codes_are_the_purpose_codes():
    assert [p.value for p in Purpose][:4] == ["KTP", "FOTO", "IJAZAH", "SK_TUGAS"]
    assert {Purpose.HEALTH_LETTER, Purpose.STR_COPY, Purpose.PORTFOLIO, Purpose.OTHER} <= set(Purpose)


def test_one_owner_condition_lists_every_owner_column():
    condition = one_owner_condition()
    assert set(re.findall(r"WHEN (\w+) IS NULL", condition)) == {
        "registration_id",
        "person_id",
        "correction_request_id",
        "training_record_id",
        "candidacy_id",
        "licence_id",
    }
    assert condition.endswith("= 1")


def test_a_document_has_exactly_one_owner_in_the_database(app, ctx):
    person_id = create_person(app)
    rid = create_registration(app, person_id, documents=False, submit=False)
    base = {
        "purpose": Purpose.KTP,
        "original_name": "ktp.png",
        "content_type": "image/png",
        "size": 1,
        "sha256": "0" * 64,
    }
    for n, owners in enumerate(({}, {"registration_id": rid, "person_id": person_id})):
        savepoint = db.session.begin_nested()
        db.session.add(Document(stored_name=f"{n:032x}", **owners, **base))
        with pytest.raises(IntegrityError):
            db.session.flush()
        savepoint.rollback()
    for n, owners in enumerate(({"registration_id": rid}, {"person_id": person_id}), start=5):
        db.session.add(Document(stored_name=f"{n:032x}", **owners, **base))
        db.session.flush()


def test_add_document_sets_sensitivity_from_the_purpose(app, ctx):
    person_id = create_person(app)
    person = db.session.get(Person, person_id)
    letter = services.add_document(checked_file(), Purpose.HEALTH_LETTER, person=person, actor=SYSTEM)
    photo = services.add_document(checked_file("jpg"), Purpose.PHOTO, person=person, actor=SYSTEM)
    db.session.flush()
    assert (letter.sensitivity, photo.sensitivity) == (Sensitivity.RESTRICTED, Sensitivity.NORMAL)
    assert letter.owner is person and letter.owner_kind == "person"
    assert stored_path(app, letter.stored_name).exists()
    with pytest.raises(ValueError):
        services.add_document(checked_file(), Purpose.KTP, actor=SYSTEM)


def test_a_restricted_document_is_for_the_owner_and_the_deciding_officer(app, ctx):
    applicant_id = create_user(app).id
    other_applicant_id = create_user(app).id
    officer_id = create_user(app, Role.AGENCY_OFFICER, region_code="32.04").id
    jateng_id = create_user(app, Role.AGENCY_OFFICER, region_code="33").id
    person_id = create_person(app, user_id=applicant_id)
    rid = create_registration(app, person_id, documents=False, submit=False)
    walk_in_id = create_person(app)
    registration = db.session.get(Registration, rid)
    # Submitted (officers see an applicant's registration from its submission on).
    registration.status, registration.submitted_at = Status.SUBMITTED, utcnow()
    letter = services.add_document(
        checked_file(), Purpose.HEALTH_LETTER, registration=registration, actor=SYSTEM
    )
    ktp = services.add_document(checked_file(), Purpose.KTP, registration=registration, actor=SYSTEM)
    walk_in = db.session.get(Person, walk_in_id)
    own_letter = services.add_document(checked_file(), Purpose.HEALTH_LETTER, person=walk_in, actor=SYSTEM)
    own_photo = services.add_document(checked_file(), Purpose.PHOTO, person=walk_in, actor=SYSTEM)
    db.session.flush()
    applicant, other, officer, jateng = (
        db.session.get(User, i) for i in (applicant_id, other_applicant_id, officer_id, jateng_id)
    )
    seen = {
        name: [can_view_document(user, d) for d in (letter, ktp, own_letter, own_photo)]
        for name, user in {
            "applicant": applicant,
            "other": other,
            "officer": officer,
            "jateng": jateng,
            "system": SYSTEM,
            "nobody": None,
        }.items()
    }
    assert seen == {
        "applicant": [True, True, False, False],
        "other": [False, False, False, False],
        # The regency officer decides the registration; nobody decides on a person as such, so a
        # person's own health letter stays theirs (the walk-in has no account to open it with).
        "officer": [True, True, False, True],
        "jateng": [False, False, False, False],
        "system": [True, True, True, True],
        "nobody": [False, False, False, False],
    }


def test_the_download_route_applies_the_document_rule(app, client, monkeypatch):
    """A document the registration's viewer may not open is refused even on its own page's links."""
    from app.registration import routes

    applicant = create_user(app)
    rid = create_registration(app, create_person(app, user_id=applicant.id))
    login(client, applicant)
    with app.app_context():
        document_id = db.session.scalars(select(Document.id).where(Document.registration_id == rid)).first()
    url = f"/pendaftaran/{rid}/dokumen/{document_id}/unduh"
    assert client.get(url).status_code == 200
    monkeypatch.setattr(routes, "can_view_document", lambda user, document: False)
    assert client.get(url).status_code == 403


# --- Purge -----------------------------------------------------------------------------------------


def _documents_with_dates(app, dates: dict[str, date | None]) -> dict[str, int]:
    rid = create_registration(app, create_person(app), documents=False, submit=False)
    person_id = create_person(app, village=VILLAGE_SEMARANG)
    with app.app_context():
        registration = db.session.get(Registration, rid)
        person = db.session.get(Person, person_id)
        ids = {}
        for n, (name, delete_after) in enumerate(dates.items()):
            owner = {"registration": registration} if n % 2 else {"person": person}
            document = services.add_document(
                checked_file(), Purpose.HEALTH_LETTER, actor=SYSTEM, delete_after=delete_after, **owner
            )
            db.session.flush()
            ids[name] = (document.id, document.stored_name)
        db.session.commit()
        return ids


DATES = {"yesterday": date(2041, 2, 28), "long_ago": date(2027, 1, 1), "today": TODAY, "never": None}


def test_purge_deletes_rows_and_files_past_their_date_with_an_audit_entry_each(app, ctx):
    ids = _documents_with_dates(app, DATES)
    purged = services.purge_expired_documents(TODAY)
    assert purged == 2
    # Files go only once the transaction commits.
    assert all(stored_path(app, stored).exists() for _, stored in ids.values())
    db.session.commit()
    for name, (document_id, stored) in ids.items():
        gone = name in ("yesterday", "long_ago")
        assert (db.session.get(Document, document_id) is None) == gone, name
        assert stored_path(app, stored).exists() != gone, name
    entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "document.purged")).all()
    assert sorted(int(e.object_id) for e in entries) == sorted(ids[n][0] for n in ("yesterday", "long_ago"))
    assert {e.actor_label for e in entries} == {"system"}
    assert {e.before["purpose"] for e in entries} == {"SURAT_SEHAT"}


def test_a_purge_that_rolls_back_keeps_rows_and_files(app, ctx):
    ids = _documents_with_dates(app, {"yesterday": date(2041, 2, 28)})
    assert services.purge_expired_documents(TODAY) == 1
    db.session.rollback()
    [(document_id, stored)] = ids.values()
    assert db.session.get(Document, document_id) is not None
    assert stored_path(app, stored).exists()


def test_flask_documents_purge(app):
    ids = _documents_with_dates(app, {"yesterday": date(2041, 2, 28), "today": TODAY})
    result = app.test_cli_runner().invoke(args=["documents", "purge", "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 document(s) purged" in result.output
    with app.app_context():
        remaining = db.session.scalar(
            select(func.count()).select_from(Document).where(Document.id.in_([i for i, _ in ids.values()]))
        )
        assert remaining == 1
    assert not stored_path(app, ids["yesterday"][1]).exists()
    assert stored_path(app, ids["today"][1]).exists()


def test_the_daily_job_purges_what_is_past_its_date_today(app, ctx):
    from datetime import timedelta

    from app.core.models import local_today

    ids = _documents_with_dates(app, {"yesterday": local_today() - timedelta(days=1), "today": local_today()})
    services.purge_documents_daily.call_local()
    assert db.session.get(Document, ids["yesterday"][0]) is None
    assert db.session.get(Document, ids["today"][0]) is not None
    assert not stored_path(app, ids["yesterday"][1]).exists()
