"""Browser fixtures: Debian's headless Chromium driven by Playwright against ``live_server``.

The tests need ``/usr/bin/chromium`` (``make chromium`` installs it); without it they skip and
say so. Each step's screenshot goes to ``tests/artifacts/screenshots/<test>/`` (git-ignored);
the paths are printed and listed at the end of the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Browser, Locator, Page, sync_playwright
from rest_framework.authtoken.models import Token

from tests.support.factories import UserFactory

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium phones home at start, and a closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
SIDECAR = {
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

_screenshots_taken: list[Path] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _screenshots_taken:
        terminalreporter.section("e2e screenshots")
        for path in _screenshots_taken:
            terminalreporter.write_line(str(path))


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium package (`make chromium`, as root)"
            " to run the browser tests"
        )
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses
    # ORM calls from a thread with a running loop; the test code here is plain sync code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    """A fresh browser tab on the live server; requests to any other host are refused."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    # Only other hosts are intercepted (the pattern is matched inside the browser's driver),
    # so the app's own pages and static files load at full speed.
    elsewhere = re.compile(rf"^(?!{re.escape(live_server.url)}/)")
    context.route(elsewhere, lambda route: route.abort())
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def shoot(page: Page, request: pytest.FixtureRequest) -> Callable[..., Path]:
    """``shoot("step")`` saves a numbered full-page screenshot and prints its path;
    ``shoot("step", element)`` saves just that element (a long page's one part)."""
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken = 0

    def take(step: str, element: Locator | None = None) -> Path:
        nonlocal taken
        taken += 1
        path = folder / f"{taken:02d}-{step}.png"
        if element is None:
            page.screenshot(path=str(path), full_page=True)
        else:
            element.screenshot(path=str(path))
        _screenshots_taken.append(path)
        print(f"screenshot: {path}")
        return path

    return take


@pytest.fixture
def swagger_ui_served_locally(settings: Any) -> Iterator[None]:
    """Swagger UI from drf-spectacular-sidecar's static files rather than a CDN.

    Until config/settings.py carries this itself, the test applies it; then it does nothing.
    """
    from drf_spectacular.settings import patched_settings, spectacular_settings

    if "drf_spectacular_sidecar" not in settings.INSTALLED_APPS:
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "drf_spectacular_sidecar"]
    missing = {
        key: value for key, value in SIDECAR.items() if getattr(spectacular_settings, key) != value
    }
    with patched_settings(missing):
        yield


@pytest.fixture
def staff_account(db: None) -> Any:
    """A staff member (not a superuser) allowed to add, change, delete and view items."""
    account = UserFactory(username="editor", is_staff=True)
    account.user_permissions.set(Permission.objects.filter(codename__endswith="_item"))
    return account


class Api:
    """The JSON API as a consumer sees it, over real HTTP to the live server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def get(self, path: str, *, as_user: Any = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base_url + path, headers={"Accept": "application/json"}
        )
        if as_user is not None:
            token, _ = Token.objects.get_or_create(user=as_user)
            request.add_header("Authorization", f"Token {token.key}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)


@pytest.fixture
def api(live_server: Any) -> Api:
    return Api(live_server.url)
