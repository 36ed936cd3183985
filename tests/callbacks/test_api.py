"""The JSON API: bearer tokens, the shared list, claim (also concurrently), outcome."""

from __future__ import annotations

import json
import threading

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from hotline.clock import FixedClock
from hotline.models import ApiToken
from tests.callbacks.conftest import CUSTOMER_PHONE, World
from tests.conftest import berlin


def test_no_token_or_a_wrong_token_is_401_json(client: FlaskClient, world: World) -> None:
    for headers in ({}, {"Authorization": "Bearer hl_wrong"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/callbacks", headers=headers)
        assert response.status_code == 401
        assert "error" in response.get_json()
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_refused(client: FlaskClient, world: World) -> None:
    with world.rt.sessions() as session, session.begin():
        for token in session.query(ApiToken):
            token.revoked_at = world.rt.clock.now()
    assert client.get("/api/v1/callbacks", headers=world.headers()).status_code == 401


def test_list_and_cli_give_the_same_objects(
    client: FlaskClient, runner: FlaskCliRunner, world: World, clock: FixedClock
) -> None:
    world.add_callback(category="technical")
    clock.set(berlin(2026, 12, 4, 19, 0))
    world.add_callback(phone="+493099999999", category="outage")
    api = client.get("/api/v1/callbacks", headers=world.headers()).get_json()
    result = runner.invoke(args=["callbacks", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == api
    assert [item["category"] for item in api] == ["outage", "technical"]
    first = api[1]
    assert first == {
        "id": first["id"],
        "phone": CUSTOMER_PHONE,
        "customer_number": "4711",
        "contract_number": "V-4711",
        "station_number": "2",
        "category": "technical",
        "priority": 1,
        "status": "due",
        "due_at": "2026-11-30T10:00:00+01:00",
        "attempts": 0,
        "ticket_number": None,
    }
    assert api[0]["due_at"] == "2026-12-07T09:00:00+01:00"
    assert api[0]["status"] == "queued"
    queued = client.get("/api/v1/callbacks?status=queued", headers=world.headers()).get_json()
    assert [item["id"] for item in queued] == [api[0]["id"]]
    cli = runner.invoke(args=["callbacks", "list", "--status", "queued", "--json"])
    assert json.loads(cli.output) == queued
    bad = client.get("/api/v1/callbacks?status=nope", headers=world.headers())
    assert bad.status_code == 400 and "status must be one of" in bad.get_json()["error"]


def test_cli_table(runner: FlaskCliRunner, world: World) -> None:
    world.add_callback()
    result = runner.invoke(args=["callbacks", "list"])
    assert result.exit_code == 0
    assert CUSTOMER_PHONE in result.output and "V-4711" in result.output
    assert runner.invoke(args=["callbacks", "list", "--status", "bogus"]).exit_code == 2


def test_claim_200_then_409(client: FlaskClient, world: World) -> None:
    cb = world.add_callback()
    first = client.post(f"/api/v1/callbacks/{cb}/claim", headers=world.headers("anna"))
    assert first.status_code == 200
    assert first.get_json()["status"] == "claimed"
    second = client.post(f"/api/v1/callbacks/{cb}/claim", headers=world.headers("bert"))
    assert second.status_code == 409
    assert second.get_json() == {"error": f"callback {cb} is claimed by another agent"}
    missing = client.post("/api/v1/callbacks/999999/claim", headers=world.headers())
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_two_agents_claiming_at_the_same_moment_one_wins(app: Flask, world: World) -> None:
    for _round in range(5):
        cb = world.add_callback(phone=f"+4930555000{_round:02d}")
        barrier = threading.Barrier(8)
        codes: list[int] = []

        def attempt(
            who: str, barrier: threading.Barrier = barrier, cb: int = cb, codes: list[int] = codes
        ) -> None:
            client = app.test_client()
            barrier.wait()
            response = client.post(f"/api/v1/callbacks/{cb}/claim", headers=world.headers(who))
            codes.append(response.status_code)

        threads = [
            threading.Thread(target=attempt, args=("anna" if i % 2 else "bert",)) for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        winner = world.get(cb).claimed_by_id
        wins = codes.count(200)
        # The holder asking again gets 200 too (idempotent); the other agent only ever 409.
        assert codes.count(409) + wins == 8
        assert winner in world.agents.values()
        loser_codes = codes.count(409)
        assert loser_codes >= 4


def test_outcome_api(client: FlaskClient, world: World, clock: FixedClock) -> None:
    cb = world.add_callback()
    h = world.headers()
    assert client.post(f"/api/v1/callbacks/{cb}/claim", headers=h).status_code == 200
    bad = client.post(f"/api/v1/callbacks/{cb}/outcome", headers=h, json={"outcome": "maybe"})
    assert bad.status_code == 400 and "outcome must be one of" in bad.get_json()["error"]
    not_json = client.post(f"/api/v1/callbacks/{cb}/outcome", headers=h, data="x")
    assert not_json.status_code == 400
    other = client.post(
        f"/api/v1/callbacks/{cb}/outcome", headers=world.headers("bert"), json={"outcome": "done"}
    )
    assert other.status_code == 409
    answer = client.post(
        f"/api/v1/callbacks/{cb}/outcome", headers=h, json={"outcome": "no_answer", "note": "AB"}
    )
    assert answer.status_code == 200
    body = answer.get_json()
    assert (body["status"], body["attempts"], body["due_at"]) == (
        "due",
        1,
        "2026-11-30T10:15:00+01:00",
    )
    again = client.post(f"/api/v1/callbacks/{cb}/outcome", headers=h, json={"outcome": "done"})
    assert again.status_code == 409
    assert "cannot change from 'due' to 'done'" in again.get_json()["error"]


def test_unknown_api_path_is_json_404(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/nothing", headers=world.headers())
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_calls_tickets_and_contract_endpoints(client: FlaskClient, world: World) -> None:
    h = world.headers()
    assert client.get("/api/v1/calls", headers=h).get_json() == []
    assert client.get("/api/v1/tickets", headers=h).get_json() == []
    assert client.get("/api/v1/calls?limit=0", headers=h).status_code == 400
    contract = client.get("/api/v1/contracts/V-4711", headers=h)
    assert contract.status_code == 200
    assert contract.get_json()["customer_number"] == "4711"
    missing = client.get("/api/v1/contracts/V-0000", headers=h)
    assert missing.status_code == 404 and "error" in missing.get_json()
    assert client.get("/api/v1/contracts/V-4711").status_code == 401


def test_list_pages_with_limit_and_offset(
    client: FlaskClient, runner: FlaskCliRunner, world: World, clock: FixedClock
) -> None:
    for n in range(5):
        clock.advance(minutes=1)
        world.add_callback(phone=f"+49301234560{n}", category="technical")
    h = world.headers()
    everything = client.get("/api/v1/callbacks", headers=h).get_json()
    assert len(everything) == 5
    first = client.get("/api/v1/callbacks?limit=2", headers=h).get_json()
    rest = client.get("/api/v1/callbacks?limit=2&offset=2", headers=h).get_json()
    last = client.get("/api/v1/callbacks?limit=2&offset=4", headers=h).get_json()
    assert first + rest + last == everything
    assert len(last) == 1
    cli = runner.invoke(args=["callbacks", "list", "--json", "--limit", "2", "--offset", "2"])
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.output) == rest


def test_bad_page_arguments_are_400_json(client: FlaskClient, world: World) -> None:
    h = world.headers()
    for query in (
        "limit=0",
        "limit=1001",
        "limit=zwei",
        "limit=²",
        "offset=-1",
        "offset=" + "9" * 40,
    ):
        response = client.get(f"/api/v1/callbacks?{query}", headers=h)
        assert response.status_code == 400, query
        assert response.get_json()["error"].startswith(query.split("=")[0] + " must be")
    for query in ("limit=²", "limit=501"):
        response = client.get(f"/api/v1/tickets?{query}", headers=h)
        assert response.status_code == 400, query
        assert "limit must be a whole number from 1 to 500" in response.get_json()["error"]
