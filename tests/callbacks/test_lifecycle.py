"""States and transitions, retries across closing time and weekends, order, joins."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select

from callback.lifecycle import (
    CALLING,
    CLAIMED,
    DUE,
    QUEUED,
    STATES,
    TRANSITIONS,
    IllegalTransition,
    NotYours,
    attempt_failed,
    can_move,
    claim,
    move,
    open_callbacks,
    record_outcome,
    retry_at,
    start_calling,
)
from callback.release import release_due
from hotline.clock import FixedClock
from hotline.models import Callback
from tests.callbacks.conftest import World
from tests.conftest import berlin

LEGAL = {
    ("queued", "due"),
    ("queued", "cancelled"),
    ("due", "claimed"),
    ("due", "calling"),
    ("due", "cancelled"),
    ("claimed", "calling"),
    ("claimed", "due"),
    ("claimed", "done"),
    ("claimed", "failed"),
    ("claimed", "cancelled"),
    ("calling", "claimed"),
    ("calling", "due"),
    ("calling", "done"),
    ("calling", "failed"),
    ("calling", "cancelled"),
}


@pytest.mark.parametrize("current,target", list(itertools.product(STATES, STATES)))
def test_every_pair_of_states_is_allowed_or_refused_as_designed(current: str, target: str) -> None:
    cb = Callback(id=7, status=current)
    now = berlin(2026, 11, 30, 10, 0)
    if (current, target) in LEGAL:
        move(cb, target, now)
        assert cb.status == target
    else:
        with pytest.raises(IllegalTransition, match=f"from '{current}' to '{target}'"):
            move(cb, target, now)
        assert cb.status == current


def test_final_states_have_no_way_out() -> None:
    for final in ("done", "failed", "cancelled"):
        assert TRANSITIONS[final] == frozenset()
        assert not can_move(final, "due")


def test_request_while_closed_is_queued_until_the_next_opening(
    world: World, clock: FixedClock
) -> None:
    clock.set(berlin(2026, 12, 4, 19, 0))  # Friday evening
    cb = world.get(world.add_callback())
    assert cb.status == QUEUED
    assert cb.due_at == berlin(2026, 12, 7, 9, 0)  # Monday 09:00
    assert release_due(world.rt.engine, clock.now()) == 0
    clock.set(berlin(2026, 12, 7, 9, 0))
    assert release_due(world.rt.engine, clock.now()) == 1
    assert world.get(cb.id).status == DUE
    assert world.get(cb.id).releases == 1


def test_request_while_open_is_due_at_once(world: World) -> None:
    assert world.get(world.add_callback()).status == DUE


def test_repeated_request_joins_the_open_one_and_raises_priority(
    world: World, clock: FixedClock
) -> None:
    first = world.add_callback(category="technical")
    clock.advance(minutes=5)
    second = world.add_callback(category="outage")
    assert second == first
    cb = world.get(first)
    assert cb.priority == 0 and cb.category == "outage"
    assert cb.requested_at == berlin(2026, 11, 30, 10, 0)  # keeps its earlier place
    with world.rt.sessions() as session:
        assert len(session.scalars(select(Callback)).all()) == 1


def test_list_order_is_outage_first_then_time_of_request(world: World, clock: FixedClock) -> None:
    a = world.add_callback(phone="+493011111111", category="technical")
    clock.advance(minutes=1)
    b = world.add_callback(phone="+493022222222", category="legal")
    clock.advance(minutes=1)
    c = world.add_callback(phone="+493033333333", category="outage")
    with world.rt.sessions() as session:
        assert [cb.id for cb in open_callbacks(session, clock.now())] == [c, a, b]


def test_claim_is_a_conditional_update(world: World, clock: FixedClock) -> None:
    cb_id = world.add_callback()
    anna, bert = world.agents["anna"], world.agents["bert"]
    with world.rt.sessions() as session, session.begin():
        assert claim(session, cb_id, anna, clock.now()) is True
    with world.rt.sessions() as session, session.begin():
        assert claim(session, cb_id, bert, clock.now()) is False
    cb = world.get(cb_id)
    assert (cb.status, cb.claimed_by_id) == (CLAIMED, anna)


def test_queued_callback_cannot_be_claimed(world: World, clock: FixedClock) -> None:
    clock.set(berlin(2026, 12, 5, 12, 0))  # Saturday
    cb_id = world.add_callback()
    with world.rt.sessions() as session, session.begin():
        assert claim(session, cb_id, world.agents["anna"], clock.now()) is False


def _claimed_and_calling(world: World, clock: FixedClock) -> int:
    cb_id = world.add_callback()
    with world.rt.sessions() as session, session.begin():
        assert claim(session, cb_id, world.agents["anna"], clock.now())
        assert start_calling(session, cb_id, world.agents["anna"], clock.now())
    return cb_id


def _outcome(world: World, cb_id: int, outcome: str, who: str = "anna") -> bool:
    s = world.rt.settings
    with world.rt.sessions() as session, session.begin():
        cb = session.get(Callback, cb_id)
        assert cb is not None
        return record_outcome(
            cb,
            agent_id=world.agents[who],
            outcome=outcome,
            note="Notiz",
            now=world.rt.clock.now(),
            retry_minutes=s.callback_retry_minutes,
            max_attempts=s.callback_max_attempts,
            calendar=world.rt.calendar,
        )


def test_done(world: World, clock: FixedClock) -> None:
    cb_id = _claimed_and_calling(world, clock)
    assert _outcome(world, cb_id, "done") is False
    cb = world.get(cb_id)
    assert (cb.status, cb.outcome) == ("done", "done")
    assert "Notiz" in cb.note
    with pytest.raises(IllegalTransition):
        _outcome(world, cb_id, "no_answer")


def test_no_answer_retries_after_15_minutes_then_fails(world: World, clock: FixedClock) -> None:
    cb_id = _claimed_and_calling(world, clock)
    assert _outcome(world, cb_id, "no_answer") is False
    cb = world.get(cb_id)
    assert (cb.status, cb.attempts, cb.claimed_by_id) == (DUE, 1, None)
    assert cb.next_attempt_at == clock.now() + timedelta(minutes=15)
    with world.rt.sessions() as session, session.begin():  # not before the pause is over
        assert claim(session, cb_id, world.agents["bert"], clock.now()) is False
    clock.advance(minutes=15)
    for attempt in (2, 3):
        with world.rt.sessions() as session, session.begin():
            assert claim(session, cb_id, world.agents["bert"], clock.now())
        last = _outcome(world, cb_id, "no_answer", who="bert")
        assert last is (attempt == 3)
        clock.advance(minutes=15)
    cb = world.get(cb_id)
    assert (cb.status, cb.attempts, cb.outcome) == ("failed", 3, "no_answer")


def test_retry_across_closing_time_waits_for_the_next_opening(
    world: World, clock: FixedClock
) -> None:
    clock.set(berlin(2026, 12, 1, 17, 50))  # Tuesday, 10 minutes before closing
    cb_id = _claimed_and_calling(world, clock)
    _outcome(world, cb_id, "no_answer")
    assert world.get(cb_id).next_attempt_at == berlin(2026, 12, 2, 9, 0)


def test_retry_across_a_weekend_waits_for_monday(world: World, clock: FixedClock) -> None:
    clock.set(berlin(2026, 12, 4, 17, 55))  # Friday
    cb_id = _claimed_and_calling(world, clock)
    _outcome(world, cb_id, "no_answer")
    assert world.get(cb_id).next_attempt_at == berlin(2026, 12, 7, 9, 0)


def test_retry_within_opening_hours_is_plain_pause(world: World) -> None:
    cal = world.rt.calendar
    assert retry_at(berlin(2026, 12, 1, 11, 0), 15, cal) == berlin(2026, 12, 1, 11, 15)
    assert retry_at(berlin(2026, 12, 24, 13, 50), 15, cal) == berlin(2026, 12, 28, 9, 0)


def test_wrong_number_ends_it_as_failed(world: World, clock: FixedClock) -> None:
    cb_id = _claimed_and_calling(world, clock)
    assert _outcome(world, cb_id, "wrong_number") is True
    cb = world.get(cb_id)
    assert (cb.status, cb.outcome) == ("failed", "wrong_number")


def test_cancelled_by_an_agent_from_due_and_from_claimed(world: World, clock: FixedClock) -> None:
    due = world.add_callback(phone="+493011111111")
    _outcome(world, due, "cancelled", who="bert")
    assert world.get(due).status == "cancelled"
    claimed = _claimed_and_calling(world, clock)
    with pytest.raises(NotYours):
        _outcome(world, claimed, "cancelled", who="bert")
    _outcome(world, claimed, "cancelled")
    assert world.get(claimed).status == "cancelled"


def test_outcome_of_another_agents_callback_is_refused(world: World, clock: FixedClock) -> None:
    cb_id = _claimed_and_calling(world, clock)
    with pytest.raises(NotYours):
        _outcome(world, cb_id, "done", who="bert")


def test_outcome_on_a_due_callback_is_an_illegal_transition(world: World) -> None:
    cb_id = world.add_callback()
    with pytest.raises(IllegalTransition, match="from 'due' to 'done'"):
        _outcome(world, cb_id, "done")


def test_attempt_failed_last_one(world: World, clock: FixedClock) -> None:
    cb = Callback(id=1, status=CALLING, attempts=2)
    last = attempt_failed(
        cb,
        now=clock.now(),
        reason="busy",
        retry_minutes=15,
        max_attempts=3,
        calendar=world.rt.calendar,
    )
    assert last and cb.status == "failed" and cb.last_error == "busy"
