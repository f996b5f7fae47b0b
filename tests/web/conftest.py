"""Browser tests: the real app served by uvicorn, driven by Playwright through Debian's Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from reviewdesk.services import accounts, sessions
from reviewdesk.store.database import Database
from tests.client.conftest import serve
from tests.web.seed import World, make_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its production cost takes half a second a hash, and these tests create users and
    log in hundreds of times. The same algorithm and code paths at a low cost; stored hashes carry
    their own parameters, so verifying works either way."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", cheap)
        patch.setattr(sessions, "_hasher", cheap)
        patch.setattr(accounts, "_DUMMY_HASH", cheap.hash("not-a-password"))
        yield


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium): browser tests skipped"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]'): browser tests skipped"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def web_db(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("web") / "reviewdesk.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def world(web_db: Database) -> World:
    return make_world(web_db)


@pytest.fixture(scope="module")
def base_url(web_db: Database, world: World) -> Iterator[str]:
    with serve(web_db) as url:
        yield url


@pytest.fixture
def page(browser, base_url: str) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=base_url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    # JS errors and CSP reports; a 401/404 answer is logged as "Failed to load resource" and is no bug.
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    tab.js_errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()


def login(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page, name: str, *, full_page: bool = False) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def press_and_swap(page, key: str) -> None:  # type: ignore[no-untyped-def]
    """Press a review key (S, K, Enter in the flag dialog) and wait until the next item is swapped in
    place: the review view shows the prefetched item and posts in the background, with no page load."""
    before = page.locator("#review-item .review-bar").get_attribute("data-item-id")
    page.keyboard.press(key)
    page.wait_for_function(
        "(before) => { const bar = document.querySelector('#review-item .review-bar');"
        " return bar !== null && bar.dataset.itemId !== before; }",
        arg=before,
    )
    # The item shows before the server has answered; wait for that answer too.
    page.wait_for_function("() => document.getElementById('review-item').dataset.posting === '0'")
