"""Input no view can use: ids beyond the databases' integers in every path parameter (fuzzed),
JSON nested deeper than the parser goes, bodies of many megabytes, notes of any length.
Never a 500; a 4xx that says what is wrong, in German, and nothing stored."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from hotline.accounts.agents import add_agent
from hotline.models import Callback, RemoteSession, Ticket, TicketNote
from hotline.notes import MAX_NOTE_CHARS
from hotline.tickets import open_ticket
from hotline.web.ui import is_machine_blueprint
from tests.callbacks.conftest import World
from tests.reliability.conftest import Figures, fuzz, signed_post
from tests.ui.conftest import PASSWORD, csrf_token, sign_in
from tests.ui.conftest import upload_dir as upload_dir  # noqa: F401 - fixture

BOSS = "chefin@hotline.example"


@pytest.fixture
def boss_id(session: Session, world: World) -> int:
    """A supervisor beside the world's agents."""
    boss = add_agent(session, email=BOSS, name="Chefin", phone="client:chefin",
                     now=world.rt.clock.now(), password=PASSWORD, supervisor=True)  # fmt: skip
    session.commit()
    return boss.id


@pytest.fixture
def supervisor_client(app: Flask, boss_id: int) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, BOSS).status_code == 302
    return client


FORM = {"CallSid": "CA" + "d" * 32, "From": "+49304412345"}

# What an attacker puts where an id belongs: beyond the id columns, negative, or no number.
odd_ids = (
    st.one_of(
        st.integers(min_value=2**62, max_value=2**200),
        st.integers(min_value=-(2**70), max_value=-1),
        st.integers(min_value=2**31 - 2, max_value=2**33),
        st.sampled_from([0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64]),
    ).map(str)
    | st.sampled_from(["9" * 5000, "0" * 30 + "1", "١٢٣", "²", "-0", "1e3"])
    | st.text(max_size=30)
)


def path_rules(app: Flask) -> list[tuple[str, str, list[str], str | None]]:
    """(method, rule, argument names, blueprint) of every route with a path parameter."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint == "static":
            continue
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, sorted(rule.arguments), blueprint))
    return sorted(found, key=lambda r: (r[1], r[0]))


def fill(rule: str, values: dict[str, str]) -> str:
    path = rule
    for name, value in values.items():
        for converter in ("int:", "path:", ""):
            path = path.replace(f"<{converter}{name}>", quote(value, safe=""))
    return path


def test_every_path_parameter_is_fuzzed(app: Flask) -> None:
    """The property below reaches every route with a path parameter there is."""
    rules = {rule for _, rule, _, _ in path_rules(app)}
    assert {"/tickets/<int:number>", "/agents/<int:agent_id>/password",
            "/api/v1/callbacks/<int:callback_id>/outcome",
            "/callbacks/<int:callback_id>/recording"} <= rules  # fmt: skip
    assert len(rules) >= 20, rules


@fuzz
@given(data=st.data())
def test_path_parameters_never_fail(
    app: Flask,
    client: FlaskClient,
    supervisor_client: FlaskClient,
    world: World,
    figures: Figures,
    data: st.DataObject,
) -> None:
    method, rule, arguments, blueprint = data.draw(st.sampled_from(path_rules(app)), label="route")
    path = fill(rule, {name: data.draw(odd_ids, label=name) for name in arguments})
    with app.test_request_context():
        machine = is_machine_blueprint(blueprint)
    if path.startswith("/voice/"):
        response = signed_post(client, path, FORM)
    elif machine:
        response = client.open(path, method=method, headers=world.headers(), json={})
    else:
        form = {"csrf_token": csrf_token(supervisor_client, "/tickets")}
        response = supervisor_client.open(path, method=method, data=form)
    figures.input("path parameters (every route)", response.status_code)
    assert response.status_code < 500, (method, path, response.status_code)
    if path.startswith("/api/") and response.status_code >= 400:
        assert (response.get_json(silent=True) or {}).get("error"), response.data[:200]


def test_ids_beyond_the_id_columns_are_not_found(
    client: FlaskClient,
    supervisor_client: FlaskClient,
    world: World,
    figures: Figures,
) -> None:
    huge = 2**31  # beyond PostgreSQL's INTEGER; 2**63 and more are beyond SQLite's too
    attempts = [
        client.post(f"/api/v1/callbacks/{huge}/claim", headers=world.headers()),
        client.post(f"/api/v1/callbacks/{huge}/outcome", headers=world.headers(),
                    json={"outcome": "done"}),
        supervisor_client.get(f"/tickets/{huge}"),
        supervisor_client.get(f"/callbacks/{huge}/recording"),
        supervisor_client.post(f"/agents/{huge}/deactivate",
                               data={"csrf_token": csrf_token(supervisor_client, "/agents")}),
    ]  # fmt: skip
    for response in attempts:
        figures.attack("id of 2^31 in a path", response.status_code == 404)
        assert response.status_code == 404, response.data[:200]


# --- JSON and body size -------------------------------------------------------------------


def post_outcome(client: FlaskClient, world: World, callback_id: int, body: str | bytes) -> Any:
    """POST `body` as the JSON of a callback's outcome."""
    return client.post(
        f"/api/v1/callbacks/{callback_id}/outcome",
        data=body,
        headers=world.headers(),
        content_type="application/json",
    )


