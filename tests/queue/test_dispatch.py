"""Taking waiting callers out of Twilio's queue: exactly once, retried, skipped when gone."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from callback.queue import presence, waiting
from callback.queue.dispatch import Dispatcher, dispatch
from hotline.models import Agent, QueueEntry, table_of
from hotline.runtime import Runtime
from ivr_flows.walker import FlaskTransport
from tests.factories import make_agent
from tests.queue.conftest import ANNA, PUBLIC_URL, Line
from tests.twilio_standin import TwilioStub

QUEUE_SID = "QU" + "7" * 32


def waiting_callers(rt: Runtime, count: int, *, category: str = "technical") -> list[str]:
    """`count` callers waiting in Twilio's queue, a second apart."""
    sids = []
    with rt.engine.begin() as conn:
        for n in range(count):
            sid = f"CA{n + 1:032x}"
            waiting.offer(
                conn,
                call_sid=sid,
                call_id=None,
                contract_id=None,
                category=category,
                now=rt.clock.now() + timedelta(seconds=n),
                queued=True,
            )
            waiting.on_wait(conn, sid, QUEUE_SID, rt.clock.now())
            sids.append(sid)
    return sids


def busy_agents(session: Session, count: int, rt: Runtime) -> list[Agent]:
    """`count` agents on duty, each talking to a caller since now."""
    agents = [make_agent(session, f"Agent{n}", f"+491511111110{n}") for n in range(count)]
    for n, agent in enumerate(agents):
        agent.busy_call_sid, agent.busy_since = f"CAbusy{n}", rt.clock.now()
    session.commit()
    return agents


def free(rt: Runtime, agents: list[Agent]) -> None:
    with rt.engine.begin() as conn:
        for agent in agents:
            assert agent.busy_call_sid is not None
            presence.free_agents_of(conn, agent.busy_call_sid)


def statuses(session: Session) -> dict[str, str]:
    session.expire_all()
    return {e.call_sid: e.status for e in session.scalars(select(QueueEntry))}


