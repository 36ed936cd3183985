"""Agents and API tokens through the command line."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlalchemy import select

from hotline.accounts.agents import agent_for_token
from hotline.accounts.secrets import check_password
from hotline.models import Agent, ApiToken
from hotline.runtime import Runtime
from ivr_flows.fastpath.call_row import available_phones


def test_add_agent_with_password_and_switch_availability(
    rt: Runtime, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(
        args=[
            "agents",
            "add",
            "Anna.Schulz@Kassen-Support.de",
            "--name",
            "Anna Schulz",
            "--phone",
            "0171 / 123 45 67",
            "--supervisor",
            "--password-stdin",
        ],
        input="ein-langes-passwort\n",
    )
    assert result.exit_code == 0, result.output
    with rt.sessions() as session:
        agent = session.scalars(select(Agent)).one()
        assert agent.email == "anna.schulz@kassen-support.de"
        assert agent.phone == "+491711234567"
        assert agent.supervisor and not agent.available
        assert agent.password_hash and "ein-langes-passwort" not in agent.password_hash
        assert check_password(agent.password_hash, "ein-langes-passwort")
        assert available_phones(session.connection()) == []

    assert (
        runner.invoke(args=["agents", "available", "anna.schulz@kassen-support.de", "on"]).exit_code
        == 0
    )
    with rt.sessions() as session:
        assert available_phones(session.connection()) == ["+491711234567"]


def test_agent_errors(runner: FlaskCliRunner) -> None:
    bad_phone = runner.invoke(args=["agents", "add", "a@b.de", "--name", "A", "--phone", "12"])
    assert bad_phone.exit_code == 1 and "not a valid phone number" in bad_phone.output
    ok = runner.invoke(args=["agents", "add", "a@b.de", "--name", "A", "--phone", "client:anna"])
    assert ok.exit_code == 0, ok.output
    twice = runner.invoke(args=["agents", "add", "a@b.de", "--name", "A", "--phone", "030 123456"])
    assert twice.exit_code == 1 and "exists already" in twice.output
    short = runner.invoke(
        args=[
            "agents",
            "add",
            "c@b.de",
            "--name",
            "C",
            "--phone",
            "030 123456",
            "--password-stdin",
        ],
        input="kurz\n",
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    unknown = runner.invoke(args=["agents", "available", "x@b.de", "on"])
    assert unknown.exit_code == 1 and "no agent with e-mail x@b.de" in unknown.output


def test_token_is_shown_once_and_stored_hashed(rt: Runtime, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["agents", "add", "a@b.de", "--name", "A", "--phone", "030 123456"])
    result = runner.invoke(args=["tokens", "create", "a@b.de"])
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("hl_") and len(token) > 40
    with rt.sessions() as session:
        stored = session.scalars(select(ApiToken)).one()
        assert token not in stored.token_hash
        agent = agent_for_token(session, token, rt.clock.now())
        assert agent is not None and agent.email == "a@b.de"
        assert agent_for_token(session, token + "x", rt.clock.now()) is None
