"""Taking the next waiting caller out of Twilio's queue for an agent who became free.

Exactly once, with any number of dispatchers (web workers, hosts, a standby scheduler):
the waiting row and the agent are claimed together by conditional UPDATEs in one
transaction, so of two dispatchers that chose the same caller or agent one changes no
row and tries again. Twilio is asked only after that commit:
`POST /2010-04-01/Accounts/{AccountSid}/Queues/{QueueSid}/Members/{CallSid}.json` with
`Url` = the webhook that dials that agent. A REST failure puts the caller back to
waiting (logged) for the next round; a caller Twilio no longer has (hung up) is skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from sqlalchemy import Connection, update
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from callback.outbound import twilio_message
from callback.queue import presence, waiting
from callback.twilio_rest import TwilioNotConfigured, rest_client
from hotline.runtime import Runtime
from ivr_flows.queue_steps import connect
from ivr_flows.registry import url_of

log = logging.getLogger(__name__)

# (QueueSid, CallSid, Url): take the caller out of the queue to that TwiML.
Dequeue = Callable[[str, str, str], None]
# A reservation outlives the ring by this much: Twilio fetches the URL, then rings.
RESERVE_SLACK = timedelta(seconds=30)
# Rounds of the dispatcher thread per sweep: the sweep catches what webhooks missed.
SWEEP_EVERY = 10
# Seconds before the next round after a round that failed.
RETRY_AFTER_FAILURE = 2.0
# How many callers one round hands out at most (the rest in the next round).
MAX_PER_ROUND = 50


@dataclass(frozen=True)
class Claim:
    entry_id: int
    call_sid: str
    queue_sid: str
    agent_id: int
    language: str | None = None  # the caller's, when they switched to the other one


@dataclass
class Round:
    """What one dispatch round did."""

    taken: list[Claim] = field(default_factory=list)
    failed: list[Claim] = field(default_factory=list)
    gone: list[Claim] = field(default_factory=list)


def connect_url(rt: Runtime, claim: Claim) -> str:
    """The webhook that dials the claimed agent for the caller (ivr_flows/queue_steps.py),
    in the caller's language."""
    return url_of(
        rt.settings, connect, agent=claim.agent_id, entry=claim.entry_id, lang=claim.language
    )


def rest_dequeue(client: Client) -> Dequeue:
    """The Twilio REST call: Queue Members update with Url and Method=POST."""

    def take(queue_sid: str, call_sid: str, url: str) -> None:
        client.queues(queue_sid).members(call_sid).update(url=url, method="POST")

    return take


def claim_next(conn: Connection, now: datetime, ring_seconds: int) -> Claim | None | bool:
    """Claim the next waiting caller and a free agent for them, in `conn`'s transaction.

    None: nothing to do. False: another dispatcher was quicker (roll back, try again).
    """
    head = waiting.next_waiting(conn)
    if head is None or head.queue_sid is None:
        return None
    free = presence.free_agent_ids(conn)
    # Free agents first serve the callbacks that kept a place ahead of this caller.
    ahead = waiting.callbacks_ahead(conn, head.priority, head.offered_at)
    if len(free) <= ahead:
        return None
    agent_id = free[ahead]
    taken = conn.execute(
        update(waiting.ENTRIES)
        .where(waiting.ENTRIES.c.id == head.id, waiting.ENTRIES.c.status == waiting.WAITING)
        .values(status=waiting.CONNECTING, agent_id=agent_id, dequeued_at=now)
    ).rowcount
    if taken != 1:
        return False
    until = now + timedelta(seconds=ring_seconds) + RESERVE_SLACK
    if not presence.reserve(conn, agent_id, head.call_sid, until):
        return False
    return Claim(head.id, head.call_sid, head.queue_sid, agent_id, head.language)


def sweep(rt: Runtime) -> None:
    """What the webhooks may have missed: agents and entries of calls that are over, agents
    whose end of call never came, reservations whose ring is over."""
    now = rt.clock.now()
    with rt.engine.begin() as conn:
        presence.release_stale(conn, now, rt.settings.queue.max_call_minutes)
        waiting.close_ended(conn, now)


