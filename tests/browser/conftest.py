"""The real stack, two host sites for the widget, and headless Debian Chromium driven by
Playwright (never a browser Playwright downloads: `scripts/ensure-chromium` installs it)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.training import ensure_model
from tests.integration.stack import Stack, start_stack

CHROMIUM = os.environ.get("DIGIBRIDGE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
TIMEOUT_MS = 15_000  # every wait in a page; replies come in well under a second
PHONE = {"width": 360, "height": 740}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium against the stack")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.integration)  # it starts the real stack too


class HostSite:
    """A stand-in for a library's website: a page with the widget's one <script> tag."""

    def __init__(self, direct_frame: bool = False) -> None:
        self.gateway = ""  # known once the stack is up
        self.direct_frame = direct_frame
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = site.page().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def page(self) -> str:
        frame = f'<iframe id="direct" title="direct" src="{self.gateway}/"></iframe>'
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>City library</title></head>
<body><h1>City library</h1><p>Opening hours and digital help.</p>
<script src="{self.gateway}/static/widget.js" data-language="fr" data-position="left"
        data-title="Bibliothèque : aide numérique"></script>
{frame if self.direct_frame else ""}
</body></html>"""

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def allowed_site() -> Iterator[HostSite]:
    site = HostSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def refused_site() -> Iterator[HostSite]:
    site = HostSite(direct_frame=True)  # also tries to frame the chat page directly
    yield site
    site.close()


@pytest.fixture(scope="module")
def web_stack(
    tmp_path_factory: pytest.TempPathFactory, allowed_site: HostSite, refused_site: HostSite
) -> Iterator[Stack]:
    """The whole stack (`digibridge up`), allowing exactly one of the two host sites."""
    ensure_model(PROJECT_ROOT / "models")
    stack = start_stack(
        tmp_path_factory.mktemp("web-stack"),
        {"DIGIBRIDGE_WEB_ALLOWED_ORIGINS": allowed_site.origin},
    )
    allowed_site.gateway = refused_site.gateway = stack.base_url
    yield stack
    code = stack.stop()
    assert code == 0, f"digibridge up did not stop cleanly ({code}):\n{stack.log_tail()}"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/ensure-chromium (make test does)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000
        )
        yield browser
        browser.close()


class OpenPage:
    """Opens pages in fresh browser contexts (own storage), records dialogs and errors."""

    def __init__(self, browser: object, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[object] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []

    def __call__(self, locale: str = "en-US", url: str | None = None, **options: object):
        context = self.browser.new_context(
            viewport=PHONE, locale=locale, device_scale_factor=1, **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        self.watch(page)
        page.goto(url or f"{self.base_url}/")
        return page

    def watch(self, page) -> None:  # noqa: ANN001
        def on_dialog(dialog) -> None:  # noqa: ANN001
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self.console.append(message.text))

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def open_page(browser: object, web_stack: Stack) -> Iterator[OpenPage]:
    opener = OpenPage(browser, web_stack.base_url)
    yield opener
    opener.close()
    assert not opener.errors, f"script errors on the page: {opener.errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
