"""The English catalogue is complete: every string the code and templates mark for translation is in
it, translated, and none is left fuzzy (a guess by `pybabel update`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_every_marked_string_is_translated_into_english(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).with_name("pybabel"),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            template,
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with template.open("rb") as handle:
        marked = _ids(read_po(handle))
    with CATALOGUE.open("rb") as handle:
        english = read_po(handle)
    missing = sorted(marked - _ids(english))
    untranslated = sorted(
        m.id if isinstance(m.id, str) else m.id[0]
        for m in english
        if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))
    )
    assert missing == [], "run `make translations-update` and translate: " + "; ".join(missing[:20])
    assert untranslated == [], "untranslated or fuzzy: " + "; ".join(untranslated[:20])
