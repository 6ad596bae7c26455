"""The documents issued by the hundred (certificates, practice licences, STTPs), drawn on a canvas by
app/core/pdf_layout.py, each from its snapshot alone: `LAYOUTS[name](snapshot) -> PDF bytes`.

`IssuedDocument.template` names how a document is rendered: a name in LAYOUTS (`certificate`,
`licence`, `sttp`), or else an HTML template under templates/ rendered by WeasyPrint (the decree,
`pdf/decree.html`, whose length follows its list of candidates). app/documents/issuing.py: render.
"""

from __future__ import annotations

from collections.abc import Callable

from app.documents.layouts import certificate, licence, sttp

LAYOUTS: dict[str, Callable[[dict], bytes]] = {
    "certificate": certificate.draw,
    "licence": licence.draw,
    "sttp": sttp.draw,
}
