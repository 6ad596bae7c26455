"""Browser fixtures: the session app served over HTTP, and Debian's Chromium driven by Playwright.

- `live_server`: the session `app` (tests/conftest.py) served by werkzeug on 127.0.0.1 and a free
  port, in a daemon thread, for the whole session. Its BASE_URL points at the server while it runs,
  so links in e-mails open in the browser; the old value is restored at the end.
- `browser`: one headless Chromium per session, always the system build (/usr/bin/chromium, or
  $CHROMIUM_PATH). Playwright's downloaded browsers are never used. A missing Chromium fails the
  tests: CI must install it (`make chromium`).
- `new_page(mobile=False)`: a fresh browser context (own cookies) per call, closed after the test;
  `page` is a 1280x800 desktop page, `mobile_page` a 360x740 touch page.
- `screenshots`: saves full-page PNGs into test-output/screenshots/ (git-ignored; TEST_OUTPUT_DIR
  overrides test-output/); a failing test
  also leaves FAILED-<test>-<n>.png there, one per page it opened.

Every test here is marked `browser`: the app's data is really committed (other threads read it),
so tests use unique e-mails (tests.factories.unique_email).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 360, "height": 740}
# TEST_OUTPUT_DIR: one folder per run when the SQLite and PostgreSQL runs overlap (make test).
OUTPUT_DIR = Path(os.environ.get("TEST_OUTPUT_DIR") or Path(__file__).resolve().parents[2] / "test-output")
SCREENSHOT_DIR = OUTPUT_DIR / "screenshots"
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    """Mark every test in this folder `browser` (pytestmark in a conftest is not applied)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so fixtures can tell whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[LiveServer]:
    server = LiveServer(app)
    previous = app.config["BASE_URL"]
    app.config["BASE_URL"] = server.url
    server.start()
    try:
        yield server
    finally:
        server.stop()
        app.config["BASE_URL"] = previous


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium "
            "(`make chromium`, or apt-get install chromium; set CHROMIUM_PATH for another path). "
            "Never `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(request, browser, live_server) -> Iterator[Callable]:
    """Open a page in a new context: `new_page()` desktop, `new_page(mobile=True)` 360x740.
    When the test fails, every page it opened is saved as test-output/screenshots/FAILED-*.png."""
    contexts = []

    def open_page(*, mobile: bool = False):
        options = (
            {"viewport": MOBILE, "is_mobile": True, "has_touch": True} if mobile else {"viewport": DESKTOP}
        )
        context = browser.new_context(base_url=live_server.url, locale="id-ID", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        test = re.sub(r"[^\w-]+", "_", request.node.name)
        for number, context in enumerate(contexts, 1):
            for page in context.pages:
                page.screenshot(path=str(SCREENSHOT_DIR / f"FAILED-{test}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def mobile_page(new_page):
    return new_page(mobile=True)


@pytest.fixture
def screenshots(request) -> Callable:
    """`screenshots(page, "step")` saves test-output/screenshots/<test>-<step>-<width>.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^\w-]+", "_", request.node.name.removeprefix("test_"))

    def take(page, step: str) -> Path:
        width = page.viewport_size["width"]
        path = SCREENSHOT_DIR / f"{test}-{step}-{width}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take
