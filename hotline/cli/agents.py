"""hotline agents add|available and hotline tokens create (list and revoke: tokens.py)."""

from __future__ import annotations

import sys

import click

from hotline.accounts.agents import AgentError, add_agent, create_token, set_available
from hotline.accounts.roster import agent_roster
from hotline.accounts.tokens import DEFAULT_DAYS, TokenError
from hotline.cli import HotlineError, cli, echo_json
from hotline.db import transaction
from hotline.runtime import runtime


@cli.group("agents")
def agents() -> None:
    """Add agents and switch their availability."""


@agents.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Full name, as callers and colleagues see it.")
@click.option("--phone", required=True, help="Number the hotline rings, or client:NAME.")
@click.option("--supervisor", is_flag=True, help="May manage agents, contracts and imports.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the web sign-in password from standard input."
)
def add(email: str, name: str, phone: str, supervisor: bool, password_stdin: bool) -> None:
    """Add an agent (not available until switched on)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            agent = add_agent(
                session,
                email=email,
                name=name,
                phone=phone,
                password=password,
                supervisor=supervisor,
                now=rt.clock.now(),
            )
            summary = f"agent {agent.email} added ({agent.phone})"
    except AgentError as exc:
        raise HotlineError(str(exc)) from None
    click.echo(summary)


@agents.command("available")
@click.argument("email")
@click.argument("state", type=click.Choice(["on", "off"]))
def available(email: str, state: str) -> None:
    """Switch whether incoming calls ring this agent."""
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            set_available(session, email, state == "on")
    except AgentError as exc:
        raise HotlineError(str(exc)) from None
    click.echo(f"agent {email} available: {state}")


@agents.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def list_agents(as_json: bool) -> None:
    """List the agents: e-mail, name, phone, supervisor, available, busy (on a call now)."""
    with runtime().sessions() as session:
        roster = agent_roster(session)
    if as_json:
        echo_json(roster)
        return
    if not roster:
        click.echo("no agents yet: hotline agents add EMAIL --name NAME --phone NUMBER")
        return
    yes_no = {True: "yes", False: "no"}
    rows = [("EMAIL", "NAME", "PHONE", "SUPERVISOR", "AVAILABLE", "BUSY")]
    for a in roster:
        name = a["name"] if a["active"] else f"{a['name']} (deactivated)"
        flags = (yes_no[a["supervisor"]], yes_no[a["available"]], yes_no[a["busy"]])
        rows.append((a["email"], name, a["phone"], *flags))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


@cli.group("tokens")
def tokens() -> None:
    """API tokens for the JSON API."""


@tokens.command("create")
@click.argument("email")
@click.option(
    "--expires",
    "days",
    type=int,
    default=DEFAULT_DAYS,
    show_default=True,
    help="Days until the token stops working.",
)
def create(email: str, days: int) -> None:
    """Print a new API token for the agent (shown once; only its hash is stored)."""
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            token = create_token(session, email, rt.clock.now(), days)
    except (AgentError, TokenError) as exc:
        raise HotlineError(str(exc)) from None
    click.echo(token)
