"""Stale claims return to the list: a callback claimed and left alone longer than
`callbacks.claim_timeout_minutes` goes back to `due` in the scheduler's release job,
with a note in Berlin time; and note stamps in general are Berlin wall-clock time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from callback.lifecycle import CLAIMED, DUE, can_move, claim, note_stamp, start_calling
from callback.release import release_stale_claims
from callback.scheduler import Jobs
from hotline.clock import FixedClock
from hotline.models import Callback
from hotline.runtime import Runtime
from hotline.settings import SettingsError, load_settings
from tests.callbacks.conftest import World
from tests.callbacks.test_lifecycle import _claimed_and_calling, _outcome

NOTE = "Übernahme nach 30 Min. ohne Aktion freigegeben"


def _claimed(
    world: World, clock: FixedClock, who: str = "anna", phone: str = "+493044123450"
) -> int:
    cb_id = world.add_callback(phone=phone)
    with world.rt.sessions() as session, session.begin():
        assert claim(session, cb_id, world.agents[who], clock.now())
    return cb_id


def _calling(world: World, clock: FixedClock, phone: str) -> int:
    cb_id = _claimed(world, clock, phone=phone)
    with world.rt.sessions() as session, session.begin():
        assert start_calling(session, cb_id, world.agents["anna"], clock.now())
    return cb_id


def _sweep(rt: Runtime, clock: FixedClock) -> int:
    return release_stale_claims(rt.engine, clock.now(), 30, rt.calendar.zone)


def test_the_life_cycle_allows_claimed_back_to_due() -> None:
    assert can_move(CLAIMED, DUE)


def test_a_claim_left_alone_goes_back_to_due_once(world: World, clock: FixedClock) -> None:
    cb_id = _claimed(world, clock)  # claimed at 10:00 Berlin
    clock.advance(minutes=30)
    assert _sweep(world.rt, clock) == 0  # exactly 30 minutes: not yet
    clock.advance(minutes=1)
    assert _sweep(world.rt, clock) == 1
    assert _sweep(world.rt, clock) == 0  # idempotent
    cb = world.get(cb_id)
    assert (cb.status, cb.claimed_by_id, cb.claimed_at) == (DUE, None, None)
    assert cb.note == f"30.11.2026 10:31: {NOTE}"
    assert cb.updated_at == clock.now()
    with world.rt.sessions() as session, session.begin():  # anyone may claim it again
        assert claim(session, cb_id, world.agents["bert"], clock.now())


def test_the_note_is_added_below_what_is_there(world: World, clock: FixedClock) -> None:
    cb_id = _claimed(world, clock)
    with world.rt.sessions() as session, session.begin():
        session.execute(update(Callback).where(Callback.id == cb_id).values(note="Kunde: Herr M."))
    clock.advance(minutes=45)
    assert _sweep(world.rt, clock) == 1
    assert world.get(cb_id).note == f"Kunde: Herr M.\n30.11.2026 10:45: {NOTE}"


def test_only_stale_claims_are_given_back(world: World, clock: FixedClock) -> None:
    stale = _claimed(world, clock)
    calling = _calling(world, clock, "+493044123451")  # on the phone: never taken away
    due = world.add_callback(phone="+493044123452")
    clock.advance(minutes=20)
    fresh = _claimed(world, clock, "bert", phone="+493044123453")
    # Claimed at 10:00, back from a call at 10:20 (calling -> claimed keeps claimed_at):
    back = _calling(world, clock, "+493044123454")
    with world.rt.sessions() as session, session.begin():
        session.execute(
            update(Callback)
            .where(Callback.id == back)
            .values(status=CLAIMED, claimed_at=clock.now() - timedelta(minutes=20))
        )
    clock.advance(minutes=15)  # 10:35
    assert _sweep(world.rt, clock) == 1
    statuses = {i: world.get(i).status for i in (stale, calling, due, fresh, back)}
    assert statuses == {stale: DUE, calling: "calling", due: DUE, fresh: CLAIMED, back: CLAIMED}
    assert world.get(due).note == ""


def test_the_release_job_gives_back_stale_claims(world: World, clock: FixedClock) -> None:
    cb_id = _claimed(world, clock)
    jobs = Jobs(world.rt)
    clock.advance(minutes=29)
    jobs.release()
    assert world.get(cb_id).status == CLAIMED
    clock.advance(minutes=2)
    jobs.release()
    cb = world.get(cb_id)
    assert (cb.status, cb.claimed_by_id) == (DUE, None)
    assert cb.note.endswith(f"10:31: {NOTE}")
    jobs.release()
    assert world.get(cb_id).note.count(NOTE) == 1


def test_the_timeout_comes_from_the_settings(world: World, clock: FixedClock, rt: Runtime) -> None:
    rt.settings = dataclasses.replace(rt.settings, callback_claim_timeout_minutes=10)
    cb_id = _claimed(world, clock)
    clock.advance(minutes=11)
    Jobs(rt).release()
    cb = world.get(cb_id)
    assert cb.status == DUE
    assert cb.note == "30.11.2026 10:11: Übernahme nach 10 Min. ohne Aktion freigegeben"


def test_claim_timeout_setting_default_and_validation() -> None:
    base = {"HOTLINE_ENV": "test", "HOTLINE_DATABASE_URL": "sqlite:///:memory:"}
    assert load_settings(environ=base).callback_claim_timeout_minutes == 30
    assert (
        load_settings(
            environ=base, overrides={"callbacks.claim_timeout_minutes": "45"}
        ).callback_claim_timeout_minutes
        == 45
    )
    for bad, words in ((0, "outside 1..1440"), ("bald", "not a whole number")):
        with pytest.raises(SettingsError, match="callbacks.claim_timeout_minutes") as raised:
            load_settings(environ=base, overrides={"callbacks.claim_timeout_minutes": bad})
        assert words in str(raised.value)


# --- note stamps in Berlin time ----------------------------------------------------------


@pytest.mark.parametrize(
    "at,stamp",
    [
        (datetime(2026, 11, 30, 9, 15, tzinfo=UTC), "30.11.2026 10:15"),  # CET
        (datetime(2026, 7, 1, 8, 5, tzinfo=UTC), "01.07.2026 10:05"),  # CEST
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "01.01.2027 00:30"),  # the next day
    ],
)
def test_note_stamps_are_berlin_wall_clock_in_german_form(
    at: datetime, stamp: str, rt: Runtime
) -> None:
    assert note_stamp(at, rt.calendar.zone) == stamp


def test_an_agents_note_is_stamped_in_berlin_time(world: World, clock: FixedClock) -> None:
    cb_id = _claimed_and_calling(world, clock)
    clock.set(datetime(2026, 11, 30, 9, 15, tzinfo=UTC))  # 10:15 in Berlin
    _outcome(world, cb_id, "done")
    assert world.get(cb_id).note == "30.11.2026 10:15: Notiz"


def test_start_calling_is_not_a_stale_claim(world: World, clock: FixedClock) -> None:
    """A claim the agent dialled 29 minutes later stays the agent's, whatever the sweep."""
    cb_id = _claimed(world, clock)
    clock.advance(minutes=29)
    with world.rt.sessions() as session, session.begin():
        assert start_calling(session, cb_id, world.agents["anna"], clock.now())
    clock.advance(minutes=60)
    assert _sweep(world.rt, clock) == 0
    assert world.get(cb_id).status == "calling"
