"""Attacks on signing in and out: open redirects through `next`, password guessing (alone
and in parallel), telling accounts apart by answer or time, locking others out, and
cookies that outlive a sign-out, a deactivation or a new password."""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

import hotline.accounts.secrets as secrets
from hotline.accounts.sign_in_throttle import PER_ACCOUNT_AND_ADDRESS
from hotline.web.ui import safe_next
from tests.reliability.conftest import Figures, fuzz
from tests.ui.conftest import AGENT_EMAIL, PASSWORD, SUPERVISOR_EMAIL, csrf_token, sign_in
from tests.ui.conftest import agents as agents  # noqa: F401 - fixture
from tests.ui.conftest import supervisor_client as supervisor_client  # noqa: F401 - fixture

SITE = "https://hotline.example"
WRONG = "E-Mail-Adresse oder Passwort ist falsch."


# --- open redirect after sign-in ----------------------------------------------------------


def as_browser_reads(location: str) -> str:
    """Where a browser goes for a Location header (WHATWG URL parsing, in short): tabs and
    line breaks vanish, control characters and spaces at the ends are trimmed, and a
    backslash is a slash in http(s) URLs."""
    cleaned = location.strip("".join(map(chr, range(0x21))))
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    return urljoin(SITE + "/login", cleaned)


NEXT_ATTACKS = [
    "/%09/evil.example",
    "%2F%0A%2Fx",
    "/%0D%0A/evil.example",
    "//evil.example/x",
    "/%5Cevil.example",
    "%5C%5Cevil.example",
    "/%09%5Cevil.example",
    "https://evil.example/",
    "%01//evil.example",
    "%20//evil.example",
    "/%E2%80%8B/evil.example",
    "javascript:alert(1)",
    "/%00",
]


