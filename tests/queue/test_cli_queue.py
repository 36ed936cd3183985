"""`hotline call --busy`: the queue tried locally, with agents busy on simulated calls."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Agent, QueueEntry
from tests.queue.conftest import ANNA, STATIONS, Line


def test_call_with_busy_agents_waits_then_reaches_the_first_free_agent(
    line: Line, two_agents: list[Agent], runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(
        args=["call", "--from", STATIONS["1"][0], "--digits", "1", "--busy", "all"]
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Sie sind an Position 1 der Warteschlange." in out
    assert out.count("Sie behalten Ihren Platz in der Warteschlange.") == 2  # two loops
    assert "[Die Agenten beenden ihre Gespräche]" in out
    assert f"[Es klingelt bei: {ANNA}]" in out  # one agent, taken out for her
    assert "Ansage für den Agenten: Hotline-Anruf von Bäckerei Müller" in out
    assert out.rstrip().endswith("[aufgelegt]")
    session.expire_all()
    assert [a.busy_call_sid for a in session.scalars(select(Agent))] == [None, None]
    assert session.scalars(select(QueueEntry.status)).all() == ["answered"]


def test_call_with_busy_agents_and_key_1_leaves_a_callback(
    line: Line, two_agents: list[Agent], runner: FlaskCliRunner
) -> None:
    result = runner.invoke(
        args=["call", "--from", STATIONS["1"][0], "--digits", "2,1,1,", "--busy", "all"]
    )
    assert result.exit_code == 0, result.output
    assert "[verlässt die Warteschlange]" in result.output
    assert "Ihre Ticketnummer ist" in result.output


def test_call_busy_names_an_unknown_agent(line: Line, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["call", "--from", STATIONS["1"][0], "--digits", "1", "--busy", "x@example.de"]
    )
    assert result.exit_code == 2
    assert "--busy" in result.output and "x@example.de" in result.output


def test_call_while_every_agent_really_talks_hangs_up_after_the_loops(
    line: Line, two_agents: list[Agent], runner: FlaskCliRunner
) -> None:
    for station in ("1", "2"):
        line.caller(station, ["2"], stay=True).run()
    result = runner.invoke(
        args=["call", "--from", STATIONS["3"][0], "--digits", "2", "--wait-loops", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "Sie sind an Position 1 der Warteschlange." in result.output
    assert "[niemand frei geworden]" in result.output
    assert result.output.rstrip().endswith("[Anrufer legt auf]")
