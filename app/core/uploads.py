"""Uploaded files: checked by content, bounded in size, stored outside any static folder under random
names with their SHA-256, and previewed only as server-rendered PNG images.

Accepted: PDF, JPEG and PNG, whatever the file name says. A PDF with active content (JavaScript,
launch actions, embedded files, rich media, XFA forms), with any automatic action (/OpenAction, /AA)
or with any action reaching outside the file (/URI, /GoToR, /GoToE, /SubmitForm, /ImportData) is
refused; plain internal links (/GoTo, /Dest) are kept. Images are decoded fully with a pixel bound
(decompression bombs); phone photos up to MAX_IMAGE_UPLOAD_MB are accepted and downscaled (upright by
their EXIF orientation, longest side IMAGE_MAX_SIDE px) before storing. Previews are rendered here
(page one of a PDF, or the image re-encoded), so no uploaded byte is ever shown to a browser inline.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app, send_file
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from app.core.errors import DomainError

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
MAX_PIXELS = 50_000_000
PREVIEW_WIDTH = 1200
# PDF names that make a document do something on its own.
ACTIVE_PDF_NAMES = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/XFA")
# Automatic actions and actions that reach outside the file. Matched as whole names: "/AA" must not
# match a font subset name such as "/AAAAAB+Arial".
ACTION_PDF_NAMES = (
    b"/OpenAction",
    b"/AA",
    b"/URI",
    b"/GoToR",
    b"/GoToE",
    b"/SubmitForm",
    b"/ImportData",
)
_ACTION_NAME = re.compile(
    rb"(?:" + b"|".join(re.escape(name) for name in ACTION_PDF_NAMES) + rb")(?=[\s/\[\]<>(){}%]|$)"
)
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


class UploadError(DomainError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    sha256: str
    original_name: str

    @property
    def size(self) -> int:
        return len(self.data)


IMAGE_MAX_SIDE = 2000  # px: the longest side of a stored photo or scan (legible for a KTP)
JPEG_QUALITY = 85


def max_bytes() -> int:
    """The per-file limit of a PDF (MAX_UPLOAD_MB)."""
    return current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024


def max_image_bytes() -> int:
    """The per-file limit of a JPEG or PNG (MAX_IMAGE_UPLOAD_MB: phone photos are 5-12 MB)."""
    return current_app.config["MAX_IMAGE_UPLOAD_MB"] * 1024 * 1024


def sniff(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _pdf_has_active_content(data: bytes) -> bool:
    def scan(chunk: bytes) -> bool:
        unescaped = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), chunk)
        return any(name in unescaped for name in ACTIVE_PDF_NAMES) or bool(_ACTION_NAME.search(unescaped))

    if scan(data):
        return True
    for match in _STREAM.finditer(data):  # object streams can hide names inside compressed data
        try:
            inflated = zlib.decompressobj().decompress(match.group(1), 20 * 1024 * 1024)
        except zlib.error:
            continue
        if scan(inflated):
            return True
    return False


def _structure_has_active_content(reader) -> bool:
    """Walk every object of the parsed PDF (object streams and any filter decoded by the parser)."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    active = {name.decode() for name in (*ACTIVE_PDF_NAMES, *ACTION_PDF_NAMES)} | {"/EmbeddedFiles"}
    numbers = {num for objects in reader.xref.values() for num in objects} | set(reader.xref_objStm)
    for number in numbers:
        stack = [reader.get_object(number)]
        while stack:
            item = stack.pop()
            if isinstance(item, DictionaryObject):
                if active.intersection(item.keys()):
                    return True
                stack.extend(item.values())  # indirect references are reached as objects of their own
            elif isinstance(item, ArrayObject):
                stack.extend(item)
            elif isinstance(item, NameObject) and item in active:
                return True
    return False


def _check_pdf(data: bytes) -> None:
    """Refuse active content found by a byte scan (fast) or in the parsed structure (thorough), and
    PDFs that are encrypted, unreadable or empty."""
    import pypdfium2
    from pypdf import PdfReader

    scripted = UploadError(_l("PDF berisi skrip atau aksi otomatis dan tidak dapat diterima."))
    if _pdf_has_active_content(data):
        raise scripted
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValueError("encrypted")
        has_script = _structure_has_active_content(reader)
        document = pypdfium2.PdfDocument(data)
        pages = len(document)
        document.close()
    except Exception as error:  # noqa: BLE001 - any parse failure means an unusable PDF
        raise UploadError(_l("Berkas PDF rusak atau terkunci kata sandi.")) from error
    if has_script:
        raise scripted
    if pages == 0:
        raise UploadError(_l("Berkas PDF tidak berisi halaman."))


