"""Registration documents through the web: checked by content, bounded in size, stored under random
names outside any static folder, served only as downloads (or server-rendered PNG previews) and only
to the owner and to officers whose jurisdiction covers the registration."""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.core.audit import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.registration.models import Document, Registration
from tests.factories import create_person, create_registration, create_user, login, sample_file

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parent.parent


# --- Hostile and edge-case files ------------------------------------------------------------------

PAGES = {
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
}
OPEN_ACTION_CATALOG = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"
NAMES_CATALOG = b"<< /Type /Catalog /Pages 2 0 R /Names 4 0 R >>"
# Document-level JavaScript (runs when the file is opened), as a name tree under the catalogue.
JS_NAME_TREE = {
    4: b"<< /JavaScript 5 0 R >>",
    5: b"<< /Names [(a) 6 0 R] >>",
    6: b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
}


def build_pdf(objects: dict[int, bytes], version: bytes = b"1.4") -> bytes:
    """A well-formed PDF (classic cross-reference table); object 1 is the catalogue."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objects[num])
    xref, size = len(out), max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)


def _xref_row(kind: int, field2: int, field3: int) -> bytes:
    return bytes([kind]) + field2.to_bytes(4, "big") + field3.to_bytes(2, "big")


def build_pdf_with_object_stream(
    plain: dict[int, bytes],
    hidden: dict[int, bytes],
    encode=lambda raw: (zlib.compress(raw), b"/Filter /FlateDecode"),
    *,
    eol: bytes = b"\n",
    encrypt=None,
) -> bytes:
    """A PDF 1.7 whose `hidden` objects live inside an object stream (found through a cross-reference
    stream), so their names appear in the file only in encoded form. `encrypt(number, data)` encrypts
    the object stream; it returns the trailer entries to add."""
    header, body = [], bytearray()
    for num in sorted(hidden):
        header.append(b"%d %d" % (num, len(body)))
        body += hidden[num] + b"\n"
    head = b" ".join(header) + b"\n"
    data, filters = encode(head + bytes(body))
    stm = max([*plain, *hidden]) + 1
    extra_objects, trailer = {}, b""
    if encrypt is not None:
        data, extra_objects, trailer = encrypt(stm, data)
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, obj in sorted({**plain, **extra_objects}.items()):
        offsets[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, obj)
    offsets[stm] = len(out)
    out += b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Length %d %s >>\nstream\n" % (
        stm,
        len(hidden),
        len(head),
        len(data),
        filters,
    )
    out += data + eol + b"endstream\nendobj\n"
    xref_num = max(offsets) + 1
    offsets[xref_num] = len(out)
    order = sorted(hidden)
    rows = bytearray(_xref_row(0, 0, 65535))
    for num in range(1, xref_num + 1):
        if num in hidden:
            rows += _xref_row(2, stm, order.index(num))
        else:
            rows += _xref_row(1, offsets[num], 0)
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R %s/Length %d >>\nstream\n" % (
        xref_num,
        xref_num + 1,
        trailer,
        len(rows),
    )
    out += bytes(rows) + eol + b"endstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[xref_num]
    return bytes(out)


def _rc4(key: bytes, data: bytes) -> bytes:
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


_PASSWORD_PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")


def _rc4_empty_user_password(number: int, data: bytes):
    """Standard security handler, revision 2: opens without a password in any reader."""
    file_id = b"0123456789abcdef"
    owner_value = _rc4(hashlib.md5(b"owner" + _PASSWORD_PAD[:27]).digest()[:5], _PASSWORD_PAD)  # noqa: S324
    key = hashlib.md5(_PASSWORD_PAD + owner_value + (-4).to_bytes(4, "little", signed=True) + file_id)  # noqa: S324
    key = key.digest()[:5]
    object_key = hashlib.md5(key + number.to_bytes(3, "little") + b"\0\0").digest()[:10]  # noqa: S324
    encrypt_num = number + 1
    encrypt_dict = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (
        owner_value.hex().encode(),
        _rc4(key, _PASSWORD_PAD).hex().encode(),
    )
    trailer = b"/Encrypt %d 0 R /ID [<%s><%s>] " % (
        encrypt_num,
        file_id.hex().encode(),
        file_id.hex().encode(),
    )
    return _rc4(object_key, data), {encrypt_num: encrypt_dict}, trailer


def _ascii_hex(raw: bytes):
    return raw.hex().encode() + b">", b"/Filter /ASCIIHexDecode"


def _ascii85(raw: bytes):
    return base64.a85encode(raw) + b"~>", b"/Filter /ASCII85Decode"


def _hex_then_flate(raw: bytes):
    return zlib.compress(raw).hex().encode() + b">", b"/Filter [/ASCIIHexDecode /FlateDecode]"


def pdfium_javascript_count(data: bytes) -> int:
    """How many document-level scripts PDFium itself finds (proves a crafted file really carries one)."""
    import pypdfium2
    import pypdfium2.raw

    document = pypdfium2.PdfDocument(data)
    try:
        assert len(document) == 1
        return pypdfium2.raw.FPDFDoc_GetJavaScriptActionCount(document)
    finally:
        document.close()


def js_in_object_stream(encode=None, **kwargs) -> bytes:
    plain = {1: NAMES_CATALOG, **PAGES}
    if encode is None:
        return build_pdf_with_object_stream(plain, JS_NAME_TREE, **kwargs)
    return build_pdf_with_object_stream(plain, JS_NAME_TREE, encode, **kwargs)


@functools.cache
def js_beyond_inflate_cap() -> bytes:
    """The script object sits after 21 MB of blank space inside a Flate object stream."""
    hidden = dict(JS_NAME_TREE)
    hidden[4] = b" " * (21 * 1024 * 1024) + hidden[4]
    return build_pdf_with_object_stream({1: NAMES_CATALOG, **PAGES}, hidden)


WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program"
HTML = b"<html><script>alert(1)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def pdf_with_action(action: bytes) -> bytes:
    return build_pdf({1: OPEN_ACTION_CATALOG, **PAGES, 4: action})


@functools.cache
def bomb_png() -> bytes:
    """64 million pixels (over MAX_PIXELS = 50M, under Pillow's own warning) in a few kilobytes."""
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, "PNG")
    return buffer.getvalue()


