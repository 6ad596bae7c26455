"""Identity numbers and phone numbers: the rules, in one place.

Pure functions, no database and no request: the caller passes region lookups in as callables
(``province_exists("32")``, ``district_exists("32.04.05")``) and ``today`` when it needs a fixed
date (tests). Every check returns an :class:`IdentityCheck` that separates **hard errors** (the
input must be rejected) from **warnings** (an officer may override them, domain brief §9).

* NIK (Nomor Induk Kependudukan), 16 digits::

      PP RR DD ddmmyy SSSS
      │  │  │  │      └ serial, 0001–9999
      │  │  │  └ birth date; women have 40 added to the day
      │  │  └ district (kecamatan) of registration
      │  └ regency (kabupaten/kota)
      └ province

  The region codes say where the NIK was *issued*; they are never a current address.

* NIP (Nomor Induk Pegawai, civil servants), 18 digits::

      yyyymmdd yyyymm S NNN
      │        │      │ └ serial, 001–999
      │        │      └ sex: 1 male, 2 female
      │        └ appointment year-month (TMT CPNS)
      └ birth date

* Phone numbers are parsed with ``phonenumbers`` (never a regex), stored as E.164 and shown in
  Indonesian national format; a mobile ("Nomor HP") must be of a mobile type.

* Birth dates: never in the future, and the age on ``today`` within a configurable range.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

SEX_MALE = "L"  # laki-laki
SEX_FEMALE = "P"  # perempuan

NIK_LENGTH = 16
NIP_LENGTH = 18

# A user-facing message: a lazy (translatable) string, or a plain one.
Message = str | LazyString

# Separators people type or paste inside numbers: whitespace (incl. non-breaking space), dots,
# the ASCII hyphen and the Unicode dashes that word processors substitute for it.
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")

_DATE_FORMAT = "%d-%m-%Y"
_MONTH_FORMAT = "%m-%Y"

# Age at appointment that a NIP may plausibly encode.
_NIP_MIN_AGE = 15
_NIP_MAX_AGE = 80

_SEX_LABELS: dict[str, LazyString] = {
    SEX_MALE: _l("laki-laki"),
    SEX_FEMALE: _l("perempuan"),
}


@dataclass(frozen=True)
class NikParts:
    """What a valid NIK encodes. Region codes use the dotted Kemendagri form."""

    province_code: str  # "32"
    regency_code: str  # "32.04"
    district_code: str  # "32.04.05"
    birth_date: date
    sex: str  # SEX_MALE or SEX_FEMALE
    serial: str  # "0001"


@dataclass(frozen=True)
class NipParts:
    """What a valid NIP encodes."""

    birth_date: date
    appointment: date  # first day of the appointment month
    sex: str  # SEX_MALE or SEX_FEMALE
    serial: str  # "001"


@dataclass
class IdentityCheck:
    """The outcome of checking one identity value.

    ``value`` is the normalised value (digits only for NIK/NIP, E.164 for phones) as soon as the
    input has the right shape (right number of digits, or a parseable phone number), even if
    other hard errors remain; it is ``None`` when the input could not be parsed at all.
    ``parts`` is only filled when there are no hard errors.
    """

    value: str | None
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    parts: NikParts | NipParts | None = None

    @property
    def ok(self) -> bool:
        """True when there is no hard error (warnings are allowed)."""
        return not self.errors


# --------------------------------------------------------------------------------------------
# Helpers


def _today() -> date:
    """Today's date in Indonesia's western time zone (where most offices are)."""
    try:
        return datetime.now(ZoneInfo("Asia/Jakarta")).date()
    except ZoneInfoNotFoundError:  # pragma: no cover - system without tz data
        return date.today()


def _strip_separators(raw: str | None) -> str:
    return _SEPARATORS.sub("", raw or "")


def _normalize_sex(sex: str | None) -> str | None:
    """Accept "L"/"P" in any case; ``None`` or "" mean "not entered"."""
    if sex is None or not sex.strip():
        return None
    value = sex.strip().upper()
    if value not in (SEX_MALE, SEX_FEMALE):
        raise ValueError(f"sex must be {SEX_MALE!r} or {SEX_FEMALE!r}, not {sex!r}")
    return value


def _fmt(d: date) -> str:
    return d.strftime(_DATE_FORMAT)


def _sex_label(sex: str) -> LazyString:
    return _SEX_LABELS[sex]


def _years_between_months(start: date, end: date) -> int:
    """Whole years from ``start``'s month to ``end``'s month (month granularity, may be < 0)."""
    months = (end.year * 12 + end.month) - (start.year * 12 + start.month)
    return months // 12


# --------------------------------------------------------------------------------------------
# NIK


def normalize_nik(raw: str) -> str:
    """Remove surrounding whitespace and the spaces, dots and dashes people type inside a NIK.

    >>> normalize_nik(" 3204.1208 9000-0001 ")
    '3204120890000001'
    """
    return _strip_separators(raw)


def _nik_century_year(yy: int, month: int, day: int, today: date) -> int:
    """The four-digit year for a two-digit NIK year.

    Take the century that puts the birth date on or before ``today``, i.e. makes the person
    between 0 and 100 years old (``00`` → 2000, ``90`` → 1990 when today is in 2026).
    Comparing (year, month, day) tuples works even when the day does not exist in that year;
    the calendar check comes afterwards.
    """
    year = today.year // 100 * 100 + yy
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year


class _DigitMessages(NamedTuple):
    empty: object
    not_digits: object
    wrong_length: Callable[[int], object]


_NIK_MESSAGES = _DigitMessages(
    _l("NIK wajib diisi."),
    _l("NIK hanya boleh berisi angka."),
    lambda n: _l(
        "NIK harus terdiri dari %(expected)s digit (saat ini %(n)s digit).", expected=NIK_LENGTH, n=n
    ),
)
_NIP_MESSAGES = _DigitMessages(
    _l("NIP wajib diisi."),
    _l("NIP hanya boleh berisi angka."),
    lambda n: _l(
        "NIP harus terdiri dari %(expected)s digit (saat ini %(n)s digit).", expected=NIP_LENGTH, n=n
    ),
)


def _digits_prelude(raw: str, length: int, messages: _DigitMessages) -> tuple[str, IdentityCheck | None]:
    """What NIK and NIP checks share: strip the separators people type, then require ASCII digits of
    the exact length. Returns the stripped value and, when it fails, the refusing result."""
    value = _strip_separators(raw)
    if not value:
        return value, IdentityCheck(value=None, errors=[messages.empty])
    if not _ASCII_DIGITS.fullmatch(value):
        return value, IdentityCheck(value=None, errors=[messages.not_digits])
    if len(value) != length:
        return value, IdentityCheck(value=None, errors=[messages.wrong_length(len(value))])
    return value, None


def check_nik(
    raw: str,
    *,
    birth_date: date | None = None,
    sex: str | None = None,
    province_exists: Callable[[str], bool],
    district_exists: Callable[[str], bool] | None = None,
    today: date | None = None,
) -> IdentityCheck:
    """Check a NIK and compare it with the birth date and sex entered alongside it.

    Hard errors: empty, not 16 digits, unknown province, impossible birth date, serial 0000.
    Warnings: birth date or sex differ from the entered ones, district not in the region data
    (only checked when ``district_exists`` is given).
    """
    today = today or _today()
    entered_sex = _normalize_sex(sex)
    nik, refused = _digits_prelude(raw, NIK_LENGTH, _NIK_MESSAGES)
    if refused is not None:
        return refused

    result = IdentityCheck(value=nik)
    province_code = nik[0:2]
    regency_code = f"{province_code}.{nik[2:4]}"
    district_code = f"{regency_code}.{nik[4:6]}"
    day_code, month_code, year_code = nik[6:8], nik[8:10], nik[10:12]
    serial = nik[12:16]

    province_known = province_exists(province_code)
    if not province_known:
        result.errors.append(_l("Kode provinsi %(code)s pada NIK tidak dikenal.", code=province_code))

    # Birth date and sex: women have 40 added to the day of birth.
    day_number, month = int(day_code), int(month_code)
    nik_sex: str | None = None
    day: int | None = None
    if 1 <= day_number <= 31:
        nik_sex, day = SEX_MALE, day_number
    elif 41 <= day_number <= 71:
        nik_sex, day = SEX_FEMALE, day_number - 40
    else:
        result.errors.append(
            _l(
                "Tanggal lahir pada NIK tidak valid: kode tanggal %(code)s harus 01–31 "
                "(laki-laki) atau 41–71 (perempuan).",
                code=day_code,
            )
        )
    month_valid = 1 <= month <= 12
    if not month_valid:
        result.errors.append(
            _l(
                "Tanggal lahir pada NIK tidak valid: bulan %(code)s harus 01–12.",
                code=month_code,
            )
        )

    nik_birth_date: date | None = None
    if day is not None and month_valid:
        year = _nik_century_year(int(year_code), month, day, today)
        try:
            nik_birth_date = date(year, month, day)
        except ValueError:
            result.errors.append(
                _l(
                    "Tanggal lahir pada NIK tidak valid: %(date)s tidak ada di kalender.",
                    date=f"{day:02d}-{month:02d}-{year}",
                )
            )

    if serial == "0000":
        result.errors.append(_l("Nomor urut pada NIK tidak boleh 0000."))

    # Warnings: only about parts that could be read.
    if nik_birth_date is not None and birth_date is not None and nik_birth_date != birth_date:
        result.warnings.append(
            _l(
                "Tanggal lahir pada NIK (%(nik_date)s) berbeda dengan tanggal lahir yang diisi "
                "(%(entered_date)s).",
                nik_date=_fmt(nik_birth_date),
                entered_date=_fmt(birth_date),
            )
        )
    if nik_sex is not None and entered_sex is not None and nik_sex != entered_sex:
        result.warnings.append(
            _l(
                "Jenis kelamin pada NIK (%(nik_sex)s) berbeda dengan yang diisi (%(entered_sex)s).",
                nik_sex=_sex_label(nik_sex),
                entered_sex=_sex_label(entered_sex),
            )
        )
    if province_known and district_exists is not None and not district_exists(district_code):
        result.warnings.append(
            _l(
                "Kode kecamatan %(code)s pada NIK tidak ada di data wilayah.",
                code=district_code,
            )
        )

    if result.ok:
        assert nik_birth_date is not None and nik_sex is not None
        result.parts = NikParts(
            province_code=province_code,
            regency_code=regency_code,
            district_code=district_code,
            birth_date=nik_birth_date,
            sex=nik_sex,
            serial=serial,
        )
    return result


def mask_nik(nik: str) -> str:
    """Hide the middle of a NIK: ``3204********0001`` (first 4, last 4 digits shown).

    Anything shorter than a NIK (a partial or mistyped number) is hidden entirely.
    """
    digits = normalize_nik(nik)
    if len(digits) < NIK_LENGTH:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


# --------------------------------------------------------------------------------------------
# NIP


def normalize_nip(raw: str) -> str:
    """Remove surrounding whitespace and the spaces, dots and dashes people type inside a NIP."""
    return _strip_separators(raw)


def check_nip(
    raw: str,
    *,
    birth_date: date | None = None,
    sex: str | None = None,
    today: date | None = None,
) -> IdentityCheck:
    """Check a civil servant's NIP and compare it with the entered birth date and sex.

    Hard errors: empty, not 18 digits, birth date not a real date or in the future, appointment
    month not real or in the future, appointment before age 15 or after age 80, sex digit other
    than 1/2, serial 000. Warnings: birth date or sex differ from the entered ones.
    """
    today = today or _today()
    entered_sex = _normalize_sex(sex)
    nip, refused = _digits_prelude(raw, NIP_LENGTH, _NIP_MESSAGES)
    if refused is not None:
        return refused

    result = IdentityCheck(value=nip)
    birth_code, appointment_code, sex_code, serial = nip[0:8], nip[8:14], nip[14], nip[15:18]

    nip_birth_date: date | None = None
    try:
        nip_birth_date = date(int(birth_code[0:4]), int(birth_code[4:6]), int(birth_code[6:8]))
    except ValueError:
        result.errors.append(
            _l(
                "Tanggal lahir pada NIP tidak valid: %(code)s bukan tanggal yang ada.",
                code=birth_code,
            )
        )
    if nip_birth_date is not None and nip_birth_date > today:
        result.errors.append(
            _l(
                "Tanggal lahir pada NIP tidak valid: %(date)s berada di masa depan.",
                date=_fmt(nip_birth_date),
            )
        )
        nip_birth_date = None

    appointment: date | None = None
    try:
        appointment = date(int(appointment_code[0:4]), int(appointment_code[4:6]), 1)
    except ValueError:
        result.errors.append(
            _l(
                "Tahun-bulan pengangkatan pada NIP tidak valid: %(code)s bukan bulan yang ada.",
                code=appointment_code,
            )
        )
    if appointment is not None and appointment > today:
        result.errors.append(
            _l(
                "Tahun-bulan pengangkatan pada NIP (%(month)s) berada di masa depan.",
                month=appointment.strftime(_MONTH_FORMAT),
            )
        )
        appointment = None

    if nip_birth_date is not None and appointment is not None:
        age = _years_between_months(nip_birth_date, appointment)
        if age < _NIP_MIN_AGE:
            result.errors.append(
                _l(
                    "Tahun-bulan pengangkatan pada NIP (%(month)s) tidak masuk akal: kurang dari "
                    "%(min_age)s tahun setelah tanggal lahir (%(date)s).",
                    month=appointment.strftime(_MONTH_FORMAT),
                    min_age=_NIP_MIN_AGE,
                    date=_fmt(nip_birth_date),
                )
            )
        elif age > _NIP_MAX_AGE:
            result.errors.append(
                _l(
                    "Tanggal lahir pada NIP tidak valid: usia saat pengangkatan (%(age)s tahun) "
                    "lebih dari %(max_age)s tahun.",
                    age=age,
                    max_age=_NIP_MAX_AGE,
                )
            )

    nip_sex: str | None = {"1": SEX_MALE, "2": SEX_FEMALE}.get(sex_code)
    if nip_sex is None:
        result.errors.append(
            _l(
                "Kode jenis kelamin pada NIP harus 1 (laki-laki) atau 2 (perempuan), bukan %(code)s.",
                code=sex_code,
            )
        )

    if serial == "000":
        result.errors.append(_l("Nomor urut pada NIP tidak boleh 000."))

    if nip_birth_date is not None and birth_date is not None and nip_birth_date != birth_date:
        result.warnings.append(
            _l(
                "Tanggal lahir pada NIP (%(nip_date)s) berbeda dengan tanggal lahir yang diisi "
                "(%(entered_date)s).",
                nip_date=_fmt(nip_birth_date),
                entered_date=_fmt(birth_date),
            )
        )
    if nip_sex is not None and entered_sex is not None and nip_sex != entered_sex:
        result.warnings.append(
            _l(
                "Jenis kelamin pada NIP (%(nip_sex)s) berbeda dengan yang diisi (%(entered_sex)s).",
                nip_sex=_sex_label(nip_sex),
                entered_sex=_sex_label(entered_sex),
            )
        )

    if result.ok:
        assert nip_birth_date is not None and appointment is not None and nip_sex is not None
        result.parts = NipParts(
            birth_date=nip_birth_date, appointment=appointment, sex=nip_sex, serial=serial
        )
    return result


# --------------------------------------------------------------------------------------------
# Birth date and age

DEFAULT_MIN_AGE = 15
DEFAULT_MAX_AGE = 100


def age_on(birth_date: date, today: date) -> int:
    """Whole years of age on ``today`` (a 29 February birthday counts from 1 March in other years)."""
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def check_birth_date(
    birth_date: date | None,
    *,
    min_age: int = DEFAULT_MIN_AGE,
    max_age: int = DEFAULT_MAX_AGE,
    today: date | None = None,
) -> IdentityCheck:
    """Hard errors for a birth date in the future, or an age on ``today`` below ``min_age`` or above
    ``max_age`` (both inclusive bounds). ``value`` is the ISO date when it could be read."""
    if birth_date is None:
        return IdentityCheck(value=None, errors=[_l("Tanggal lahir wajib diisi.")])
    today = today or _today()
    result = IdentityCheck(value=birth_date.isoformat())
    if birth_date > today:
        result.errors.append(
            _l("Tanggal lahir %(date)s berada di masa depan.", date=_fmt(birth_date)),
        )
        return result
    age = age_on(birth_date, today)
    if age < min_age:
        result.errors.append(
            _l(
                "Menurut tanggal lahir ini usianya %(age)s tahun; usia minimal %(min_age)s tahun.",
                age=age,
                min_age=min_age,
            )
        )
    elif age > max_age:
        result.errors.append(
            _l(
                "Menurut tanggal lahir ini usianya %(age)s tahun; usia maksimal %(max_age)s tahun. "
                "Periksa tahun lahir.",
                age=age,
                max_age=max_age,
            )
        )
    return result


# --------------------------------------------------------------------------------------------
# Phone numbers

_PHONE_EXAMPLE_LOCAL = "0812-3456-7890"
_PHONE_EXAMPLE_INTERNATIONAL = "+62 812-3456-7890"
_INDONESIA_COUNTRY_CODE = 62


def parse_phone(raw: str, region: str = "ID") -> IdentityCheck:
    """Parse a phone number typed in any usual shape into E.164.

    Accepts "0812 3456 7890", "+62 812-3456-7890", "6281234567890", … (default region
    Indonesia). An empty input is an error: callers skip optional, blank fields themselves.
    """
    text = (raw or "").strip()
    if not text:
        return IdentityCheck(value=None, errors=[_l("Nomor telepon wajib diisi.")])
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        return IdentityCheck(
            value=None,
            errors=[
                _l(
                    "Nomor telepon tidak valid. Tulis dengan awalan 0 (contoh: %(local)s) atau dengan "
                    "kode negara (contoh: %(international)s).",
                    local=_PHONE_EXAMPLE_LOCAL,
                    international=_PHONE_EXAMPLE_INTERNATIONAL,
                )
            ],
        )
    return IdentityCheck(value=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def parse_mobile_phone(raw: str, region: str = "ID") -> IdentityCheck:
    """Like :func:`parse_phone`, but the number must be a mobile one (``phonenumbers`` says MOBILE or
    FIXED_LINE_OR_MOBILE): a landline belongs in the separate landline field."""
    result = parse_phone(raw, region)
    if result.errors:
        return result
    if phonenumbers.number_type(phonenumbers.parse(result.value, None)) not in _MOBILE_TYPES:
        return IdentityCheck(
            value=None,
            errors=[
                _l(
                    "Nomor ini nomor telepon rumah/kantor, bukan nomor HP. Isi nomor HP (contoh: "
                    "%(local)s); nomor rumah/kantor dapat diisi pada isian Telepon rumah/kantor.",
                    local=_PHONE_EXAMPLE_LOCAL,
                )
            ],
        )
    return result


def format_phone_local(e164: str) -> str:
    """Show a stored E.164 number the way people read it.

    Indonesian numbers in national format ("0812-3456-7890", "(021) 5551234"), other countries'
    numbers in international format ("+1 650-253-0000"). Anything unparseable is returned as is,
    so a display never fails.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == _INDONESIA_COUNTRY_CODE:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
