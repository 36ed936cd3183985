"""Sign-in, CSRF, the sign-in gate on every page, supervisor-only pages, throttling, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import IntegerConverter

from hotline.clock import FixedClock
from hotline.web.auth import WRONG
from hotline.web.ui import is_machine_blueprint
from tests.ui.conftest import AGENT_EMAIL, PASSWORD, SUPERVISOR_EMAIL, csrf_token, sign_in

PUBLIC = {"auth.login", "static", "health.healthz"}

# The blueprints only supervisors may use, and every endpoint they have.
SUPERVISOR_BLUEPRINTS = (
    "agents_pages",
    "import_pages",
    "contract_changes",
    "reports",
    "tokens_pages",
)
SUPERVISOR_ONLY = {
    "agents_pages.agents",
    "agents_pages.add",
    "agents_pages.deactivate",
    "agents_pages.activate",
    "agents_pages.reset_password",
    "import_pages.imports",
    "import_pages.import_preview",
    "import_pages.import_apply",
    "import_pages.import_discard",
    "contract_changes.cancel",
    "contract_changes.terminate",
    "contract_changes.cashier_dial_admin",
    "reports.reports",
    "tokens_pages.tokens",
    "tokens_pages.revoke",
}


def _ui_rules(app: Flask, method: str) -> list[tuple[str, str]]:
    """(endpoint, URL) of every UI route for `method`, with placeholder arguments."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
            if method not in (rule.methods or ()) or is_machine_blueprint(blueprint):
                continue
            args = {
                name: 1 if isinstance(conv, IntegerConverter) else "x"
                for name, conv in rule._converters.items()
            }
            built = rule.build(args, append_unknown=False)
            assert built is not None, rule.endpoint
            found.append((rule.endpoint, built[1]))
    return sorted(found)


def test_the_ui_has_the_expected_routes(app: Flask) -> None:
    gets = {e for e, _ in _ui_rules(app, "GET")}
    posts = {e for e, _ in _ui_rules(app, "POST")}
    assert {
        "auth.login",
        "callbacks_page.index",
        "callbacks_page.callbacks",
        "contracts_pages.search",
        "contracts_pages.contract",
        "tickets_pages.tickets",
        "tickets_pages.ticket",
        "status_page.status",
        "agents_pages.agents",
        "import_pages.imports",
        "reports.reports",
    } <= gets
    assert {
        "auth.login",
        "auth.logout",
        "status_page.update_status",
        "agents_pages.add",
        "agents_pages.deactivate",
        "agents_pages.activate",
        "agents_pages.reset_password",
    } <= posts


def test_every_page_but_login_sends_anonymous_users_to_login(
    app: Flask, client: FlaskClient
) -> None:
    pages = [(e, url) for e, url in _ui_rules(app, "GET") if e not in PUBLIC]
    assert len(pages) >= 10
    for endpoint, url in pages:
        response = client.get(url)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login"), endpoint
    assert client.get("/login").status_code == 200


def test_anonymous_posts_with_a_valid_token_go_to_login(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client)
    for endpoint, url in _ui_rules(app, "POST"):
        if endpoint in PUBLIC:
            continue
        response = client.post(url, data={"csrf_token": token})
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login"), endpoint


def test_every_form_without_a_csrf_token_is_refused(
    app: Flask, supervisor_client: FlaskClient, client: FlaskClient
) -> None:
    posts = _ui_rules(app, "POST")
    assert len(posts) >= 7
    for endpoint, url in posts:
        response = supervisor_client.post(url, data={"password": PASSWORD, "name": "x"})
        assert response.status_code == 400, endpoint
        assert "Sicherheitsprüfung" in response.get_data(as_text=True), endpoint
        # A wrong token is no better than none.
        response = supervisor_client.post(url, data={"csrf_token": "forged"})
        assert response.status_code == 400, endpoint
    # Signing in needs the token as well.
    response = client.post("/login", data={"email": AGENT_EMAIL, "password": PASSWORD})
    assert response.status_code == 400


def test_machine_blueprints_are_exempt_from_csrf_and_sign_in(app: Flask) -> None:
    from hotline.web.ui import _MACHINE_KEY

    machine = app.extensions[_MACHINE_KEY]
    assert "voice" in machine
    # Whatever other blueprints live under /voice or /api are exempt too.
    for name, blueprint in app.blueprints.items():
        prefix = blueprint.url_prefix or ""
        if prefix.startswith(("/voice", "/api")):
            assert name in machine, name
    for name in ("auth", "callbacks_page", "contracts_pages", *SUPERVISOR_BLUEPRINTS):
        assert name not in machine


def test_supervisor_pages_refuse_plain_agents(
    app: Flask, agent_client: FlaskClient, supervisor_client: FlaskClient, agents: dict[str, int]
) -> None:
    token = csrf_token(agent_client, "/status")
    endpoints = {e for e, _ in _ui_rules(app, "GET") + _ui_rules(app, "POST")}
    assert endpoints >= SUPERVISOR_ONLY
    assert {e for e in endpoints if e.split(".")[0] in SUPERVISOR_BLUEPRINTS} == SUPERVISOR_ONLY
    for endpoint, url in _ui_rules(app, "GET"):
        if endpoint in SUPERVISOR_ONLY:
            response = agent_client.get(url)
            assert response.status_code == 403, endpoint
            assert "Supervisoren vorbehalten" in response.get_data(as_text=True)
            assert supervisor_client.get(url).status_code == 200, endpoint
    for endpoint, url in _ui_rules(app, "POST"):
        if endpoint in SUPERVISOR_ONLY:
            response = agent_client.post(url, data={"csrf_token": token, "password": "x" * 12})
            assert response.status_code == 403, endpoint


