"""PAdES signatures on the certificates and licences this system issues (pyHanko).

Each *issuer* signs with its own key: a certification body (its code, e.g. "LSPS") signs its
certificates, and "SIPPS" signs practice licences. The key and its certificate chain are a PKCS#12
file, `SIGNING_DIR/<issuer>.p12`, opened with the password SIGNING_P12_PASSWORD (from the
environment). In Indonesia a real signing certificate is issued through BSrE (Balai Sertifikasi
Elektronik); README.md, "Signing keys", says how to install one.

Development and tests (SIGNING_DEV_KEYS): a self-signed development CA (`SIGNING_DIR/dev-ca.pem`)
and one signer per issuer are created on first use, so a new machine issues signed PDFs without any
set-up. In production nothing is created: a missing file or a wrong password raises
`SigningUnavailable` with a message the board admin can act on, and nothing is issued unsigned.

`sign_pdf(issuer, data)` returns the signed PDF (subfilter ETSI.CAdES.detached: PAdES B-B, the
signature covering the whole file). A document drawn with its signature reserved (app/core/pdf_layout.py:
certificates, licences) has it filled in place: the byte range, the signing time, the CMS signature
written over their placeholders. Any other PDF gets an incremental update with a new signature field
(pyHanko's PdfSigner), which parses and rewrites part of the file and costs about three times as much.
The signer objects are loaded once per process and issuer: parsing the PKCS#12 file and the
certificates again for every document would cost more than the signature itself.

`check_pdf(data)` answers the public verification page: is the file signed, is the signature intact
and does it cover the whole file (nothing added after signing), and does its certificate chain to a
trusted root (the development CA and any PEM under `SIGNING_DIR/trusted/`).
"""

from __future__ import annotations

import asyncio
import contextvars
import fcntl
import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core.errors import DomainError
from app.core.pdf_layout import (
    BYTE_RANGE_PLACEHOLDER,
    CONTENTS_PLACEHOLDER,
    SIGNATURE_FIELD,
    SIGNATURE_SPACE,
    SIGNING_TIME_PLACEHOLDER,
)

logger = logging.getLogger(__name__)

DEV_CA = "dev-ca"
DEV_VALIDITY = timedelta(days=20 * 365)
_signers: dict[tuple[str, str], object] = {}
_signers_lock = threading.Lock()


class SigningUnavailable(DomainError):
    """The issuer's signing key is missing or cannot be opened: nothing may be issued."""


def missing_key(issuer: str, path: Path) -> SigningUnavailable:
    return SigningUnavailable(
        _l(
            "Kunci tanda tangan elektronik untuk %(issuer)s belum dipasang, sehingga dokumen tidak dapat "
            "diterbitkan. Hubungi administrator sistem (berkas %(file)s).",
            issuer=issuer,
            file=path.name,
        )
    )


def unusable_key(issuer: str) -> SigningUnavailable:
    return SigningUnavailable(
        _l(
            "Kunci tanda tangan elektronik untuk %(issuer)s tidak dapat dibuka (kata sandi salah atau "
            "berkas rusak), sehingga dokumen tidak dapat diterbitkan. Hubungi administrator sistem.",
            issuer=issuer,
        )
    )


def signing_dir() -> Path:
    return Path(current_app.config["SIGNING_DIR"])


def p12_path(issuer: str) -> Path:
    if not issuer or not issuer.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"unexpected issuer {issuer!r}")
    return signing_dir() / f"{issuer}.p12"


def _password() -> bytes:
    return current_app.config["SIGNING_P12_PASSWORD"].encode()


# --- Signing ---------------------------------------------------------------------------------------


def pdf_signer(issuer: str):
    """The issuer's pyHanko PdfSigner, loaded once per process (a new machine's development key is
    created first). Raises SigningUnavailable when the key cannot be used."""
    from pyhanko.sign import fields, signers

    path = p12_path(issuer)
    key = (str(path), current_app.config["SIGNING_P12_PASSWORD"])
    signer = _signers.get(key)
    if signer is not None:
        return signer
    with _signers_lock:
        if key in _signers:
            return _signers[key]
        if not path.exists() and current_app.config["SIGNING_DEV_KEYS"]:
            create_dev_signer(issuer)
        if not path.exists():
            raise missing_key(issuer, path)
        try:
            simple = signers.SimpleSigner.load_pkcs12(str(path), passphrase=_password() or None)
        except Exception:  # pyHanko logs the cause; a wrong password and a damaged file look alike here
            simple = None
        if simple is None:
            raise unusable_key(issuer)
        metadata = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
        )
        _freeze_signing_certificate_attribute()
        signer = _signers[key] = signers.PdfSigner(metadata, signer=simple)
        return signer


