"""The tabs of an exam session's pages for the board admin: summary, assessors, screening queue,
assessor assignments, plenary.

Each tab shows when the user may open its endpoint (role_may_open); every endpoint takes
`session_id`. Exposed to templates as `exam_session_tabs`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

EXAM_SESSION_TABS = [
    ("exams.session_detail", _l("Ringkasan")),
    ("exams.session_assessors", _l("Asesor")),
    ("screening.queue", _l("Seleksi administrasi")),
    ("screening.assignments", _l("Penugasan asesor")),
    ("plenary.session_page", _l("Rapat pleno")),
]
