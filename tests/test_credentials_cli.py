"""`flask credentials verify-qr TEXT`: a QR code's full text or a bare statement checked offline, against
this installation's keys or a saved JWKS; tampering refused; statements signed before a key rotation
still verify."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.core.actors import SYSTEM
from app.credentials import statements
from app.credentials.documents import register_signed
from app.documents.models import IssuedKind

ISSUER = "LSPS"
CLAIMS = {
    "typ": "certificate",
    "no": "000321/LSPS/PS-GEN/XII/2026",
    "nm": "Wulan Sekarsari",
    "sc": "PS-GEN",
    "lv": "Pekerja Sosial Generalis",
    "vu": "2031-12-03",
}


@pytest.fixture
def verify_qr(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=["credentials", "verify-qr", *[str(a) for a in args]])

    return run


def _sign(app, issuer: str = ISSUER, claims: dict | None = None) -> str:
    with app.app_context():
        return statements.sign_statement(issuer, {"iss": issuer, **(claims or CLAIMS)})


def _tampered(jws: str) -> str:
    """The statement with its name changed by one letter, the signature kept."""
    header, payload, signature = jws.split(".")
    claims = json.loads(statements.b64url_decode(payload))
    claims["nm"] = claims["nm"].replace("Wulan", "Wulen")
    forged = statements.b64url(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{header}.{forged}.{signature}"


def test_the_full_qr_text_of_an_issued_certificate_verifies(app, verify_qr):
    with app.app_context():
        document = register_signed(
            IssuedKind.CERTIFICATE,
            ISSUER,
            CLAIMS["no"],
            None,
            {"holder": {"name": CLAIMS["nm"]}},
            CLAIMS,
            "certificate",
            SYSTEM,
        )
        text, url = document.snapshot["qr_text"], document.snapshot["verification_url"]
    assert text.startswith(url + "#")
    result = verify_qr(text)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"VALID: signed by key {ISSUER}-")
    assert f"url: {url}" in lines
    assert f"no: {CLAIMS['no']}" in lines and f"nm: {CLAIMS['nm']}" in lines and f"iss: {ISSUER}" in lines


def test_a_bare_statement_verifies(app, verify_qr):
    result = verify_qr(_sign(app))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VALID")
    assert "url:" not in result.output


@pytest.mark.parametrize(
    "damage",
    [
        _tampered,
        lambda jws: jws[:-4] + ("AAAA" if not jws.endswith("AAAA") else "BBBB"),  # another signature
        lambda jws: "http://127.0.0.1/verifikasi-dokumen/abc#" + _tampered(jws),  # inside a QR text
        lambda jws: jws.split(".", 1)[1],  # not three parts
        lambda jws: "bukan-pernyataan",
        lambda jws: "x" * 5000,
    ],
)
def test_a_tampered_or_broken_statement_is_not_valid(app, verify_qr, damage):
    result = verify_qr(damage(_sign(app)))
    assert result.exit_code == 1
    assert result.output.startswith("NOT VALID")
    assert "Wulen" not in result.output  # nothing of a refused statement is shown as fact


def test_a_saved_jwks_is_enough(app, client, verify_qr, tmp_path):
    jws = _sign(app)
    saved = tmp_path / "jwks.json"
    saved.write_bytes(client.get("/.well-known/jwks.json").get_data())
    result = verify_qr("--jwks", saved, jws)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("VALID")
    assert verify_qr("--jwks", saved, _tampered(jws)).exit_code == 1


def test_a_jwks_without_the_key_refuses(app, verify_qr, tmp_path):
    saved = tmp_path / "other.json"
    saved.write_text(json.dumps({"keys": []}))
    result = verify_qr("--jwks", saved, _sign(app))
    assert result.exit_code == 1
    assert result.output.startswith("NOT VALID: unknown key id")


def test_a_statement_signed_before_a_key_rotation_still_verifies(
    app, client, verify_qr, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "keys"))
    with app.app_context():
        old_kid = statements.create_key(ISSUER, created=datetime(2025, 1, 2, tzinfo=UTC))
    before = _sign(app)
    rotated = app.test_cli_runner().invoke(args=["credentials", "rotate-key", ISSUER])
    assert rotated.exit_code == 0, rotated.output
    new_kid = rotated.output.strip().rsplit(" ", 1)[1]
    assert new_kid != old_kid
    published = {key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]}
    assert published == {old_kid, new_kid}  # the old key stays published
    result = verify_qr(before)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"VALID: signed by key {old_kid}")
    after = verify_qr(_sign(app))
    assert after.output.startswith(f"VALID: signed by key {new_kid}")
    saved = tmp_path / "jwks.json"
    saved.write_bytes(client.get("/.well-known/jwks.json").get_data())
    assert verify_qr("--jwks", saved, before).exit_code == 0


def test_a_statement_of_one_issuer_under_another_issuers_key_is_refused(app, verify_qr):
    with app.app_context():
        kid, key = statements.signing_key(ISSUER)
    header = statements.b64url(json.dumps({"alg": "EdDSA", "kid": kid, "typ": "JWT"}).encode())
    payload = statements.b64url(json.dumps({"iss": "SIPPS", **CLAIMS}).encode())
    signature = statements.b64url(key.sign(f"{header}.{payload}".encode()))
    result = verify_qr(f"{header}.{payload}.{signature}")
    assert result.exit_code == 1
    assert "issuer does not match" in result.output
