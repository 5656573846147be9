"""Open a local report in Debian's headless Chromium, offline, and collect its errors.

A missing browser fails the test (it is part of the dev setup), with the command to fix it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, sync_playwright

from evidence.reporting.pdf import CHROMIUM_FLAGS

CHROMIUM = Path("/usr/bin/chromium")
# The flags this machine kind needs, as report.pdf's printer uses them (Playwright adds
# its own headless mode).
LAUNCH_ARGS = [f for f in CHROMIUM_FLAGS if f not in {"--headless", "--no-pdf-header-footer"}]
INSTALL_HINT = f"Chromium not found at {CHROMIUM}: run scripts/install-chromium.sh"


@dataclass
class PageProblems:
    """What went wrong while the page loaded: console errors, uncaught errors, network."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return [
            *(f"console: {m}" for m in self.console_errors),
            *(f"pageerror: {m}" for m in self.page_errors),
            *(f"network: {u}" for u in self.blocked_requests),
        ]


@contextmanager
def open_local_page(
    path: Path, *, width: int = 1280, height: int = 900
) -> Iterator[tuple[Page, PageProblems]]:
    """Load ``path`` with every request other than the file itself aborted."""
    if not CHROMIUM.exists():
        pytest.fail(INSTALL_HINT)
    problems = PageProblems()
    target = path.resolve().as_uri()

    def only_the_file(route: Route) -> None:
        if route.request.url == target:
            route.continue_()
        else:
            problems.blocked_requests.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        except PlaywrightError as error:
            pytest.fail(f"{INSTALL_HINT} ({error})")
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on(
                "console",
                lambda m: problems.console_errors.append(m.text) if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.page_errors.append(str(e)))
            page.route("**/*", only_the_file)
            page.goto(target, wait_until="load")
            yield page, problems
        finally:
            browser.close()
