"""Fixtures for the web UI: agents, a signed-in test client, a live server and a browser.

The browser is Debian's chromium driven by Playwright (`pip install playwright`, no
`playwright install`: the browser comes from apt). Browser tests are skipped, with
the reason, only when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from hotline.accounts.agents import add_agent
from hotline.runtime import Runtime
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStub
from tests.twilio_standin import twilio_standin as twilio_standin  # noqa: F401 - fixture
from tests.twilio_standin import twilio_stub as twilio_stub  # noqa: F401 - fixture

CHROMIUM = Path("/usr/bin/chromium")
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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

AGENT_EMAIL = "anna@hotline.example"
SUPERVISOR_EMAIL = "sven@hotline.example"
PASSWORD = "richtig-geheim-123"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token from a form on `path`."""
    page = client.get(path).get_data(as_text=True)
    found = _CSRF.search(page)
    assert found, f"no csrf_token on {path}"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    """POST the login form as a browser would, with the form's CSRF token."""
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def twilio_settings(stub: TwilioStub, **extra: object) -> dict[str, object]:
    """settings_overrides for pages that talk to the Twilio stand-in (and `extra`)."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": stub.base_url,
        **extra,
    }


@pytest.fixture
def upload_dir(app: Flask, tmp_path: Path) -> Path:
    """The app's folder for uploaded imports, under the test's tmp_path."""
    folder = tmp_path / "imports"
    app.config["HOTLINE_IMPORT_DIR"] = str(folder)
    return folder


@pytest.fixture
def agents(session: Session, rt: Runtime) -> dict[str, int]:
    """A plain agent (Anna) and a supervisor (Sven), committed; their ids by role."""
    now = rt.clock.now()
    anna = add_agent(
        session,
        email=AGENT_EMAIL,
        name="Anna Agentin",
        phone="+4930111111",
        now=now,
        password=PASSWORD,
    )
    sven = add_agent(
        session,
        email=SUPERVISOR_EMAIL,
        name="Sven Supervisor",
        phone="client:sven",
        now=now,
        password=PASSWORD,
        supervisor=True,
    )
    session.commit()
    return {"agent": anna.id, "supervisor": sven.id}


@pytest.fixture
def agent_client(app: Flask, agents: dict[str, int]) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, AGENT_EMAIL).status_code == 302
    return client


@pytest.fixture
def supervisor_client(app: Flask, agents: dict[str, int]) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, SUPERVISOR_EMAIL).status_code == 302
    return client


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by werkzeug on 127.0.0.1 and a free port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium "
            "(apt-get install -y chromium)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests need playwright (pip install playwright)"
    )
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@contextmanager
def _tab(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server, locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser tab (own cookies) on the live server, in German."""
    with _tab(browser, live_server) as tab:
        yield tab


@pytest.fixture
def second_page(browser: Any, live_server: str) -> Iterator[Any]:
    """A second browser context: another agent at another desk."""
    with _tab(browser, live_server) as tab:
        yield tab


def sign_in_page(
    page: Any,
    email: str = AGENT_EMAIL,
    password: str = PASSWORD,
    *,
    landing: str | None = "**/callbacks",
) -> None:
    """Sign in through the login form in the browser; wait for `landing` unless None."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if landing is not None:
        page.wait_for_url(landing)


def screenshot(page: Any, name: str, request: pytest.FixtureRequest) -> Path:
    """Save a full-page screenshot under test-artifacts/screenshots/ (one per database)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    suffix = getattr(getattr(request.node, "callspec", None), "id", "")
    path = SCREENSHOTS / (f"{name}-{suffix}.png" if suffix else f"{name}.png")
    page.screenshot(path=str(path), full_page=True)
    return path
