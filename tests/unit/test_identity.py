"""Unit tests for app.people.identity: NIK, NIP and phone rules (no app, no database)."""

from __future__ import annotations

from datetime import date

import pytest

from app.people.identity import (
    SEX_FEMALE,
    SEX_MALE,
    IdentityCheck,
    NikParts,
    NipParts,
    check_nik,
    check_nip,
    format_phone_local,
    mask_nik,
    normalize_nik,
    parse_phone,
)

TODAY = date(2026, 11, 23)
PROVINCES = {"11", "31", "32", "33", "35", "51", "91"}


def province_exists(code: str) -> bool:
    return code in PROVINCES


def nik(raw: str, **kwargs) -> IdentityCheck:
    """check_nik with the fixed date and province list of these tests."""
    kwargs.setdefault("province_exists", province_exists)
    kwargs.setdefault("today", TODAY)
    return check_nik(raw, **kwargs)


def nip(raw: str, **kwargs) -> IdentityCheck:
    kwargs.setdefault("today", TODAY)
    return check_nip(raw, **kwargs)


def messages(items: list) -> list[str]:
    return [str(m) for m in items]


def build_nik(day: str, month: str, year: str, *, region: str = "320405", serial: str = "0001") -> str:
    return f"{region}{day}{month}{year}{serial}"


# --------------------------------------------------------------------------------------------
# NIK: valid numbers


def test_valid_male_nik_is_parsed_into_parts():
    result = nik("3204051208900001")

    assert result.ok
    assert result.errors == []
    assert result.warnings == []
    assert result.value == "3204051208900001"
    assert result.parts == NikParts(
        province_code="32",
        regency_code="32.04",
        district_code="32.04.05",
        birth_date=date(1990, 8, 12),
        sex=SEX_MALE,
        serial="0001",
    )


def test_valid_female_nik_has_forty_added_to_the_day():
    result = nik("3204055208900002")

    assert result.ok
    assert result.parts == NikParts(
        province_code="32",
        regency_code="32.04",
        district_code="32.04.05",
        birth_date=date(1990, 8, 12),
        sex=SEX_FEMALE,
        serial="0002",
    )


def test_woman_born_on_29_february_of_a_leap_year_is_accepted():
    result = nik(build_nik("69", "02", "00"))

    assert result.ok, messages(result.errors)
    assert result.parts.birth_date == date(2000, 2, 29)
    assert result.parts.sex == SEX_FEMALE


def test_man_born_on_29_february_of_a_leap_year_is_accepted():
    result = nik(build_nik("29", "02", "96"))

    assert result.ok
    assert result.parts.birth_date == date(1996, 2, 29)


@pytest.mark.parametrize("day", ["29", "69"])
def test_29_february_in_a_non_leap_year_is_rejected(day):
    result = nik(build_nik(day, "02", "01"))

    assert not result.ok
    assert result.parts is None
    assert messages(result.errors) == [
        "Tanggal lahir pada NIK tidak valid: 29-02-2001 tidak ada di kalender."
    ]


@pytest.mark.parametrize(
    ("day", "expected_day", "expected_sex"),
    [
        ("01", 1, SEX_MALE),
        ("31", 31, SEX_MALE),
        ("41", 1, SEX_FEMALE),
        ("71", 31, SEX_FEMALE),
    ],
)
def test_day_code_boundaries_are_accepted(day, expected_day, expected_sex):
    result = nik(build_nik(day, "01", "90"))

    assert result.ok
    assert result.parts.birth_date == date(1990, 1, expected_day)
    assert result.parts.sex == expected_sex


# --------------------------------------------------------------------------------------------
# NIK: normalisation


def test_normalize_nik_strips_spaces_dots_and_dashes():
    assert normalize_nik("3204.1208.9000-0001") == "3204120890000001"
    assert normalize_nik("  3204 1208 9000 0001\n") == "3204120890000001"
    assert normalize_nik("32-04-05 12.08.90-0001") == "3204051208900001"
    assert normalize_nik("") == ""