def test_plain_agents_see_no_supervisor_navigation(
    agent_client: FlaskClient, supervisor_client: FlaskClient
) -> None:
    plain = agent_client.get("/callbacks").get_data(as_text=True)
    for entry in ("Rückrufliste", "Tickets", "Verträge", "Mein Status"):
        assert entry in plain
    assert "Agenten" not in plain and "Berichte" not in plain
    boss = supervisor_client.get("/callbacks").get_data(as_text=True)
    assert "Agenten" in boss and "Import" in boss and "Berichte" in boss


def test_sign_in_and_out(client: FlaskClient, agents: dict[str, int]) -> None:
    response = sign_in(client, AGENT_EMAIL)
    assert response.status_code == 302
    assert response.headers["Location"] == "/callbacks"
    assert client.get("/").headers["Location"] == "/callbacks"
    assert client.get("/callbacks").status_code == 200
    token = csrf_token(client, "/callbacks")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/callbacks").status_code == 302
    assert "Sie sind abgemeldet" in client.get("/login?logged_out=1").get_data(as_text=True)


def test_wrong_password_and_unknown_address_get_the_same_german_answer(
    client: FlaskClient, agents: dict[str, int]
) -> None:
    wrong = sign_in(client, AGENT_EMAIL, "falsch-falsch-falsch")
    unknown = sign_in(client, "niemand@hotline.example", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)
    assert client.get("/callbacks").status_code == 302


def test_sign_in_returns_to_the_page_asked_for_but_never_elsewhere(
    client: FlaskClient, agents: dict[str, int]
) -> None:
    assert client.get("/tickets").headers["Location"] == "/login?next=%2Ftickets"
    token = csrf_token(client)
    data = {"email": AGENT_EMAIL, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=%2Ftickets", data=data)
    assert response.headers["Location"] == "/tickets"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/tickets")})
    data["csrf_token"] = csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/callbacks"


def test_five_wrong_passwords_slow_sign_in_down_with_growing_delays(
    client: FlaskClient, clock: FixedClock, agents: dict[str, int]
) -> None:
    # Was a 15-minute lock with its own messages: a weapon against any agent, and it told
    # which addresses exist. Now: delays after five tries, the one message throughout.
    for _ in range(5):
        response = sign_in(client, AGENT_EMAIL, "falsch-falsch-falsch")
        assert response.status_code == 401
        assert WRONG in response.get_data(as_text=True)
    for delay in (1, 2, 4):
        # Within the delay even the right password gets the same answer; after it, a
        # wrong try counts again and doubles the delay.
        clock.advance(seconds=delay - 1)
        response = sign_in(client, AGENT_EMAIL)
        assert response.status_code == 401 and WRONG in response.get_data(as_text=True)
        clock.advance(seconds=1)
        if delay < 4:
            assert sign_in(client, AGENT_EMAIL, "falsch-falsch-falsch").status_code == 401
    assert sign_in(client, AGENT_EMAIL).status_code == 302


def test_a_right_password_resets_the_count(
    app: Flask, session: Session, agents: dict[str, int]
) -> None:
    client = app.test_client()
    for _ in range(4):
        sign_in(client, AGENT_EMAIL, "falsch-falsch-falsch")
    assert sign_in(client, AGENT_EMAIL).status_code == 302
    other = app.test_client()
    for _ in range(4):
        assert sign_in(other, AGENT_EMAIL, "falsch-falsch-falsch").status_code == 401
    assert sign_in(other, AGENT_EMAIL).status_code == 302


def test_sessions_expire_after_12_hours(agent_client: FlaskClient, clock: FixedClock) -> None:
    clock.advance(hours=11, minutes=59)
    assert agent_client.get("/callbacks").status_code == 200
    clock.advance(minutes=1)
    response = agent_client.get("/callbacks")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?expired=1"
    assert "Sitzung ist abgelaufen" in agent_client.get("/login?expired=1").get_data(as_text=True)
    assert agent_client.get("/callbacks").status_code == 302


def test_deactivating_or_a_new_password_ends_open_sessions(
    app: Flask, supervisor_client: FlaskClient, agents: dict[str, int]
) -> None:
    anna = app.test_client()
    sign_in(anna, AGENT_EMAIL)
    assert anna.get("/callbacks").status_code == 200
    token = csrf_token(supervisor_client, "/agents")
    supervisor_client.post(
        f"/agents/{agents['agent']}/password",
        data={"csrf_token": token, "password": "ganz-neues-passwort"},
    )
    assert anna.get("/callbacks").status_code == 302
    assert sign_in(anna, AGENT_EMAIL, "ganz-neues-passwort").status_code == 302
    assert anna.get("/callbacks").status_code == 200
    supervisor_client.post(f"/agents/{agents['agent']}/deactivate", data={"csrf_token": token})
    assert anna.get("/callbacks").status_code == 302
    assert sign_in(anna, AGENT_EMAIL, "ganz-neues-passwort").status_code == 401


@pytest.mark.parametrize("path", ["/login", "/callbacks", "/nirgendwo"])
def test_ui_responses_carry_security_headers(agent_client: FlaskClient, path: str) -> None:
    response = agent_client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_not_found_is_german(agent_client: FlaskClient) -> None:
    response = agent_client.get("/contracts/V-9999")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


def test_session_lifetime_and_cookie_flags(app: Flask) -> None:
    # SESSION_COOKIE_SECURE follows HOTLINE_ENV=production (hotline/app.py).
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)


def test_supervisor_email_is_signed_in_case_insensitively(
    client: FlaskClient, agents: dict[str, int]
) -> None:
    assert sign_in(client, SUPERVISOR_EMAIL.upper()).status_code == 302
