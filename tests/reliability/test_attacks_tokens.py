"""Stolen or forgotten API tokens: they expire (365 days unless told otherwise), can be listed
with their last use and revoked from the command line or by a supervisor's page."""

from __future__ import annotations

import json
import re
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session

from hotline.accounts.agents import add_agent
from hotline.clock import FixedClock
from tests.callbacks.conftest import World
from tests.reliability.conftest import Figures
from tests.ui.conftest import PASSWORD, csrf_token, sign_in


def new_token(runner: FlaskCliRunner, *args: str) -> str:
    result = runner.invoke(args=["tokens", "create", "anna@hotline.example", *args])
    assert result.exit_code == 0, result.output
    return str(result.output.strip())


def api(client: FlaskClient, token: str) -> int:
    return client.get("/api/v1/callbacks", headers={"Authorization": f"Bearer {token}"}).status_code


def listed(runner: FlaskCliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(args=["tokens", "list", *args, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert isinstance(document, list)
    return document


def test_tokens_expire(
    client: FlaskClient, runner: FlaskCliRunner, world: World, clock: FixedClock, figures: Figures
) -> None:
    default = new_token(runner)
    short = new_token(runner, "--expires", "7")
    assert api(client, default) == 200 and api(client, short) == 200
    clock.advance(days=7)
    figures.attack("API: token past its --expires", api(client, short) == 401)
    assert api(client, short) == 401 and api(client, default) == 200
    clock.advance(days=358, minutes=-1)
    assert api(client, default) == 200
    clock.advance(minutes=1)
    figures.attack("API: token older than 365 days", api(client, default) == 401)
    assert api(client, default) == 401
    for bad in ("0", "-5", "99999"):
        result = runner.invoke(args=["tokens", "create", "anna@hotline.example", "--expires", bad])
        assert result.exit_code == 1 and "--expires must be 1 to 3650 days" in result.output


def test_tokens_list_shows_expiry_and_last_use_and_revoke_ends_them(
    client: FlaskClient, runner: FlaskCliRunner, world: World, clock: FixedClock, figures: Figures
) -> None:
    token = new_token(runner, "--expires", "30")
    mine = [t for t in listed(runner, "anna@hotline.example") if t["last_used_at"] is None]
    newest = mine[0]
    assert set(newest) == {"id", "agent", "created_at", "expires_at", "last_used_at", "revoked"}
    assert newest["agent"] == "anna@hotline.example" and newest["revoked"] is False
    created = datetime.fromisoformat(str(newest["created_at"]))
    expires = datetime.fromisoformat(str(newest["expires_at"]))
    assert (expires - created).days == 30 and created.utcoffset() is not None
    clock.advance(minutes=5)
    assert api(client, token) == 200
    used = next(t for t in listed(runner) if t["id"] == newest["id"])
    assert datetime.fromisoformat(str(used["last_used_at"])) == clock.now()
    assert {t["agent"] for t in listed(runner)} >= {"anna@hotline.example", "bert@hotline.example"}
    assert {t["agent"] for t in listed(runner, "bert@hotline.example")} == {"bert@hotline.example"}

    result = runner.invoke(args=["tokens", "revoke", str(newest["id"])])
    assert result.exit_code == 0 and "revoked" in result.output
    figures.attack("API: revoked token", api(client, token) == 401)
    assert api(client, token) == 401
    assert next(t for t in listed(runner) if t["id"] == newest["id"])["revoked"] is True
    for bad in ("999999", str(2**70)):
        result = runner.invoke(args=["tokens", "revoke", bad])
        assert result.exit_code == 1 and f"no API token with id {bad}" in result.output
    text = runner.invoke(args=["tokens", "list"]).output
    assert "revoked" in text and "valid" in text and token not in text


def test_a_supervisor_revokes_a_token_on_the_page(
    app: Flask,
    session: Session,
    runner: FlaskCliRunner,
    world: World,
    clock: FixedClock,
    figures: Figures,
) -> None:
    add_agent(session, email="chefin@hotline.example", name="Chefin", phone="client:chefin",
              now=clock.now(), password=PASSWORD, supervisor=True)  # fmt: skip
    add_agent(session, email="paul@hotline.example", name="Paul", phone="client:paul",
              now=clock.now(), password=PASSWORD)  # fmt: skip
    session.commit()
    token = new_token(runner)
    api_client = app.test_client()
    assert api(api_client, token) == 200
    boss = app.test_client()
    assert sign_in(boss, "chefin@hotline.example").status_code == 302
    page = boss.get("/tokens").get_data(as_text=True)
    assert "API-Tokens" in page and "Anna" in page and "gültig" in page
    assert clock.now().astimezone(world.rt.calendar.zone).strftime("%d.%m.%Y %H:%M") in page
    assert token not in page
    token_id = max(int(t["id"]) for t in listed(runner, "anna@hotline.example"))  # type: ignore[call-overload]

    plain = app.test_client()
    assert sign_in(plain, "paul@hotline.example").status_code == 302
    refused = plain.post(
        f"/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(plain, "/callbacks")}
    )
    assert refused.status_code == 403 and api(api_client, token) == 200

    form = {"csrf_token": csrf_token(boss, "/tokens")}
    response = boss.post(f"/tokens/{token_id}/revoke", data=form, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and f"API-Token {token_id} von Anna ist widerrufen" in text
    assert re.search(r"widerrufen am \d\d\.\d\d\.\d{4}", text)
    figures.attack("API: token revoked on the supervisors' page", api(api_client, token) == 401)
    assert api(api_client, token) == 401
    missing = boss.post("/tokens/999999/revoke", data=form, follow_redirects=True)
    assert "Dieses API-Token gibt es nicht." in missing.get_data(as_text=True)