def test_check_nik_accepts_a_nik_typed_with_separators():
    result = nik(" 3204.05-12 08.90-0001 ")

    assert result.ok
    assert result.value == "3204051208900001"
    assert result.parts.birth_date == date(1990, 8, 12)


# --------------------------------------------------------------------------------------------
# NIK: century of the two-digit year (today is 2026-11-23)


@pytest.mark.parametrize(
    ("nik_date", "expected"),
    [
        (("01", "01", "00"), date(2000, 1, 1)),
        (("12", "08", "90"), date(1990, 8, 12)),
        (("23", "11", "26"), date(2026, 11, 23)),  # born today: 0 years old
        (("24", "11", "26"), date(1926, 11, 24)),  # tomorrow in 2026 would be in the future
        (("01", "12", "26"), date(1926, 12, 1)),
        (("01", "01", "27"), date(1927, 1, 1)),
        (("31", "12", "99"), date(1999, 12, 31)),
        (("01", "01", "25"), date(2025, 1, 1)),
    ],
)
def test_two_digit_year_takes_the_century_that_is_not_in_the_future(nik_date, expected):
    result = nik(build_nik(*nik_date))

    assert result.ok
    assert result.parts.birth_date == expected
    assert result.parts.birth_date <= TODAY
    assert (TODAY - result.parts.birth_date).days < 100 * 366


def test_century_follows_the_given_today():
    result = nik(build_nik("01", "01", "30"), today=date(2031, 1, 1))

    assert result.parts.birth_date == date(2030, 1, 1)


# --------------------------------------------------------------------------------------------
# NIK: hard errors


@pytest.mark.parametrize("raw", ["", "   ", " . - "])
def test_empty_nik_is_rejected(raw):
    result = nik(raw)

    assert not result.ok
    assert result.value is None
    assert result.parts is None
    assert messages(result.errors) == ["NIK wajib diisi."]


@pytest.mark.parametrize(
    ("raw", "length"),
    [("320405120890001", 15), ("32040512089000011", 17), ("3204", 4)],
)
def test_nik_of_the_wrong_length_is_rejected(raw, length):
    result = nik(raw)

    assert not result.ok
    assert result.value is None
    assert messages(result.errors) == [f"NIK harus terdiri dari 16 digit (saat ini {length} digit)."]


@pytest.mark.parametrize("raw", ["320405120890000A", "NIK3204051208900", "3204051208９00001"])
def test_nik_with_non_digits_is_rejected(raw):
    result = nik(raw)

    assert not result.ok
    assert result.value is None
    assert messages(result.errors) == ["NIK hanya boleh berisi angka."]


def test_unknown_province_is_rejected():
    result = nik(build_nik("12", "08", "90", region="990405"))

    assert not result.ok
    assert result.value == "9904051208900001"
    assert result.parts is None
    assert messages(result.errors) == ["Kode provinsi 99 pada NIK tidak dikenal."]


@pytest.mark.parametrize("day", ["00", "32", "39", "40", "72", "99"])
def test_impossible_day_code_is_rejected(day):
    result = nik(build_nik(day, "01", "90"))

    assert not result.ok
    assert messages(result.errors) == [
        f"Tanggal lahir pada NIK tidak valid: kode tanggal {day} harus 01–31 (laki-laki) "
        "atau 41–71 (perempuan)."
    ]


@pytest.mark.parametrize("month", ["00", "13", "99"])
def test_impossible_month_is_rejected(month):
    result = nik(build_nik("12", month, "90"))

    assert not result.ok
    assert messages(result.errors) == [f"Tanggal lahir pada NIK tidak valid: bulan {month} harus 01–12."]


@pytest.mark.parametrize(("day", "shown"), [("31", "31-04-1990"), ("71", "31-04-1990")])
def test_31_april_is_rejected_for_men_and_women(day, shown):
    result = nik(build_nik(day, "04", "90"))

    assert not result.ok
    assert messages(result.errors) == [f"Tanggal lahir pada NIK tidak valid: {shown} tidak ada di kalender."]


