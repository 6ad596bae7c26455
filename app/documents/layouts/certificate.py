"""Sertifikat Kompetensi / Certificate of Competence: A4 landscape, Indonesian with English beneath or
beside it in grey.

Everything printed comes from the issued document's snapshot `s`
(app/credentials/certificates/issuing.py: certificate_snapshot), never from live records, so a reprint
years later shows what was issued. The QR code carries s["qr_text"]: the verification URL with the
signed statement for offline checking. The competency units are listed on the first page when they fit
above the foot (the QR code, the validity and the signature), otherwise on a second page (and more,
for a very long list), as a table under the body's name and the certificate's number.
"""

from __future__ import annotations

from reportlab.lib.colors import HexColor

from app.core.pdf_layout import (
    A4_LANDSCAPE,
    GREY,
    NAVY,
    SANS,
    SANS_BOLD,
    SERIF_BOLD,
    Para,
    Run,
    Sheet,
    Style,
    mm,
)

PAGE_WIDTH, PAGE_HEIGHT = A4_LANDSCAPE
FRAME = 10 * mm  # the double border's distance from the page's edges
LEFT, TOP, RIGHT, BOTTOM = FRAME + 12 * mm, FRAME + 7.5 * mm, FRAME + 12 * mm, FRAME + 6 * mm
FOOT_HEIGHT = 38 * mm  # the QR code, the validity and the signature, standing on BOTTOM
UNITS_OFFSET, UNITS_WIDTH = 38 * mm, 190 * mm

TEXT = Style(SANS, 10)
EN = TEXT(color=GREY)
BOLD = TEXT(font=SANS_BOLD)
EN_BOLD = BOLD(color=GREY)
SMALL, SMALL_EN, SMALL_BOLD = TEXT(size=8.5), EN(size=8.5), BOLD(size=8.5)


def draw(s: dict) -> bytes:
    sheet = Sheet(
        page_size=A4_LANDSCAPE,
        margins=(TOP, RIGHT, BOTTOM, LEFT),
        title=f"Sertifikat Kompetensi {s['number']}",
        document_date=s.get("issued_on"),
        signed=bool(s.get("signed_by")),  # the signature reserved, filled by documents.signing
    )
    sheet.frame(FRAME)
    _heading(sheet, s)
    units_inline = _fits_on_first_page(sheet, s)
    if units_inline:
        _units_list(sheet, s)
    else:
        count = len(s["units"])
        sheet.text(
            [
                Run(f"{count} unit kompetensi tercantum pada halaman 2 / ", TEXT(size=9)),
                Run(f"{count} competency units are listed on page 2", EN(size=9)),
            ],
            after=2 * mm,
        )
    sheet.text(
        [
            Run("Berdasarkan Keputusan / ", SMALL),
            Run("Based on Decree", SMALL_EN),
            Run(f" {s['decree']['number']}, {s['decree']['date_text']}", SMALL),
        ],
        before=2 * mm,
    )
    _foot(sheet, s)
    if not units_inline:
        _units_pages(sheet, s)
    return sheet.finish()


def _heading(sheet: Sheet, s: dict) -> None:
    sheet.text(s["ministry"], Style(SERIF_BOLD, 13, tracking=0.5, upper=True))
    sheet.text(s["ministry_en"], SMALL_EN)
    sheet.text(s["body"]["name"], BOLD(size=11), before=1.2 * mm)
    sheet.text(s["body"]["name_en"], SMALL_EN)
    sheet.rule(before=2.5 * mm)
    sheet.text("SERTIFIKAT KOMPETENSI", Style(SERIF_BOLD, 22, NAVY, tracking=1.5), before=4.5 * mm)
    sheet.text("CERTIFICATE OF COMPETENCE", EN(size=11.5, tracking=1))
    sheet.text([Run("Nomor / ", TEXT), Run("Number", EN), Run(f": {s['number']}", TEXT)], before=1.5 * mm)
    if s.get("corrects"):
        sheet.text(
            [Run("Menggantikan / ", SMALL), Run("Replaces", SMALL_EN), Run(f" {s['corrects']}", SMALL)]
        )
    sheet.text(
        [Run("Diberikan kepada / ", TEXT), Run("This is to certify that", EN)], before=3 * mm, after=1.5 * mm
    )
    sheet.text(s["holder"]["name"], Style(SERIF_BOLD, 18, leading=1.25))
    sheet.text(f"NIK {s['holder']['nik_masked']}", TEXT, before=0.5 * mm, after=3 * mm)
    sheet.text(
        [
            Run("telah dinyatakan ", TEXT),
            Run("KOMPETEN", BOLD),
            Run(" pada skema sertifikasi / ", TEXT),
            Run("has been found ", EN),
            Run("COMPETENT", EN_BOLD),
            Run(" in the certification scheme", EN),
        ],
        after=1.5 * mm,
    )
    scheme = s["scheme"]
    sheet.text(
        [Run(f"{scheme['name']} ", Style(SERIF_BOLD, 13)), Run(f"({scheme['code']})", Style(SERIF_BOLD, 10))]
    )
    level = s["level"]
    english = (
        [Run(" / ", TEXT), Run(level["en"], EN)] if level.get("en") and level["en"] != level["id"] else []
    )
    sheet.text([Run(level["id"], TEXT), *english], before=0.5 * mm, after=2.5 * mm)