# --- Helpers --------------------------------------------------------------------------------------

REJECTED_TYPE = "Jenis berkas tidak diterima. Silakan unggah PDF, JPEG, atau PNG."
ACTIVE_PDF = "PDF berisi skrip atau aksi otomatis dan tidak dapat diterima."
BROKEN_PDF = "Berkas PDF rusak atau terkunci kata sandi."
BROKEN_IMAGE = "Berkas gambar rusak atau tidak dapat dibaca."
EMPTY = "Berkas kosong atau belum dipilih."
TOO_BIG = "Ukuran berkas melebihi batas 5 MB."
TOO_MANY_PIXELS = "Gambar terlalu besar (resolusinya terlalu tinggi)."


@dataclass(frozen=True)
class Draft:
    owner: object
    person_id: int
    id: int


def make_draft(app) -> Draft:
    owner = create_user(app)
    person_id = create_person(app, user_id=owner.id)
    registration_id = create_registration(app, person_id, documents=False, submit=False)
    return Draft(owner, person_id, registration_id)


@pytest.fixture
def draft(app, client) -> Draft:
    """A DRAFT registration (no documents yet) whose owner is logged in on `client`."""
    draft = make_draft(app)
    assert login(client, draft.owner).status_code == 302
    return draft


def upload(client, registration_id: int, data: bytes | None, name: str = "ktp.pdf", kind: str = "KTP"):
    form: dict = {"kind": kind}
    if data is not None:
        form["file"] = (io.BytesIO(data), name)
    return client.post(
        f"/pendaftaran/{registration_id}/dokumen", data=form, content_type="multipart/form-data"
    )


def documents(app, registration_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            select(Document).filter_by(registration_id=registration_id).order_by(Document.id)
        )
        return [
            {
                "id": d.id,
                "kind": d.purpose,
                "original_name": d.original_name,
                "stored_name": d.stored_name,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
            }
            for d in rows
        ]


def status_of(app, registration_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Registration, registration_id).status)


def stored_path(app, stored_name: str) -> Path:
    return Path(app.config["UPLOAD_DIR"]) / stored_name[:2] / stored_name


def errors_beside(html: str, kind: str) -> list[str]:
    """The error messages shown under the upload field of one document kind."""
    match = re.search(rf'id="file-{kind}".*?</form>', html, re.DOTALL)
    assert match, f"no upload field for {kind}"
    return re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', match.group(0), re.DOTALL)