def test_two_workers_freeing_agents_at_once_take_each_caller_once(
    rt: Runtime, twilio_stub: TwilioStub, session: Session
) -> None:
    callers = waiting_callers(rt, 6)
    agents = busy_agents(session, 4, rt)
    taken: list[str] = []
    lock = threading.Lock()

    def take(queue_sid: str, call_sid: str, url: str) -> None:
        time.sleep(0.01)  # Twilio's round trip: the other worker runs meanwhile
        with lock:
            taken.append(call_sid)

    start = threading.Barrier(4)

    def worker(mine: list[Agent]) -> None:
        start.wait()
        free(rt, mine)
        dispatch(rt, take)

    threads = [threading.Thread(target=worker, args=([a],)) for a in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    dispatch(rt, take)  # a last round finds nothing more to do
    assert sorted(taken) == callers[:4]  # the four longest waiting, each once
    assert sorted(statuses(session).values()) == ["connecting"] * 4 + ["waiting"] * 2
    session.expire_all()
    reserved = sorted(a.reserved_for or "" for a in session.scalars(select(Agent)))
    assert reserved == callers[:4]  # every agent reserved for exactly one caller


def test_a_rest_failure_keeps_the_caller_waiting_and_the_next_round_takes_them(
    rt: Runtime, twilio_stub: TwilioStub, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    [caller] = waiting_callers(rt, 1)
    free(rt, busy_agents(session, 1, rt))
    twilio_stub.member_status = 503
    with caplog.at_level(logging.WARNING, "callback.queue.dispatch"):
        failed = dispatch(rt)
    assert [c.call_sid for c in failed.failed] == [caller]
    assert "stays waiting" in caplog.text and "503" in caplog.text
    session.expire_all()
    row = session.scalars(select(QueueEntry)).one()
    assert (row.status, row.rest_failures, row.agent_id) == ("waiting", 1, None)
    assert "503" in (row.last_error or "")
    assert session.scalars(select(Agent)).one().reserved_for is None  # free for the retry

    twilio_stub.member_status = 200
    assert [c.call_sid for c in dispatch(rt).taken] == [caller]
    assert [sid for sid, _ in twilio_stub.members] == [caller]
    assert statuses(session) == {caller: "connecting"}


def test_twilio_unreachable_is_a_failure_like_any_other(
    rt: Runtime, twilio_stub: TwilioStub, session: Session
) -> None:
    waiting_callers(rt, 1)
    free(rt, busy_agents(session, 1, rt))
    object.__setattr__(rt.settings, "twilio_api_base_url", "http://127.0.0.1:9")
    assert len(dispatch(rt).failed) == 1
    assert "unreachable" in (session.scalars(select(QueueEntry)).one().last_error or "")


def test_a_caller_who_hung_up_meanwhile_is_skipped(
    rt: Runtime, twilio_stub: TwilioStub, session: Session
) -> None:
    first, second = waiting_callers(rt, 2)
    free(rt, busy_agents(session, 1, rt))
    twilio_stub.gone.add(first)
    result = dispatch(rt)
    assert [c.call_sid for c in result.gone] == [first]
    assert [c.call_sid for c in result.taken] == [second]
    assert statuses(session) == {first: "abandoned", second: "connecting"}


def test_an_agent_whose_end_of_call_never_came_is_free_after_the_setting(
    rt: Runtime, twilio_stub: TwilioStub, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    [caller] = waiting_callers(rt, 1)
    [stuck] = busy_agents(session, 1, rt)
    agents = table_of(Agent)
    with rt.engine.begin() as conn:
        conn.execute(update(agents).values(busy_since=rt.clock.now() - timedelta(minutes=59)))
    assert dispatch(rt).taken == []
    rt.clock.advance(minutes=2)  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, "callback.queue.presence"):
        assert [c.call_sid for c in dispatch(rt).taken] == [caller]
    assert f"agent {stuck.id} ({stuck.email}) busy with CAbusy0 for more than 60 minutes" in (
        caplog.text
    )


def test_the_dispatcher_thread_takes_a_caller_soon_after_an_agent_is_free(
    rt: Runtime, twilio_stub: TwilioStub, session: Session
) -> None:
    [caller] = waiting_callers(rt, 1)
    agents = busy_agents(session, 1, rt)
    dispatcher = Dispatcher(rt, interval=0.05).start()
    try:
        time.sleep(0.2)
        assert twilio_stub.members == []
        free(rt, agents)
        deadline = time.monotonic() + 5
        while not twilio_stub.members and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        dispatcher.stop()
    assert [sid for sid, _ in twilio_stub.members] == [caller]


def test_repeated_wait_requests_answer_the_same_and_announce_once(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    for s in ("1", "2"):
        line.caller(s, ["2"], stay=True).run()
    caller = line.caller("3", ["2"], wait_loops=1)
    caller.run()
    first = next(e for e in caller.walk.exchanges if e.url.endswith("/voice/queue/wait"))
    transport = FlaskTransport(line.app, line.rt.settings.twilio_auth_token)
    status, body = transport.post(first.url, first.params)
    assert (status, body) == (200, first.body)  # Twilio's retry: the same TwiML
    mine = QueueEntry.call_sid == caller.walk.call_sid
    announced = session.scalars(select(QueueEntry.announced_at).where(mine)).one()
    line.rt.clock.advance(seconds=30)  # type: ignore[attr-defined]
    caller.resume(wait_loops=1)  # the next loop, within 60 s: no position
    assert caller.walk.heard().count("Position 1") == 1
    session.expire_all()
    assert session.scalars(select(QueueEntry.announced_at).where(mine)).one() == announced


def test_a_call_that_ended_without_its_dial_result_frees_its_agent_on_the_sweep(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    talking = line.caller("1", ["2"], stay=True)
    talking.run()
    assert session.scalars(select(Agent.busy_call_sid).where(Agent.phone == ANNA)).one()
    # The Dial action is lost (Twilio gave up on it); the status callback arrives.
    form = talking._params({"CallStatus": "completed", "CallDuration": "300"})
    assert (
        FlaskTransport(line.app, line.rt.settings.twilio_auth_token).post(
            PUBLIC_URL + "/voice/status", form
        )[0]
        == 200
    )
    dispatch(line.rt)
    session.expire_all()
    assert session.scalars(select(Agent.busy_call_sid).where(Agent.phone == ANNA)).one() is None
    row = session.scalars(select(QueueEntry)).one()
    assert (row.status, row.ended_at) == ("answered", line.rt.clock.now())


def test_the_dispatcher_thread_retries_a_failed_dequeue_without_hammering_twilio(
    rt: Runtime, twilio_stub: TwilioStub, session: Session
) -> None:
    [caller] = waiting_callers(rt, 1)
    free(rt, busy_agents(session, 1, rt))
    twilio_stub.member_status = 500
    dispatcher = Dispatcher(rt, interval=0.01, retry_after=0.5).start()
    try:
        time.sleep(1.2)
        failures = len(twilio_stub.requests)
        twilio_stub.member_status = 200
        deadline = time.monotonic() + 5
        while not twilio_stub.members and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        dispatcher.stop()
    assert 1 <= failures <= 4  # every 0.5 s, not every tick of 0.01 s
    assert [sid for sid, _ in twilio_stub.members] == [caller]
    assert statuses(session) == {caller: "connecting"}
