"""Fixed-layout PDF documents drawn on a ReportLab canvas: the certificate of competence, the practice
licence (SIPPS) and the training certificate (STTP), the documents issued by the hundred in one job.

Why not WeasyPrint (app/core/pdf.py) for these: WeasyPrint lays out and paints every line of text in
Python, about a millisecond per line, so a certificate's fifty lines cost six times a minimal page;
these documents have a fixed layout (a frame, centred lines, a table of facts, a QR code and a
signature block in set places) that needs no CSS engine. Here a line costs a few hundredths of a
millisecond and a whole certificate less than a minimal WeasyPrint page (bench/certificates.py,
bench/sttp.py). Documents whose length depends on their data (the decree with its list of candidates)
stay HTML templates rendered by WeasyPrint.

What the two renderers share: the fonts shipped in app/static/fonts (DejaVu Sans and Serif, regular
and bold, embedded as subsets), the QR code drawn by zxing-cpp (`pdf.qr_picture`), and the metadata
(title, author, the issue date as creation and modification date). The output is invariant: the same
data gives the same bytes, on any thread or process, so a reprint of a snapshot equals the issued file.

How a layout reads (app/documents/layouts/): a `Sheet` is a page with a content box and a cursor that
moves down as text is drawn. `sheet.text(...)` draws a paragraph of one style or of mixed `Run`s
(a bold word in a sentence, English in grey beside Indonesian), wrapped to the box, centred or left;
`sheet.place(...)` moves the box (a column, a foot block); `sheet.facts(...)` draws a label/value
table; `sheet.qr(...)`, `sheet.frame(...)`, `sheet.rule(...)` draw the rest. Every string is drawn as
text: nothing in the data is interpreted as markup or fetched.

A document that will be signed (certificates, licences) is drawn with its signature already in place
(`Sheet(..., signed=True)`): an invisible signature field on the first page whose value holds the
PAdES signature dictionary with a /ByteRange and a /Contents of SIGNATURE_SPACE bytes, both zeros.
app/documents/signing.py fills them in place (the byte range, the signing time, the CMS signature)
instead of appending an incremental update, which costs a third of the time: the signature covers
the whole file exactly as if pyHanko had appended it.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObject, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.core.pdf import FONTS_DIR, iso_date, qr_picture

A4_PORTRAIT = A4
A4_LANDSCAPE = landscape(A4)

INK = HexColor("#111111")
NAVY = HexColor("#1f3864")
GREY = HexColor("#4a4a4a")
AUTHOR = "Kementerian Sosial Republik Indonesia"
CREATOR = "SDM Kesos Registry"

SANS, SANS_BOLD, SERIF_BOLD = "DocSans", "DocSans-Bold", "DocSerif-Bold"  # the faces the layouts use
_FONT_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    SERIF_BOLD: "DejaVuSerif-Bold.ttf",
}
rl_config.useA85 = 0  # binary streams: ASCII85 would make the files a quarter larger and slower to write
# The signature reserved in a document to be signed (see the module's docstring): app/documents/signing.py
# finds the placeholders by these exact bytes, each present once.
SIGNATURE_FIELD = "Signature1"
SIGNATURE_SPACE = 16 * 1024  # bytes for the CMS signature: a signer with a chain of three certificates fits
BYTE_RANGE_PLACEHOLDER = b"[0 0000000000 0000000000 0000000000]"
SIGNING_TIME_PLACEHOLDER = b"(D:00000000000000+00'00')"
CONTENTS_PLACEHOLDER = b"<" + b"0" * (2 * SIGNATURE_SPACE) + b">"
_fonts_lock = threading.Lock()
_fonts_ready = False


def _register_fonts() -> None:
    """The shipped fonts, registered once per process (ReportLab keeps them in a global registry)."""
    global _fonts_ready
    with _fonts_lock:
        if not _fonts_ready:
            for name, file in _FONT_FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONTS_DIR / file)))
            _fonts_ready = True


@dataclass(frozen=True)
class Style:
    """How a piece of text looks: font (one of the four shipped faces), size in points, colour,
    line height as a multiple of the size, extra space between letters, and upper case."""

    font: str = SANS
    size: float = 10
    color: Color = INK
    leading: float = 1.3
    tracking: float = 0
    upper: bool = False

    def __call__(self, **changes) -> Style:
        return replace(self, **changes)

    def width(self, text: str) -> float:
        return pdfmetrics.stringWidth(text, self.font, self.size) + self.tracking * len(text)


@dataclass(frozen=True)
class Run:
    """A piece of a mixed-style paragraph."""

    text: str
    style: Style


Line = list[tuple[str, Style]]
Content = str | Sequence[Run]


@dataclass(frozen=True)
class Para:
    """A paragraph of a block (`Sheet.block`): its content, style, and the space before it."""

    content: Content
    style: Style | None = None
    before: float = 0
    underline: bool = False


def _words(runs: Sequence[Run]) -> Iterable[tuple[str, Style, bool]]:
    """(word, style, space before it) across runs; a run's leading or trailing space separates words."""
    space = False
    for run in runs:
        text = run.text.upper() if run.style.upper else run.text
        parts = text.split(" ")
        for index, word in enumerate(parts):
            if index > 0:
                space = True
            if word:
                yield word, run.style, space
                space = False