def _freeze_signing_certificate_attribute() -> None:
    """Build each signer's ESS signing-certificate-v2 attribute once and keep it as parsed DER.
    asn1crypto re-encodes a value built in Python every time it is dumped, and pyHanko dumps the
    signed attributes dozens of times per signature: that re-encoding was about two thirds of the
    signing time (bench/certificates.py)."""
    from asn1crypto import tsp
    from pyhanko.sign import attributes
    from pyhanko.sign.general import as_signing_certificate_v2

    provider = attributes.SigningCertificateV2Provider
    if getattr(provider, "_frozen", False):
        return
    cache: dict[bytes, tsp.SigningCertificateV2] = {}

    async def build_attr_value(self, dry_run=False):
        der = self.signing_cert.dump()
        if der not in cache:
            cache[der] = tsp.SigningCertificateV2.load(as_signing_certificate_v2(self.signing_cert).dump())
        return cache[der]

    provider.build_attr_value = build_attr_value
    provider._frozen = True


def sign_pdf(issuer: str, data: bytes) -> bytes:
    """The PDF signed by the issuer (PAdES B-B, covering the whole file)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signer = pdf_signer(issuer)
    contents = _reserved_contents(data)
    if contents is not None:
        return _fill_reserved_signature(signer, data, contents)
    output = io.BytesIO()
    _run(
        signer.async_sign_pdf,
        IncrementalPdfFileWriter(io.BytesIO(data)),
        output=output,
        bytes_reserved=SIGNATURE_SPACE,  # without it pyHanko sizes the signature by signing twice
    )
    return output.getvalue()


def _reserved_contents(data: bytes) -> int | None:
    """Where the /Contents placeholder of a reserved signature starts, or None for a PDF without one.
    The byte range placeholder is looked for first (a short search) and must be there once; the
    signature dictionary's keys are written in order, so /Contents follows it at once."""
    at = data.find(BYTE_RANGE_PLACEHOLDER)
    if at < 0 or data.find(BYTE_RANGE_PLACEHOLDER, at + 1) >= 0:
        return None
    start = data.find(b"/Contents <", at, at + 200) + len(b"/Contents ")
    if start < len(b"/Contents ") or not data.startswith(CONTENTS_PLACEHOLDER, start):
        return None
    return start


def _patch(data: bytes, placeholder: bytes, value: bytes) -> bytes:
    """`placeholder` (present once) replaced by `value` padded with spaces to the same length, so
    that no offset in the file moves."""
    if len(value) > len(placeholder):
        raise ValueError("the value does not fit its placeholder")
    at = data.index(placeholder)
    return data[:at] + value.ljust(len(placeholder)) + data[at + len(placeholder) :]


def _fill_reserved_signature(signer, data: bytes, start: int) -> bytes:
    """Sign a PDF drawn with its signature reserved: the byte range covers everything but the
    /Contents placeholder (its angle brackets included), the signing time is now, and the CMS
    signature (the same signed attributes pyHanko's PdfSigner uses for PAdES) is written as hex over
    the placeholder's zeros."""
    import hashlib

    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    now = datetime.now(UTC).replace(microsecond=0)
    end = start + len(CONTENTS_PLACEHOLDER)
    data = _patch(data, BYTE_RANGE_PLACEHOLDER, f"[0 {start} {end} {len(data) - end}]".encode())
    data = _patch(data, SIGNING_TIME_PLACEHOLDER, now.strftime("(D:%Y%m%d%H%M%S+00'00')").encode())
    digest = hashlib.sha256(data[:start])
    digest.update(data[end:])
    container = _run(
        signer.signer.async_sign,
        digest.digest(),
        "sha256",
        use_pades=True,
        signed_attr_settings=PdfCMSSignedAttributes(signing_time=now),
    ).dump()
    if len(container) > SIGNATURE_SPACE:
        raise ValueError(f"a signature of {len(container)} bytes does not fit the {SIGNATURE_SPACE} reserved")
    return data[: start + 1] + container.hex().encode().ljust(2 * SIGNATURE_SPACE, b"0") + data[end - 1 :]


