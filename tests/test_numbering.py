"""The number allocator: sequential per series, formatted with Roman months, gap-free when a
transaction rolls back, and unique under concurrency (threads committing for real)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import delete, select

from app.accounts.models import User
from app.core.audit import AuditEvent
from app.core.errors import DomainError
from app.core.models import local_today
from app.core.numbering import (
    NumberPattern,
    NumberSeries,
    allocate,
    check_pattern,
    next_number,
    pattern_for,
    roman_month,
)
from app.core.roles import Role
from app.extensions import db
from app.registration import services
from app.registration.models import Registration
from app.registration.states import Action
from tests.factories import create_person, create_registration, create_user

LSPS_PATTERN = "{seq:06d}/LSPS/PS-GEN/{roman_month}/{year}"


def series_key(name: str = "uji") -> str:
    return f"{name}-{uuid.uuid4().hex[:12]}"


def test_allocate_counts_from_one(ctx):
    key = series_key()
    assert [allocate(key) for _ in range(5)] == [1, 2, 3, 4, 5]
    assert db.session.get(NumberSeries, key).last_value == 5


def test_series_are_independent(ctx):
    a, b = series_key("a"), series_key("b")
    assert allocate(a) == 1
    assert allocate(a) == 2
    assert allocate(b) == 1
    assert allocate(a) == 3
    assert allocate(b) == 2


def test_next_number_formats_with_roman_month_and_yearly_series(ctx):
    series = series_key("sertifikat")
    assert next_number(series, LSPS_PATTERN, date(2026, 11, 5)) == "000001/LSPS/PS-GEN/XI/2026"
    assert next_number(series, LSPS_PATTERN, date(2026, 12, 31)) == "000002/LSPS/PS-GEN/XII/2026"
    # A new year starts a new series.
    assert next_number(series, LSPS_PATTERN, date(2027, 1, 2)) == "000001/LSPS/PS-GEN/I/2027"
    assert next_number(series, LSPS_PATTERN, date(2026, 4, 9)) == "000003/LSPS/PS-GEN/IV/2026"
    assert db.session.get(NumberSeries, f"{series}/2026").last_value == 3


def test_next_number_takes_named_parts(ctx):
    series = series_key("reg")
    number = next_number(
        series,
        "{seq:06d}/REG/{province}/{roman_month}/{year}",
        date(2026, 8, 17),
        province="32",
    )
    assert number == "000001/REG/32/VIII/2026"
    # A pattern without the province counts in the series' own yearly counter.
    number = next_number(series, "{seq}-{month:02d}-{year}", date(2026, 3, 1))
    assert number == "1-03-2026"


def test_roman_months():
    expected = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]
    assert [roman_month(m) for m in range(1, 13)] == expected


def test_rolled_back_allocation_leaves_no_gap(ctx):
    key = series_key()
    assert allocate(key) == 1
    db.session.commit()  # (a savepoint of the test's transaction: kept until the test ends)
    assert allocate(key) == 2
    db.session.rollback()  # the caller failed after allocating: the number goes back
    assert allocate(key) == 2
    db.session.commit()
    assert allocate(key) == 3


# --- Concurrency: real commits from many threads -----------------------------------------------------

THREADS = 8
PER_THREAD = 25


def run_threads(app, work) -> list:
    """Run work(thread_index) in THREADS threads released together; return their results."""
    barrier = threading.Barrier(THREADS)

    def start(index):
        barrier.wait(timeout=30)
        return work(index)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return [f.result(timeout=120) for f in [pool.submit(start, i) for i in range(THREADS)]]


@pytest.fixture
def live_series(app):
    key = series_key("bersamaan")
    yield key
    with app.app_context():
        db.session.execute(delete(NumberSeries).where(NumberSeries.key == key))
        db.session.commit()


def last_value(app, key: str) -> int:
    with app.app_context():
        return db.session.get(NumberSeries, key).last_value


@pytest.mark.live
def test_concurrent_allocations_are_unique_and_gap_free(app, live_series):
    def work(index):
        numbers = []
        for _ in range(PER_THREAD):
            with app.app_context():
                numbers.append(allocate(live_series))
                db.session.commit()
        return numbers

    numbers = [n for chunk in run_threads(app, work) for n in chunk]
    assert len(numbers) == THREADS * PER_THREAD
    assert sorted(numbers) == list(range(1, THREADS * PER_THREAD + 1))
    assert last_value(app, live_series) == THREADS * PER_THREAD


@pytest.mark.live
def test_concurrent_rollbacks_leave_no_gap(app, live_series):
    def work(index):
        committed, rolled_back = [], 0
        for i in range(PER_THREAD):
            with app.app_context():
                number = allocate(live_series)
                if (index + i) % 3 == 0:
                    db.session.rollback()
                    rolled_back += 1
                else:
                    db.session.commit()
                    committed.append(number)
        return committed, rolled_back

    results = run_threads(app, work)
    committed = [n for numbers, _ in results for n in numbers]
    assert sum(count for _, count in results) > 0  # some threads really did roll back
    assert sorted(committed) == list(range(1, len(committed) + 1))
    assert last_value(app, live_series) == len(committed)


# --- Patterns as data ---------------------------------------------------------------------------------


def test_pattern_lookup_falls_back_from_scope_to_series_default(ctx):
    assert pattern_for("registration") == "{seq:06d}/REG/{province}/{roman_month}/{year}"
    db.session.add(
        NumberPattern(
            series="registration", scope_kind="province", scope_code="33", pattern="{seq:05d}/JTG/{year}"
        )
    )
    db.session.flush()
    assert pattern_for("registration", ("province", "33")) == "{seq:05d}/JTG/{year}"
    assert pattern_for("registration", [("regency", "33.74"), ("province", "33")]) == "{seq:05d}/JTG/{year}"
    assert pattern_for("registration", ("province", "32")).startswith("{seq:06d}/REG/")
    with pytest.raises(LookupError):
        pattern_for("tidak-ada")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{seq:06d}/REG/{kota}/{year}", "Penanda {kota} tidak dikenal."),
        ("{seq:06d}/REG/{province}", "Pola harus memuat {seq} (nomor urut) dan {year} (tahun)"),
        ("{seq:06d}/REG/{province/{year}", "Pola tidak valid: periksa tanda kurung kurawal"),
        ("{seq:zz}/REG/{year}", "Format penanda tidak valid"),
        ("{seq:06d}/" + "X" * 60 + "/{year}", "Nomor yang dihasilkan terlalu panjang"),
    ],
)
def test_invalid_patterns_are_refused_with_a_message(ctx, pattern, message):

    with pytest.raises(DomainError) as error:
        check_pattern("registration", pattern)
    assert error.value.field == "pattern"
    assert message in str(error.value.message)


def test_a_valid_pattern_renders_an_example(ctx):

    assert check_pattern("registration", "REG-{province}-{year}-{seq:04d}") == "REG-32-2026-0123"


def test_registration_counters_are_per_province(app, ctx):

    admin_ref = create_user(app, Role.MINISTRY_ADMIN)
    ids = [
        create_registration(app, create_person(app, village=village), region=region)
        for village, region in (
            ("32.04.12.2002", "32.04"),
            ("33.74.01.1001", "33.74"),
            ("32.73.01.1001", "32.73"),
        )
    ]
    admin = db.session.get(User, admin_ref.id)
    numbers = []
    for registration_id in ids:
        registration = db.session.get(Registration, registration_id)
        services.decide(registration, Action.VERIFY, admin)
        numbers.append(registration.registration_number)
    year = local_today().year
    seq = [int(number.split("/")[0]) for number in numbers]
    assert [number.split("/")[2] for number in numbers] == ["32", "33", "32"]
    assert seq[2] == seq[0] + 1  # Jawa Barat counts on, whatever Jawa Tengah did
    assert db.session.get(NumberSeries, f"registration/33/{year}").last_value == seq[1]
    assert db.session.get(NumberSeries, f"registration/32/{year}").last_value == seq[2]


# --- The ministry admin's pattern page ----------------------------------------------------------------


def _pattern_id(app) -> int:

    with app.app_context():
        return db.session.scalar(select(NumberPattern.id).filter_by(series="registration", scope_kind=""))


def test_admin_edits_a_pattern_and_sees_an_example(app, client, logged_in):
    logged_in(Role.MINISTRY_ADMIN)
    html = client.get("/admin/penomoran").get_data(as_text=True)
    assert "Nomor registrasi" in html and "000123/REG/32/XI/2026" in html
    pattern_id = _pattern_id(app)
    assert "000123/REG/32/XI/2026" in client.get(f"/admin/penomoran/{pattern_id}").get_data(as_text=True)

    response = client.post(f"/admin/penomoran/{pattern_id}", data={"pattern": "{seq:06d}/REG/{kota}/{year}"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Penanda {kota} tidak dikenal." in html
    assert 'value="{seq:06d}/REG/{kota}/{year}"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.get(NumberPattern, pattern_id).pattern.startswith("{seq:06d}/REG/{province}")

    response = client.post(
        f"/admin/penomoran/{pattern_id}", data={"pattern": "{seq:06d}/SDMK/{province}/{roman_month}/{year}"}
    )
    assert response.status_code == 302
    assert "000123/SDMK/32/XI/2026" in client.get("/admin/penomoran").get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import select

        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "number_pattern.updated"))
        assert event.after["pattern"] == "{seq:06d}/SDMK/{province}/{roman_month}/{year}"


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.MINISTRY_ADMIN])
def test_only_the_ministry_admin_edits_patterns(app, client, logged_in, role):
    logged_in(role)
    assert client.get("/admin/penomoran").status_code == 403
    assert (
        client.post(f"/admin/penomoran/{_pattern_id(app)}", data={"pattern": "{seq}/{year}"}).status_code
        == 403
    )
