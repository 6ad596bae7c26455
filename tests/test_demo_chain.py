"""`flask demo chain`: the demo applicant through registration (Pekerja Sosial Generalis), training and
STTP, certification (the plenary's decree), the certificate of competence and a practice licence
(SIPPS), on a database prepared like `make run` (demo accounts); one tab-separated line per issued
document. `--once` goes on from where the demo person's chain stopped (also on a database made by an
older run, whose demo person was a RELAWAN) and only prints what exists once everything does."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader

from app.credentials import statements
from app.documents import signing
from tests.test_credentials_issuing import qr_texts
from tests.test_sttp import qr_codes

KINDS = ["REGISTRATION", "STTP", "DECREE", "CERTIFICATE", "LICENCE"]


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


def pdf_text(path: str) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def verification_page(client, url: str) -> str:
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200, url
    return page.get_data(as_text=True)


def signed_pdf(app, path: str, issuer: str) -> bytes:
    """The PDF at the absolute path, checked: a PDF whose signature validates, signed by the issuer."""
    pdf = Path(path)
    assert pdf.is_absolute() and pdf.is_file(), path
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    with app.app_context():  # the trust roots: this installation's (development) CA
        check = signing.check_pdf(data)
    assert check.valid and issuer in check.signer, (check, path)
    return data


def claims(app, statement: str) -> dict:
    with app.app_context():  # this installation's statement keys
        return statements.verify_statement(statement).claims


def test_the_chain_prints_a_line_per_document_up_to_the_certificate_and_the_licence(
    app, client, demo_accounts
):
    result = invoke(app, "demo", "chain")
    assert result.exit_code == 0, result.output
    lines = lines_of(result.output)
    assert list(lines) == KINDS
    kind, number, url, path = lines["REGISTRATION"]
    assert re.fullmatch(r"\d{6}/REG/32/[IVX]+/\d{4}", number) and url == "-" and path == "-"

    kind, number, url, path = lines["STTP"]
    assert re.fullmatch(r"\d{6}/STTP/BBPPKS-BANDUNG/[IVX]+/\d{4}", number)
    assert url.startswith(app.config["BASE_URL"] + "/verifikasi-dokumen/")
    pdf = Path(path)
    assert pdf.is_absolute() and pdf.is_file()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and number in PdfReader(pdf).pages[0].extract_text()
    text = pdf_text(path)
    assert "Siti Rahayu" in text and "Pelatihan Pekerja Sosial Generalis (Demo)" in text
    assert qr_codes(data) == [url]
    assert "Siti Rahayu" in verification_page(client, url)

    kind, number, url, path = lines["DECREE"]
    assert re.fullmatch(r"\d+/LSPS/SK/[IVX]+/\d{4}", number)
    assert url.startswith(app.config["BASE_URL"] + "/verifikasi-dokumen/")
    data = Path(path).read_bytes()
    text = pdf_text(path)
    assert f"NOMOR {number}" in text and "Siti Rahayu" in text and "K (Kompeten)" in text
    assert "Pekerja Sosial Generalis (Demo)" in text
    assert qr_codes(data) == [url]
    page = verification_page(client, url)
    assert number in page and "1 Kompeten, 0 Belum Kompeten" in page and "Siti Rahayu" not in page

    decree_number = number
    kind, number, url, path = lines["CERTIFICATE"]
    assert re.fullmatch(r"\d{6}/LSPS/DEMO-PS-GEN/[IVX]+/\d{4}", number)
    assert url.startswith(app.config["BASE_URL"] + "/verifikasi-dokumen/")
    data = signed_pdf(app, path, "LSPS")
    text = pdf_text(path)
    for expected in (
        number,
        "Siti Rahayu",
        "SERTIFIKAT KOMPETENSI",
        "Pekerja Sosial Generalis",
        decree_number,
    ):
        assert expected in text, expected
    assert "3204125208900001" not in text  # the NIK is printed masked
    [qr] = qr_texts(data)
    qr_url, statement = statements.split_qr_text(qr)
    assert qr_url == url and claims(app, statement)["no"] == number
    page = verification_page(client, url)
    assert number in page and "Siti Rahayu" in page and 'data-status="active"' in page
    assert "Status: Aktif" in page

    certificate_number = number
    kind, number, url, path = lines["LICENCE"]
    assert re.fullmatch(r"\d{6}/SIPPS/32\.04/[IVX]+/\d{4}", number)
    assert url.startswith(app.config["BASE_URL"] + "/verifikasi-dokumen/")
    data = signed_pdf(app, path, "SIPPS")
    text = pdf_text(path)
    for expected in (number, "Siti Rahayu", certificate_number, "Rumah Praktik Pekerja Sosial Siti Rahayu"):
        assert expected in text, expected
    [qr] = qr_texts(data)
    qr_url, statement = statements.split_qr_text(qr)
    assert qr_url == url and claims(app, statement)["no"] == number
    page = verification_page(client, url)
    assert number in page and 'data-status="active"' in page and "Status: Aktif" in page


def test_verify_qr_accepts_the_full_text_of_the_qr_codes_the_chain_printed(app, demo_accounts):
    lines = lines_of(invoke(app, "demo", "chain").output)
    for kind, issuer in (("CERTIFICATE", "LSPS"), ("LICENCE", "SIPPS")):
        _kind, number, url, path = lines[kind]
        [qr] = qr_texts(Path(path).read_bytes())
        assert qr.startswith(url + "#")
        result = app.test_cli_runner().invoke(args=["credentials", "verify-qr", qr])
        assert result.exit_code == 0, result.output
        output = result.output.splitlines()
        assert output[0].startswith(f"VALID: signed by key {issuer}-")
        assert f"url: {url}" in output and f"no: {number}" in output and "nm: Siti Rahayu" in output
        # One character of the signature changed: refused.
        forged = qr[:-2] + ("A" if qr[-2] != "A" else "B") + qr[-1]
        refused = app.test_cli_runner().invoke(args=["credentials", "verify-qr", forged])
        assert refused.exit_code == 1 and refused.output.startswith("NOT VALID"), refused.output


def test_running_it_twice_issues_new_documents_and_reuses_the_registration(app, client, demo_accounts):
    from app.credentials.models import Licence
    from app.credentials.states import LicenceStatus
    from app.extensions import db

    first = lines_of(invoke(app, "demo", "chain").output)
    second = lines_of(invoke(app, "demo", "chain").output)
    assert first["REGISTRATION"] == second["REGISTRATION"]
    for kind in KINDS[1:]:
        assert first[kind][1] != second[kind][1], kind
        assert Path(first[kind][3]).is_file() and Path(second[kind][3]).is_file()
    # One licence per place: the holder ended the first run's licence before applying again.
    with app.app_context():
        statuses = {
            licence.number: licence.status
            for licence in db.session.query(Licence).filter(
                Licence.number.in_([first["LICENCE"][1], second["LICENCE"][1]])
            )
        }
    assert statuses == {first["LICENCE"][1]: LicenceStatus.ENDED, second["LICENCE"][1]: LicenceStatus.ACTIVE}
    assert 'data-status="active"' not in verification_page(client, first["LICENCE"][2])
    assert 'data-status="active"' in verification_page(client, first["CERTIFICATE"][2])
    once = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert once == second  # --once (make run): nothing new when the whole chain exists
    third = lines_of(invoke(app, "demo", "chain").output)  # a third run: still at most one licence held
    assert third["LICENCE"][1] not in (first["LICENCE"][1], second["LICENCE"][1])


def issued_counts(app) -> dict[str, int]:
    from sqlalchemy import func, select

    from app.documents.models import IssuedDocument
    from app.extensions import db

    with app.app_context():
        rows = db.session.execute(
            select(IssuedDocument.kind, func.count()).group_by(IssuedDocument.kind)
        ).all()
    return {str(kind): count for kind, count in rows}


def test_once_after_training_only_adds_what_follows(app, demo_accounts, monkeypatch):
    """A database where the demo person was trained but not certified (a run stopped there): --once
    adds the decree, the certificate and the licence, and issues no second STTP."""
    from app.demo import chain

    def stopped(*args):
        raise RuntimeError("stopped after training")

    monkeypatch.setattr(chain, "certified", stopped)
    with pytest.raises(RuntimeError):
        invoke(app, "demo", "chain")
    monkeypatch.undo()
    before = issued_counts(app)
    lines = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert list(lines) == KINDS
    after = issued_counts(app)
    assert after["sttp"] == before["sttp"]
    assert after["certificate"] == before.get("certificate", 0) + 1
    assert after["licence"] == before.get("licence", 0) + 1


def test_once_after_the_decree_issues_the_certificate_and_the_licence(app, demo_accounts, monkeypatch):
    """A run stopped before the certificates were issued (e.g. no signing key yet): --once issues the
    certificate of the existing decision and the licence; no second decree."""
    from app.demo import chain

    def stopped(*args):
        raise RuntimeError("stopped after the plenary")

    monkeypatch.setattr(chain, "start_issuing", stopped)
    with pytest.raises(RuntimeError):
        invoke(app, "demo", "chain")
    monkeypatch.undo()
    before = issued_counts(app)
    lines = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert list(lines) == KINDS
    after = issued_counts(app)
    assert after["decree"] == before["decree"] and after["sttp"] == before["sttp"]
    assert after["certificate"] == before.get("certificate", 0) + 1


def test_once_after_the_certificate_was_revoked_certifies_and_licenses_anew(app, demo_accounts):
    """A revoked certificate (its licence ended with it) cannot carry a licence: --once takes the person
    through a new exam session to a new certificate and licence, on the same registration and STTP."""
    from sqlalchemy import select

    from app.core.actors import SYSTEM
    from app.credentials import services as credentials
    from app.credentials.models import Certificate, Licence
    from app.credentials.states import LicenceStatus
    from app.extensions import db

    first = lines_of(invoke(app, "demo", "chain").output)
    with app.app_context():
        certificate = db.session.scalar(
            select(Certificate).where(Certificate.number == first["CERTIFICATE"][1])
        )
        credentials.revoke_certificate(certificate, SYSTEM, "Pelanggaran kode etik.", "REK-ETIK-01")
        db.session.commit()
        licence = db.session.scalar(select(Licence).where(Licence.number == first["LICENCE"][1]))
        assert licence.status not in (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)
    again = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert again["REGISTRATION"] == first["REGISTRATION"] and again["STTP"] == first["STTP"]
    for kind in ("DECREE", "CERTIFICATE", "LICENCE"):
        assert again[kind][1] != first[kind][1], kind
    assert lines_of(invoke(app, "demo", "chain", "--once").output) == again


def test_once_after_the_holder_ended_the_licence_grants_a_new_one_only(app, demo_accounts):
    from sqlalchemy import select

    from app.accounts.services import find_by_email
    from app.credentials.licences import services as licences
    from app.credentials.models import Licence
    from app.demo import chain
    from app.extensions import db

    first = lines_of(invoke(app, "demo", "chain").output)
    with app.app_context():
        licence = db.session.scalar(select(Licence).where(Licence.number == first["LICENCE"][1]))
        licences.end_by_holder(licence, find_by_email(chain.APPLICANT_EMAIL))
        db.session.commit()
    again = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert [again[kind] for kind in KINDS[:4]] == [first[kind] for kind in KINDS[:4]]
    assert again["LICENCE"][1] != first["LICENCE"][1]


def test_once_on_a_new_database_runs_the_chain_and_then_only_prints(app, demo_accounts):
    lines = lines_of(invoke(app, "demo", "chain", "--once").output)
    assert list(lines) == KINDS
    before = issued_counts(app)
    assert lines_of(invoke(app, "demo", "chain", "--once").output) == lines
    assert issued_counts(app) == before


def test_once_on_a_database_of_the_older_relawan_chain_goes_on_as_a_social_worker(
    app, demo_accounts, monkeypatch
):
    """A database made before the certificate and licence steps: the demo person a RELAWAN with a
    registration, an STTP and a decree of the old demo scheme (built here with the old constants).
    --once registers them as a Pekerja Sosial Generalis and takes them through to the licence; the
    RELAWAN registration stays."""
    from sqlalchemy import select

    from app.accounts.services import find_by_email
    from app.certification.models import Assessor
    from app.demo import chain
    from app.extensions import db
    from app.people import services as people
    from app.registration.models import Registration

    for name, value in {
        "CATEGORY": "RELAWAN",
        "SUBTYPE": "",
        "OPTIONS": {"relawan_kind": "KARANG_TARUNA", "registration_level": "KABKOTA"},
        "SCHEME_CODE": "DEMO-RELAWAN",
        "SCHEME_NAME": "Pendamping Sosial Relawan (Demo)",
        "PROGRAMME_CODE": "DEMO-PDPS",
    }.items():
        monkeypatch.setattr(chain, name, value)
    start = issued_counts(app)  # other tests may have left committed documents

    def older_chain(*args):
        raise RuntimeError("no certificate step yet")

    monkeypatch.setattr(chain, "start_issuing", older_chain)
    with pytest.raises(RuntimeError):
        invoke(app, "demo", "chain")
    monkeypatch.undo()
    before = issued_counts(app)
    assert before.get("certificate", 0) == start.get("certificate", 0) and before["decree"] > start.get(
        "decree", 0
    )
    with app.app_context():
        applicant = find_by_email(chain.APPLICANT_EMAIL)
        demo_assessors = [find_by_email(email).id for email in chain.ASSESSOR_EMAILS]
        [relawan] = db.session.scalars(
            select(Registration).where(
                Registration.category_code == "RELAWAN",
                Registration.person_id == people.person_of_user(applicant.id).id,
            )
        )
        relawan_number = relawan.registration_number

    result = invoke(app, "demo", "chain", "--once")
    assert result.exit_code == 0, result.output
    lines = lines_of(result.output)
    assert list(lines) == KINDS
    assert lines["REGISTRATION"][1] != relawan_number
    assert "Pekerja Sosial Generalis (Demo)" in pdf_text(lines["DECREE"][3])
    assert re.fullmatch(r"\d{6}/LSPS/DEMO-PS-GEN/[IVX]+/\d{4}", lines["CERTIFICATE"][1])
    after = issued_counts(app)
    assert after["sttp"] == before["sttp"] + 1 and after["decree"] == before["decree"] + 1
    with app.app_context():
        registrations = {
            r.category_code: r.registration_number
            for r in db.session.scalars(
                select(Registration).where(Registration.person_id == relawan.person_id)
            )
        }
        assert registrations == {"RELAWAN": relawan_number, "PEKSOS": lines["REGISTRATION"][1]}
        for assessor in db.session.scalars(
            select(Assessor).where(Assessor.body_code == "LSPS", Assessor.user_id.in_(demo_assessors))
        ):
            assert {link.scheme.code for link in assessor.schemes} == {"DEMO-RELAWAN", "DEMO-PS-GEN"}
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
    assert list(lines_of(result.output)) == KINDS
    with app.app_context():
        count = select(func.count()).select_from(Registration).where(Registration.person_id == person_id)
        assert db.session.scalar(count) == 1
