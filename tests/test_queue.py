"""The officer's queue: status tabs within the jurisdiction, the age of each case, the search by name,
registration number and exact NIK, keyset pages for every tab, a bounded number of SQL statements per
page; and the NIK check an officer runs before typing a walk-in form."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import event, select, update

from app.accounts.models import User
from app.core.actors import SYSTEM
from app.core.audit import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.people.models import Person, search_name
from app.registration import routes, services
from app.registration.models import Registration
from app.registration.states import Action
from tests.factories import (
    VILLAGE_SEMARANG,
    create_person,
    create_registration,
    create_user,
    login,
    new_nik,
)

VILLAGE_KOTA_BANDUNG = "32.73.01.1001"  # Kota Bandung: same province (32), another regency


def decide(
    app, registration_id: int, action: Action, reason: str | None = "Data belum lengkap."
) -> str | None:
    with app.app_context():
        registration = db.session.get(Registration, registration_id)
        services.decide(registration, action, SYSTEM, reason)
        db.session.commit()
        return registration.registration_number


def shown(html: str) -> set[int]:
    """The registrations listed on a queue page."""
    return {int(n) for n in re.findall(r'data-registration="(\d+)"', html)}


def queue(client, **params) -> tuple[int, str]:
    response = client.get("/verifikasi", query_string=params)
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def region_set(app):
    """One registration per status in Kab. Bandung (32.04), and verified ones in Kota Bandung (32.73)
    and Kota Semarang (33.74)."""
    ids = {}
    ids["submitted"] = create_registration(app, create_person(app, full_name="Siti Menunggu"))
    ids["returned"] = create_registration(app, create_person(app, full_name="Budi Dikembalikan"))
    decide(app, ids["returned"], Action.RETURN)
    ids["verified"] = create_registration(app, create_person(app, full_name="Rina Terverifikasi"))
    decide(app, ids["verified"], Action.VERIFY)
    ids["rejected"] = create_registration(app, create_person(app, full_name="Joko Ditolak"))
    decide(app, ids["rejected"], Action.REJECT)
    ids["draft"] = create_registration(app, create_person(app, full_name="Dian Draf"), submit=False)
    ids["kota"] = create_registration(
        app, create_person(app, full_name="Warga Kota", village=VILLAGE_KOTA_BANDUNG), region="32.73"
    )
    decide(app, ids["kota"], Action.VERIFY)
    ids["semarang"] = create_registration(
        app, create_person(app, full_name="Warga Semarang", village=VILLAGE_SEMARANG), region="33.74"
    )
    decide(app, ids["semarang"], Action.VERIFY)
    return ids


def test_each_tab_shows_its_status_within_a_regency_officers_jurisdiction(app, client, region_set):
    ids = region_set
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    expected = {
        None: {ids["submitted"]},  # the default tab: waiting for a decision
        "diajukan": {ids["submitted"]},
        "dikembalikan": {ids["returned"]},
        "terverifikasi": {ids["verified"]},
        "ditolak": {ids["rejected"]},
        # Every status, but not an applicant's draft (officers see a registration from its submission on)
        "semua": {ids["submitted"], ids["returned"], ids["verified"], ids["rejected"]},
    }
    for tab, registrations in expected.items():
        status, html = queue(client, **({"status": tab} if tab else {}))
        assert status == 200
        assert shown(html) & set(ids.values()) == registrations, tab
    # An unknown tab is the default one, not an error.
    assert shown(queue(client, status="xyz")[1]) & set(ids.values()) == {ids["submitted"]}


def test_a_province_officer_sees_every_regency_of_the_province_and_nothing_of_another(
    app, client, region_set
):
    ids = region_set
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32"))
    mine = set(ids.values())  # (browser tests leave committed registrations behind)
    html = queue(client, status="terverifikasi")[1]
    assert shown(html) & mine == {ids["verified"], ids["kota"]}
    # The region filter narrows to one regency of the province; one outside it is ignored.
    assert shown(queue(client, status="terverifikasi", wilayah="32.73")[1]) & mine == {ids["kota"]}
    both = {ids["verified"], ids["kota"]}
    assert shown(queue(client, status="terverifikasi", wilayah="33.74")[1]) & mine == both
    jateng = app.test_client()
    login(jateng, create_user(app, Role.AGENCY_OFFICER, region_code="33"))
    assert shown(queue(jateng, status="semua")[1]) & mine == {ids["semarang"]}


def test_a_draft_shows_only_to_the_officer_who_entered_it(app, client):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    other = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    walk_in = create_person(app, full_name="Tamu Loket")
    with app.app_context():
        user = db.session.get(User, officer.id)
        person = db.session.get(Person, walk_in)
        options = {"relawan_kind": "KARANG_TARUNA", "registration_level": "KABKOTA"}
        draft = services.save_draft(person, "RELAWAN", options, "32.04", actor=user, by_officer=True).id
        db.session.commit()
    login(client, officer)
    assert draft in shown(queue(client, status="semua")[1])
    assert draft not in shown(queue(client)[1])
    colleague = app.test_client()
    login(colleague, other)
    assert draft not in shown(queue(colleague, status="semua")[1])


def test_the_age_of_each_case_counts_days_since_submission(app, client, monkeypatch):
    rid = create_registration(app, create_person(app, full_name="Lama Menunggu"))
    with app.app_context():
        # Submitted 1 January 2031, 23:30 WIB (16:30 UTC); "today" pinned to 4 January 2031 WIB.
        db.session.execute(
            update(Registration)
            .where(Registration.id == rid)
            .values(submitted_at=datetime(2031, 1, 1, 16, 30))
        )
        db.session.commit()
    monkeypatch.setattr(routes, "local_today", lambda: date(2031, 1, 4))
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    html = queue(client)[1]
    assert re.search(r"data-testid=\"age\">umur\s*3 hari\s*<", html)
    assert "1 Januari 2031 23:30 WIB" in html


def test_search_by_name_prefix_ignores_case_and_stays_in_the_jurisdiction(app, client, region_set):
    ids = region_set
    dewi = create_registration(app, create_person(app, full_name="Dewi  Sartika"))
    far = create_registration(
        app, create_person(app, full_name="Dewi Semarang", village=VILLAGE_SEMARANG), region="33.74"
    )
    mine = {*ids.values(), dewi, far}  # (browser tests leave committed registrations behind)
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    for typed in ("dew", "DEWI", "  dewi   sar ", "Dewi Sartika"):
        status, html = queue(client, status="semua", q=typed)
        assert status == 200 and shown(html) & mine == {dewi}, typed
        assert f'value="{typed}"' in html  # what was typed stays in the box
    # Prefix, not substring; and within the tab.
    assert shown(queue(client, status="semua", q="sartika")[1]) & mine == set()
    assert shown(queue(client, status="ditolak", q="dewi")[1]) & mine == set()
    assert shown(queue(client, status="semua", q="siti")[1]) & mine == {ids["submitted"]}
    # Tab links keep the search.
    assert "q=dewi" in queue(client, q="dewi")[1]


def test_a_too_short_name_or_a_wrong_length_nik_gets_a_message_and_is_kept(app, client):
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    status, html = queue(client, q="de")
    assert status == 422
    assert "Ketik minimal 3 huruf awal nama." in html and 'value="de"' in html
    status, html = queue(client, q="3204 1208 9000 001")
    assert status == 422
    assert "NIK terdiri atas 16 angka; yang Anda ketik 15 angka." in html
    assert 'value="3204 1208 9000 001"' in html
    assert queue(client, q="ab\x00c")[0] in (400, 422)


def test_search_by_registration_number_is_exact(app, client, region_set):
    ids = region_set
    with app.app_context():
        number = db.session.get(Registration, ids["verified"]).registration_number
        other = db.session.get(Registration, ids["semarang"]).registration_number
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    assert shown(queue(client, status="semua", q=number)[1]) == {ids["verified"]}
    assert shown(queue(client, status="semua", q=f" {number.lower()} ")[1]) == {ids["verified"]}
    assert shown(queue(client, status="semua", q=number[:-1])[1]) == set()
    # A number from another province finds nothing.
    assert shown(queue(client, status="semua", q=other)[1]) == set()


def audit_actions(app, action: str, actor=None) -> list:
    """Events of one action (by one actor: browser tests leave committed events behind)."""
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    if actor is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor.id)
    with app.app_context():
        return list(db.session.scalars(stmt))


def test_search_by_exact_nik_is_audited_and_finds_nothing_outside_the_jurisdiction(app, client):
    nik = new_nik()
    mine = create_registration(app, create_person(app, nik=nik, full_name="Punya NIK"))
    far_nik = new_nik("337401")
    create_registration(
        app, create_person(app, nik=far_nik, full_name="Jauh", village=VILLAGE_SEMARANG), region="33.74"
    )
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    login(client, officer)
    spaced = f"{nik[:4]} {nik[4:8]} {nik[8:12]} {nik[12:]}"
    html = queue(client, status="semua", q=spaced)[1]
    assert shown(html) == {mine}
    assert shown(queue(client, status="semua", q=far_nik)[1]) == set()
    events = audit_actions(app, "registration.searched_by_nik", officer)
    assert len(events) == 2
    assert all(e.actor_id == officer.id for e in events)
    masked = nik[:4] + "********" + nik[-4:]
    assert events[0].after == {"nik": masked}
    assert nik not in str([e.after for e in events])


def test_every_tab_pages_by_keyset_without_loss_or_repeat(app, client, monkeypatch):
    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    verified, everyone = [], []
    for n in range(5):
        person = create_person(app, full_name=f"Orang Ke{n}", village=VILLAGE_KOTA_BANDUNG)
        rid = create_registration(app, person, region="32.73")
        everyone.append(rid)
        if n < 4:
            decide(app, rid, Action.VERIFY)
            verified.append(rid)
    # Kota Bandung: a regency no other test registers in (browser tests commit theirs).
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.73"))
    cases = [
        ({"status": "terverifikasi"}, list(reversed(verified))),  # newest decision first
        ({"status": "semua"}, list(reversed(everyone))),  # newest first
        ({"status": "diajukan"}, [everyone[4]]),
        ({"status": "terverifikasi", "q": "orang"}, verified),  # a search by name: in name order
        ({"status": "semua", "q": "orang ke"}, everyone),
    ]
    for params, expected in cases:
        seen: list[int] = []
        while True:
            status, html = queue(client, **params)
            assert status == 200
            page = re.findall(r'data-registration="(\d+)"', html)
            assert 0 < len(page) <= 2
            seen += [int(i) for i in page]
            found = re.search(r'rel="next" href="[^"]*setelah=([^"&]+)', html)
            if not found:
                break
            assert f"status={params['status']}" in html
            params = {**params, "setelah": unquote_plus(found.group(1))}
        assert seen == expected, params


@contextmanager
def counted_statements(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_queue_page_takes_the_same_number_of_statements_for_3_or_25_rows(app, client):
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.73"))
    for n in range(3):
        person = create_person(app, full_name=f"Sedikit {n}", village=VILLAGE_KOTA_BANDUNG)
        create_registration(app, person, region="32.73")
    with counted_statements(app) as few:
        assert len(shown(queue(client)[1])) == 3
    for n in range(22):
        person = create_person(app, full_name=f"Banyak {n}", village=VILLAGE_KOTA_BANDUNG)
        create_registration(app, person, region="32.73")
    with counted_statements(app) as many:
        assert len(shown(queue(client)[1])) == 25
    assert len(many) == len(few), many
    assert len(many) <= 12, many


def test_opening_a_registration_takes_a_bounded_number_of_statements(app, client):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    rid = create_registration(app, create_person(app))
    login(client, officer)
    with counted_statements(app) as statements:
        assert client.get(f"/pendaftaran/{rid}").status_code == 200
    assert len(statements) <= 10, statements


# --- NIK check before a walk-in ------------------------------------------------------------------


def check(client, nik: str):
    response = client.post("/verifikasi/cek-nik", data={"nik": nik})
    return response.status_code, response.get_data(as_text=True)


def test_an_unregistered_nik_leads_to_the_walk_in_form_with_the_nik_filled(app, client):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    login(client, officer)
    nik = new_nik()
    status, html = check(client, f"{nik[:6]}.{nik[6:]}")
    assert status == 200
    assert 'data-outcome="new"' in html and "NIK ini belum terdaftar" in html
    form = client.get("/orang/baru").get_data(as_text=True)
    assert f'value="{nik}"' in form
    # Only once: the next visit starts empty.
    assert f'value="{nik}"' not in client.get("/orang/baru").get_data(as_text=True)
    (event_,) = audit_actions(app, "person.nik_checked", officer)
    assert event_.after == {"nik": nik[:4] + "********" + nik[-4:], "outcome": "new"}


def test_a_nik_in_the_jurisdiction_links_to_the_person_and_their_registrations(app, client):
    nik = new_nik()
    person = create_person(app, nik=nik, full_name="Sudah Ada")
    rid = create_registration(app, person)
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    login(client, officer)
    status, html = check(client, nik)
    assert status == 200 and 'data-outcome="here"' in html
    assert "Sudah Ada" in html and f"/pendaftaran/{rid}" in html
    assert f"orang={person}" in html  # a walk-in: the officer may start another registration
    (event_,) = audit_actions(app, "person.nik_checked", officer)
    assert event_.object_id == str(person) or event_.object_id == person


@pytest.mark.parametrize("account", [False, True])
def test_a_nik_elsewhere_or_with_an_account_is_said_to_exist_without_the_name(app, client, account):
    if account:  # an applicant with their own account living in the officer's regency, no registration yet
        nik = new_nik()
        create_person(app, nik=nik, full_name="Punya Akun", user_id=create_user(app, Role.APPLICANT).id)
    else:  # a walk-in of another province
        nik = new_nik("337401")
        person = create_person(app, nik=nik, full_name="Punya Akun", village=VILLAGE_SEMARANG)
        create_registration(app, person, region="33.74")
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    login(client, officer)
    status, html = check(client, nik)
    assert status == 200 and 'data-outcome="elsewhere"' in html
    assert "Punya Akun" not in html and "sudah terdaftar" in html
    (event_,) = audit_actions(app, "person.nik_checked", officer)
    assert event_.after["outcome"] == "elsewhere"


def test_an_invalid_nik_is_refused_with_a_message_and_kept(app, client):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    login(client, officer)
    status, html = check(client, "12345")
    assert status == 422 and "16" in html and 'value="12345"' in html
    status, html = check(client, "")
    assert status == 422
    assert audit_actions(app, "person.nik_checked", officer) == []


def test_the_nik_check_is_rate_limited_per_officer(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OFFICER_NIK_CHECK_LIMIT", "2 per minute")
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    assert check(client, new_nik())[0] == 200
    assert check(client, new_nik())[0] == 200
    assert check(client, new_nik())[0] == 429
    other = app.test_client()
    login(other, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    assert check(other, new_nik())[0] == 200


def test_search_name_normalises_case_and_spaces():
    assert search_name("  DEWI   Sartika ") == "dewi sartika"
    assert search_name("Ömer Çelik") == "ömer çelik"
    assert search_name(None) == ""


def test_a_new_name_reaches_the_search_of_every_registration_of_the_person(app, client):
    person = create_person(app, full_name="Nama Lama")
    rid = create_registration(app, person)
    with app.app_context():
        assert db.session.get(Registration, rid).person_name == "nama lama"
        db.session.get(Person, person).full_name = "Nama  BARU"
        db.session.commit()
    login(client, create_user(app, Role.AGENCY_OFFICER, region_code="32.04"))
    assert shown(queue(client, q="nama baru")[1]) == {rid}
    assert shown(queue(client, q="nama lama")[1]) == set()


# --- Migration 0008 ------------------------------------------------------------------------------

# The migration tests' fixtures (a scratch database per test, upgraded step by step).
from tests.test_migrations import keep_logging, migration_app, migration_database_url  # noqa: E402, F401


@pytest.mark.live
def test_0008_fills_the_search_name_of_existing_people_and_downgrades(migration_app):  # noqa: F811
    import flask_migrate
    from sqlalchemy import inspect, text

    with migration_app.app_context():
        engine = db.engine
        flask_migrate.upgrade(revision="0007_people_roles_scope")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO people (full_name, identity_warnings, is_civil_servant, created_at, "
                    "updated_at) "
                    "VALUES ('  SITI   Aminah ', '[]', false, '2026-01-01', '2026-01-01'), "
                    "('Ömer', '[]', false, '2026-01-01', '2026-01-01')"
                )
            )
        flask_migrate.upgrade(revision="0010_queue")
        with engine.begin() as connection:
            names = connection.execute(text("SELECT name_search FROM people ORDER BY id")).scalars().all()
            assert names == ["siti aminah", "ömer"]
        flask_migrate.downgrade(revision="0007_people_roles_scope")
        with engine.begin() as connection:
            assert "name_search" not in {c["name"] for c in inspect(connection).get_columns("people")}
            assert connection.execute(text("SELECT count(*) FROM people")).scalar() == 2
        flask_migrate.upgrade()
