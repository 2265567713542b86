"""Kriya's web pages in a real browser: Debian's chromium driven by Playwright (the
pytest-playwright plugin), against `kriya serve`'s app on loopback.

A test asks for `page` (a fresh browser tab whose relative URLs go to the server),
`kriya_site` (that server: its address, database and configuration) and `screenshot`
(saves what the tab shows as a PNG in the test run's temporary folder).

Playwright's sync API keeps an asyncio loop marked as running in the main thread for as
long as its driver lives, and `asyncio.run()` refuses to start under it. So the driver and
the browser live as long as this package's tests (package scope, not the plugin's session
scope): one browser for all of them, gone before any other test runs.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, sync_playwright
from sqlalchemy import Engine as Database
from starlette.applications import Starlette

from bot.config import Config
from bot.server import create_app
from tests.browser.chromium import CHROMIUM_ARGS, chromium_binary
from tests.fake_telegram import ServerThread, free_port

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig: pytest.Config) -> dict[str, Any]:
    headed = bool(pytestconfig.getoption("--headed", default=False))
    return {"executable_path": str(chromium_binary()), "args": CHROMIUM_ARGS,
            "headless": not headed, "slow_mo": pytestconfig.getoption("--slowmo", default=0)}


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    if browser_name != "chromium":
        raise pytest.UsageError("Kriya's browser tests run on Chromium only (--browser chromium)")
    return playwright.chromium


@pytest.fixture(scope="package")
def launch_browser(browser_type_launch_args: dict[str, Any],
                   browser_type: BrowserType) -> Callable[..., Browser]:
    def launch(**options: Any) -> Browser:
        return browser_type.launch(**{**browser_type_launch_args, **options})
    return launch


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    browser = launch_browser()
    yield browser
    browser.close()


@dataclass(frozen=True)
class Site:
    """`kriya serve`'s app, running: where it answers, its database and configuration."""

    base_url: str
    database: Database
    config: Config
    app: Starlette

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture
def kriya_settings() -> dict[str, str]:
    """Settings for the served app beyond its database, public address and media folder;
    a test module overrides this fixture to change them (e.g. KRIYA_TIMEZONE)."""
    return {}


@pytest.fixture
def kriya_site(tmp_path: Path, sqlite_template: Path,
               kriya_settings: dict[str, str]) -> Iterator[Site]:
    """The real app on a fresh SQLite database at the newest schema, served by uvicorn in
    a thread on a free loopback port that is also its public address."""
    path = tmp_path / "kriya.db"
    shutil.copy(sqlite_template, path)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    config = Config(KRIYA_DATABASE_URL=f"sqlite:///{path}", KRIYA_PUBLIC_URL=base_url,
                    KRIYA_MEDIA_DIR=str(tmp_path / "media"), **kriya_settings)
    app = create_app(config)
    server = ServerThread(app, port, lifespan="on")
    with server:
        yield Site(base_url, app.state.database, config, app)
    assert not server.thread.is_alive(), "kriya serve did not stop within 10 seconds"


@pytest.fixture
def browser_context_args(kriya_site: Site) -> dict[str, Any]:
    """Every tab opens relative URLs on the served app, as a reader in Indonesia."""
    return {"base_url": kriya_site.base_url, "locale": "id-ID", "timezone_id": "Asia/Jakarta"}


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots", numbered=False)


Screenshot = Callable[..., Path]


@pytest.fixture
def screenshot(screenshot_dir: Path, request: pytest.FixtureRequest) -> Screenshot:
    """`screenshot(page, label=None)`: the whole page as PNG, in a folder named after the
    test, numbered in the order taken and named after `label` or the page's address:
    screenshots/test_name-chromium/01-privasi-lang-en.png."""
    folder = screenshot_dir / _slug(request.node.name)
    taken: list[Path] = []

    def take(page: Page, label: str | None = None) -> Path:
        address = urlsplit(page.url)
        name = _slug(label or f"{address.path}?{address.query}".strip("/?") or "home")
        folder.mkdir(exist_ok=True)
        path = folder / f"{len(taken) + 1:02d}-{name}.png"
        page.screenshot(path=path, full_page=True)
        taken.append(path)
        return path

    return take


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")[:80] or "page"
