"""Held uploads (app/documents/evidence.py): a checked file kept for the next submission of a form
that came back with an error, by a signed token bound to the account; moved from the training ledger
to app/documents because the practice licence application uses it too."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pytest

from app.documents import evidence
from tests.factories import sample_file


def _held_files(app) -> list[Path]:
    directory = Path(app.config["UPLOAD_DIR"]) / "held"
    return sorted(directory.iterdir()) if directory.is_dir() else []


def test_the_module_lives_in_documents_only():
    assert importlib.util.find_spec("app.documents.evidence") is not None
    assert importlib.util.find_spec("app.training.ledger.evidence") is None


def test_a_held_file_comes_back_for_its_account_only(app, ctx):
    data = sample_file("pdf")
    chosen = evidence.receive("laporan.pdf", io.BytesIO(data), None, user_id=7)
    assert chosen.error is None and chosen.name == "laporan.pdf" and chosen.token == ""
    token = chosen.hold(7)
    assert token and chosen.hold(7) == token  # holding twice keeps one copy
    again = evidence.receive(None, None, token, user_id=7)
    assert again.checked is not None and again.checked.data == data
    assert again.name == "laporan.pdf" and again.checked.sha256 == chosen.checked.sha256
    assert again.token == token
    # Another account, a doctored token or none at all: nothing held.
    stranger = evidence.receive(None, None, token, user_id=8)
    doctored = evidence.receive(None, None, token + "x", user_id=7)
    for other in (stranger, doctored):
        assert other.checked is None and other.error is None and other.token == ""
    assert evidence.receive(None, None, "", user_id=7).checked is None
    again.release()
    assert evidence.receive(None, None, token, user_id=7).checked is None


def test_a_new_file_wins_over_a_held_one(app, ctx):
    held = evidence.receive("lama.pdf", io.BytesIO(sample_file("pdf")), None, user_id=7)
    token = held.hold(7)
    fresh = evidence.receive("baru.png", io.BytesIO(sample_file("png")), token, user_id=7)
    assert fresh.name == "baru.png" and fresh.token == ""
    held.release()


def test_a_bad_file_is_refused_with_a_message_and_nothing_is_held(app, ctx):
    before = _held_files(app)
    refused = evidence.receive("palsu.pdf", io.BytesIO(b"<html>bukan pdf</html>"), None, user_id=7)
    assert refused.checked is None and refused.error
    assert refused.hold(7) == ""
    assert _held_files(app) == before


def test_an_expired_token_holds_nothing(app, ctx, monkeypatch):
    held = evidence.receive("laporan.pdf", io.BytesIO(sample_file("pdf")), None, user_id=7)
    token = held.hold(7)
    monkeypatch.setattr(evidence, "HELD_SECONDS", -1)
    assert evidence.receive(None, None, token, user_id=7).checked is None
    monkeypatch.undo()
    held.release()


@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_release_without_a_valid_token_removes_nothing(app, ctx, token):
    kept = evidence.receive("laporan.pdf", io.BytesIO(sample_file("pdf")), None, user_id=7)
    kept.hold(7)
    before = _held_files(app)
    evidence.Evidence(token=token).release()
    assert _held_files(app) == before
    kept.release()