def refusal_problem(app, client, draft: Draft, data: bytes | None, name: str, message: str) -> str | None:
    """Upload as KTP; None when it is refused with `message` beside the upload and nothing is stored,
    otherwise what went wrong."""
    response = upload(client, draft.id, data, name)
    if response.status_code != 422:
        return f"status {response.status_code}"
    shown = errors_beside(response.get_data(as_text=True), "KTP")
    if message not in shown:
        return f"message {shown!r}"
    if documents(app, draft.id):
        return "a Document row was stored"
    return None


def assert_rejected(app, client, draft: Draft, data: bytes | None, name: str, message: str):
    problem = refusal_problem(app, client, draft, data, name, message)
    assert problem is None, problem


def all_files(directory: Path) -> set[Path]:
    return {p for p in directory.rglob("*") if p.is_file()}


# --- 1. Accepted files ----------------------------------------------------------------------------


def test_real_files_are_stored_by_content_under_random_names(app, client, draft):
    cases = [  # kind, content, misleading name, expected type, expected name
        ("KTP", sample_file("png"), "ktp.exe", "image/png", "ktp.png"),
        ("FOTO", sample_file("jpg"), "foto.pdf", "image/jpeg", "foto.jpg"),
        ("IJAZAH", sample_file("pdf"), "ijazah.png", "application/pdf", "ijazah.pdf"),
        ("SK_TUGAS", sample_file("png"), "sk", "image/png", "sk.png"),  # same bytes as the KTP
    ]
    for kind, data, name, _, _ in cases:
        assert upload(client, draft.id, data, name, kind=kind).status_code == 302, kind

    stored = documents(app, draft.id)
    assert [d["kind"] for d in stored] == [c[0] for c in cases]
    for document, (_, data, _, content_type, original_name) in zip(stored, cases, strict=True):
        assert document["content_type"] == content_type
        assert document["sha256"] == hashlib.sha256(data).hexdigest()
        assert document["size"] == len(data)
        assert document["original_name"] == original_name
        assert re.fullmatch(r"[0-9a-f]{32}", document["stored_name"])
        path = stored_path(app, document["stored_name"])
        assert path.read_bytes() == data
        for static in (app.static_folder, ROOT / "app" / "static"):
            assert not path.resolve().is_relative_to(Path(static).resolve())
    assert len({d["stored_name"] for d in stored}) == len(cases)  # same content, new random name
    html = client.get(f"/pendaftaran/{draft.id}").get_data(as_text=True)
    assert "ktp.png" in html and "ijazah.pdf" in html


# --- 2. Rejected files ----------------------------------------------------------------------------

