"""`hotline call --busy`: agents talking to simulated callers, so the queue can be tried.

The named agents are busy (as if they had answered other calls) while the call plays;
after `--wait-loops` loops of the hold music their calls end, the queue's dispatcher
takes the caller out as Twilio's REST API would (without Twilio: the URL goes straight
to the walker), and the caller is put through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from sqlalchemy import select, update

from callback.queue.dispatch import dispatch
from hotline.models import Agent, table_of
from hotline.runtime import Runtime
from ivr_flows.walker import Walker
from ivr_flows.walker_queue import Waiting

AGENTS = table_of(Agent)
SIMULATED = "CAsimulated"  # the CallSid prefix of the simulated callers


@contextmanager
def busy_agents(rt: Runtime, emails: tuple[str, ...]) -> Iterator[list[int]]:
    """Mark the agents (e-mail addresses, or "all" on duty) busy; undone at the end."""
    if not emails:
        yield []
        return
    with rt.engine.begin() as conn:
        query = select(AGENTS.c.id, AGENTS.c.email).where(AGENTS.c.busy_call_sid.is_(None))
        if "all" in emails:
            query = query.where(AGENTS.c.available, AGENTS.c.active)
        else:
            query = query.where(AGENTS.c.email.in_([e.strip().lower() for e in emails]))
        rows = conn.execute(query).all()
        known = {email for _, email in rows}
        unknown = [e for e in emails if e != "all" and e.strip().lower() not in known]
        if unknown:
            names = ", ".join(unknown)
            raise click.BadParameter(f"no free agent with e-mail {names}", param_hint="--busy")
        for agent_id, _ in rows:
            conn.execute(
                update(AGENTS)
                .where(AGENTS.c.id == agent_id)
                .values(busy_call_sid=f"{SIMULATED}{agent_id}", busy_since=rt.clock.now())
            )
    try:
        yield [agent_id for agent_id, _ in rows]
    finally:
        _end_calls(rt, [agent_id for agent_id, _ in rows])


def _end_calls(rt: Runtime, agent_ids: list[int]) -> None:
    with rt.engine.begin() as conn:
        for agent_id in agent_ids:
            conn.execute(
                update(AGENTS)
                .where(AGENTS.c.id == agent_id, AGENTS.c.busy_call_sid == f"{SIMULATED}{agent_id}")
                .values(busy_call_sid=None, busy_since=None)
            )


def play_with_busy_agents(
    rt: Runtime, walker: Walker, agent_ids: list[int], echo: Callable[[str], None]
) -> None:
    """Play the call; once it waits, the simulated calls end and the queue takes it out
    (or, with nobody free, the caller hangs up)."""
    taken: dict[str, str] = {}
    walker.dequeued = lambda sid: taken.pop(sid, None)
    walker.run()
    if not isinstance(walker.paused, Waiting):
        return
    if agent_ids:
        echo("  [Die Agenten beenden ihre Gespräche]")
        _end_calls(rt, agent_ids)
    dispatch(rt, lambda _queue, sid, url: taken.__setitem__(sid, url))
    if walker.walk.call_sid in taken:
        walker.resume()
    else:
        echo("  [niemand frei geworden]")
        walker.hang_up()