def test_serial_0000_is_rejected():
    result = nik(build_nik("12", "08", "90", serial="0000"))

    assert not result.ok
    assert messages(result.errors) == ["Nomor urut pada NIK tidak boleh 0000."]


def test_all_hard_errors_are_reported_together():
    result = nik("9904050013900000")

    assert messages(result.errors) == [
        "Kode provinsi 99 pada NIK tidak dikenal.",
        "Tanggal lahir pada NIK tidak valid: kode tanggal 00 harus 01–31 (laki-laki) atau 41–71 (perempuan).",
        "Tanggal lahir pada NIK tidak valid: bulan 13 harus 01–12.",
        "Nomor urut pada NIK tidak boleh 0000.",
    ]


# --------------------------------------------------------------------------------------------
# NIK: warnings an officer may override


def test_birth_date_mismatch_is_a_warning_not_an_error():
    result = nik("3204051208900001", birth_date=date(1990, 8, 13))

    assert result.ok
    assert result.parts is not None
    assert messages(result.warnings) == [
        "Tanggal lahir pada NIK (12-08-1990) berbeda dengan tanggal lahir yang diisi (13-08-1990)."
    ]


def test_matching_birth_date_and_sex_give_no_warning():
    result = nik("3204055208900002", birth_date=date(1990, 8, 12), sex=SEX_FEMALE)

    assert result.ok
    assert result.warnings == []


def test_sex_mismatch_is_a_warning_not_an_error():
    result = nik("3204055208900002", sex=SEX_MALE)

    assert result.ok
    assert messages(result.warnings) == [
        "Jenis kelamin pada NIK (perempuan) berbeda dengan yang diisi (laki-laki)."
    ]


def test_sex_mismatch_the_other_way_round():
    result = nik("3204051208900001", sex=SEX_FEMALE)

    assert messages(result.warnings) == [
        "Jenis kelamin pada NIK (laki-laki) berbeda dengan yang diisi (perempuan)."
    ]


def test_entered_sex_is_case_insensitive_and_blank_means_not_entered():
    assert nik("3204055208900002", sex="p").warnings == []
    assert nik("3204055208900002", sex="").warnings == []
    assert nik("3204055208900002", sex=None).warnings == []


def test_entered_sex_other_than_l_or_p_is_a_programming_error():
    with pytest.raises(ValueError):
        nik("3204055208900002", sex="X")


def test_unknown_district_is_a_warning():
    asked: list[str] = []

    def district_exists(code: str) -> bool:
        asked.append(code)
        return code == "32.04.05"

    result = nik("3204991208900001", district_exists=district_exists)

    assert asked == ["32.04.99"]
    assert result.ok
    assert result.parts.district_code == "32.04.99"
    assert messages(result.warnings) == ["Kode kecamatan 32.04.99 pada NIK tidak ada di data wilayah."]


def test_known_district_gives_no_warning():
    result = nik("3204051208900001", district_exists=lambda code: code == "32.04.05")

    assert result.ok
    assert result.warnings == []


def test_district_is_not_looked_up_for_an_unknown_province():
    def district_exists(code: str) -> bool:
        raise AssertionError("district lookup should be skipped")

    result = nik(build_nik("12", "08", "90", region="990405"), district_exists=district_exists)

    assert not result.ok
    assert result.warnings == []


def test_all_warnings_are_reported_together():
    result = nik(
        "3204995208900001",
        birth_date=date(1991, 8, 12),
        sex=SEX_MALE,
        district_exists=lambda code: False,
    )

    assert result.ok
    assert len(result.warnings) == 3


def test_no_date_warning_when_the_nik_date_is_impossible():
    result = nik(build_nik("31", "04", "90"), birth_date=date(1990, 4, 30), sex=SEX_MALE)

    assert not result.ok
    assert result.warnings == []


# --------------------------------------------------------------------------------------------
# NIK: masking