HOSTILE_FILES = {  # case: (content, name, message shown beside the upload)
    "exe named .pdf": (lambda: WINDOWS_EXE, "ktp.pdf", REJECTED_TYPE),
    "html named .png": (lambda: HTML, "ktp.png", REJECTED_TYPE),
    "svg": (lambda: SVG, "ktp.svg", REJECTED_TYPE),
    "pdf /OpenAction /JavaScript": (
        lambda: pdf_with_action(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"),
        "ktp.pdf",
        ACTIVE_PDF,
    ),
    "pdf hex-escaped names": (
        lambda: pdf_with_action(b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
        "ktp.pdf",
        ACTIVE_PDF,
    ),
    "pdf /JS in a Flate object stream": (js_in_object_stream, "ktp.pdf", ACTIVE_PDF),
    "pdf /Launch": (lambda: pdf_with_action(b"<< /S /Launch /F (cmd.exe) >>"), "ktp.pdf", ACTIVE_PDF),
    "corrupt pdf": (lambda: b"%PDF-1.4\n garbage", "ktp.pdf", BROKEN_PDF),
    "png header + garbage": (lambda: PNG_SIGNATURE + b"garbage" * 20, "ktp.png", BROKEN_IMAGE),
    "jpeg header + garbage": (lambda: b"\xff\xd8\xff\xe0" + b"garbage" * 20, "ktp.jpg", BROKEN_IMAGE),
    "empty file": (lambda: b"", "ktp.pdf", EMPTY),
    "just over 5 MB": (lambda: b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "ktp.pdf", TOO_BIG),
    "decompression bomb png": (bomb_png, "foto.png", TOO_MANY_PIXELS),
}


def test_hostile_or_broken_files_are_refused_beside_the_upload(app, client, draft):
    problems = {}
    for case, (make, name, message) in HOSTILE_FILES.items():
        problem = refusal_problem(app, client, draft, make(), name, message)
        if problem:
            problems[case] = problem
    assert problems == {}


def test_crafted_files_really_are_what_they_claim():
    """The hostile PDFs carry a script PDFium itself finds, in a form a plain byte search misses; the
    size and bomb cases are what they say."""
    for make in (js_in_object_stream, *HIDDEN_JAVASCRIPT.values()):
        data = make()
        assert b"/JS" not in data and b"/JavaScript" not in data
        assert len(data) < 100_000
        assert pdfium_javascript_count(data) == 1
    assert 5 * 1024 * 1024 < len(HOSTILE_FILES["just over 5 MB"][0]()) < 5.5 * 1024 * 1024
    bomb = bomb_png()
    assert len(bomb) < 100_000
    with Image.open(io.BytesIO(bomb)) as image:
        assert image.width * image.height > 50_000_000


HIDDEN_JAVASCRIPT = {
    "ASCIIHexDecode object stream": lambda: js_in_object_stream(_ascii_hex),
    "ASCII85Decode object stream": lambda: js_in_object_stream(_ascii85),
    "[/ASCIIHexDecode /FlateDecode] object stream": lambda: js_in_object_stream(_hex_then_flate),
    "Flate object stream, no EOL before endstream": lambda: js_in_object_stream(eol=b""),
    "Flate object stream inflating past 20 MB": js_beyond_inflate_cap,
    "RC4-encrypted, empty user password": lambda: js_in_object_stream(encrypt=_rc4_empty_user_password),
}


def test_javascript_hidden_from_a_byte_scan_is_still_refused(app, client, draft):
    """PDFium decodes every standard filter, needs no EOL before `endstream`, inflates past 20 MB and
    opens empty-password encryption: a script hidden any of these ways must not get through."""
    let_through = {}
    for case, make in HIDDEN_JAVASCRIPT.items():
        response = upload(client, draft.id, make(), "ktp.pdf")
        stored = documents(app, draft.id)
        if response.status_code != 422 or stored:
            let_through[case] = response.status_code
        for document in stored:  # the next case starts from an empty draft again
            client.post(f"/pendaftaran/{draft.id}/dokumen/{document['id']}/hapus")
    assert let_through == {}


def test_request_without_a_file_is_refused_beside_the_upload(app, client, draft):
    assert_rejected(app, client, draft, None, "", EMPTY)


def test_the_per_file_limit_is_configurable(app, client, draft, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    data = sample_file("pdf") + b"%" + b"0" * (1024 * 1024)  # a little over 1 MB
    assert_rejected(app, client, draft, data, "ktp.pdf", "Ukuran berkas melebihi batas 1 MB.")


def test_request_over_the_body_limit_goes_back_to_the_registration_with_the_message(app, client, draft):
    """Never a dead-end 413 page: back to the registration's documents, the message beside them."""
    data = b"%PDF-1.4\n" + b"0" * app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, draft.id, data, "ktp.pdf")
    assert response.status_code == 303
    assert response.location.endswith(f"/pendaftaran/{draft.id}?berkas=terlalu-besar#dokumen")
    page = client.get(response.location)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    section = html[html.index('id="dokumen"') :]
    beside = section[: section.index('data-testid="documents-form"')]
    assert "Berkas terlalu besar dan tidak diunggah." in beside
    assert "PDF 5 MB, foto JPEG/PNG 15 MB" in html
    assert documents(app, draft.id) == []


# --- 3. Path traversal in the file name -----------------------------------------------------------


def test_path_traversal_names_are_stored_under_random_names(app, client, draft):
    upload_dir = Path(app.config["UPLOAD_DIR"])
    upload_dir.mkdir(parents=True, exist_ok=True)
    outside = upload_dir.parent
    before = all_files(outside) - all_files(upload_dir)
    data = sample_file("pdf")
    names = {"KTP": "../../etc/passwd.pdf", "FOTO": "..\\..\\windows\\win.ini.pdf", "IJAZAH": "/etc/x.pdf"}

    for kind, name in names.items():
        assert upload(client, draft.id, data, name, kind=kind).status_code == 302, name

    stored = documents(app, draft.id)
    assert len(stored) == len(names)
    for document in stored:
        original = document["original_name"]
        assert "/" not in original and "\\" not in original and ".." not in original, original
        assert original.endswith(".pdf")
        assert re.fullmatch(r"[0-9a-f]{32}", document["stored_name"])
        path = stored_path(app, document["stored_name"])
        assert path.resolve().is_relative_to(upload_dir.resolve())
        assert path.read_bytes() == data
    assert all_files(outside) - all_files(upload_dir) == before
    assert not (outside / "etc").exists() and not (upload_dir / "etc").exists()

    response = client.get(f"/pendaftaran/{draft.id}/dokumen/{stored[0]['id']}/unduh")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "/" not in disposition and ".." not in disposition


# --- 4. A failed upload keeps what was already uploaded -------------------------------------------


def test_failed_upload_keeps_earlier_files(app, client, draft):
    photo, scan = sample_file("jpg"), sample_file("pdf")
    assert upload(client, draft.id, photo, "foto.jpg", kind="FOTO").status_code == 302
    assert upload(client, draft.id, scan, "ktp.pdf", kind="KTP").status_code == 302
    kept = documents(app, draft.id)

    # Another kind fails: the photo and the KTP are untouched.
    response = upload(client, draft.id, HTML, "ijazah.pdf", kind="IJAZAH")
    assert response.status_code == 422
    assert REJECTED_TYPE in errors_beside(response.get_data(as_text=True), "IJAZAH")
    # The same kind fails: the earlier KTP stays.
    response = upload(client, draft.id, WINDOWS_EXE, "ktp-baru.pdf", kind="KTP")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert REJECTED_TYPE in errors_beside(html, "KTP")
    assert "ktp.pdf" in html and "foto.jpg" in html  # the page still lists both files

    assert documents(app, draft.id) == kept
    for document, data in zip(kept, (photo, scan), strict=True):
        assert stored_path(app, document["stored_name"]).read_bytes() == data


def test_replacing_a_document_removes_the_old_file(app, client, draft):
    first, second = sample_file("png"), sample_file("jpg")
    assert upload(client, draft.id, first, "ktp.png").status_code == 302
    [old] = documents(app, draft.id)
    assert upload(client, draft.id, second, "ktp.jpg").status_code == 302
    [new] = documents(app, draft.id)
    assert new["sha256"] == hashlib.sha256(second).hexdigest()
    assert stored_path(app, new["stored_name"]).read_bytes() == second
    assert not stored_path(app, old["stored_name"]).exists()


def test_failed_submission_keeps_uploaded_files(app, client, draft):
    data = sample_file("png")
    assert upload(client, draft.id, data, "ktp.png").status_code == 302
    kept = documents(app, draft.id)
    response = client.post(f"/pendaftaran/{draft.id}/ajukan", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Unggah Pas foto." in html  # still missing: explained, not submitted
    assert status_of(app, draft.id) == "draft"
    assert documents(app, draft.id) == kept
    assert stored_path(app, kept[0]["stored_name"]).read_bytes() == data


# --- 5. Download and preview ----------------------------------------------------------------------


def test_downloads_are_attachments_with_the_sniffed_type_and_previews_are_rendered_png(app, client, draft):
    cases = {"KTP": ("png", "image/png"), "FOTO": ("jpg", "image/jpeg"), "IJAZAH": ("pdf", "application/pdf")}
    contents = {kind: sample_file(ext, size=(300, 200)) for kind, (ext, _) in cases.items()}
    for kind, data in contents.items():
        assert upload(client, draft.id, data, "berkas.txt", kind=kind).status_code == 302

    for document in documents(app, draft.id):
        ext, content_type = cases[document["kind"]]
        base = f"/pendaftaran/{draft.id}/dokumen/{document['id']}"
        response = client.get(f"{base}/unduh")
        assert response.status_code == 200
        assert response.mimetype == content_type
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment") and f"berkas.{ext}" in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert "no-store" in response.headers["Cache-Control"]
        assert response.get_data() == contents[document["kind"]]

        preview = client.get(f"{base}/pratinjau")
        assert preview.status_code == 200
        assert preview.mimetype == "image/png"
        body = preview.get_data()
        assert body.startswith(PNG_SIGNATURE) and body != contents[document["kind"]]
        assert preview.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in preview.headers["Content-Security-Policy"]
        with Image.open(io.BytesIO(body)) as image:
            assert image.format == "PNG" and image.size[0] > 0


def test_pdf_preview_is_bounded_like_an_image_preview(app, client, draft):
    """A tiny PDF may declare a page 72 times taller than wide; its preview must stay as bounded as an
    image's (1200 x 2400), not grow with the declared page size."""
    data = build_pdf(
        {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: PAGES[2], 3: PAGES[3].replace(b"200 200", b"200 14400")}
    )
    assert upload(client, draft.id, data, "ktp.pdf").status_code == 302
    [document] = documents(app, draft.id)

    response = client.get(f"/pendaftaran/{draft.id}/dokumen/{document['id']}/pratinjau")
    assert response.status_code == 200
    width, height = Image.open(io.BytesIO(response.get_data())).size
    assert width <= 1200 and height <= 2400, (width, height)


# --- 6. Who may see and act on a registration -----------------------------------------------------


@dataclass(frozen=True)
class Target:
    draft: Draft
    document_id: int
    submitted_id: int
    submitted_document_id: int


@pytest.fixture
def target(app) -> Target:
    """A complete draft of an applicant in Kab. Bandung (32.04), and a submitted registration there."""
    owner = create_user(app)
    person_id = create_person(app, user_id=owner.id)
    draft_id = create_registration(app, person_id, submit=False)
    submitted_id = create_registration(app, create_person(app))
    return Target(
        Draft(owner, person_id, draft_id),
        documents(app, draft_id)[0]["id"],
        submitted_id,
        documents(app, submitted_id)[0]["id"],
    )


def attempts(t: Target) -> list[tuple[str, str, dict | None]]:
    draft, doc = t.draft.id, t.document_id
    sub, sub_doc = t.submitted_id, t.submitted_document_id
    png = {"kind": "KTP", "file": (io.BytesIO(sample_file("png")), "ktp.png")}
    return [
        ("GET", f"/pendaftaran/{draft}", None),
        ("GET", f"/pendaftaran/{draft}/dokumen/{doc}/unduh", None),
        ("GET", f"/pendaftaran/{draft}/dokumen/{doc}/pratinjau", None),
        ("POST", f"/pendaftaran/{draft}/dokumen", png),
        ("POST", f"/pendaftaran/{draft}/dokumen/{doc}/hapus", {}),
        ("GET", f"/pendaftaran/{draft}/ubah", None),
        ("POST", f"/pendaftaran/{draft}/ajukan", {}),
        ("GET", f"/pendaftaran/{sub}", None),
        ("GET", f"/pendaftaran/{sub}/dokumen/{sub_doc}/unduh", None),
        ("POST", f"/pendaftaran/{sub}/putusan", {"action": "verify"}),
        ("POST", f"/pendaftaran/{sub}/putusan", {"action": "reject", "reason": "Tebakan URL"}),
        ("POST", f"/pendaftaran/{sub}/nik", {}),
    ]


def request(client, method: str, url: str, data: dict | None):
    if method == "GET":
        return client.get(url)
    return client.post(url, data=data, content_type="multipart/form-data")


def denied_audits(app, user_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent)
            .filter_by(action="registration.access_denied", actor_id=user_id)
            .order_by(AuditEvent.id)
        )
        return [(e.object_id, e.after) for e in events]


OUTSIDERS = {  # who: (role, scope, is an agency officer whose attempts must be audited)
    "another applicant": (Role.APPLICANT, {}, False),
    "officer of Jawa Tengah (33)": (Role.AGENCY_OFFICER, {"region_code": "33"}, True),
    "officer of Kota Bandung (32.73)": (Role.AGENCY_OFFICER, {"region_code": "32.73"}, True),
    "board admin": (Role.BOARD_ADMIN, {}, False),
    "assessor": (Role.ASSESSOR, {}, False),
}


def test_outsiders_cannot_open_or_act_on_a_registration(app, target):
    before = documents(app, target.draft.id), documents(app, target.submitted_id)
    for who, (role, scope, audited) in OUTSIDERS.items():
        outsider = create_user(app, role, **scope)
        client = app.test_client()
        assert login(client, outsider).status_code == 302, who
        tried = attempts(target)
        for method, url, data in tried:
            response = request(client, method, url, data)
            assert response.status_code in (403, 404), (who, method, url, response.status_code)

        if audited:
            events = denied_audits(app, outsider.id)
            assert len(events) == len(tried), who
            assert {object_id for object_id, _ in events} == {str(target.draft.id), str(target.submitted_id)}
            assert all(after["endpoint"].startswith("registration.") for _, after in events)

    assert (documents(app, target.draft.id), documents(app, target.submitted_id)) == before
    assert status_of(app, target.draft.id) == "draft"
    assert status_of(app, target.submitted_id) == "submitted"


def test_owner_and_officers_in_jurisdiction_can_open_and_download(app, target):
    """The owner opens their draft; officers in jurisdiction open a submitted registration."""
    insiders = {
        "owner": (target.draft.owner, target.draft.id, target.document_id),
        "officer of Kab. Bandung (32.04)": create_user(app, Role.AGENCY_OFFICER, region_code="32.04"),
        "officer of Jawa Barat (32)": create_user(app, Role.AGENCY_OFFICER, region_code="32"),
        "ministry admin": create_user(app, Role.MINISTRY_ADMIN),
    }
    for who, insider in insiders.items():
        if not isinstance(insider, tuple):
            insider = (insider, target.submitted_id, target.submitted_document_id)
        user, registration_id, document_id = insider
        [expected] = [d for d in documents(app, registration_id) if d["id"] == document_id]
        base = f"/pendaftaran/{registration_id}/dokumen/{document_id}"
        client = app.test_client()
        assert login(client, user).status_code == 302, who
        assert client.get(f"/pendaftaran/{registration_id}").status_code == 200, who
        response = client.get(f"{base}/unduh")
        assert response.status_code == 200, who
        assert hashlib.sha256(response.get_data()).hexdigest() == expected["sha256"]
        assert response.headers["Content-Disposition"].startswith("attachment")
        preview = client.get(f"{base}/pratinjau")
        assert preview.status_code == 200 and preview.get_data().startswith(PNG_SIGNATURE), who
        assert denied_audits(app, user.id) == [], who


def test_officers_do_not_see_an_applicants_draft(app, target):
    """Before submission a draft is the applicant's alone: the page, its documents and the NIK reveal
    answer 404 to officers in jurisdiction (audited); after submission they open it."""
    officers = [
        create_user(app, Role.AGENCY_OFFICER, region_code="32.04"),
        create_user(app, Role.MINISTRY_ADMIN),
    ]
    draft, doc = target.draft.id, target.document_id
    for officer in officers:
        client = app.test_client()
        assert login(client, officer).status_code == 302
        for method, url in (
            ("GET", f"/pendaftaran/{draft}"),
            ("GET", f"/pendaftaran/{draft}/dokumen/{doc}/unduh"),
            ("GET", f"/pendaftaran/{draft}/dokumen/{doc}/pratinjau"),
            ("POST", f"/pendaftaran/{draft}/nik"),
            ("POST", f"/pendaftaran/{draft}/putusan"),
        ):
            response = client.get(url) if method == "GET" else client.post(url, data={"action": "verify"})
            assert response.status_code == 404, (officer.email, url, response.status_code)
        assert len(denied_audits(app, officer.id)) == 5
    owner = app.test_client()
    assert login(owner, target.draft.owner).status_code == 302
    assert owner.post(f"/pendaftaran/{draft}/ajukan").status_code == 302
    assert status_of(app, draft) == "submitted"
    client = app.test_client()
    assert login(client, officers[0]).status_code == 302
    assert client.get(f"/pendaftaran/{draft}").status_code == 200
    assert client.get(f"/pendaftaran/{draft}/dokumen/{doc}/unduh").status_code == 200


def test_a_walk_in_draft_is_seen_by_the_officer_who_entered_it_only(app):
    entering = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    colleague = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    client = app.test_client()
    assert login(client, entering).status_code == 302
    person_id = create_person(app)
    response = client.post(
        f"/pendaftaran/baru/RELAWAN?orang={person_id}",
        data={
            "relawan_kind": "KARANG_TARUNA",
            "registration_level": "KABKOTA",
            "region_code-1": "32",
            "region_code-2": "32.04",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.location
    assert client.get(url).status_code == 200
    other = app.test_client()
    assert login(other, colleague).status_code == 302
    assert other.get(url).status_code == 404


def test_officer_in_jurisdiction_can_reveal_nik_and_decide(app, client, target):
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="32.04")
    assert login(client, officer).status_code == 302
    assert client.post(f"/pendaftaran/{target.submitted_id}/nik").status_code == 200
    response = client.post(f"/pendaftaran/{target.submitted_id}/putusan", data={"action": "verify"})
    assert response.status_code == 302
    assert status_of(app, target.submitted_id) == "verified"


def test_owner_cannot_decide_or_reveal_nik(app, client, target):
    assert login(client, target.draft.owner).status_code == 302
    assert (
        client.post(f"/pendaftaran/{target.draft.id}/putusan", data={"action": "verify"}).status_code == 403
    )
    assert client.post(f"/pendaftaran/{target.draft.id}/nik").status_code == 403


def test_document_id_of_another_registration_is_not_found(app, client, target):
    """Under a registration the user may see, a document id of another registration is a 404."""
    assert login(client, target.draft.owner).status_code == 302
    base = f"/pendaftaran/{target.draft.id}/dokumen/{target.submitted_document_id}"
    assert client.get(f"{base}/unduh").status_code == 404
    assert client.get(f"{base}/pratinjau").status_code == 404
    assert client.post(f"{base}/hapus").status_code == 404
    assert client.get(f"/pendaftaran/{target.draft.id}/dokumen/999999999/unduh").status_code == 404
    assert len(documents(app, target.submitted_id)) == 3

    # An officer of Jawa Tengah, with a Bandung document id under a Semarang registration.
    officer = create_user(app, Role.AGENCY_OFFICER, region_code="33")
    semarang = create_registration(app, create_person(app, village="33.74.01.1001"), region="33.74")
    own_document = documents(app, semarang)[0]["id"]
    other = app.test_client()
    assert login(other, officer).status_code == 302
    assert other.get(f"/pendaftaran/{semarang}/dokumen/{own_document}/unduh").status_code == 200
    assert other.get(f"/pendaftaran/{semarang}/dokumen/{target.document_id}/unduh").status_code == 404
    assert other.get(f"/pendaftaran/{semarang}/dokumen/{target.document_id}/pratinjau").status_code == 404


# --- 7. Submitted registrations are frozen --------------------------------------------------------


def test_after_submission_documents_cannot_be_changed(app, client, draft):
    for kind in ("KTP", "FOTO", "IJAZAH"):
        assert upload(client, draft.id, sample_file("png"), f"{kind}.png", kind=kind).status_code == 302
    assert client.post(f"/pendaftaran/{draft.id}/ajukan").status_code == 302
    assert status_of(app, draft.id) == "submitted"
    kept = documents(app, draft.id)

    response = upload(client, draft.id, sample_file("jpg"), "ktp.jpg", kind="KTP")
    assert response.status_code in (302, 403, 404)
    response = client.post(f"/pendaftaran/{draft.id}/dokumen/{kept[0]['id']}/hapus")
    assert response.status_code in (302, 403, 404)

    assert documents(app, draft.id) == kept
    for document in kept:
        assert stored_path(app, document["stored_name"]).exists()
    # The owner can still read them.
    assert client.get(f"/pendaftaran/{draft.id}/dokumen/{kept[0]['id']}/unduh").status_code == 200


# --- 8. Deleting a document ------------------------------------------------------------------------


def test_deleting_a_document_removes_its_row_and_file(app, client, draft):
    data = sample_file("pdf")
    assert upload(client, draft.id, data, "ktp.pdf").status_code == 302
    [document] = documents(app, draft.id)
    path = stored_path(app, document["stored_name"])
    assert path.exists()

    response = client.post(f"/pendaftaran/{draft.id}/dokumen/{document['id']}/hapus")
    assert response.status_code == 302
    assert documents(app, draft.id) == []
    assert not path.exists()
    assert client.get(f"/pendaftaran/{draft.id}/dokumen/{document['id']}/unduh").status_code == 404
    with app.app_context():
        deleted = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .filter_by(action="registration.document_deleted", object_id=str(draft.id))
        )
    assert deleted == 1
