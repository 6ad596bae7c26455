"""The eligibility gate: each rule at its boundary (exactly the minimum is met, one below is not),
the JP of linked programmes only, experience from memberships or from the declaration backed by the
experience letter, the registration and documents rules, and a fixed number of SQL statements
whatever the number of records."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.certification.candidacy.eligibility import (
    DOCUMENTS,
    EDUCATION,
    EXPERIENCE,
    REGISTRATION,
    TRAINING_JP,
    all_met,
    evaluate,
    frozen,
    full_months,
    recorded_months,
)
from app.certification.models import SchemeVersion
from app.extensions import db
from app.institutions.models import Institution, InstitutionKind, PersonInstitution
from app.training.models import Programme
from app.training.states import RecordKind, RecordStatus
from tests.certification_factories import create_scheme
from tests.factories import create_person
from tests.training_factories import (
    create_enrolment,
    create_programme,
    create_session,
    create_training_record,
    create_verified_person,
)

ON = date(2031, 6, 15)  # far from the real date: an ignored `on` fails


def _version(app, **rules) -> SchemeVersion:
    rules.setdefault("requires_verified_registration", False)
    _scheme_id, version_id = create_scheme(app, **rules)
    return version_id


def _check(checks, rule):
    return next(c for c in checks if c.rule == rule)


def _evaluate(version_id, person_id, **kwargs):
    return evaluate(person_id, db.session.get(SchemeVersion, version_id), on=kwargs.pop("on", ON), **kwargs)


# --- Which rules apply --------------------------------------------------------------------------


def test_a_version_without_rules_has_an_empty_checklist(app, ctx):
    version_id = _version(app)
    person_id = create_person(app)
    assert _evaluate(version_id, person_id) == []
    assert all_met([])


def test_only_the_rules_a_version_sets_are_checked(app, ctx):
    version_id = _version(app, min_training_jp=60, min_experience_months=24)
    checks = _evaluate(version_id, create_person(app))
    assert [c.rule for c in checks] == [TRAINING_JP, EXPERIENCE]


# --- Education ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "met"),
    [("D3", True), ("D4", True), ("S2", True), ("D2", False), ("SMA/SMK", False), (None, False)],
)
def test_education_is_compared_by_the_catalogue_order(app, ctx, level, met):
    version_id = _version(app, min_education_code="D3")
    person_id = create_person(app, education_level_code=level)
    check = _check(_evaluate(version_id, person_id), EDUCATION)
    assert check.met is met
    assert check.actual == level and check.required == "D3"
    if level is None:
        assert check.text == "Pendidikan terakhir: belum diisi (minimal D3)"
    else:
        assert check.text == f"Pendidikan terakhir: {level} (minimal D3)"


# --- Training JP --------------------------------------------------------------------------------


@pytest.mark.parametrize(("jp", "met"), [(60, True), (59, False), (61, True)])
def test_training_jp_boundary(app, ctx, jp, met):
    version_id = _version(app, min_training_jp=60)
    person_id = create_person(app)
    create_training_record(app, person_id, jp=jp - 10, ended_on=ON - timedelta(days=100))
    create_training_record(app, person_id, jp=10, ended_on=ON)
    check = _check(_evaluate(version_id, person_id), TRAINING_JP)
    assert (check.met, check.actual, check.required) == (met, jp, 60)
    assert check.text == f"JP pelatihan: {jp} dari 60"


def test_training_jp_counts_only_accepted_records_ended_by_the_day(app, ctx):
    version_id = _version(app, min_training_jp=60)
    person_id = create_person(app)
    create_training_record(app, person_id, jp=48, ended_on=ON - timedelta(days=1))
    create_training_record(app, person_id, jp=30, status=RecordStatus.REPORTED, ended_on=ON)
    create_training_record(app, person_id, jp=30, status=RecordStatus.REJECTED, ended_on=ON)
    create_training_record(app, person_id, jp=30, ended_on=ON + timedelta(days=1))  # after the day
    check = _check(_evaluate(version_id, person_id), TRAINING_JP)
    assert (check.met, check.actual, check.text) == (False, 48, "JP pelatihan: 48 dari 60")


def _internal_record(app, person_id, registration_id, jp, units):
    programme_id = create_programme(app, jp=jp)
    with app.app_context():
        db.session.get(Programme, programme_id).competency_units = list(units)
        db.session.commit()
    session_id = create_session(app, programme_id, starts_on=ON - timedelta(days=60))
    enrolment_id = create_enrolment(app, session_id, person_id, registration_id)
    return create_training_record(
        app,
        person_id,
        kind=RecordKind.INTERNAL,
        enrolment_id=enrolment_id,
        jp=jp,
        ended_on=ON - timedelta(days=55),
    )


def test_linked_programmes_only_counts_internal_records_of_programmes_sharing_a_unit(app, ctx):
    version_id = _version(app, min_training_jp=60, jp_from_linked_programmes_only=True)
    person_id, registration_id = create_verified_person(app)
    _internal_record(app, person_id, registration_id, 40, ["KS.01.001", "XX.99"])  # linked
    _internal_record(app, person_id, registration_id, 20, ["KS.01.003"])  # linked
    _internal_record(app, person_id, registration_id, 32, ["KSO.01"])  # another scheme's unit
    create_training_record(app, person_id, jp=50, ended_on=ON - timedelta(days=5))  # external
    check = _check(_evaluate(version_id, person_id), TRAINING_JP)
    assert (check.met, check.actual) == (True, 60)
    assert check.text == "JP pelatihan (program yang terkait dengan unit skema): 60 dari 60"
    # Without the restriction every accepted record counts.
    with app.app_context():
        db.session.get(SchemeVersion, version_id).jp_from_linked_programmes_only = False
        db.session.commit()
    assert _check(_evaluate(version_id, person_id), TRAINING_JP).actual == 142


def test_linked_programmes_one_below(app, ctx):
    version_id = _version(app, min_training_jp=60, jp_from_linked_programmes_only=True)
    person_id, registration_id = create_verified_person(app)
    _internal_record(app, person_id, registration_id, 59, ["KS.01.002"])
    check = _check(_evaluate(version_id, person_id), TRAINING_JP)
    assert (check.met, check.actual) == (False, 59)


# --- Experience ---------------------------------------------------------------------------------


def test_full_months():
    assert full_months(date(2024, 1, 15), date(2026, 1, 15)) == 24
    assert full_months(date(2024, 1, 15), date(2026, 1, 14)) == 23
    assert full_months(date(2024, 1, 31), date(2024, 3, 1)) == 1
    assert full_months(date(2024, 3, 1), date(2024, 2, 1)) == 0


def test_recorded_months_merge_overlapping_periods_and_stop_at_the_day():
    on = date(2026, 1, 14)
    # Inclusive dates: 15 Jan 2024 … 14 Jan 2026 is exactly 24 months.
    assert recorded_months([(date(2024, 1, 15), None)], on) == 24
    assert recorded_months([(date(2024, 1, 16), None)], on) == 23
    # Two overlapping memberships count each day once.
    assert recorded_months([(date(2024, 1, 15), date(2025, 6, 30)), (date(2025, 1, 1), None)], on) == 24
    # A period ending later than the day is cut at the day; one starting after it counts nothing.
    assert recorded_months([(date(2024, 1, 15), date(2030, 1, 1)), (date(2027, 1, 1), None)], on) == 24
    # Adjacent periods join.
    assert recorded_months([(date(2024, 1, 15), date(2024, 12, 31)), (date(2025, 1, 1), None)], on) == 24
    # Separate periods: the full months of each.
    assert (
        recorded_months([(date(2020, 1, 1), date(2020, 6, 30)), (date(2021, 1, 1), date(2021, 3, 31))], on)
        == 9
    )


def _membership(app, person_id, started_on, ended_on=None):
    with app.app_context():
        institution = Institution(name="LKS Harapan Bangsa", kind=InstitutionKind.LKS, region_code="32.04")
        db.session.add(institution)
        db.session.flush()
        db.session.add(
            PersonInstitution(
                person_id=person_id, institution_id=institution.id, started_on=started_on, ended_on=ended_on
            )
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("start", "met", "months"), [(date(2029, 6, 16), True, 24), (date(2029, 6, 17), False, 23)]
)
def test_experience_months_from_memberships_boundary(app, ctx, start, met, months):
    version_id = _version(app, min_experience_months=24)
    person_id = create_person(app)
    _membership(app, person_id, start)
    check = _check(_evaluate(version_id, person_id), EXPERIENCE)
    assert check.met is met
    assert check.actual == {"months": months, "hours": 0, "source": "recorded"}
    assert check.required == {"months": 24, "hours": None}
    assert check.text == f"Pengalaman praktik: {months} dari 24 bulan (dari riwayat lembaga)"


@pytest.mark.parametrize(("declared", "met"), [(24, True), (23, False), (30, True)])
def test_declared_months_count_with_the_experience_letter(app, ctx, declared, met):
    version_id = _version(app, min_experience_months=24)
    person_id = create_person(app)
    check = _check(
        _evaluate(version_id, person_id, declared_months=declared, documents=["SURAT_PENGALAMAN"]), EXPERIENCE
    )
    assert check.met is met
    assert check.actual["months"] == declared and check.actual["source"] == "declared"
    assert check.text == (
        f"Pengalaman praktik: {declared} dari 24 bulan (dinyatakan, dengan surat keterangan pengalaman)"
    )


def test_declared_months_without_the_letter_do_not_count_and_say_why(app, ctx):
    version_id = _version(app, min_experience_months=24)
    person_id = create_person(app)
    check = _check(_evaluate(version_id, person_id, declared_months=30), EXPERIENCE)
    assert not check.met and check.actual["months"] == 0
    assert "surat keterangan diunggah" in check.text


def test_recorded_months_win_over_a_smaller_declaration(app, ctx):
    version_id = _version(app, min_experience_months=24)
    person_id = create_person(app)
    _membership(app, person_id, date(2028, 1, 1))
    check = _check(
        _evaluate(version_id, person_id, declared_months=10, documents=["SURAT_PENGALAMAN"]), EXPERIENCE
    )
    assert check.met and check.actual["source"] == "recorded" and check.actual["months"] == 41


@pytest.mark.parametrize(("hours", "met"), [(1344, True), (1343, False)])
def test_practice_hours_boundary(app, ctx, hours, met):
    version_id = _version(app, min_practice_hours=1344)
    person_id = create_person(app)
    check = _check(
        _evaluate(version_id, person_id, declared_hours=hours, documents=["SURAT_PENGALAMAN"]), EXPERIENCE
    )
    assert check.met is met
    assert check.text == (
        f"Pengalaman praktik: {hours} dari 1344 jam praktik (dinyatakan, dengan surat keterangan pengalaman)"
    )


@pytest.mark.parametrize(
    ("months", "hours", "met"), [(24, 0, True), (0, 1344, True), (23, 1343, False), (23, 1344, True)]
)
def test_months_or_hours_when_both_are_set(app, ctx, months, hours, met):
    version_id = _version(app, min_experience_months=24, min_practice_hours=1344)
    person_id = create_person(app)
    check = _check(
        _evaluate(
            version_id,
            person_id,
            declared_months=months,
            declared_hours=hours,
            documents=["SURAT_PENGALAMAN"],
        ),
        EXPERIENCE,
    )
    assert check.met is met
    assert " dari 24 bulan atau " in check.text and " dari 1344 jam praktik" in check.text


# --- Registration and documents -----------------------------------------------------------------


def test_registration_in_the_target_category(app, ctx):
    _scheme_id, version_id = create_scheme(app, category="RELAWAN")
    person_id, _registration_id = create_verified_person(app, category="RELAWAN")
    check = _check(_evaluate(version_id, person_id), REGISTRATION)
    assert check.met and check.actual
    assert check.text.startswith("Pendaftaran terverifikasi Relawan Sosial")
    stranger = create_person(app)
    check = _check(_evaluate(version_id, stranger), REGISTRATION)
    assert not check.met and check.actual is None and check.text.endswith(": belum ada")


def test_a_registration_of_another_subtype_does_not_count(app, ctx):
    _scheme_id, version_id = create_scheme(app, category="RELAWAN", subtype="TAGANA")
    person_id, _registration_id = create_verified_person(app, category="RELAWAN")
    assert not _check(_evaluate(version_id, person_id), REGISTRATION).met


def test_required_documents(app, ctx):
    version_id = _version(app, required_documents=["SURAT_PENGALAMAN", "IJAZAH"])
    person_id = create_person(app)
    check = _check(_evaluate(version_id, person_id, documents=["IJAZAH", "FOTO"]), DOCUMENTS)
    assert not check.met and check.actual == ["IJAZAH"]
    assert check.text == "Dokumen wajib: 1 dari 2; belum diunggah: Surat keterangan pengalaman praktik"
    check = _check(_evaluate(version_id, person_id, documents=["IJAZAH", "SURAT_PENGALAMAN"]), DOCUMENTS)
    assert check.met and check.text == "Dokumen wajib: 2 dari 2 lengkap"


def test_the_frozen_checklist_is_plain_json(app, ctx):
    import json

    version_id = _version(app, min_training_jp=60, min_education_code="S1")
    checks = frozen(_evaluate(version_id, create_person(app)))
    assert json.loads(json.dumps(checks)) == checks
    assert set(checks[0]) == {"rule", "met", "actual", "required", "text"}


# --- A fixed number of statements ---------------------------------------------------------------


def _count_statements(app, fn) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("linked", [False, True])
def test_the_gate_runs_a_fixed_number_of_statements(app, ctx, linked):
    version_id = _version(
        app,
        min_education_code="D3",
        min_training_jp=60,
        jp_from_linked_programmes_only=linked,
        min_experience_months=24,
        min_practice_hours=1344,
        requires_verified_registration=True,
        required_documents=["SURAT_PENGALAMAN"],
    )
    few, _registration = create_verified_person(app)
    many, registration_id = create_verified_person(app)
    with app.app_context():
        from app.registration.models import Registration

        # Ten registrations of the person: nine more verified ones arranged directly.
        template = db.session.get(Registration, registration_id)
        for n in range(9):
            db.session.add(
                Registration(
                    person_id=many,
                    category_code="TKS" if n % 2 else "PENYULUH",
                    subtype=f"X{n}",
                    region_code="32.04",
                    status=template.status,
                    registration_number=f"REG-BENCH-{many}-{n}",
                )
            )
        db.session.commit()
    session_id = create_session(app, create_programme(app), starts_on=ON - timedelta(days=400))
    enrolment_id = create_enrolment(app, session_id, many, registration_id)
    create_training_record(
        app,
        many,
        kind=RecordKind.INTERNAL,
        enrolment_id=enrolment_id,
        jp=4,
        ended_on=ON - timedelta(days=390),
    )
    for n in range(199):
        create_training_record(app, many, jp=1 + n % 8, ended_on=ON - timedelta(days=n + 1))
    for n in range(3):
        _membership(app, many, date(2020 + n, 1, 1), date(2020 + n, 12, 31))
    create_training_record(app, few, jp=5, ended_on=ON - timedelta(days=3))

    def run(person_id):
        db.session.expire_all()
        version = db.session.get(SchemeVersion, version_id)
        version.units  # noqa: B018 - loaded before counting: the caller holds the version
        return _count_statements(
            app,
            lambda: evaluate(
                person_id,
                version,
                declared_months=30,
                declared_hours=2000,
                documents=["SURAT_PENGALAMAN"],
                on=ON,
            ),
        )

    assert run(many) == run(few)
    assert run(many) == 4  # education, JP, memberships, registrations
