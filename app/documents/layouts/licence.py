"""Surat Izin Praktik Pekerja Sosial (SIPPS), the practice licence: A4 portrait.

Everything printed comes from the issued document's snapshot `s` (app/credentials/licences/services.py:
licence_snapshot), never from live records, so a reprint shows what was issued. The QR code carries
the verification URL and the signed statement (s["qr_text"]); the PDF is signed (PAdES) by the SIPPS
issuer's key after drawing (app/documents/issuing.py).
"""

from __future__ import annotations

from app.core.pdf_layout import A4_PORTRAIT, SANS_BOLD, SERIF_BOLD, Para, Run, Sheet, Style, mm
from app.documents.layouts.parts import NOTE, TEXT, framed_heading, qr_foot

FRAME = 16 * mm  # the double border's distance from the page's edges
MARGINS = (FRAME + 12 * mm, FRAME + 12 * mm, FRAME + 9 * mm, FRAME + 12 * mm)  # top, right, bottom, left
LEGAL_BASIS = (
    "Berdasarkan Undang-Undang Nomor 14 Tahun 2019 tentang Pekerja Sosial, diberikan izin praktik kepada"
)
SCOPE = (
    "Izin praktik ini berlaku untuk tempat praktik tersebut di atas dan hanya selama sertifikat kompetensi"
    " dan STR pemegangnya berlaku. Status terkini dapat diperiksa pada halaman verifikasi."
)


def draw(s: dict) -> bytes:
    sheet = Sheet(
        page_size=A4_PORTRAIT,
        margins=MARGINS,
        title=f"SIPPS {s['number']}",
        document_date=s.get("issued_on"),
        signed=bool(s.get("signed_by")),  # the signature reserved, filled by documents.signing
    )
    framed_heading(sheet, FRAME, s["government"], s["agency"], TEXT(size=11.5, upper=True))
    title = Style(SERIF_BOLD, 15, tracking=0.5)
    sheet.text("SURAT IZIN PRAKTIK PEKERJA SOSIAL", title, before=9 * mm)
    sheet.text("(SIPPS)", title(size=13, tracking=0), before=1 * mm, after=1.5 * mm)
    sheet.text(f"Nomor: {s['number']}", TEXT(size=10.5), after=7 * mm)
    sheet.text(LEGAL_BASIS, TEXT, after=4 * mm)
    sheet.text(s["holder"]["name"], Style(SERIF_BOLD, 17, leading=1.25))
    sheet.text(f"NIK {s['holder']['nik_masked']}", TEXT, before=1.5 * mm, after=7 * mm)
    bold = TEXT(font=SANS_BOLD)

    def value(main: str, secondary: str) -> list[Run]:
        return [Run(main, bold), Run(secondary, TEXT)]

    place, certificate, registration = s["place"], s["certificate"], s["str"]
    sheet.facts(
        [
            ("Sertifikat kompetensi", value(certificate["number"], f" — {certificate['scheme']}")),
            (
                "Nomor STR",
                value(registration["number"], f" (berlaku sampai {registration['expires_on_text']})"),
            ),
            ("Jenis praktik", place["type"]),
            ("Tempat praktik", place["name"]),
            ("Alamat", value(place["address"], f" — {place['region']}")),
            ("Masa berlaku", f"{s['valid_from_text']} sampai dengan {s['valid_until_text']}"),
        ],
        label=TEXT(color=NOTE.color),
        value=bold,
        label_width=sheet.width * 0.34,
    )
    sheet.text(SCOPE, TEXT(size=9, color=NOTE.color), align="left", before=5 * mm)
    qr_foot(
        sheet,
        s.get("qr_text") or s["verification_url"],
        "Keaslian dan status izin praktik ini dapat diperiksa dengan memindai kode QR atau membuka:",
        s["verification_url"],
        qr_size=34 * mm,
        note_width=44 * mm,
        sign=[
            Para(f"{s['issued_place']}, {s['issued_on_text']}"),
            Para(s["signatory"]["title"]),
            Para("Ditandatangani secara elektronik", NOTE(size=8, color=NOTE.color), 7 * mm),
            Para(s["signatory"]["name"] or "-", bold, 9 * mm, underline=True),
        ],
        sign_width=62 * mm,
    )
    return sheet.finish()
