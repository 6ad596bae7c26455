"""The two PDF renderers: the canvas layouts (app/core/pdf_layout.py: certificates, licences, STTPs) and
the HTML templates rendered by WeasyPrint (app/core/pdf.py: the decree). Both: shipped fonts only,
fixed metadata, the same bytes for the same data, a QR code that decodes, user data printed as text;
WeasyPrint fetches nothing but the fonts."""

from __future__ import annotations

import io
import threading

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from app.core import pdf
from app.core.pdf_layout import SANS, SANS_BOLD, Run, Style, wrap
from app.documents import issuing
from tests.test_sttp import qr_codes

URL = "http://127.0.0.1/verifikasi-dokumen/abcdefghijklmnopqrstuvwxyz012345"
STTP = {
    "ministry": "Kementerian Sosial Republik Indonesia",
    "provider": {"name": "Politeknik Kesejahteraan Sosial Bandung"},
    "holder": {"name": "Ni Luh Putu Ayu Ğüçlü Ñandú", "id_label": "NIK", "id_masked": "5171********0002"},
    "programme": {"title": "Pelatihan Manajemen Kasus", "jp": 60},
    "session": {"name": "Angkatan I", "dates_text": "2–6 Februari 2026", "place": "Denpasar"},
    "result": {"attendance_percent": 100, "text": "LULUS", "final_score": "90,00"},
    "signatory": {"name": "Prof. Dr. Nama Penandatangan", "title": "Direktur"},
    "issued_place": "Bandung",
    "issued_on_text": "6 Februari 2026",
    "issued_on": "2026-02-06",
    "number": "000042/STTP/POLTEKESOS/II/2026",
    "verification_url": URL,
}
DECREE = {
    "ministry": "Kementerian Sosial Republik Indonesia",
    "body": {"code": "LSPS", "name": "Lembaga Sertifikasi Pekerjaan Sosial"},
    "title": "KEPUTUSAN LEMBAGA SERTIFIKASI PEKERJAAN SOSIAL",
    "round": 1,
    "schemes": ["Skema Pekerja Sosial Generalis"],
    "session": {"name": "Uji Kompetensi Angkatan I", "dates_text": "2–3 Februari 2026", "place": "Denpasar"},
    "rows": [
        {
            "no": 1,
            "name": "Ni Luh Putu Ayu Ğüçlü Ñandú",
            "nik": "5171********0002",
            "scheme": "Skema Pekerja Sosial Generalis",
            "result": "K",
            "result_text": "Kompeten",
        }
    ],
    "counts": {"competent": 1, "not_yet_competent": 0},
    "signatory": {"name": "Dr. Nama Ketua", "title": "Ketua LSPS"},
    "issued_place": "Jakarta",
    "issued_on_text": "6 Februari 2026",
    "number": "12/LSPS/SK/II/2026",
    "verification_url": URL,
}


def draw(snapshot=STTP) -> bytes:
    return issuing.render("sttp", snapshot)


def render_decree(app, snapshot=DECREE, document_date="2026-02-06") -> bytes:
    with app.test_request_context():
        return pdf.render_pdf(
            "pdf/decree.html",
            s=snapshot,
            qr=pdf.qr_image(snapshot["verification_url"]),
            document_date=document_date,
        )


