"""What the portrait documents (STTP, SIPPS) share: the body text, the framed heading, and the foot
with the QR code, its note and the signature block."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.colors import HexColor

from app.core.pdf_layout import NAVY, SANS, SERIF_BOLD, Para, Sheet, Style, mm

TEXT = Style(SANS, 10.5)
NOTE = Style(SANS, 7.5, HexColor("#333333"))
ISSUER = TEXT(size=11)


def framed_heading(
    sheet: Sheet, frame: float, authority: str, issuer: str, issuer_style: Style = ISSUER
) -> None:
    """The double frame, the authority in capitals (the ministry, the regency's government), the
    issuer under it (the training provider, the agency), and a rule."""
    sheet.frame(frame, thickness=2.2)
    sheet.text(authority, Style(SERIF_BOLD, 14, tracking=0.5, upper=True))
    sheet.text(issuer, issuer_style, before=1.5 * mm)
    sheet.rule(before=4 * mm, color=NAVY)


def qr_foot(
    sheet: Sheet,
    qr_data: str,
    note: str,
    url: str,
    *,
    qr_size: float,
    note_width: float,
    sign: Sequence[Para],
    sign_width: float,
) -> None:
    """The QR code in the bottom-left corner of the content box, the note (and the verification URL)
    beside it, and the signature block in the bottom-right corner, all standing on the bottom margin."""
    _top, right, bottom, left = sheet.margins
    sheet.qr(qr_data, left=left, bottom=bottom, size=qr_size)
    sheet.block(
        [Para(note, NOTE), Para(url, NOTE)],
        left=left + qr_size + 3 * mm,
        width=note_width,
        bottom=bottom,
        align="left",
    )
    sheet.block(sign, left=sheet.page_width - right - sign_width, width=sign_width, bottom=bottom)