class _ThreadLoop:
    """An event loop owned by one thread for pyHanko's coroutines, closed when the thread ends."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        self.loop.close()


_thread_loops = threading.local()


def _run(coroutine_function, *args, **kwargs):
    """Run one of pyHanko's coroutines to its end from synchronous code.

    In a thread without a running event loop (a WSGI worker, a job, a renderer process) it runs on
    the thread's own loop, kept between calls: asyncio.run() (what pyHanko's synchronous API does)
    creates and closes a loop every time, a sixth of a signature's cost. Where a loop is already
    running (an async server, Playwright's sync API in the browser tests) neither may start, so the
    call runs with asyncio.run() in a helper thread, with the caller's context."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        own = getattr(_thread_loops, "own", None)
        if own is None:
            own = _thread_loops.own = _ThreadLoop()
        return own.loop.run_until_complete(coroutine_function(*args, **kwargs))
    with ThreadPoolExecutor(max_workers=1) as pool:
        work = pool.submit(contextvars.copy_context().run, asyncio.run, coroutine_function(*args, **kwargs))
        return work.result()


def forget_signers() -> None:
    """Drop the loaded signers (after a key was replaced; tests)."""
    with _signers_lock:
        _signers.clear()


# --- Checking a PDF someone uploads -----------------------------------------------------------------


@dataclass(frozen=True)
class SignatureCheck:
    signed: bool  # the file carries a signature at all
    intact: bool = False  # the signed bytes were not changed
    whole_file: bool = False  # nothing was added after the signature (no extra page, no edit)
    trusted: bool = False  # the signer's certificate chains to a trusted root
    signer: str = ""  # the signer certificate's subject common name

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.whole_file and self.trusted


def trust_roots() -> list:
    """The development CA (when present) and every PEM certificate under SIGNING_DIR/trusted/."""
    from pyhanko.keys import load_cert_from_pemder

    directory = signing_dir()
    paths = [directory / f"{DEV_CA}.pem"] if (directory / f"{DEV_CA}.pem").exists() else []
    paths += sorted((directory / "trusted").glob("*.pem"))
    return [load_cert_from_pemder(str(path)) for path in paths]


def check_pdf(data: bytes) -> SignatureCheck:
    """What a PDF's signature proves (never raises on a damaged or hostile file: unsigned)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # not a PDF, or too damaged to read
        return SignatureCheck(signed=False)
    if not signatures:
        return SignatureCheck(signed=False)
    signature = signatures[-1]
    try:
        status = _run(async_validate_pdf_signature, signature, ValidationContext(trust_roots=trust_roots()))
    except Exception:
        logger.info("signature validation failed", exc_info=True)
        return SignatureCheck(signed=True)
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(signatures) == 1,
        trusted=bool(status.trusted),
        signer=status.signing_cert.subject.native.get("common_name", ""),
    )


# --- Development keys ------------------------------------------------------------------------------


@contextmanager
def key_directory_lock():
    """One process at a time creates development keys (the web server and the worker may both try)."""
    directory = signing_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield directory
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signer: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signer,
        content_commitment=signer,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not signer,
        crl_sign=not signer,
        encipher_only=False,
        decipher_only=False,
    )


def _dev_ca(directory: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The development CA, created once (its key is kept next to it, unencrypted: development only)."""
    key_path, cert_path = directory / f"{DEV_CA}.key", directory / f"{DEV_CA}.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("SDM Kesos Registry Development CA (not for production)", "SDM Kesos Registry (development)")
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signer=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate


def create_dev_signer(issuer: str) -> Path:
    """A development signer for `issuer` (ECDSA P-256, issued by the development CA), written as the
    PKCS#12 file `pdf_signer` opens. Does nothing when the file exists."""
    path = p12_path(issuer)
    with key_directory_lock() as directory:
        if path.exists():
            return path
        ca_key, ca = _dev_ca(directory)
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(f"{issuer} (development signer)", "SDM Kesos Registry (development)"))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + DEV_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(signer=True), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        password = _password()
        encryption = (
            serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        )
        data = pkcs12.serialize_key_and_certificates(issuer.encode(), key, certificate, [ca], encryption)
        partial = path.with_suffix(".p12.part")
        partial.write_bytes(data)
        partial.chmod(0o600)
        partial.replace(path)
        logger.info("created the development signer %s", path)
        return path
