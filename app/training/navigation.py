"""The tabs of a training session's pages (summary, participants, attendance, completion).

Each tab shows when the user may open its endpoint (role_may_open) and the session is theirs to
manage; every endpoint takes `session_id`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

SESSION_TABS = [
    ("catalogue.session_detail", _l("Ringkasan")),
    ("enrolment.roster", _l("Peserta")),
    ("enrolment.attendance", _l("Kehadiran")),
    ("enrolment.completion", _l("Penyelesaian")),
]
