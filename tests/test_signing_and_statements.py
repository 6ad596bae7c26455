"""PAdES signatures (documents.signing) and the QR code's signed statements (credentials.statements):
a signed PDF validates and any change to it is caught; a missing or wrong key refuses to sign; a
statement verifies against the published keys, also after a key rotation, and any change to it is
caught."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from pypdf import PdfWriter

from app.credentials import statements
from app.documents import signing
from tests.test_pdf import STTP


@pytest.fixture
def minimal_pdf(ctx) -> bytes:
    from weasyprint import HTML

    return HTML(string="<h1>SERTIFIKAT KOMPETENSI</h1><p>Nama: Siti Rahayu</p>").write_pdf()


def test_a_signed_pdf_validates_and_names_its_signer(minimal_pdf):
    signed = signing.sign_pdf("LSPS", minimal_pdf)
    check = signing.check_pdf(signed)
    assert check.valid and check.signed and check.intact and check.whole_file and check.trusted
    assert check.signer == "LSPS (development signer)"
    assert signed.startswith(minimal_pdf)  # an incremental update: the rendered bytes are kept


def test_an_unsigned_or_not_pdf_file_is_reported_unsigned(minimal_pdf):
    assert signing.check_pdf(minimal_pdf) == signing.SignatureCheck(signed=False)
    assert not signing.check_pdf(b"%PDF-1.7 rubbish").signed
    assert not signing.check_pdf(b"GIF89a").valid


def test_one_changed_byte_breaks_the_signature(minimal_pdf):
    signed = signing.sign_pdf("LSPS", minimal_pdf)
    # Change one byte inside the signed range (the page content stream, before the signature).
    position = signed.index(b"stream") + 20
    tampered = signed[:position] + bytes([signed[position] ^ 0x01]) + signed[position + 1 :]
    check = signing.check_pdf(tampered)
    assert not check.valid
    assert not check.intact


def test_a_page_appended_after_signing_is_not_covered(minimal_pdf):
    signed = signing.sign_pdf("LSPS", minimal_pdf)
    writer = PdfWriter(io.BytesIO(signed), incremental=True)
    writer.add_blank_page(width=595, height=842)
    output = io.BytesIO()
    writer.write(output)
    check = signing.check_pdf(output.getvalue())
    assert check.signed and not check.whole_file and not check.valid


# --- A signature reserved when the document was drawn (certificates, licences) ----------------------


@pytest.fixture
def reserved_pdf(ctx) -> bytes:
    """A document drawn with its signature reserved (a layout's `signed=True`)."""
    from app.core.pdf_layout import A4_PORTRAIT, Sheet

    margins, day = (72, 72, 72, 72), "2026-02-06"
    sheet = Sheet(page_size=A4_PORTRAIT, margins=margins, title="SIPPS 1", document_date=day, signed=True)
    sheet.text("SURAT IZIN PRAKTIK PEKERJA SOSIAL")
    sheet.text("Siti Rahayu")
    return sheet.finish()


def test_a_reserved_signature_is_filled_in_place_and_covers_the_whole_file(reserved_pdf):
    from pypdf import PdfReader

    from app.core.pdf_layout import BYTE_RANGE_PLACEHOLDER, CONTENTS_PLACEHOLDER

    signed = signing.sign_pdf("SIPPS", reserved_pdf)
    assert len(signed) == len(reserved_pdf)  # no incremental update: the placeholders are overwritten
    assert BYTE_RANGE_PLACEHOLDER not in signed and CONTENTS_PLACEHOLDER not in signed
    check = signing.check_pdf(signed)
    assert check.valid and check.intact and check.whole_file and check.trusted
    assert check.signer == "SIPPS (development signer)"
    [field] = PdfReader(io.BytesIO(signed)).trailer["/Root"]["/AcroForm"]["/Fields"]
    value = field.get_object()["/V"].get_object()
    assert value["/SubFilter"] == "/ETSI.CAdES.detached" and value["/M"].startswith("D:20")
    start, length, end, rest = (int(n) for n in value["/ByteRange"])
    assert start == 0 and end + rest == len(signed)
    assert signed[length : length + 1] == b"<" and signed[end - 1 : end] == b">"  # all but /Contents


@pytest.mark.parametrize("reserved", [True, False], ids=["filled-in-place", "incremental"])
def test_poppler_also_finds_the_signature_valid_and_covering_the_whole_file(
    reserved, reserved_pdf, minimal_pdf, tmp_path
):
    """An independent check (poppler's pdfsig, NSS) of both ways of signing; `make test` installs it."""
    import subprocess

    def pdfsig(data: bytes) -> str:
        path = tmp_path / "signed.pdf"
        path.write_bytes(data)
        return subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True).stdout

    signed = signing.sign_pdf("LSPS", reserved_pdf if reserved else minimal_pdf)
    report = pdfsig(signed)
    assert "Signature Type: ETSI.CAdES.detached" in report
    assert "Total document signed" in report and "Signature is Valid." in report
    at = signed.index(b"\n") + 2  # the binary comment under the header: signed, read by no one
    assert "Signature is Valid." not in pdfsig(signed[:at] + bytes([signed[at] ^ 0x01]) + signed[at + 1 :])


def test_one_changed_byte_breaks_a_reserved_signature(reserved_pdf):
    signed = signing.sign_pdf("SIPPS", reserved_pdf)
    tampered = signed.replace(b"(SIPPS 1)", b"(SIPPS 7)")  # the title in the document information
    assert tampered != signed
    check = signing.check_pdf(tampered)
    assert check.signed and not check.intact and not check.valid


