"""PDF documents from HTML templates: templates under templates/pdf/ rendered by WeasyPrint, with the
fonts shipped in app/static/fonts (DejaVu Sans and Serif, regular and bold) so a document looks the
same on every machine, and QR codes drawn by zxing-cpp as small PNG images. The decree
(pdf/decree.html), whose length follows its list of candidates, is rendered here; the documents issued
by the hundred with a fixed layout (certificates, licences, STTPs) are drawn on a canvas by
app/core/pdf_layout.py, about six times faster (see there).

- `render_pdf(template_name, **context)` renders `templates/<template_name>` and returns the PDF bytes.
  The fonts are declared with @font-face in app/static/fonts/fonts.css; the styles are in
  templates/pdf/base.css and templates/pdf/<name>.css (parsed once per thread, like the fonts). The
  template extends `pdf/base.html`, which uses the fonts by family name ("Doc Sans") and sets the
  metadata WeasyPrint writes into the PDF: the title (block `title`) and the creation and
  modification dates (`document_date`, an ISO date the caller fixes, e.g. the issue date). The PDF
  has no random identifier, so rendering the same context twice gives the same bytes (a reprint of a
  snapshot equals the issued file, as long as the fonts and WeasyPrint's version are the same).
- The renderer fetches nothing but the shipped fonts and the QR codes' PNG data URIs (`data:image/png`,
  no network, no file): any other URL in a template (an image, a stylesheet, a link typed into a name)
  is refused, so a document never reaches the network or the file system.
- `qr_picture(data)` is a QR code as an image (one pixel per module), for both renderers;
  `qr_image(data)` returns it as an inline `<img>` Markup (a PNG data URI) for a template.

What a document costs: WeasyPrint lays out and paints in Python, about a millisecond per line of text
(WeasyPrint 66 on the 2-core development machine), and a one-line page about 8 ms (half of it building
a font configuration, which this module keeps per thread). write_pdf's options (full_fonts, hinting,
optimize_images, uncompressed_pdf) make no document faster; bench/sttp.py shows the cost per line.
"""

from __future__ import annotations

import atexit
import base64
import io
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

import zxingcpp
from flask import render_template
from markupsafe import Markup
from PIL import Image, ImageOps

FONTS_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
PDF_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "pdf"
_BASE_URL = FONTS_DIR.as_uri() + "/"
_local = threading.local()  # the fonts, once per thread (fontconfig objects are not shared)


@atexit.register
def _forget_fonts() -> None:
    """Release the fonts before the interpreter tears WeasyPrint down (its finaliser needs it)."""
    _local.__dict__.clear()


class PdfFetchRefused(ValueError):
    """A template asked for a resource other than the shipped fonts."""


def _fetch_fonts_only(url: str, *args: Any, **kwargs: Any) -> dict:
    from weasyprint import default_url_fetcher

    if url.startswith(QR_DATA_URI):
        return default_url_fetcher(url, *args, **kwargs)  # decoded in memory: no network, no file
    if not url.startswith(_BASE_URL) or ".." in url[len(_BASE_URL) :]:
        raise PdfFetchRefused(f"PDF templates may only load the shipped fonts, not {url!r}")
    return default_url_fetcher(url, *args, **kwargs)


def _font_config():
    """The FontConfiguration holding the shipped fonts, built once per thread with the stylesheets:
    loading the fonts for every document would cost more than laying it out, and a configuration
    that saw the same @font-face twice could pick another instance of a face (different bytes)."""
    from weasyprint.text.fonts import FontConfiguration

    if getattr(_local, "font_config", None) is None:
        _local.font_config = FontConfiguration()
        _local.stylesheets = {}
    return _local.font_config


def _stylesheet(path: Path):
    """A parsed stylesheet (fonts.css, base.css, or a document's own), once per thread."""
    from weasyprint import CSS

    font_config = _font_config()
    css = _local.stylesheets.get(path)
    if css is None:
        css = _local.stylesheets[path] = CSS(
            filename=str(path), base_url=_BASE_URL, url_fetcher=_fetch_fonts_only, font_config=font_config
        )
    return css


def stylesheets_for(template_name: str) -> list:
    """fonts.css, base.css, then templates/pdf/<name>.css when the template has one."""
    paths = [FONTS_DIR / "fonts.css", PDF_TEMPLATES / "base.css"]
    own = PDF_TEMPLATES / (Path(template_name).stem + ".css")
    if own.exists():
        paths.append(own)
    return [_stylesheet(path) for path in paths]


def iso_date(value: date | datetime | str | None) -> str | None:
    """`2026-12-03` for the PDF's creation date (a date, a datetime, or an ISO string)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def render_html(template_name: str, **context: Any) -> str:
    return render_template(template_name, **context)


def render_pdf(template_name: str, **context: Any) -> bytes:
    """Render an HTML template (extending pdf/base.html) to PDF bytes. Pass `document_date` (a date)
    to fix the PDF's creation date; without it the metadata carries no date at all (never "now")."""
    from weasyprint import HTML

    context["document_date"] = iso_date(context.get("document_date"))
    html = render_html(template_name, **context)
    stylesheets = stylesheets_for(template_name)
    document = HTML(string=html, base_url=_BASE_URL, url_fetcher=_fetch_fonts_only)
    return document.write_pdf(stylesheets=stylesheets, font_config=_font_config())


QR_DATA_URI = "data:image/png;base64,"


def qr_picture(data: str, *, border: int = 2) -> Image.Image:
    """A QR code of `data` (error correction M) as a grey image, one pixel per module, black on white,
    with `border` modules of white around it.

    Encoded by zxing-cpp (C++): a certificate's QR code carries the URL and its signed statement
    (version 17, 85 x 85 modules), which a pure-Python encoder took 13-17 ms to build, a sixth of the
    certificate's whole render; here it takes about 2 ms, mask search included."""
    symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = memoryview(symbol.to_image(with_quiet_zones=False))  # 8-bit grey, one pixel per module
    height, width = modules.shape
    image = Image.frombuffer("L", (width, height), modules.tobytes(), "raw", "L", 0, 1)
    return ImageOps.expand(image, border=border, fill=255)


def qr_image(data: str, *, border: int = 2, alt: str = "Kode QR") -> Markup:
    """A QR code of `data` as an inline `<img class="qr-code">` for an HTML template: a PNG data URI
    with one pixel per module, drawn without smoothing (base.css: image-rendering: pixelated) at the
    size the template's CSS gives it. A PNG rather than an SVG: WeasyPrint embeds the small image as
    it is, where an SVG path of a few hundred segments is parsed and drawn in Python."""
    png = io.BytesIO()
    qr_picture(data, border=border).convert("1").save(png, "PNG")
    uri = QR_DATA_URI + base64.b64encode(png.getvalue()).decode("ascii")
    return Markup('<img class="qr-code" src="{uri}" alt="{alt}">').format(uri=uri, alt=alt)
