"""The number allocator: sequential per series, formatted with Roman months, gap-free when a
transaction rolls back, and unique under concurrency (threads committing for real)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import delete

from app.core.numbering import NumberSeries, allocate, next_number, roman_month
from app.extensions import db

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
