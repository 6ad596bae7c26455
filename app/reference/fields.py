"""RegionField: the dependent region picker (province → regency → district → village) as a form field.

It renders one <select> per level (named `<field>-1` … `<field>-4`). With JavaScript, each level loads
its options from the JSON endpoint when the level above changes (static/js/region-picker.js). Without
JavaScript, a "Tampilkan pilihan" button re-submits the form and the server fills the next level;
app.core.forms.AppForm treats that submit as a refresh, not a submission, so nothing typed is lost.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Field, ValidationError

from app.extensions import db
from app.reference.models import DISTRICT, LEVEL_NAMES, PROVINCE, REGENCY, VILLAGE, Region
from app.reference.regions import children_of

LEVEL_LABELS = {
    PROVINCE: _l("Provinsi"),
    REGENCY: _l("Kabupaten/kota"),
    DISTRICT: _l("Kecamatan"),
    VILLAGE: _l("Desa/kelurahan"),
}


class RegionField(Field):
    """Holds a region code; `min_level`/`max_level` bound how deep the user must/may go, and
    `required` makes an empty choice an error in the same round as the other fields."""

    def __init__(
        self, label=None, validators=None, min_level=VILLAGE, max_level=VILLAGE, required=False, **kw
    ):
        super().__init__(label, validators, **kw)
        self.min_level = min_level
        self.max_level = max_level
        self.required = required
        self.flags.required = required

    def _value(self) -> str:
        return self.data or ""

    def process(self, formdata, data=None, extra_filters=None):
        self.process_errors = []
        self.data = data if isinstance(data, str) and data else None
        if formdata is None:
            return
        chosen = None
        for level in range(PROVINCE, self.max_level + 1):
            code = (formdata.get(f"{self.name}-{level}") or "").strip()
            if not code:
                break
            # Keep only a consistent chain: each level must sit inside the one above. A level that
            # does not (stale after a change without JavaScript, or tampered) is dropped, so a refresh
            # shows the levels above; a submission is refused rather than bound to a wider region.
            if code.count(".") != level - 1 or (chosen and not code.startswith(chosen + ".")):
                self.process_errors.append(
                    str(_l("Pilihan wilayah tidak saling sesuai. Silakan pilih ulang."))
                )
                break
            chosen = code
        if chosen or any(f"{self.name}-{lv}" in formdata for lv in range(1, 5)):
            self.data = chosen

    def pre_validate(self, form):
        if not self.data:
            if self.required and not self.process_errors:
                raise ValidationError(
                    str(
                        _l(
                            "Pilih wilayah sampai tingkat %(level)s.",
                            level=str(LEVEL_LABELS[self.min_level]).lower(),
                        )
                    )
                )
            return
        region = db.session.get(Region, self.data)
        if region is None:
            self.data = None
            raise ValidationError(str(_l("Wilayah tidak dikenal.")))
        if region.level < self.min_level:
            raise ValidationError(
                str(
                    _l(
                        "Pilih wilayah sampai tingkat %(level)s.",
                        level=str(LEVEL_LABELS[self.min_level]).lower(),
                    )
                )
            )

    def levels(self) -> list[dict]:
        """Per level: its name, label, the selected code and the options to show."""
        codes = []
        if self.data:
            parts = self.data.split(".")
            codes = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
        result = []
        parent = None
        for level in range(PROVINCE, self.max_level + 1):
            selected = codes[level - 1] if level <= len(codes) else ""
            options = children_of(parent) if level == PROVINCE or parent else []
            result.append(
                {
                    "level": level,
                    "key": LEVEL_NAMES[level],
                    "name": f"{self.name}-{level}",
                    "label": LEVEL_LABELS[level],
                    "selected": selected,
                    "options": options,
                }
            )
            parent = selected or None
        return result
