"""Signed statements for offline verification: what a certificate's or licence's QR code carries
besides its verification URL.

Format (README.md, "Offline verification"): a compact JWS (RFC 7515) signed with Ed25519 (alg
"EdDSA", RFC 8037). Header `{"alg": "EdDSA", "kid": <key id>, "typ": "JWT"}`; the payload is a small
JSON object of public facts only (never a NIK, birth date or address):

    {"iss": "LSPS", "typ": "certificate", "no": "000123/LSPS/PS-GEN/XI/2026",
     "nm": "SITI RAHAYU", "sc": "PS-GEN", "lv": "Pekerja Sosial Generalis", "vu": "2031-11-20"}

`iss` is the issuer (a certification body's code, or SIPPS for licences), `typ` certificate or
licence, `no` the number, `nm` the holder's name, `sc` the scheme code (a licence: the practice
regency), `lv` the level or specialisation (a licence: the practice place), `vu` valid until (ISO
date). The QR code's text is the verification URL with the statement as its fragment:
`https://…/verifikasi-dokumen/<token>#<JWS>`: a phone opens the page (a browser never sends the
fragment), an offline verifier splits at `#` and checks the JWS against the published keys.

Keys: each issuer has Ed25519 keys under `SIGNING_DIR/statement/<issuer>/`: `<kid>.pem` private
keys (PKCS#8, encrypted with SIGNING_P12_PASSWORD when set) and `<kid>.pub.pem` their public halves
(a retired key keeps only its public half).
The key id is `<issuer>-<YYYYMMDDTHHMMSS>-<8 hex of the RFC 7638 thumbprint>` (UTC creation time);
the issuer signs with its newest private key (the greatest key id). Rotation (`flask credentials
rotate-key ISSUER`) adds a new key and keeps the old ones, so old QR codes stay verifiable: every key,
current or retired, is published in the JWKS (`/.well-known/jwks.json`, `jwks()`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from app.documents.signing import key_directory_lock, missing_key, signing_dir, unusable_key

_loaded: dict[
    tuple, Ed25519PrivateKey
] = {}  # decrypted private keys, per file, modification time and password
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}-\d{8}T\d{6}-[0-9a-f]{8}")
MAX_STATEMENT_LENGTH = 1200


class InvalidStatement(ValueError):
    """The text is not a statement signed by a published key (the message says why, in English: it
    is shown by the CLI and logged, never to a member of the public as is)."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- Keys ------------------------------------------------------------------------------------------


def _issuer_dir(issuer: str) -> Path:
    if not issuer.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"unexpected issuer {issuer!r}")
    return signing_dir() / "statement" / issuer


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_jwk(key: Ed25519PublicKey, kid: str) -> dict:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(_raw_public(key)),
        "kid": kid,
        "use": "sig",
        "alg": "EdDSA",
    }


def thumbprint(key: Ed25519PublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256 of the required members in lexicographic order), hex."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw_public(key))}, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _password() -> bytes | None:
    return current_app.config["SIGNING_P12_PASSWORD"].encode() or None


def create_key(issuer: str, created: datetime | None = None) -> str:
    """A new Ed25519 statement key for the issuer (it becomes the one that signs unless `created`, for
    an imported older key, dates it before the current one); its key id."""
    with key_directory_lock():
        directory = _issuer_dir(issuer)
        directory.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        kid = f"{issuer}-{created or datetime.now(UTC):%Y%m%dT%H%M%S}-{thumbprint(key.public_key())[:8]}"
        password = _password()
        encryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        path = directory / f"{kid}.pem"
        partial = directory / f"{kid}.pem.part"
        partial.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        )
        partial.chmod(0o600)
        partial.replace(path)
        (directory / f"{kid}.pub.pem").write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return kid


def _private_keys(issuer: str) -> list[tuple[str, Path]]:
    directory = _issuer_dir(issuer)
    found = [
        (p.name.removesuffix(".pem"), p) for p in directory.glob("*.pem") if not p.name.endswith(".pub.pem")
    ]
    return sorted(found)