def _break_word(word: str, style: Style, width: float) -> list[str]:
    """A word wider than the line (a URL, a long code) cut where it must be."""
    pieces, piece = [], ""
    for char in word:
        if piece and style.width(piece + char) > width:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece]


def wrap(runs: Sequence[Run], width: float) -> list[Line]:
    """Lines of (text, style) pieces no wider than `width`, breaking between words (and inside a
    word only when it alone is wider than the line)."""
    lines: list[Line] = []
    line: Line = []
    used = 0.0
    for word, style, space in _words(runs):
        gap = style.width(" ") if space and line else 0.0
        needed = style.width(word)
        if line and used + gap + needed > width:
            lines.append(line)
            line, used, gap = [], 0.0, 0.0
        if not line and needed > width:
            *whole, word = _break_word(word, style, width)
            lines.extend([[(piece, style)] for piece in whole])
            needed = style.width(word)
        piece = f" {word}" if gap else word
        if line and line[-1][1] == style:
            line[-1] = (line[-1][0] + piece, style)  # one string per style: drawn in one operation
        else:
            line.append((piece, style))
        used += gap + needed
    if line:
        lines.append(line)
    return lines


def _line_height(line: Line) -> float:
    return max(style.size * style.leading for _, style in line)


class _Raw(PDFObject):
    """PDF syntax written as it is (the signature's placeholders, whose bytes must stay exact)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def format(self, document) -> bytes:
        return self.raw


def _reserve_signature(canvas: Canvas) -> None:
    """An invisible signature field on the current page, its value the signature dictionary with
    the placeholders, and the form that lists it (SigFlags 3: signatures exist, append only)."""
    value = PDFDictionary(
        {
            "Type": PDFName("Sig"),
            "Filter": PDFName("Adobe.PPKLite"),
            "SubFilter": PDFName("ETSI.CAdES.detached"),
            "ByteRange": _Raw(BYTE_RANGE_PLACEHOLDER),
            "Contents": _Raw(CONTENTS_PLACEHOLDER),
            "M": _Raw(SIGNING_TIME_PLACEHOLDER),
        }
    )
    field = PDFDictionary(
        {
            "Type": PDFName("Annot"),
            "Subtype": PDFName("Widget"),
            "FT": PDFName("Sig"),
            "T": PDFString(SIGNATURE_FIELD),
            "V": canvas._doc.Reference(value),
            "F": 132,  # print, locked
            "Rect": PDFArray([0, 0, 0, 0]),
        }
    )
    canvas._addAnnotation(field, name="signature")
    canvas._doc.Catalog.AcroForm = PDFDictionary(
        {"Fields": PDFArray([canvas._doc.refAnnotation("signature")]), "SigFlags": 3}
    )


class Sheet:
    """A document being drawn: the canvas, the content box (left, width) and the cursor `y` (points
    from the page's bottom, the top of the next line)."""

    def __init__(
        self,
        *,
        page_size: tuple[float, float],
        margins: tuple[float, float, float, float],
        title: str,
        document_date: object,
        author: str = AUTHOR,
        signed: bool = False,
    ) -> None:
        _register_fonts()
        self.page_width, self.page_height = page_size
        self.margins = margins  # top, right, bottom, left (points)
        self.buffer = io.BytesIO()
        canvas = Canvas(
            self.buffer, pagesize=page_size, invariant=1, pageCompression=1, initialFontName=SANS
        )  # a shipped font from the first operation: no reference to a font of the viewer's
        canvas.setTitle(title)
        canvas.setSubject(title)
        canvas.setAuthor(author)
        canvas.setCreator(CREATOR)
        canvas.setProducer(CREATOR)
        day = (iso_date(document_date) or "").replace("-", "")
        if not day:
            raise ValueError("a document carries its issue date")
        canvas.setDateFormatter(lambda *_: f"D:{day}")
        if signed:
            _reserve_signature(canvas)
        self.canvas = canvas
        self.top_of_page()

    # --- The box and the cursor ---

    def top_of_page(self) -> None:
        top, right, _bottom, left = self.margins
        self.left, self.width = left, self.page_width - left - right
        self.y = self.page_height - top

    def place(self, *, left: float, top: float, width: float) -> None:
        """Draw next in the box `width` wide at `left`, from `top` (both from the page's top-left)."""
        self.left, self.width, self.y = left, width, self.page_height - top

    @property
    def bottom(self) -> float:
        return self.margins[2]

    @contextmanager
    def column(self, offset: float, width: float):
        """Draw inside a narrower box `offset` from the current box's left, then return to it."""
        left, full = self.left, self.width
        self.left, self.width = left + offset, width
        try:
            yield
        finally:
            self.left, self.width = left, full

    def new_page(self) -> None:
        self.canvas.showPage()
        self.top_of_page()

    # --- Text ---

    def lines_of(self, content: Content, style: Style | None = None, width: float | None = None) -> list:
        runs = [Run(content, style or Style())] if isinstance(content, str) else content
        return wrap(runs, width or self.width)

    def height_of(self, content: Content, style: Style | None = None, width: float | None = None) -> float:
        return sum(_line_height(line) for line in self.lines_of(content, style, width))

    def text(
        self,
        content: Content,
        style: Style | None = None,
        *,
        align: str = "centre",
        before: float = 0,
        after: float = 0,
        indent: float = 0,
        underline: bool = False,
    ) -> None:
        """A paragraph (one style, or mixed runs), wrapped to the box, drawn from the cursor down."""
        self.y -= before
        width = self.width - indent
        for line in self.lines_of(content, style, width):
            height = _line_height(line)
            size = max(s.size for _, s in line)
            baseline = self.y - height + (height - size) / 2 + size * 0.22
            line_width = sum(s.width(t) for t, s in line)
            x = self.left + indent
            if align == "centre":
                x += (width - line_width) / 2
            elif align == "right":
                x += width - line_width
            start = x
            for piece, piece_style in line:
                self.canvas.setFont(piece_style.font, piece_style.size)
                self.canvas.setFillColor(piece_style.color)
                self.canvas.drawString(x, baseline, piece, charSpace=piece_style.tracking)
                x += piece_style.width(piece)
            if underline:
                self.canvas.setStrokeColor(line[0][1].color)
                self.canvas.setLineWidth(0.6)
                self.canvas.line(start, baseline - 1.6, x, baseline - 1.6)
            self.y -= height
        self.y -= after

    def facts(
        self,
        rows: Sequence[tuple[str, Content]],
        *,
        label: Style,
        value: Style,
        label_width: float,
        padding: float = 1.3 * mm,
    ) -> None:
        """A two-column table without borders: the label on the left, the value wrapped beside it."""
        left, width = self.left, self.width
        for name, content in rows:
            top = self.y
            self.text(name, label, align="left", before=padding)
            label_bottom = self.y
            self.left, self.width, self.y = left + label_width, width - label_width, top
            self.text(content, value, align="left", before=padding)
            self.left, self.width = left, width
            self.y = min(self.y, label_bottom) - padding

    def block(
        self,
        paras: Sequence[Para],
        *,
        left: float,
        width: float,
        top: float | None = None,
        bottom: float | None = None,
        align: str = "centre",
    ) -> None:
        """Paragraphs in a box of their own, hung from `top` or standing on `bottom` (both from the
        page's top and bottom edges): a signature block, a note beside the QR code."""
        if top is None:
            height = sum(p.before + self.height_of(p.content, p.style, width) for p in paras)
            top = self.page_height - (bottom or 0) - height
        self.place(left=left, top=top, width=width)
        for p in paras:
            self.text(p.content, p.style, align=align, before=p.before, underline=p.underline)

    def table(
        self,
        widths: Sequence[float],
        header: Sequence[Content],
        rows: Iterable[Sequence[Content]],
        *,
        style: Style,
        header_style: Style,
        header_fill: Color,
        right_aligned: Sequence[int] = (),
        padding: float = 1.2 * mm,
        on_new_page=None,
    ) -> None:
        """A bordered table from the cursor down the box; a row that does not fit goes to a new page
        (`on_new_page` draws that page's frame and heading), under the header again."""
        left = self.left

        def draw_row(cells: Sequence[Content], cell_style: Style, fill: Color | None) -> None:
            cells_and_widths = list(zip(cells, widths, strict=True))
            inner = max(self.height_of(c, cell_style, w - 2 * padding) for c, w in cells_and_widths)
            height = inner + 2 * padding
            if self.y - height < self.bottom:
                self.new_page()
                if on_new_page is not None:
                    on_new_page()
                draw_row(header, header_style, header_fill)
            top, x = self.page_height - self.y, left
            for index, (cell, width) in enumerate(cells_and_widths):
                self.box(x, top, width, height, fill=fill)
                self.place(left=x + padding, top=top + padding, width=width - 2 * padding)
                self.text(cell, cell_style, align="right" if index in right_aligned else "left")
                x += width
            self.left, self.width, self.y = left, sum(widths), self.page_height - top - height

        draw_row(header, header_style, header_fill)
        for row in rows:
            draw_row(row, style, None)

    # --- Lines, frames, the QR code ---

    def rule(self, *, color: Color = NAVY, thickness: float = 1, before: float = 0, after: float = 0) -> None:
        self.y -= before
        self.canvas.setStrokeColor(color)
        self.canvas.setLineWidth(thickness)
        self.canvas.line(self.left, self.y, self.left + self.width, self.y)
        self.y -= after

    def frame(self, inset: float, *, color: Color = NAVY, thickness: float = 2.4) -> None:
        """A double border `inset` from the page's edges, `thickness` wide in all (as CSS `double`)."""
        line = thickness / 3
        self.canvas.setStrokeColor(color)
        self.canvas.setLineWidth(line)
        for offset in (line / 2, thickness - line / 2):
            edge = inset + offset
            self.canvas.rect(edge, edge, self.page_width - 2 * edge, self.page_height - 2 * edge)

    def box(self, x: float, top: float, width: float, height: float, *, fill: Color | None = None) -> None:
        """A cell's rectangle (from the page's top-left), outlined in grey, optionally filled."""
        self.canvas.setStrokeColor(HexColor("#777777"))
        self.canvas.setLineWidth(0.5)
        if fill is not None:
            self.canvas.setFillColor(fill)
        bottom = self.page_height - top - height
        self.canvas.rect(x, bottom, width, height, stroke=1, fill=int(fill is not None))

    def qr(self, data: str, *, left: float, bottom: float, size: float) -> None:
        """The QR code of `data` as a one-bit image, one pixel per module (never smoothed)."""
        picture = ImageReader(qr_picture(data))
        self.canvas.drawImage(picture, left, bottom, width=size, height=size)

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()