def test_a_page_appended_after_a_reserved_signature_is_not_covered(reserved_pdf):
    writer = PdfWriter(io.BytesIO(signing.sign_pdf("SIPPS", reserved_pdf)), incremental=True)
    writer.add_blank_page(width=595, height=842)
    output = io.BytesIO()
    writer.write(output)
    check = signing.check_pdf(output.getvalue())
    assert check.signed and check.intact and not check.whole_file and not check.valid


def test_a_pdf_drawn_without_a_reserved_signature_gets_an_incremental_one(ctx):
    from app.documents import issuing

    drawn = issuing.render("sttp", STTP)  # an unsigned layout: no placeholders
    signed = signing.sign_pdf("LSPS", drawn)
    assert signed.startswith(drawn) and signing.check_pdf(signed).valid


def test_another_issuer_signs_with_its_own_key(minimal_pdf):
    assert signing.check_pdf(signing.sign_pdf("SIPPS", minimal_pdf)).signer == "SIPPS (development signer)"


def test_a_missing_key_refuses_to_sign_with_a_message_for_people(app, minimal_pdf, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "empty"))
    monkeypatch.setitem(app.config, "SIGNING_DEV_KEYS", False)
    with pytest.raises(signing.SigningUnavailable) as refused:
        signing.sign_pdf("LSPS", minimal_pdf)
    assert "belum dipasang" in str(refused.value.message) and "LSPS.p12" in str(refused.value.message)
    with pytest.raises(signing.SigningUnavailable):
        statements.signing_key("LSPS")
    assert not (tmp_path / "empty" / "LSPS.p12").exists()  # nothing is created in production


def test_a_wrong_password_refuses_to_sign(app, minimal_pdf, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "keys"))
    signing.create_dev_signer("LSPS")
    monkeypatch.setitem(app.config, "SIGNING_P12_PASSWORD", "not-the-password")
    monkeypatch.setitem(app.config, "SIGNING_DEV_KEYS", False)
    with pytest.raises(signing.SigningUnavailable) as refused:
        signing.sign_pdf("LSPS", minimal_pdf)
    assert "tidak dapat dibuka" in str(refused.value.message)


CLAIMS = {"iss": "LSPS", "typ": "certificate", "no": "000123/LSPS/PS-GEN/XI/2026", "nm": "SITI RAHAYU"}


def test_a_statement_verifies_against_the_published_keys(ctx):
    jws = statements.sign_statement("LSPS", CLAIMS)
    verified = statements.verify_statement(jws)
    assert verified.claims == CLAIMS
    assert verified.kid.startswith("LSPS-") and statements.KID_PATTERN.fullmatch(verified.kid)
    published = {key["kid"]: key for key in statements.jwks()["keys"]}
    assert published[verified.kid]["kty"] == "OKP" and published[verified.kid]["crv"] == "Ed25519"
    assert published[verified.kid]["alg"] == "EdDSA" and "d" not in published[verified.kid]  # no private part
    # An offline verifier with a saved copy of the JWKS reaches the same answer.
    saved = statements.keys_from_jwks(json.loads(json.dumps(statements.jwks())))
    assert statements.verify_statement(jws, saved).claims == CLAIMS


@pytest.mark.parametrize(
    "change",
    [
        lambda h, p, s: (h, statements.b64url(json.dumps({**CLAIMS, "nm": "SITI RAHAYUU"}).encode()), s),
        lambda h, p, s: (h, p, s[:-2] + ("AA" if not s.endswith("AA") else "BB")),
        lambda h, p, s: (statements.b64url(b'{"alg":"EdDSA","kid":"LSPS-20000101-00000000"}'), p, s),
        lambda h, p, s: (statements.b64url(b'{"alg":"none"}'), p, s),
    ],
    ids=["name changed", "signature changed", "unknown key", "algorithm none"],
)
def test_an_altered_statement_is_refused(ctx, change):
    header, payload, signature = statements.sign_statement("LSPS", CLAIMS).split(".")
    with pytest.raises(statements.InvalidStatement):
        statements.verify_statement(".".join(change(header, payload, signature)))


def test_a_statement_claiming_another_issuer_is_refused(ctx):
    jws = statements.sign_statement("LSPS", {**CLAIMS, "iss": "LSPENSOS"})
    with pytest.raises(statements.InvalidStatement, match="issuer"):
        statements.verify_statement(jws)


def test_garbage_is_refused_not_crashed_on(ctx):
    for text in ("", "abc", "a.b.c", "x" * 5000, "é.é.é"):
        with pytest.raises(statements.InvalidStatement):
            statements.verify_statement(text)


def test_after_a_rotation_old_and_new_statements_verify(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "keys"))
    with app.app_context():
        old_kid = statements.create_key("LSPS", created=datetime(2025, 1, 2, tzinfo=UTC))
        old = statements.sign_statement("LSPS", CLAIMS)
        assert statements.verify_statement(old).kid == old_kid == f"LSPS-20250102T000000-{old_kid[-8:]}"
        new_kid = statements.create_key("LSPS")  # flask credentials rotate-key LSPS
        new = statements.sign_statement("LSPS", CLAIMS)
        assert statements.verify_statement(new).kid == new_kid != old_kid
        assert statements.verify_statement(old).kid == old_kid  # old QR codes stay verifiable
        assert {key["kid"] for key in statements.jwks()["keys"]} == {old_kid, new_kid}


def test_the_qr_text_is_the_url_with_the_statement_as_fragment():
    text = statements.qr_text("https://sdm.kemensos.go.id/verifikasi-dokumen/abc", "h.p.s")
    assert text == "https://sdm.kemensos.go.id/verifikasi-dokumen/abc#h.p.s"
    assert statements.split_qr_text(text) == ("https://sdm.kemensos.go.id/verifikasi-dokumen/abc", "h.p.s")
    assert statements.split_qr_text(" h.p.s ") == ("", "h.p.s")