def test_deeply_nested_json_is_a_clear_400(
    client: FlaskClient, world: World, figures: Figures
) -> None:
    cb = world.add_callback()
    client.post(f"/api/v1/callbacks/{cb}/claim", headers=world.headers())
    for body in ("[" * 100_000, '{"note": ' + "[" * 50_000 + "]" * 50_000 + "}"):
        response = post_outcome(client, world, cb, body)
        figures.attack("API: deeply nested JSON", response.status_code == 400)
        assert response.status_code == 400, response.data[:300]
        assert response.get_json()["error"]
    assert world.get(cb).status == "claimed"


def test_bodies_beyond_the_limit_are_refused_unread(
    client: FlaskClient,
    supervisor_client: FlaskClient,
    world: World,
    session: Session,
    figures: Figures,
) -> None:
    cb = world.add_callback()
    big = b'{"outcome": "done", "note": "' + b"x" * (30 * 1024 * 1024) + b'"}'
    response = post_outcome(client, world, cb, big)
    figures.attack("API: 30 MB JSON body", response.status_code == 413)
    assert response.status_code == 413
    assert "zu groß" in response.get_json()["error"]
    form = {"csrf_token": csrf_token(supervisor_client, "/tickets"), "text": "x" * (2 * 1024**2)}
    response = supervisor_client.post("/tickets/1/notes", data=form)
    figures.attack("UI: 2 MB form", response.status_code == 413)
    assert response.status_code == 413
    assert "Die Anfrage ist zu groß" in response.get_data(as_text=True)


def test_the_import_still_takes_files_beyond_the_general_limit(
    supervisor_client: FlaskClient,
    upload_dir: Any,  # noqa: F811
) -> None:
    content = b"customer_number\n" + b"4711\n" * (2 * 1024 * 1024)  # 10 MB, wrong columns
    token = csrf_token(supervisor_client, "/import")
    response = supervisor_client.post(
        "/import", data={"csrf_token": token, "file": (BytesIO(content), "kunden.csv")}
    )
    assert response.status_code == 422, response.status_code
    assert "Spalte" in response.get_data(as_text=True) or "Zeile" in response.get_data(as_text=True)


# --- notes -----------------------------------------------------------------------------------


def test_api_notes_beyond_2000_characters_are_refused(
    client: FlaskClient, world: World, figures: Figures
) -> None:
    cb = world.add_callback()
    assert client.post(f"/api/v1/callbacks/{cb}/claim", headers=world.headers()).status_code == 200
    for size in (MAX_NOTE_CHARS + 1, 5 * 1024 * 1024 // 10):
        response = client.post(
            f"/api/v1/callbacks/{cb}/outcome",
            json={"outcome": "done", "note": "x" * size},
            headers=world.headers(),
        )
        figures.attack("API: note beyond 2,000 characters", response.status_code == 400)
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert "zu lang" in error and f"{size} Zeichen" in error and "2000" in error
    stored = world.get(cb)
    assert stored.status == "claimed" and stored.note == ""
    response = client.post(
        f"/api/v1/callbacks/{cb}/outcome",
        json={"outcome": "done", "note": "y" * MAX_NOTE_CHARS},
        headers=world.headers(),
    )
    assert response.status_code == 200
    assert "y" * MAX_NOTE_CHARS in world.get(cb).note


@pytest.fixture
def ticket(session: Session, world: World) -> Ticket:
    opened = open_ticket(
        session,
        now=world.rt.clock.now(),
        contract_id=world.contract_id,
        station_id=world.station_id,
        category="technical",
    )
    session.commit()
    return opened


def test_ui_notes_beyond_2000_characters_are_refused(
    supervisor_client: FlaskClient,
    session: Session,
    world: World,
    ticket: Ticket,
    boss_id: int,
    figures: Figures,
) -> None:
    too_long = "ä" * (MAX_NOTE_CHARS + 1)
    url = f"/tickets/{ticket.number}"

    def post(path: str, **data: str) -> Any:
        token = csrf_token(supervisor_client, url)
        return supervisor_client.post(path, data={"csrf_token": token, **data})

    post(f"{url}/remote")
    remote = session.query(RemoteSession).one()
    cb = world.add_callback()
    with world.rt.sessions() as s, s.begin():
        claimed = s.get(Callback, cb)
        assert claimed is not None
        claimed.status, claimed.claimed_by_id = "claimed", boss_id
    for what, response in (
        ("ticket note", post(f"{url}/notes", text=too_long)),
        ("remote maintenance note", post(f"{url}/remote/{remote.id}/end", note=too_long)),
        ("callback note", post(f"/callbacks/{cb}/outcome", outcome="done", note=too_long)),
    ):
        figures.attack(f"UI: {what} beyond 2,000 characters", response.status_code == 400)
        assert response.status_code == 400, (what, response.status_code)
        text = response.get_data(as_text=True)
        assert "Die Notiz ist zu lang: 2001 Zeichen" in text, what
    session.expire_all()
    assert session.query(TicketNote).count() == 0
    assert session.get(RemoteSession, remote.id).ended_at is None  # type: ignore[union-attr]
    assert world.get(cb).status == "claimed"