def test_mask_nik_shows_first_and_last_four_digits():
    assert mask_nik("3204051208900001") == "3204********0001"
    assert mask_nik("3204.0512.0890-0001") == "3204********0001"


def test_mask_nik_hides_a_partial_number_entirely():
    assert mask_nik("32040512") == "********"
    assert mask_nik("") == ""


# --------------------------------------------------------------------------------------------
# NIP


def test_valid_male_nip_is_parsed_into_parts():
    result = nip("199008122015031001")

    assert result.ok
    assert result.value == "199008122015031001"
    assert result.warnings == []
    assert result.parts == NipParts(
        birth_date=date(1990, 8, 12),
        appointment=date(2015, 3, 1),
        sex=SEX_MALE,
        serial="001",
    )


def test_valid_female_nip_typed_with_spaces_and_dots():
    result = nip(" 19900812 201503 2 002 ")

    assert result.ok
    assert result.value == "199008122015032002"
    assert result.parts.sex == SEX_FEMALE
    assert result.parts.serial == "002"


def test_appointment_in_the_current_month_is_accepted():
    assert nip("199008122026111001").ok


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "NIP wajib diisi."),
        ("19900812201503100", "NIP harus terdiri dari 18 digit (saat ini 17 digit)."),
        ("1990081220150310011", "NIP harus terdiri dari 18 digit (saat ini 19 digit)."),
        ("19900812201503100A", "NIP hanya boleh berisi angka."),
    ],
)
def test_nip_shape_errors(raw, error):
    result = nip(raw)

    assert not result.ok
    assert result.value is None
    assert messages(result.errors) == [error]


@pytest.mark.parametrize("sex_digit", ["0", "3", "9"])
def test_nip_sex_digit_other_than_1_or_2_is_rejected(sex_digit):
    result = nip(f"19900812201503{sex_digit}001")

    assert not result.ok
    assert messages(result.errors) == [
        f"Kode jenis kelamin pada NIP harus 1 (laki-laki) atau 2 (perempuan), bukan {sex_digit}."
    ]


@pytest.mark.parametrize("appointment", ["201500", "201513"])
def test_nip_appointment_month_must_exist(appointment):
    result = nip(f"19900812{appointment}1001")

    assert not result.ok
    assert messages(result.errors) == [
        f"Tahun-bulan pengangkatan pada NIP tidak valid: {appointment} bukan bulan yang ada."
    ]


@pytest.mark.parametrize(("appointment", "shown"), [("202612", "12-2026"), ("203001", "01-2030")])
def test_nip_appointment_in_the_future_is_rejected(appointment, shown):
    result = nip(f"19900812{appointment}1001")

    assert not result.ok
    assert messages(result.errors) == [f"Tahun-bulan pengangkatan pada NIP ({shown}) berada di masa depan."]


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900800"])
def test_nip_birth_date_must_be_a_real_date(birth):
    result = nip(f"{birth}2015031001")

    assert not result.ok
    assert messages(result.errors) == [f"Tanggal lahir pada NIP tidak valid: {birth} bukan tanggal yang ada."]


def test_nip_birth_date_in_the_future_is_rejected():
    result = nip("202701012015031001")

    assert not result.ok
    assert messages(result.errors) == ["Tanggal lahir pada NIP tidak valid: 01-01-2027 berada di masa depan."]


def test_nip_appointment_before_age_15_is_rejected():
    result = nip("200503152015021001")

    assert not result.ok
    assert messages(result.errors) == [
        "Tahun-bulan pengangkatan pada NIP (02-2015) tidak masuk akal: kurang dari 15 tahun "
        "setelah tanggal lahir (15-03-2005)."
    ]


def test_nip_appointment_before_birth_is_rejected():
    result = nip("201001012005011001")

    assert not result.ok
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith("Tahun-bulan pengangkatan pada NIP (01-2005)")


def test_nip_age_15_and_80_at_appointment_are_accepted():
    assert nip("200003152015031001").ok
    assert nip("193912012020111001").ok  # 80 years 11 months


