from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField

from app.certification.screening.services import REASON_MAX
from app.certification.states import ASSESSOR_ROLE_LABELS, AssessorRole
from app.core.forms import AppForm, max_length, optional, required

ROLE_CHOICES = [(str(role), label) for role, label in ASSESSOR_ROLE_LABELS.items()]


class ScreeningForm(AppForm):
    action = HiddenField()
    reason = TextAreaField(
        _l("Alasan (wajib untuk mengembalikan atau menolak)"),
        validators=[optional(), max_length(REASON_MAX)],
        description=_l("Dikirim kepada asesi melalui surel."),
    )
    override_reason = TextAreaField(
        _l("Alasan menerima walaupun ada syarat yang belum terpenuhi"),
        validators=[optional(), max_length(REASON_MAX)],
        description=_l("Wajib jika ada syarat yang belum terpenuhi; dicatat di jejak audit."),
    )


class AbsenceForm(AppForm):
    reason = TextAreaField(_l("Alasan tidak hadir"), validators=[required(), max_length(REASON_MAX)])


class DisputeForm(AppForm):
    reason = TextAreaField(
        _l("Alasan sanggahan"),
        validators=[required(), max_length(REASON_MAX)],
        description=_l("Asesor kedua akan menilai ulang asesi ini."),
    )


class AssignForm(AppForm):
    assessor_id = SelectField(_l("Asesor"), coerce=int, validators=[required()], validate_choice=False)
    role = SelectField(_l("Peran"), choices=ROLE_CHOICES, validators=[required()])

    def role_value(self) -> AssessorRole:
        return AssessorRole(self.role.data)
