"""`hotline call`: play a call against the IVR and print what the caller hears."""

from __future__ import annotations

import os
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from hotline.clock import FixedClock
from hotline.runtime import runtime
from ivr_flows.cli_busy import busy_agents, play_with_busy_agents
from ivr_flows.walker import DIAL_RESULTS, FlaskTransport, HttpTransport, Transport, Walker


def _at(value: str | None, zone: object) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date-time like 2026-11-30T10:15") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)  # type: ignore[arg-type]


def _ask(question: str) -> str:
    try:
        return str(click.prompt(f"  {question}", default="", show_default=False))
    except (click.Abort, EOFError):
        return ""


@click.command("call")
@click.option(
    "--from",
    "caller",
    required=True,
    help='The caller\'s number as Twilio sends it, or "anonymous".',
)
@click.option("--at", "at_text", help="Pin the clock for this call (ISO, local time if no offset).")
@click.option("--digits", help='Keys for each prompt in order, e.g. "1,2,#" (empty = no input).')
@click.option(
    "--url", "base_url", help="Call a running hotline at this base URL instead of in-process."
)
@click.option(
    "--dial-result",
    type=click.Choice(DIAL_RESULTS),
    default="completed",
    show_default=True,
    help="What happens when agents are rung.",
)
@click.option(
    "--busy",
    multiple=True,
    metavar="EMAIL",
    help='An agent who is on another call meanwhile (repeatable; "all": every agent on duty).',
)
@click.option(
    "--wait-loops",
    type=click.IntRange(0, 50),
    default=2,
    show_default=True,
    help="Loops of the hold music before the busy agents' calls end (and the caller is "
    "taken out of the queue, or hangs up when nobody is free).",
)
@with_appcontext
def call_command(
    caller: str,
    at_text: str | None,
    digits: str | None,
    base_url: str | None,
    dial_result: str,
    busy: tuple[str, ...],
    wait_loops: int,
) -> None:
    """Play a call as a caller hears it, following the TwiML as Twilio would."""
    rt = runtime()
    if busy and base_url:
        raise click.UsageError("--busy works in-process only, not with --url")
    at = _at(at_text, rt.calendar.zone)
    keys = digits.split(",") if digits is not None else None
    transport: Transport
    if base_url:
        if at is not None:
            click.echo(
                "note: --at only pins the clock in-process; the server keeps its own", err=True
            )
        transport = HttpTransport(
            os.environ.get("TWILIO_AUTH_TOKEN") or rt.settings.twilio_auth_token
        )
        base = base_url.rstrip("/")
    else:
        transport = FlaskTransport(current_app, rt.settings.twilio_auth_token)
        base = rt.settings.public_url or "http://localhost"
    walker = Walker(
        transport,
        base,
        caller,
        to=rt.settings.hotline_number or "",
        keys=keys,
        ask=None if keys is not None else _ask,
        dial_result=dial_result,
        echo=click.echo,
        wait_loops=wait_loops,
    )
    previous = rt.clock
    if at is not None and not base_url:
        rt.clock = FixedClock(at)
    try:
        if base_url:
            walker.run()
            if walker.paused is not None:  # still waiting: nobody here takes the caller out
                walker.hang_up()
        else:
            with busy_agents(rt, busy) as agent_ids:
                play_with_busy_agents(rt, walker, agent_ids, click.echo)
    finally:
        rt.clock = previous