def signing_key(issuer: str) -> tuple[str, Ed25519PrivateKey]:
    """The issuer's current key (the greatest key id), created first in development."""
    keys = _private_keys(issuer)
    if not keys and current_app.config["SIGNING_DEV_KEYS"]:
        create_key(issuer)
        keys = _private_keys(issuer)
    if not keys:
        raise missing_key(issuer, _issuer_dir(issuer))
    kid, path = keys[-1]
    try:
        key = signing_key_at(path)
    except (ValueError, TypeError):  # a wrong password, or not a PEM key
        raise unusable_key(issuer) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise unusable_key(issuer)
    return kid, key


def published_keys() -> dict[str, Ed25519PublicKey]:
    """Every statement key of every issuer, current and retired, by key id: the public halves
    (`<kid>.pub.pem`, written with each key; a private key installed without one is read for its
    public half, once per process)."""
    root = signing_dir() / "statement"
    keys: dict[str, Ed25519PublicKey] = {}
    paths = sorted(root.glob("*/*.pem"))
    published = {p.name.removesuffix(".pub.pem") for p in paths if p.name.endswith(".pub.pem")}
    for path in paths:
        if path.name.endswith(".pub.pem"):
            kid = path.name.removesuffix(".pub.pem")
            public = serialization.load_pem_public_key(path.read_bytes())
        elif path.name.removesuffix(".pem") in published:
            continue
        else:
            kid = path.name.removesuffix(".pem")
            public = signing_key_at(path).public_key()
        if isinstance(public, Ed25519PublicKey):
            keys[kid] = public
    return keys


def signing_key_at(path: Path) -> Ed25519PrivateKey:
    """A private key file, decrypted once per process (decrypting costs more than a signature)."""
    cache_key = (str(path), path.stat().st_mtime_ns, current_app.config["SIGNING_P12_PASSWORD"])
    if cache_key not in _loaded:
        _loaded[cache_key] = serialization.load_pem_private_key(path.read_bytes(), password=_password())
    return _loaded[cache_key]


def jwks() -> dict:
    """The JSON Web Key Set published at /.well-known/jwks.json."""
    return {"keys": [public_jwk(key, kid) for kid, key in published_keys().items()]}


def keys_from_jwks(document: dict) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JWKS document (what an offline verifier saved), by key id."""
    keys = {}
    for jwk in document.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
            keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    return keys


# --- Statements ------------------------------------------------------------------------------------


def sign_statement(issuer: str, claims: dict) -> str:
    """A compact JWS of the claims, signed with the issuer's current key."""
    kid, key = signing_key(issuer)
    header = b64url(json.dumps({"alg": "EdDSA", "kid": kid, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    signature = key.sign(f"{header}.{payload}".encode("ascii"))
    return f"{header}.{payload}.{b64url(signature)}"


@dataclass(frozen=True)
class VerifiedStatement:
    kid: str
    claims: dict


def verify_statement(jws: str, keys: dict[str, Ed25519PublicKey] | None = None) -> VerifiedStatement:
    """Check a compact JWS against the published keys (or the given ones); its claims."""
    jws = (jws or "").strip()
    if len(jws) > MAX_STATEMENT_LENGTH:
        raise InvalidStatement("the statement is too long")
    parts = jws.split(".")
    if len(parts) != 3:
        raise InvalidStatement("not a compact JWS (three parts separated by dots)")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise InvalidStatement("the statement is not valid base64url JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise InvalidStatement("unsupported algorithm (expected EdDSA)")
    kid = header.get("kid")
    keys = published_keys() if keys is None else keys
    if not isinstance(kid, str) or kid not in keys:
        raise InvalidStatement(f"unknown key id {kid!r}")
    try:
        keys[kid].verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature:
        raise InvalidStatement("the signature does not match (the statement was altered)") from None
    if not isinstance(claims, dict):
        raise InvalidStatement("the payload is not a JSON object")
    if str(claims.get("iss", "")) != kid.rsplit("-", 2)[0]:
        raise InvalidStatement("the issuer does not match the key")
    return VerifiedStatement(kid=kid, claims=claims)


def qr_text(url: str, statement: str) -> str:
    """The QR code's text: the verification URL, the signed statement as its fragment."""
    return f"{url}#{statement}"


def split_qr_text(text: str) -> tuple[str, str]:
    """(URL, statement) from a QR code's full text, or ("", text) when it is a bare statement."""
    text = (text or "").strip()
    if "#" in text:
        url, _, statement = text.partition("#")
        return url, statement
    return "", text