def _unit_line(unit: dict) -> list[Run]:
    return [Run(unit["code"], SMALL_BOLD), Run(f" {unit['title']}", SMALL)]


def _fits_on_first_page(sheet: Sheet, s: dict) -> bool:
    """Whether the list of units, and the decree line under it, fit between the cursor and the foot."""
    needed = sheet.height_of("Unit kompetensi", SMALL_BOLD) + 0.8 * mm
    needed += sum(sheet.height_of(_unit_line(u), SMALL, UNITS_WIDTH) + 0.6 * mm for u in s["units"])
    needed += 2 * mm + sheet.height_of(
        f"Berdasarkan Keputusan / Based on Decree {s['decree']['number']}", SMALL
    )
    return sheet.y - needed >= BOTTOM + FOOT_HEIGHT + 2 * mm


def _units_list(sheet: Sheet, s: dict) -> None:
    with sheet.column(UNITS_OFFSET, UNITS_WIDTH):
        sheet.text(
            [Run("Unit kompetensi / ", SMALL_BOLD), Run("Competency units", SMALL_EN(font=SANS_BOLD))],
            align="left",
            after=0.8 * mm,
        )
        for unit in s["units"]:
            sheet.text(_unit_line(unit), align="left", before=0.3 * mm, after=0.3 * mm)


def _foot(sheet: Sheet, s: dict) -> None:
    """The QR code and its note on the left, the validity in the middle, the signature on the right,
    all standing on the frame's bottom padding."""
    note = TEXT(size=7, color=HexColor("#333333"))
    sheet.qr(s.get("qr_text") or s["verification_url"], left=LEFT, bottom=BOTTOM, size=36 * mm)
    sheet.block(
        [
            Para(
                "Keaslian dan status sertifikat ini dapat diperiksa dengan memindai kode QR atau membuka:",
                note,
            ),
            Para("Verify authenticity and status by scanning the QR code or at:", note(color=GREY), 0.8 * mm),
            Para(s["verification_url"], note, 0.8 * mm),
        ],
        left=LEFT + 40 * mm,
        width=62 * mm,
        bottom=BOTTOM,
        align="left",
    )
    sheet.block(
        [
            Para([Run("Berlaku sampai / ", SMALL), Run("Valid until", SMALL_EN)]),
            Para(s["valid_until_text"], BOLD(size=11)),
            Para(s["valid_until_text_en"], EN(size=9)),
        ],
        left=LEFT + 108 * mm,
        width=52 * mm,
        bottom=BOTTOM + 6 * mm,
    )
    sign = TEXT(size=9)
    quiet = TEXT(size=7, color=HexColor("#666666"))
    sheet.block(
        [
            Para(f"{s['issued_place']}, {s['issued_on_text']}", sign),
            Para(f"{s['issued_place']}, {s['issued_on_text_en']}", sign(color=GREY)),
            Para(s["signatory"]["title"], sign),
            Para("Ditandatangani secara elektronik", quiet, 2 * mm),
            Para("Electronically signed", quiet(color=GREY)),
            Para(s["signatory"]["name"], sign(font=SANS_BOLD), 5 * mm, underline=True),
        ],
        left=PAGE_WIDTH - RIGHT - 78 * mm,
        width=78 * mm,
        bottom=BOTTOM,
    )


def _units_pages(sheet: Sheet, s: dict) -> None:
    """The annex: the list of units as a table, continued on further pages when it must be."""

    def page_heading() -> None:
        sheet.frame(FRAME)
        sheet.text(s["body"]["name"], BOLD(size=11))
        sheet.text(s["body"]["name_en"], SMALL_EN)
        sheet.rule(before=2.5 * mm)

    sheet.new_page()
    page_heading()
    title = Style(SERIF_BOLD, 14)
    sheet.text(
        [Run("DAFTAR UNIT KOMPETENSI / ", title), Run("LIST OF COMPETENCY UNITS", title(color=GREY))],
        before=5 * mm,
        after=1 * mm,
    )
    sheet.text(
        [
            Run("Lampiran sertifikat nomor / ", TEXT),
            Run("Annex to certificate number", EN),
            Run(f" {s['number']} — {s['holder']['name']}", TEXT),
        ],
        after=3 * mm,
    )
    cell, head = TEXT(size=9), BOLD(size=9)
    sheet.table(
        [10 * mm, 42 * mm, sheet.width - 52 * mm],
        [
            "No.",
            [Run("Kode unit / ", head), Run("Unit code", head(color=GREY))],
            [Run("Judul unit / ", head), Run("Unit title", head(color=GREY))],
        ],
        (
            [str(number), [Run(u["code"], cell(font=SANS_BOLD))], u["title"]]
            for number, u in enumerate(s["units"], 1)
        ),
        style=cell,
        header_style=head,
        header_fill=HexColor("#e8ecf4"),
        right_aligned=(0,),
        on_new_page=page_heading,
    )
