"""Surat Tanda Tamat Pelatihan (STTP), the training certificate: A4 portrait.

Everything printed comes from the issued document's snapshot `s` (app/training/sttp/services.py:
sttp_snapshot), never from live records, so a reprint shows what was issued. The QR code carries
s["verification_url"].
"""

from __future__ import annotations

from app.core.pdf_layout import A4_PORTRAIT, SANS, SANS_BOLD, SERIF_BOLD, Para, Run, Sheet, Style, mm
from app.documents.layouts.parts import NOTE, TEXT, framed_heading, qr_foot

FRAME = 16 * mm  # the double border's distance from the page's edges
MARGINS = (FRAME + 12 * mm, FRAME + 12 * mm, FRAME + 9 * mm, FRAME + 12 * mm)  # top, right, bottom, left


def draw(s: dict) -> bytes:
    sheet = Sheet(
        page_size=A4_PORTRAIT,
        margins=MARGINS,
        title=f"STTP {s['number']}",
        document_date=s.get("issued_on"),
    )
    framed_heading(sheet, FRAME, s["ministry"], s["provider"]["name"])
    sheet.text(
        "SURAT TANDA TAMAT PELATIHAN", Style(SERIF_BOLD, 19, tracking=1), before=9 * mm, after=1.5 * mm
    )
    sheet.text(f"Nomor: {s['number']}", TEXT(size=10.5), after=8 * mm)
    sheet.text("Diberikan kepada", TEXT, after=4 * mm)
    sheet.text(s["holder"]["name"], Style(SERIF_BOLD, 17, leading=1.25))
    sheet.text(f"{s['holder']['id_label']} {s['holder']['id_masked']}", TEXT, before=1.5 * mm, after=7 * mm)
    sheet.text("yang telah mengikuti", TEXT, after=4 * mm)
    result = s["result"]
    rows = [
        ("Program pelatihan", s["programme"]["title"]),
        ("Angkatan", s["session"]["name"]),
        ("Jumlah jam pelajaran", f"{s['programme']['jp']} JP"),
        ("Tanggal", s["session"]["dates_text"]),
        ("Tempat", s["session"]["place"]),
        ("Kehadiran", f"{result['attendance_percent']}%"),
    ]
    if result.get("final_score"):
        rows.append(("Nilai akhir", str(result["final_score"])))
    sheet.facts(
        rows, label=TEXT(color=NOTE.color), value=TEXT(font=SANS_BOLD), label_width=sheet.width * 0.38
    )
    big = Style(SANS, 12)
    sheet.text(
        [Run("dan dinyatakan ", big), Run(result["text"], big(font=SANS_BOLD)), Run(".", big)], before=8 * mm
    )
    qr_foot(
        sheet,
        s["verification_url"],
        "Keaslian dan status dokumen ini dapat diperiksa dengan memindai kode QR atau membuka:",
        s["verification_url"],
        qr_size=32 * mm,
        note_width=46 * mm,
        sign=[
            Para(f"{s['issued_place']}, {s['issued_on_text']}"),
            Para(s["signatory"]["title"]),
            Para(s["signatory"]["name"], TEXT(font=SANS_BOLD), 20 * mm, underline=True),
        ],
        sign_width=58 * mm,
    )
    return sheet.finish()