def dispatch(rt: Runtime, dequeue: Dequeue | None = None, *, swept: bool = True) -> Round:
    """One round: the sweep (unless `swept` is False), then hand waiting callers to free
    agents until either runs out or Twilio fails (the next round tries again)."""
    result = Round()
    if swept:
        sweep(rt)
    take = dequeue
    for _ in range(MAX_PER_ROUND):
        claim = _claim(rt)
        if claim is None:
            break
        if take is None:
            try:
                take = rest_dequeue(rest_client(rt.settings))
            except TwilioNotConfigured as exc:
                _back_to_waiting(rt, claim, str(exc))
                result.failed.append(claim)
                break
        outcome = _take_out(rt, claim, take)
        getattr(result, outcome).append(claim)
        if outcome == "failed":
            break
    return result


def _claim(rt: Runtime) -> Claim | None:
    for _ in range(5):
        with rt.engine.connect() as conn, conn.begin() as tx:
            claim = claim_next(conn, rt.clock.now(), rt.settings.ring_timeout_seconds)
            if isinstance(claim, Claim) or claim is None:
                return claim
            tx.rollback()
    return None


def _take_out(rt: Runtime, claim: Claim, take: Dequeue) -> str:
    """Ask Twilio; "taken", "gone" (the caller is no longer queued) or "failed"."""
    try:
        take(claim.queue_sid, claim.call_sid, connect_url(rt, claim))
    except TwilioRestException as exc:
        if exc.status == 404:
            _gone(rt, claim)
            return "gone"
        _back_to_waiting(rt, claim, f"Twilio {exc.status}: {twilio_message(exc)}")
        return "failed"
    except requests.RequestException as exc:
        _back_to_waiting(rt, claim, f"Twilio is unreachable: {type(exc).__name__}")
        return "failed"
    except TwilioException as exc:
        _back_to_waiting(rt, claim, str(exc))
        return "failed"
    log.info("queue: caller %s taken out for agent %s", claim.call_sid, claim.agent_id)
    return "taken"


def _back_to_waiting(rt: Runtime, claim: Claim, reason: str) -> None:
    log.warning("queue: caller %s not taken out (%s); stays waiting", claim.call_sid, reason)
    entries = waiting.ENTRIES
    with rt.engine.begin() as conn:
        conn.execute(
            update(entries)
            .where(entries.c.id == claim.entry_id, entries.c.status == waiting.CONNECTING)
            .values(
                status=waiting.WAITING,
                agent_id=None,
                dequeued_at=None,
                rest_failures=entries.c.rest_failures + 1,
                last_error=reason[:500],
            )
        )
        presence.release(conn, claim.agent_id, claim.call_sid)


def _gone(rt: Runtime, claim: Claim) -> None:
    log.info("queue: caller %s has left Twilio's queue; skipped", claim.call_sid)
    with rt.engine.begin() as conn:
        waiting.set_status(conn, claim.call_sid, waiting.ABANDONED, rt.clock.now())
        presence.release(conn, claim.agent_id, claim.call_sid)


class Dispatcher:
    """Runs `dispatch` every `interval` seconds (and at once when woken) in a thread; after
    a round that failed, `retry_after` seconds."""

    def __init__(
        self,
        rt: Runtime,
        interval: float = 0.1,
        dequeue: Dequeue | None = None,
        retry_after: float = RETRY_AFTER_FAILURE,
    ):
        self.rt = rt
        self.interval = interval
        self.retry_after = retry_after
        self.dequeue = dequeue
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Dispatcher:
        """Start the thread (a daemon: it holds nothing a restart would lose)."""
        self._thread = threading.Thread(target=self._run, name="hotline-queue", daemon=True)
        self._thread.start()
        return self

    def wake(self) -> None:
        """Run a round now instead of at the next tick."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def _run(self) -> None:
        take = self.dequeue
        rounds = 0
        while not self._stop.is_set():
            try:
                if take is None and self.rt.settings.twilio_auth_token:
                    # One client for the thread: its HTTP session keeps the connection open.
                    take = rest_dequeue(rest_client(self.rt.settings))
                rounds += 1
                failed = bool(dispatch(self.rt, take, swept=rounds % SWEEP_EVERY == 1).failed)
            except Exception:  # the next tick tries again; the rows say what is open
                log.exception("queue dispatch round failed")
                failed = True
            # Twilio or the database failing: try again, but not ten times a second.
            self._wake.wait(self.retry_after if failed else self.interval)
            self._wake.clear()
