"""The PDF service: shipped fonts only, fixed metadata, the same bytes for the same data, a QR code that
decodes, and no resource fetched but the fonts."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.core import pdf
from tests.test_sttp import qr_codes

SNAPSHOT = {
    "ministry": "Kementerian Sosial Republik Indonesia",
    "provider": {"name": "Politeknik Kesejahteraan Sosial Bandung"},
    "holder": {"name": "Ni Luh Putu Ayu Ğüçlü Ñandú", "id_label": "NIK", "id_masked": "5171********0002"},
    "programme": {"title": "Pelatihan Manajemen Kasus", "jp": 60},
    "session": {"name": "Angkatan I", "dates_text": "2–6 Februari 2026", "place": "Denpasar"},
    "result": {"attendance_percent": 100, "text": "LULUS", "final_score": "90,00"},
    "signatory": {"name": "Prof. Dr. Nama Penandatangan", "title": "Direktur"},
    "issued_place": "Bandung",
    "issued_on_text": "6 Februari 2026",
    "number": "000042/STTP/POLTEKESOS/II/2026",
    "verification_url": "http://127.0.0.1/verifikasi-dokumen/abcdefghijklmnopqrstuvwxyz012345",
}


def render(app, snapshot=SNAPSHOT, document_date="2026-02-06") -> bytes:
    with app.test_request_context():
        return pdf.render_pdf(
            "pdf/sttp.html",
            s=snapshot,
            qr=pdf.qr_image(snapshot["verification_url"]),
            document_date=document_date,
        )


def test_the_same_data_gives_the_same_bytes_also_on_another_thread(app):
    import threading

    first = render(app)
    other: dict = {}
    thread = threading.Thread(target=lambda: other.setdefault("pdf", render(app)))
    thread.start()
    thread.join()
    assert render(app) == first == other["pdf"]
    changed = render(app, {**SNAPSHOT, "holder": {**SNAPSHOT["holder"], "name": "Orang Lain"}})
    assert changed != first


def test_metadata_title_and_fixed_dates(app):
    reader = PdfReader(io.BytesIO(render(app)))
    assert reader.metadata.title == "STTP 000042/STTP/POLTEKESOS/II/2026"
    assert reader.metadata["/CreationDate"] == "D:20260206"
    assert reader.metadata["/ModDate"] == "D:20260206"
    assert reader.metadata.author == "Kementerian Sosial Republik Indonesia"
    undated = PdfReader(io.BytesIO(render(app, document_date=None)))
    assert "/CreationDate" not in undated.metadata  # never "now"


def test_only_the_shipped_fonts_are_embedded_and_names_keep_their_letters(app):
    data = render(app)
    reader = PdfReader(io.BytesIO(data))
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].get_object().values()}
    assert fonts and all("+Doc-Sans" in f or "+Doc-Serif" in f for f in fonts), fonts
    assert "Ni Luh Putu Ayu Ğüçlü Ñandú" in reader.pages[0].extract_text()
    assert (pdf.FONTS_DIR / "LICENSE.txt").exists()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"):
        assert (pdf.FONTS_DIR / name).stat().st_size > 100_000


def test_the_qr_code_decodes_to_its_data(app):
    assert qr_codes(render(app)) == [SNAPSHOT["verification_url"]]
    image = str(pdf.qr_image("https://contoh.go.id/x", alt='"><script>'))
    assert image.startswith('<img class="qr-code" src="data:image/png;base64,') and "<script" not in image


def test_the_qr_code_is_drawn_without_smoothing(app):
    reader = PdfReader(io.BytesIO(render(app)))
    images = [x.get_object() for x in reader.pages[0]["/Resources"]["/XObject"].values()]
    assert [(i["/Width"], i["/Interpolate"]) for i in images] == [(41, False)]  # one pixel per module


def test_user_data_is_escaped_and_nothing_is_fetched(app, monkeypatch):
    fetched = []
    real = pdf._fetch_fonts_only

    def spy(url, *args, **kwargs):
        fetched.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(pdf, "_fetch_fonts_only", spy)
    hostile = {
        **SNAPSHOT,
        "holder": {**SNAPSHOT["holder"], "name": '<img src="http://169.254.169.254/x"><b>X</b>'},
        "session": {**SNAPSHOT["session"], "place": '<link rel="stylesheet" href="file:///etc/passwd">'},
    }
    text = PdfReader(io.BytesIO(render(app, hostile))).pages[0].extract_text()
    flat = "".join(text.split())
    assert '<imgsrc="http://169.254.169.254/x"><b>X</b>' in flat  # printed as text, not loaded
    assert not any("169.254" in url or "passwd" in url for url in fetched)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest",
        "file:///etc/passwd",
        pdf.FONTS_DIR.as_uri() + "/../../../config.py",
        "data:text/css,body{}",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "data:text/html;base64,PGltZz4=",
    ],
)
def test_the_fetcher_refuses_everything_but_the_fonts(url):
    with pytest.raises(pdf.PdfFetchRefused):
        pdf._fetch_fonts_only(url)


def test_the_fetcher_decodes_a_png_data_uri():
    result = pdf._fetch_fonts_only(str(pdf.qr_image("x")).split('"')[3])
    assert result["mime_type"] == "image/png" and result["file_obj"].read().startswith(b"\x89PNG")


def test_the_fetcher_serves_a_shipped_font():
    result = pdf._fetch_fonts_only(pdf.FONTS_DIR.as_uri() + "/DejaVuSans.ttf")
    assert result.get("string") or result.get("file_obj") or result.get("filename")


def test_iso_date():
    from datetime import date, datetime

    assert pdf.iso_date(date(2026, 2, 6)) == "2026-02-06"
    assert pdf.iso_date(datetime(2026, 2, 6, 23, 59)) == "2026-02-06"
    assert pdf.iso_date("2026-02-06T10:00") == "2026-02-06"
    assert pdf.iso_date(None) is None
