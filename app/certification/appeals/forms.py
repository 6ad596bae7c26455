"""Forms of the appeal pages. Field validators check only shape; the rules (window, one appeal per
decision, panel size and conflicts, a finding) are in services.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectMultipleField, TextAreaField, widgets

from app.certification.appeals.services import FINDING_MAX, STATEMENT_MAX
from app.certification.states import APPEAL_GROUND_LABELS
from app.core.forms import AppForm, max_length, optional, required


class AppealForm(AppForm):
    decision_id = IntegerField(widget=widgets.HiddenInput(), validators=[optional()])
    ground = RadioField(
        _l("Alasan banding"),
        choices=[(str(ground), label) for ground, label in APPEAL_GROUND_LABELS.items()],
        validators=[required()],
    )
    statement = TextAreaField(
        _l("Uraian keberatan"),
        validators=[required(), max_length(STATEMENT_MAX)],
        description=_l(
            "Jelaskan apa yang terjadi, kapan, dan mengapa menurut Anda hasil atau prosedur uji tidak tepat."
        ),
        render_kw={"rows": 6, "maxlength": STATEMENT_MAX},
    )


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            self.data = []
            raise ValueError(str(_l("Pilihan tidak valid."))) from error


class PanelForm(AppForm):
    assessors = CheckboxesField(
        _l("Asesor panel banding"),
        coerce=int,
        validate_choice=False,  # the service names every refused assessor (a crafted POST too)
        description=_l(
            "Pilih 2 sampai 3 asesor yang tidak terlibat dalam asesmen asesi ini dan tidak memiliki "
            "konflik kepentingan."
        ),
    )


class FindingForm(AppForm):
    action = HiddenField()
    finding = TextAreaField(
        _l("Temuan panel"),
        validators=[optional(), max_length(FINDING_MAX)],
        description=_l("Wajib. Temuan dan alasannya dikirim ke asesi melalui surel."),
        render_kw={"rows": 5, "maxlength": FINDING_MAX},
    )