@pytest.mark.parametrize("next_value", NEXT_ATTACKS)
def test_sign_in_never_redirects_elsewhere(
    app: Flask,
    agents: dict[str, int],  # noqa: F811
    figures: Figures,
    next_value: str,
) -> None:
    client = app.test_client()
    data = {"email": AGENT_EMAIL, "password": PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post(f"/login?next={next_value}", data=data)
    location = response.headers.get("Location", "")
    target = urlsplit(as_browser_reads(location))
    stays = response.status_code == 302 and target.netloc == "hotline.example"
    figures.attack("UI: open redirect through next", stays)
    assert response.status_code == 302, (next_value, response.status_code)
    assert target.scheme == "https" and target.netloc == "hotline.example", (next_value, location)


def test_sign_in_returns_to_a_page_of_the_site(
    app: Flask,
    agents: dict[str, int],  # noqa: F811
) -> None:
    client = app.test_client()
    data = {"email": AGENT_EMAIL, "password": PASSWORD, "csrf_token": csrf_token(client)}
    path = "/tickets?status=open"
    response = client.post("/login?next=" + quote(path, safe=""), data=data)
    assert response.headers["Location"] == path


@fuzz
@given(
    target=st.one_of(
        st.text(max_size=30),
        st.lists(
            st.sampled_from(
                [
                    "/",
                    "\\",
                    "\t",
                    "\n",
                    "\r",
                    " ",
                    "\x00",
                    "\x0b",
                    "\x7f",
                    "evil",
                    ".",
                    ":",
                    "@",
                    "%09",
                    "https:",
                    "é",
                    "?",
                    "#",
                ]
            ),
            max_size=8,
        ).map("".join),
    )  # fmt: skip
)
def test_safe_next_keeps_every_target_on_the_site(figures: Figures, target: str) -> None:
    kept = safe_next(target)
    figures.input("next targets", 200)
    if kept is None:
        return
    assert kept.startswith("/") and kept.isprintable() and kept.isascii(), repr(kept)
    assert urlsplit(as_browser_reads(kept)).netloc == "hotline.example", (target, kept)


# --- password guessing -------------------------------------------------------------------


class HashChecks:
    """Counts the password hashes checked, by the hash checked against."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.against: Counter[str] = Counter()
        self.lock = threading.Lock()
        real = secrets.check_password_hash

        def counting(stored: str, password: str) -> bool:
            with self.lock:
                self.against[stored] += 1
            return real(stored, password)

        monkeypatch.setattr(secrets, "check_password_hash", counting)

    def of(self, stored: str | None) -> int:
        with self.lock:
            return self.against[stored or ""]

    def total(self) -> int:
        with self.lock:
            return sum(self.against.values())


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> HashChecks:
    return HashChecks(monkeypatch)


def client_from(app: Flask, address: str) -> FlaskClient:
    """A browser at another client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def password_hash(app: Flask, email: str) -> str:
    from sqlalchemy import select

    from hotline.models import Agent
    from hotline.runtime import runtime

    with app.app_context(), runtime().sessions() as session:
        stored = session.scalar(select(Agent.password_hash).where(Agent.email == email))
    assert stored
    return stored


def test_parallel_wrong_passwords_check_at_most_the_limit(
    app: Flask,
    agents: dict[str, int],  # noqa: F811
    hash_checks: HashChecks,
    figures: Figures,
) -> None:
    stored = password_hash(app, AGENT_EMAIL)
    clients = [app.test_client() for _ in range(40)]
    tokens = [csrf_token(c) for c in clients]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client: FlaskClient, token: str, n: int) -> None:
        start.wait()
        data = {"email": AGENT_EMAIL, "password": f"falsch-{n}-geraten", "csrf_token": token}
        statuses.append(client.post("/login", data=data).status_code)

    threads = [
        threading.Thread(target=guess, args=(c, t, n))
        for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    checked = hash_checks.of(stored)
    limit = PER_ACCOUNT_AND_ADDRESS.free
    figures.measure("40 parallel wrong passwords: passwords checked", f"{checked} (limit {limit})")
    for _ in range(40):
        figures.attack("UI: parallel wrong password beyond the limit", checked <= limit)
    assert statuses == [401] * 40
    assert checked <= limit, f"{checked} of 40 parallel wrong passwords checked, limit {limit}"
    # Throttled now: even the right password is not checked, and the answer is the same.
    response = sign_in(app.test_client(), AGENT_EMAIL)
    assert response.status_code == 401 and WRONG in response.get_data(as_text=True)
    assert hash_checks.of(stored) == checked


CSRF_FIELD = re.compile(r'name="csrf_token" value="[^"]*"')


def answer(client: FlaskClient, email: str, password: str) -> tuple[int, str, float]:
    token = csrf_token(client)
    started = time.perf_counter()
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token})  # fmt: skip
    took = time.perf_counter() - started
    text = response.get_data(as_text=True)
    # The page echoes the address typed and carries a fresh CSRF token: compare the rest.
    text = CSRF_FIELD.sub("", text.replace(email, "EMAIL"))
    return response.status_code, text, took


def test_unknown_wrong_and_throttled_look_the_same(
    app: Flask,
    agents: dict[str, int],  # noqa: F811
    hash_checks: HashChecks,
    figures: Figures,
) -> None:
    kinds: dict[str, Callable[[], tuple[int, str, float]]] = {}
    unknown = client_from(app, "10.0.0.1")
    wrong = client_from(app, "10.0.0.2")
    throttled = client_from(app, "10.0.0.3")
    for n in range(PER_ACCOUNT_AND_ADDRESS.free):
        assert answer(throttled, SUPERVISOR_EMAIL, f"falsch-{n}-geraten")[0] == 401
    kinds["unknown address"] = lambda: answer(unknown, "niemand@hotline.example", "x" * 12)
    kinds["wrong password"] = lambda: answer(wrong, AGENT_EMAIL, "falsch-falsch-1")
    kinds["throttled account"] = lambda: answer(throttled, SUPERVISOR_EMAIL, PASSWORD)
    seen: dict[str, list[tuple[int, str, float]]] = {kind: [] for kind in kinds}
    for _ in range(4):  # fewer than the free tries: "wrong password" stays unthrottled
        for kind, attempt in kinds.items():
            before = hash_checks.total()
            seen[kind].append(attempt())
            # The same work each time: exactly one password hash checked.
            assert hash_checks.total() - before == 1, kind
    bodies = {kind: {text for _, text, _ in results} for kind, results in seen.items()}
    statuses = {kind: {status for status, _, _ in results} for kind, results in seen.items()}
    times = {kind: statistics.median(t for _, _, t in results) for kind, results in seen.items()}
    figures.measure(
        "sign-in answer, median ms (unknown / wrong / throttled)",
        " / ".join(f"{times[k] * 1000:.0f}" for k in kinds),
    )
    same = len({frozenset(b) for b in bodies.values()}) == 1 and all(
        s == {401} for s in statuses.values()
    )
    for _kind in kinds:
        figures.attack("UI: sign-in answer tells accounts or throttling apart", same)
    assert all(s == {401} for s in statuses.values()), statuses
    assert len({frozenset(b) for b in bodies.values()}) == 1, "the pages differ"
    assert all(len(b) == 1 and WRONG in next(iter(b)) for b in bodies.values())
    assert "gesperrt" not in str(bodies) and "Zu viele" not in str(bodies)


