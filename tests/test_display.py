"""Display helpers shown on many pages."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from app.core.display import file_size


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "1 KB"), (300, "1 KB"), (1024, "1 KB"), (1025, "2 KB"), (1024 * 1023, "1023 KB")],
)
def test_small_files_show_whole_kilobytes_rounded_up(app, size, shown):
    with app.test_request_context():
        assert file_size(size) == shown


def test_large_files_show_megabytes_in_the_locale_style(app):
    with app.test_request_context():
        with force_locale("id"):
            assert file_size(int(2.5 * 1024 * 1024)) == "2,5 MB"
        with force_locale("en"):
            assert file_size(int(2.5 * 1024 * 1024)) == "2.5 MB"
