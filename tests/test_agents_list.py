"""`hotline agents list [--json]`: the team as the operator sees it."""

from __future__ import annotations

import json

from flask.testing import FlaskCliRunner
from sqlalchemy import select

from callback.queue.presence import agent_busy
from hotline.models import Agent
from hotline.runtime import Runtime


def _add(runner: FlaskCliRunner, email: str, name: str, phone: str, *flags: str) -> None:
    result = runner.invoke(args=["agents", "add", email, "--name", name, "--phone", phone, *flags])
    assert result.exit_code == 0, result.output


def test_agents_list_as_json_and_as_a_table(rt: Runtime, runner: FlaskCliRunner) -> None:
    empty = runner.invoke(args=["agents", "list", "--json"])
    assert empty.exit_code == 0 and json.loads(empty.output) == []
    assert "no agents yet" in runner.invoke(args=["agents", "list"]).output

    _add(runner, "zoe@kassen.example", "Zoë Weiß", "030 1234567", "--supervisor")
    _add(runner, "bert@kassen.example", "Bert Braun", "client:bert")
    assert runner.invoke(args=["agents", "available", "bert@kassen.example", "on"]).exit_code == 0

    listed = runner.invoke(args=["agents", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output) == [
        {
            "email": "bert@kassen.example",
            "name": "Bert Braun",
            "phone": "client:bert",
            "supervisor": False,
            "available": True,
            "busy": False,
            "active": True,
        },
        {
            "email": "zoe@kassen.example",
            "name": "Zoë Weiß",
            "phone": "+49301234567",
            "supervisor": True,
            "available": False,
            "busy": False,
            "active": True,
        },
    ]

    table = runner.invoke(args=["agents", "list"]).output.splitlines()
    assert table[0].split() == ["EMAIL", "NAME", "PHONE", "SUPERVISOR", "AVAILABLE", "BUSY"]
    assert table[1].split() == [
        "bert@kassen.example",
        "Bert",
        "Braun",
        "client:bert",
        "no",
        "yes",
        "no",
    ]
    assert table[2].split() == [
        "zoe@kassen.example",
        "Zoë",
        "Weiß",
        "+49301234567",
        "yes",
        "no",
        "no",
    ]
    # Answering a call (the live queue's presence) makes the agent busy in the list.
    with rt.engine.begin() as conn:
        bert = conn.scalar(select(Agent.id).where(Agent.email == "bert@kassen.example"))
        assert bert is not None
        agent_busy(conn, bert, "CA" + "1" * 32, rt.clock.now())
    busy = json.loads(runner.invoke(args=["agents", "list", "--json"]).output)
    assert [(a["email"], a["busy"]) for a in busy] == [
        ("bert@kassen.example", True),
        ("zoe@kassen.example", False),
    ]
    # The columns line up: every row's phone starts where the header's PHONE does.
    at = table[0].index("PHONE")
    assert table[1][at:].startswith("client:bert") and table[2][at:].startswith("+4930")