def test_nip_age_over_80_at_appointment_is_rejected():
    result = nip("193912012020121001")  # 81 years exactly

    assert not result.ok
    assert messages(result.errors) == [
        "Tanggal lahir pada NIP tidak valid: usia saat pengangkatan (81 tahun) lebih dari 80 tahun."
    ]


def test_nip_serial_000_is_rejected():
    result = nip("199008122015031000")

    assert not result.ok
    assert messages(result.errors) == ["Nomor urut pada NIP tidak boleh 000."]


def test_nip_birth_date_and_sex_mismatch_are_warnings():
    result = nip("199008122015031001", birth_date=date(1990, 8, 13), sex=SEX_FEMALE)

    assert result.ok
    assert result.parts is not None
    assert messages(result.warnings) == [
        "Tanggal lahir pada NIP (12-08-1990) berbeda dengan tanggal lahir yang diisi (13-08-1990).",
        "Jenis kelamin pada NIP (laki-laki) berbeda dengan yang diisi (perempuan).",
    ]


def test_nip_matching_birth_date_and_sex_give_no_warning():
    result = nip("199008122015032001", birth_date=date(1990, 8, 12), sex=SEX_FEMALE)

    assert result.ok
    assert result.warnings == []


# --------------------------------------------------------------------------------------------
# Phone numbers


@pytest.mark.parametrize(
    "raw",
    [
        "0812 3456 7890",
        "081234567890",
        "0812-3456-7890",
        "+62 812-3456-7890",
        "+6281234567890",
        "6281234567890",
        "62 812 3456 7890",
        " (0812) 3456.7890 ",
    ],
)
def test_parse_phone_accepts_usual_shapes(raw):
    result = parse_phone(raw)

    assert result.ok, messages(result.errors)
    assert result.value == "+6281234567890"
    assert result.warnings == []


def test_parse_phone_accepts_a_landline_with_area_code():
    result = parse_phone("021 5551234")

    assert result.ok
    assert result.value == "+62215551234"


def test_parse_phone_accepts_a_foreign_number_with_country_code():
    result = parse_phone("+1 650 253 0000")

    assert result.ok
    assert result.value == "+16502530000"


@pytest.mark.parametrize(
    "raw",
    ["12345", "0812", "telepon", "+62 0000 0000", "+6281234567890123", "0812345678901234567"],
)
def test_parse_phone_rejects_invalid_numbers(raw):
    result = parse_phone(raw)

    assert not result.ok
    assert result.value is None
    assert messages(result.errors) == [
        "Nomor telepon tidak valid. Tulis dengan awalan 0 (contoh: 0812-3456-7890) atau dengan "
        "kode negara (contoh: +62 812-3456-7890)."
    ]


@pytest.mark.parametrize("raw", ["", "   "])
def test_parse_phone_rejects_empty_input(raw):
    result = parse_phone(raw)

    assert not result.ok
    assert messages(result.errors) == ["Nomor telepon wajib diisi."]


def test_format_phone_local_uses_indonesian_national_format():
    assert format_phone_local("+6281234567890") == "0812-3456-7890"
    assert format_phone_local("+62215551234") == "(021) 5551234"


def test_format_phone_local_uses_international_format_for_other_countries():
    assert format_phone_local("+16502530000") == "+1 650-253-0000"


def test_format_phone_local_returns_unparseable_input_unchanged():
    assert format_phone_local("bukan nomor") == "bukan nomor"


def test_phone_round_trip():
    stored = parse_phone("0812 3456 7890").value

    assert format_phone_local(stored) == "0812-3456-7890"
    assert parse_phone(format_phone_local(stored)).value == stored


# --------------------------------------------------------------------------------------------
# IdentityCheck


def test_identity_check_ok_ignores_warnings():
    assert IdentityCheck(value="x", warnings=["w"]).ok
    assert not IdentityCheck(value=None, errors=["e"]).ok
