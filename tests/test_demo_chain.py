"""`flask demo chain`: the demo applicant through registration, training and STTP, and certification
(the plenary's decree), on a database prepared like `make run` (demo accounts); one tab-separated
line per issued document."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader

from tests.test_sttp import qr_codes


@pytest.fixture(autouse=True)
def _forget_live_progress():
    """Job ids are reused after each test's rollback: drop the live progress the queue keeps for them,
    so no later test reads this test's progress."""
    from app.core.jobs import huey

    yield
    huey.storage.flush_results()


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


def lines_of(output: str) -> dict[str, list[str]]:
    lines = [line.split("\t") for line in output.strip().splitlines()]
    assert all(len(fields) == 4 for fields in lines), output
    return {fields[0]: fields for fields in lines}


@pytest.fixture
def demo_accounts(app):
    result = invoke(app, "demo", "accounts")
    assert result.exit_code == 0, result.output


def test_the_chain_prints_a_registration_an_sttp_and_a_decree_line(app, client, demo_accounts):
    result = invoke(app, "demo", "chain")
    assert result.exit_code == 0, result.output
    lines = lines_of(result.output)
    assert list(lines) == ["REGISTRATION", "STTP", "DECREE"]
    kind, number, url, path = lines["REGISTRATION"]
    assert re.fullmatch(r"\d{6}/REG/32/[IVX]+/\d{4}", number) and url == "-" and path == "-"

    kind, number, url, path = lines["STTP"]
    assert re.fullmatch(r"\d{6}/STTP/BBPPKS-BANDUNG/[IVX]+/\d{4}", number)
    assert url.startswith(app.config["BASE_URL"] + "/verifikasi-dokumen/")
    pdf = Path(path)
    assert pdf.is_absolute() and pdf.is_file()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and number in PdfReader(pdf).pages[0].extract_text()
    assert "Siti Rahayu" in PdfReader(pdf).pages[0].extract_text()
    assert qr_codes(data) == [url]
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200 and "Siti Rahayu" in page.get_data(as_text=True)

    kind, number, url, path = lines["DECREE"]
    assert re.fullmatch(r"\d+/LSPS/SK/[IVX]+/\d{4}", number)
    assert url.startswith(app.config["BASE_URL"] + "/verifikasi-dokumen/")
    data = Path(path).read_bytes()
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())
    assert f"NOMOR {number}" in text and "Siti Rahayu" in text and "K (Kompeten)" in text
    assert "Pendamping Sosial Relawan (Demo)" in text
    assert qr_codes(data) == [url]
    page = client.get(urlsplit(url).path).get_data(as_text=True)
    assert number in page and "1 Kompeten, 0 Belum Kompeten" in page and "Siti Rahayu" not in page


def test_running_it_twice_issues_another_sttp_and_decree_and_reuses_the_registration(app, demo_accounts):
    first = lines_of(invoke(app, "demo", "chain").output)
    second = lines_of(invoke(app, "demo", "chain").output)
    assert first["REGISTRATION"] == second["REGISTRATION"]
    assert first["STTP"][1] != second["STTP"][1]
    assert first["DECREE"][1] != second["DECREE"][1]
    assert Path(first["STTP"][3]).is_file() and Path(second["STTP"][3]).is_file()
    assert Path(first["DECREE"][3]).is_file() and Path(second["DECREE"][3]).is_file()
    once = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert once == second  # --once (make run): nothing new when an STTP and a decree exist


def test_once_after_training_only_adds_the_certification(app, demo_accounts, monkeypatch):
    """A database where the demo person was trained before the certification step existed: --once
    adds the decree and issues no second STTP."""
    from sqlalchemy import func, select

    from app.demo import chain
    from app.documents.models import IssuedDocument, IssuedKind
    from app.extensions import db

    def older_chain(*args):
        raise RuntimeError("no certification step yet")

    monkeypatch.setattr(chain, "certified", older_chain)
    with pytest.raises(RuntimeError):
        invoke(app, "demo", "chain")
    monkeypatch.undo()
    count = select(func.count()).select_from(IssuedDocument).where(IssuedDocument.kind == IssuedKind.STTP)
    with app.app_context():
        before = db.session.scalar(count)
    lines = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert set(lines) == {"REGISTRATION", "STTP", "DECREE"}
    with app.app_context():
        assert db.session.scalar(count) == before


def test_once_on_a_new_database_runs_the_chain(app, demo_accounts):
    lines = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert set(lines) == {"REGISTRATION", "STTP", "DECREE"}
    assert lines_of(invoke(app, "demo", "chain", "--once").output) == lines


def test_without_demo_accounts_it_says_what_to_run(app):
    result = app.test_cli_runner().invoke(args=["demo", "chain"])
    assert result.exit_code != 0 and "flask demo accounts" in result.output


def test_refused_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_ACCOUNTS_ALLOWED", False)
    result = app.test_cli_runner().invoke(args=["demo", "chain"])
    assert result.exit_code != 0 and "refused" in result.output


def test_a_draft_left_by_the_applicant_is_completed_not_duplicated(app, demo_accounts):
    from sqlalchemy import func, select

    from app.accounts.services import find_by_email
    from app.demo import chain
    from app.extensions import db
    from app.people import services as people
    from app.registration import services as registration_services
    from app.registration.models import Registration

    with app.app_context():
        user = find_by_email(chain.APPLICANT_EMAIL)
        person = people.save_profile(
            people.ProfileData(full_name=user.full_name, email=user.email, **chain.DEMO_PROFILE),
            person=people.person_of_user(user.id),
            actor=user,
        )
        registration_services.save_draft(
            person, chain.CATEGORY, chain.OPTIONS, chain.SERVICE_REGION, actor=user
        )
        db.session.commit()
        person_id = person.id
    result = invoke(app, "demo", "chain")
    assert result.exit_code == 0, result.output
    assert set(lines_of(result.output)) == {"REGISTRATION", "STTP", "DECREE"}
    with app.app_context():
        count = select(func.count()).select_from(Registration).where(Registration.person_id == person_id)
        assert db.session.scalar(count) == 1
