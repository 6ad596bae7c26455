from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField

from app.certification.assessment.services import (
    MARK_NOTES_MAX,
    NOTES_MAX,
    REASON_MAX,
    MarkInput,
    candidacy_cells,
    mark_key,
)
from app.certification.models import Candidacy
from app.certification.states import AssessmentMethod, Verdict
from app.core.forms import AppForm, has_control_characters, max_length, optional, required

VERDICT_CHOICES = [("K", _l("Kompeten (K)")), ("BK", _l("Belum Kompeten (BK)"))]


def verdict_of(value: str | None) -> Verdict | None:
    """K or BK; anything else (nothing chosen, or a crafted value) is no verdict."""
    return Verdict(value) if value in {v.value for v in Verdict} else None


class ScoreForm(AppForm):
    """The scoring form: the unit × method cells are named `mark-<unit id>-<method>` (K/BK) and
    `note-<unit id>-<method>` (notes) and read with `marks()`; a draft may leave any of them empty."""

    recommendation = RadioField(_l("Rekomendasi"), choices=VERDICT_CHOICES, validate_choice=False)
    notes = TextAreaField(_l("Catatan umum (tidak wajib)"), validators=[optional(), max_length(NOTES_MAX)])

    def marks(self, candidacy: Candidacy) -> tuple[dict[tuple[int, AssessmentMethod], MarkInput], dict]:
        """The posted cells of the candidacy (the methods that apply to it), and the errors found in
        them ({cell name: [message]}). Cells of other methods are not read."""
        marks, errors = {}, {}
        for unit_id, method in candidacy_cells(candidacy):
            key = mark_key(unit_id, method)
            notes = request.form.get(f"note-{unit_id}-{method}", "")
            if has_control_characters(notes):
                errors[key] = [_l("Isian berisi karakter yang tidak diizinkan.")]
            elif len(notes) > MARK_NOTES_MAX:
                errors[key] = [_l("Maksimal %(n)s karakter.", n=MARK_NOTES_MAX)]
            marks[(unit_id, method)] = MarkInput(verdict_of(request.form.get(key)), notes)
        return marks, errors


class CorrectionForm(AppForm):
    reason = TextAreaField(
        _l("Alasan koreksi"),
        validators=[required(), max_length(REASON_MAX)],
        description=_l("Misalnya: salah memilih K/BK pada unit tertentu. Alasan dicatat dalam riwayat."),
    )


class ConflictForm(AppForm):
    reason = TextAreaField(
        _l("Alasan konflik kepentingan"),
        validators=[required(), max_length(REASON_MAX)],
        description=_l("Misalnya: asesi adalah kerabat atau rekan kerja Anda."),
    )