def fonts_of(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    return {
        str(f["/BaseFont"])
        for page in reader.pages
        for f in page["/Resources"]["/Font"].get_object().values()
    }


def first_page_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def twice_and_on_another_thread(render) -> tuple[bytes, bytes, bytes]:
    other: dict = {}
    thread = threading.Thread(target=lambda: other.setdefault("pdf", render()))
    thread.start()
    thread.join()
    return render(), render(), other["pdf"]


# --- The layouts ------------------------------------------------------------------------------------


def test_a_layout_gives_the_same_bytes_for_the_same_data_also_on_another_thread():
    first, second, other = twice_and_on_another_thread(draw)
    assert first == second == other
    assert draw({**STTP, "holder": {**STTP["holder"], "name": "Orang Lain"}}) != first


def test_a_layout_sets_the_title_author_and_the_issue_date_never_now():
    reader = PdfReader(io.BytesIO(draw()))
    assert reader.metadata.title == "STTP 000042/STTP/POLTEKESOS/II/2026"
    assert reader.metadata["/CreationDate"] == reader.metadata["/ModDate"] == "D:20260206"
    assert reader.metadata.author == "Kementerian Sosial Republik Indonesia"
    assert reader.metadata.creator == "SDM Kesos Registry"
    with pytest.raises(ValueError):
        draw({**STTP, "issued_on": None})


def test_a_layout_embeds_only_the_shipped_fonts_and_names_keep_their_letters():
    data = draw()
    assert fonts_of(data) == {"/AAAAAA+DejaVuSans", "/AAAAAA+DejaVuSans-Bold", "/AAAAAA+DejaVuSerif-Bold"}
    assert "Ni Luh Putu Ayu Ğüçlü Ñandú" in first_page_text(data)
    assert (pdf.FONTS_DIR / "LICENSE.txt").exists()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"):
        assert (pdf.FONTS_DIR / name).stat().st_size > 100_000


def test_a_layout_draws_a_qr_code_that_decodes_one_pixel_per_module():
    data = draw()
    assert qr_codes(data) == [URL]
    reader = PdfReader(io.BytesIO(data))
    [image] = [x.get_object() for x in reader.pages[0]["/Resources"]["/XObject"].values()]
    assert (image["/Width"], image["/Height"], image["/BitsPerComponent"]) == (
        41,
        41,
        8,
    )  # 37 modules + 2 x 2
    assert not image.get("/Interpolate", False)  # viewers scale it up without smoothing


def test_a_layout_prints_markup_in_the_data_as_text():
    hostile = {
        **STTP,
        "holder": {**STTP["holder"], "name": '<img src="http://169.254.169.254/x"><b>X</b>'},
        "session": {**STTP["session"], "place": '<link rel="stylesheet" href="file:///etc/passwd">'},
    }
    flat = "".join(first_page_text(draw(hostile)).split())
    assert '<imgsrc="http://169.254.169.254/x"><b>X</b>' in flat
    assert '<linkrel="stylesheet"href="file:///etc/passwd">' in flat


def test_a_long_name_and_a_long_url_wrap_inside_the_page():
    long = {
        **STTP,
        "holder": {**STTP["holder"], "name": "Raden Ayu Siti Nurhaliza Kusumawardhani Binti " * 3},
        "verification_url": URL + "x" * 120,
    }
    reader = PdfReader(io.BytesIO(draw(long)))
    assert len(reader.pages) == 1
    flat = "".join(reader.pages[0].extract_text().split())
    assert ("RadenAyuSitiNurhalizaKusumawardhaniBinti" * 3) in flat and (URL + "x" * 120) in flat


def test_wrapping_keeps_every_line_inside_its_width_and_every_word():
    text = Style(SANS, 10)
    bold = text(font=SANS_BOLD)
    runs = [Run("Pelatihan ", text), Run("Manajemen Kasus", bold), Run(" " + "a" * 80 + " akhir", text)]
    width = 60 * mm
    lines = wrap(runs, width)
    assert all(sum(style.width(piece) for piece, style in line) <= width + 0.01 for line in lines)
    words = "".join(piece for line in lines for piece, _ in line).split()
    assert "".join(words) == "PelatihanManajemenKasus" + "a" * 80 + "akhir"
    assert [style.font for piece, style in lines[0]] == [SANS, SANS_BOLD]  # one piece per style
    assert wrap([Run("KEMENTERIAN", text(upper=True))], width) == [[("KEMENTERIAN", text(upper=True))]]
    assert wrap([Run("sosial", text(upper=True))], width)[0][0][0] == "SOSIAL"


# --- The HTML templates (WeasyPrint) ----------------------------------------------------------------


def test_a_template_gives_the_same_bytes_for_the_same_data_also_on_another_thread(app):
    first, second, other = twice_and_on_another_thread(lambda: render_decree(app))
    assert first == second == other
    assert render_decree(app, {**DECREE, "number": "13/LSPS/SK/II/2026"}) != first


def test_a_template_sets_the_title_and_fixed_dates(app):
    reader = PdfReader(io.BytesIO(render_decree(app)))
    assert reader.metadata.title == "SK 12/LSPS/SK/II/2026"
    assert reader.metadata["/CreationDate"] == "D:20260206"
    assert reader.metadata["/ModDate"] == "D:20260206"
    assert reader.metadata.author == "Kementerian Sosial Republik Indonesia"
    undated = PdfReader(io.BytesIO(render_decree(app, document_date=None)))
    assert "/CreationDate" not in undated.metadata  # never "now"


def test_a_template_embeds_only_the_shipped_fonts(app):
    data = render_decree(app)
    fonts = fonts_of(data)
    assert fonts and all("+Doc-Sans" in f or "+Doc-Serif" in f for f in fonts), fonts
    assert "NiLuhPutuAyuĞüçlüÑandú" in "".join(first_page_text(data).split())  # a narrow column


def test_a_template_qr_code_decodes_and_is_drawn_without_smoothing(app):
    data = render_decree(app)
    assert qr_codes(data) == [URL]
    reader = PdfReader(io.BytesIO(data))
    images = [x.get_object() for x in reader.pages[0]["/Resources"]["/XObject"].values()]
    assert [(i["/Width"], i["/Interpolate"]) for i in images] == [(41, False)]  # one pixel per module
    image = str(pdf.qr_image("https://contoh.go.id/x", alt='"><script>'))
    assert image.startswith('<img class="qr-code" src="data:image/png;base64,') and "<script" not in image


def test_a_template_escapes_user_data_and_fetches_nothing(app, monkeypatch):
    fetched = []
    real = pdf._fetch_fonts_only

    def spy(url, *args, **kwargs):
        fetched.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(pdf, "_fetch_fonts_only", spy)
    row = {**DECREE["rows"][0], "name": '<img src="http://169.254.169.254/x"><b>X</b>'}
    hostile = {
        **DECREE,
        "rows": [row],
        "session": {**DECREE["session"], "place": '<link rel="stylesheet" href="file:///etc/passwd">'},
    }
    flat = "".join(first_page_text(render_decree(app, hostile)).split())
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
