"""Unit tests for the birth-date/age rule and the mobile-number rule of app.people.identity."""

from __future__ import annotations

from datetime import date

import pytest

from app.people.identity import age_on, check_birth_date, parse_mobile_phone, parse_phone

# Years away from the real date: a rule that ignored `today` would fail.
TODAY = date(2051, 3, 10)


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (date(2000, 3, 10), 51),  # birthday today
        (date(2000, 3, 11), 50),  # birthday tomorrow
        (date(2000, 2, 29), 51),
        (date(2051, 3, 10), 0),
    ],
)
def test_age_on_counts_whole_years(born, expected):
    assert age_on(born, TODAY) == expected


def test_a_birth_date_in_the_future_is_a_hard_error():
    result = check_birth_date(date(2051, 3, 11), today=TODAY)
    assert not result.ok
    assert "masa depan" in str(result.errors[0]) and "11-03-2051" in str(result.errors[0])


@pytest.mark.parametrize(
    ("born", "ok"),
    [
        (date(2036, 3, 10), True),  # exactly 15 today
        (date(2036, 3, 11), False),  # 14, turns 15 tomorrow
        (date(1951, 3, 10), True),  # exactly 100
        (date(1950, 3, 10), False),  # 101
        (date(1890, 1, 1), False),
    ],
)
def test_age_must_be_within_the_default_range_inclusive(born, ok):
    assert check_birth_date(born, today=TODAY).ok is ok


def test_age_bounds_are_parameters_and_messages_name_them():
    too_young = check_birth_date(date(2040, 1, 1), min_age=18, max_age=60, today=TODAY)
    assert "usianya 11 tahun" in str(too_young.errors[0]) and "minimal 18 tahun" in str(too_young.errors[0])
    too_old = check_birth_date(date(1980, 1, 1), min_age=18, max_age=60, today=TODAY)
    assert "usianya 71 tahun" in str(too_old.errors[0]) and "maksimal 60 tahun" in str(too_old.errors[0])
    assert check_birth_date(date(2000, 1, 1), min_age=18, max_age=60, today=TODAY).ok


def test_a_missing_birth_date_is_an_error():
    assert not check_birth_date(None, today=TODAY).ok


@pytest.mark.parametrize("raw", ["0812 3456 7890", "+62 812-3456-7890", "6285712345678", "+1 650 253 0000"])
def test_mobile_numbers_are_accepted(raw):
    result = parse_mobile_phone(raw)
    assert result.ok and result.value.startswith("+")


@pytest.mark.parametrize("raw", ["(021) 5551234", "022-7001234", "+62 21 5551234"])
def test_landlines_are_refused_as_mobile_but_valid_phones(raw):
    mobile = parse_mobile_phone(raw)
    assert not mobile.ok and "bukan nomor HP" in str(mobile.errors[0])
    assert "Telepon rumah/kantor" in str(mobile.errors[0])
    assert parse_phone(raw).ok


def test_an_invalid_number_keeps_the_general_message():
    result = parse_mobile_phone("12345")
    assert not result.ok and "tidak valid" in str(result.errors[0])