def test_guessing_elsewhere_does_not_lock_the_agent_out(
    app: Flask,
    agents: dict[str, int],  # noqa: F811
    figures: Figures,
) -> None:
    attacker = client_from(app, "203.0.113.9")
    for n in range(3 * PER_ACCOUNT_AND_ADDRESS.free):
        sign_in(attacker, AGENT_EMAIL, f"falsch-{n}-geraten")
    agent = client_from(app, "192.0.2.10")
    response = sign_in(agent, AGENT_EMAIL)
    figures.attack("UI: locking another agent out by wrong passwords", response.status_code == 302)
    assert response.status_code == 302


# --- sessions that outlive a sign-out ----------------------------------------------------


def copied(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser with a copy of `client`'s session cookie, as a thief would have."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def signed_in(client: FlaskClient) -> bool:
    return client.get("/callbacks").status_code == 200


@pytest.fixture
def anna(app: Flask, agents: dict[str, int]) -> Iterator[FlaskClient]:  # noqa: F811
    client = app.test_client()
    assert sign_in(client, AGENT_EMAIL).status_code == 302
    yield client


def test_sign_out_ends_copied_cookies_and_other_devices(
    app: Flask, anna: FlaskClient, figures: Figures
) -> None:
    thief = copied(app, anna)
    other_device = app.test_client()
    assert sign_in(other_device, AGENT_EMAIL).status_code == 302
    assert signed_in(thief) and signed_in(other_device)
    anna.post("/logout", data={"csrf_token": csrf_token(anna, "/callbacks")})
    refused = not signed_in(thief)
    figures.attack("UI: session cookie copied before sign-out", refused)
    assert refused, "a cookie copied before the sign-out still reads /callbacks"
    page = thief.get("/tickets")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    assert not signed_in(other_device), "signing out ends the agent's other sessions too"


def test_deactivation_and_a_new_password_end_sessions(
    app: Flask,
    anna: FlaskClient,
    supervisor_client: FlaskClient,  # noqa: F811
    agents: dict[str, int],  # noqa: F811
    figures: Figures,
) -> None:
    agent_id = agents["agent"]

    def supervisor_posts(path: str, **data: Any) -> None:
        token = csrf_token(supervisor_client, "/agents")
        response = supervisor_client.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]

    thief = copied(app, anna)
    supervisor_posts(f"/agents/{agent_id}/deactivate")
    supervisor_posts(f"/agents/{agent_id}/activate")
    refused = not signed_in(anna) and not signed_in(thief)
    figures.attack("UI: session of a deactivated agent", refused)
    assert refused, "a session from before the deactivation lives on after reactivation"

    assert sign_in(anna, AGENT_EMAIL).status_code == 302
    thief = copied(app, anna)
    supervisor_posts(f"/agents/{agent_id}/password", password="ganz-neu-geheim-1")
    refused = not signed_in(anna) and not signed_in(thief)
    figures.attack("UI: session from before a new password", refused)
    assert refused
    assert sign_in(anna, AGENT_EMAIL, "ganz-neu-geheim-1").status_code == 302