def _open_image(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise UploadError(_l("Gambar terlalu besar (resolusinya terlalu tinggi)."))
        image.load()
    return image


def _check_image(data: bytes, content_type: str) -> None:
    try:
        image = _open_image(data)
    except UploadError:
        raise
    except Exception as error:  # noqa: BLE001 - Pillow raises many types for broken files
        raise UploadError(_l("Berkas gambar rusak atau tidak dapat dibaca.")) from error
    if Image.MIME.get(image.format or "") != content_type:
        raise UploadError(_l("Isi berkas gambar tidak sesuai dengan jenisnya."))


def _downscaled(data: bytes, content_type: str) -> tuple[bytes, str]:
    """A photo larger than IMAGE_MAX_SIDE px or than the PDF limit, turned upright (EXIF orientation)
    and re-encoded at most IMAGE_MAX_SIDE px on its longest side (which also drops its metadata, e.g.
    GPS); a PNG that stays over the limit becomes a JPEG. Smaller images are stored as sent."""
    image = _open_image(data)
    if max(image.size) <= IMAGE_MAX_SIDE and len(data) <= max_bytes():
        return data, content_type
    image = ImageOps.exif_transpose(image)
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    if content_type == PNG:
        image.save(output, format="PNG", optimize=True)
        if output.tell() <= max_bytes():
            return output.getvalue(), PNG
        output = io.BytesIO()
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return output.getvalue(), JPEG


def check_upload(filename: str | None, stream: BinaryIO) -> CheckedFile:
    """Read and check an upload; raises UploadError with a message for the person uploading."""
    pdf_mb, image_mb = current_app.config["MAX_UPLOAD_MB"], current_app.config["MAX_IMAGE_UPLOAD_MB"]
    limit = max(max_bytes(), max_image_bytes())
    data = stream.read(limit + 1) if stream is not None else b""
    if not data:
        raise UploadError(_l("Berkas kosong atau belum dipilih."))
    content_type = sniff(data)
    if content_type == PDF and len(data) > max_bytes():
        raise UploadError(_l("Ukuran berkas melebihi batas %(mb)s MB.", mb=pdf_mb))
    if content_type is None and len(data) > max_bytes():
        raise UploadError(_l("Ukuran berkas melebihi batas %(mb)s MB.", mb=pdf_mb))
    if content_type in (JPEG, PNG) and len(data) > max_image_bytes():
        raise UploadError(_l("Ukuran foto melebihi batas %(mb)s MB.", mb=image_mb))
    if content_type is None:
        raise UploadError(_l("Jenis berkas tidak diterima. Silakan unggah PDF, JPEG, atau PNG."))
    if content_type == PDF:
        _check_pdf(data)
    else:
        _check_image(data, content_type)
        data, content_type = _downscaled(data, content_type)
    return CheckedFile(
        data, content_type, hashlib.sha256(data).hexdigest(), safe_name(filename, content_type)
    )


def safe_name(filename: str | None, content_type: str) -> str:
    """A display/download name with no path and the extension of the real content."""
    stem = Path(secure_filename(filename or "")).stem[:100] or "dokumen"
    return f"{stem}.{EXTENSIONS[content_type]}"


def _path(stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise ValueError("invalid stored name")
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name[:2] / stored_name


def store(checked: CheckedFile, session: Session) -> str:
    """Write the file under a new random name; returns that name. The file follows the session's
    transaction: it is removed again if the transaction rolls back."""
    stored_name = secrets.token_hex(16)
    path = _path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(checked.data)
    session.info.setdefault(_WRITTEN, []).append(stored_name)
    return stored_name


def remove_after_commit(session: Session, stored_name: str) -> None:
    """Delete the file once the transaction that forgets its row commits."""
    session.info.setdefault(_TO_REMOVE, []).append(stored_name)


def path_of(stored_name: str) -> Path:
    return _path(stored_name)


# Stored files are never rendered by the browser as a page: no scripts, no plugins, no framing.
PRIVATE_FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


def private_file(response: Response) -> Response:
    """A response carrying an uploaded file (or its preview), with the headers above."""
    response.headers.update(PRIVATE_FILE_HEADERS)
    return response


def download(stored_name: str, content_type: str, download_name: str) -> Response:
    """An uploaded file as an attachment (never shown inline)."""
    return private_file(
        send_file(
            path_of(stored_name), mimetype=content_type, as_attachment=True, download_name=download_name
        )
    )


_WRITTEN, _TO_REMOVE = "uploads_written", "uploads_to_remove"


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    for stored_name in session.info.pop(_TO_REMOVE, []):
        _path(stored_name).unlink(missing_ok=True)
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint inside the transaction
        return
    for stored_name in session.info.pop(_WRITTEN, []):
        _path(stored_name).unlink(missing_ok=True)
    session.info.pop(_TO_REMOVE, None)


def render_preview(stored_name: str, content_type: str) -> bytes:
    """PNG of page one of a PDF, or of the image, at most PREVIEW_WIDTH wide."""
    data = _path(stored_name).read_bytes()
    if content_type == PDF:
        import pypdfium2

        document = pypdfium2.PdfDocument(data)
        try:
            page = document[0]
            # Bounded like an image preview: at most PREVIEW_WIDTH wide and twice that high.
            scale = min(
                2.0,
                PREVIEW_WIDTH / max(page.get_width(), 1),
                2 * PREVIEW_WIDTH / max(page.get_height(), 1),
            )
            image = page.render(scale=scale).to_pil()
        finally:
            document.close()
    else:
        image = _open_image(data)
        image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
    output = io.BytesIO()
    image.convert("RGB").save(output, format="PNG", optimize=True)
    return output.getvalue()
