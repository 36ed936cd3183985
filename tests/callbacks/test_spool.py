"""The fallback spool (callback.spool): durable lines while the database is down,
an idempotent replay keyed by CallSid once it is back, unreadable lines kept aside."""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callback.scheduler import Jobs
from callback.spool import DIAL_UNANSWERED, RECORDING, append, replay, spool_fallback
from hotline.accounts.agents import add_agent, create_token
from hotline.clock import FixedClock
from hotline.models import Call, Callback
from hotline.runtime import Runtime
from tests.conftest import berlin

CALLER = "+493044123450"
RECORDING_URL = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, object]:
    return {"hotline.spool_dir": str(tmp_path / "spool")}


def spool_dir(rt: Runtime) -> Path:
    return Path(rt.settings.spool_dir)


def form(sid: str, caller: str = CALLER, recording: str | None = RECORDING_URL) -> dict[str, str]:
    values = {"CallSid": sid, "From": caller}
    if recording:
        values.update(RecordingUrl=recording, RecordingDuration="17")
    return values


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Call)) or 0,
        session.scalar(select(func.count()).select_from(Callback)) or 0,
    )


def test_a_line_is_appended_durably_with_what_happened(rt: Runtime) -> None:
    assert spool_fallback(rt, form("CA1"), RECORDING)
    assert spool_fallback(rt, {"CallSid": "CA2", "From": "anonymous"}, DIAL_UNANSWERED)
    [path] = spool_dir(rt).glob("*.jsonl")
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert first == {
        "received_at": "2026-11-30T09:00:00+00:00",
        "event": "recording",
        "call_sid": "CA1",
        "from": CALLER,
        "caller_e164": CALLER,
        "recording_url": RECORDING_URL,
        "recording_seconds": 17,
    }
    assert second["caller_e164"] is None and second["from"] == "anonymous"


def test_replay_creates_one_call_and_one_callback_and_nothing_the_second_time(
    rt: Runtime, session: Session
) -> None:
    spool_fallback(rt, form("CA1"), RECORDING)
    result = replay(rt)
    assert (result.entries, result.calls, result.callbacks, result.files) == (1, 1, 1, 1)
    call = session.scalars(select(Call)).one()
    assert (call.call_sid, call.outcome, call.caller_e164) == ("CA1", "fallback", CALLER)
    assert call.started_at == berlin(2026, 11, 30, 10, 0)
    callback = session.scalars(select(Callback)).one()
    assert (callback.phone, callback.call_id, callback.category) == (CALLER, call.id, "technical")
    assert (callback.recording_url, callback.recording_seconds) == (RECORDING_URL, 17)
    assert callback.status == "due"
    assert replay(rt).entries == 0
    assert counts(session) == (1, 1)


def test_a_call_spooled_while_closed_is_queued_for_the_next_opening(
    rt: Runtime, clock: FixedClock, session: Session
) -> None:
    clock.set(berlin(2026, 11, 28, 22, 0))  # Saturday night
    spool_fallback(rt, form("CA1"), RECORDING)
    clock.set(berlin(2026, 11, 30, 8, 0))
    replay(rt)
    callback = session.scalars(select(Callback)).one()
    assert callback.status == "queued" and callback.due_at == berlin(2026, 11, 30, 9, 0)
    assert callback.requested_at == berlin(2026, 11, 28, 22, 0)


def test_a_crash_between_commit_and_moving_the_file_duplicates_nothing(
    rt: Runtime, session: Session
) -> None:
    spool_fallback(rt, form("CA1"), RECORDING)
    spool_fallback(rt, form("CA2", "+4915112345678"), RECORDING)
    replay(rt)
    # As if the process died after the commits, before the file left the spool.
    [done] = (spool_dir(rt) / "done").glob("*.jsonl")
    shutil.copy(done, spool_dir(rt) / "again.jsonl")
    result = replay(rt)
    assert (result.entries, result.calls) == (2, 0)
    assert counts(session) == (2, 2)


def test_an_anonymous_caller_gets_a_visible_call_but_no_callback(
    rt: Runtime, session: Session, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    spool_fallback(rt, form("CA9", "anonymous"), RECORDING)
    with caplog.at_level(logging.WARNING, logger="callback.spool"):
        result = replay(rt)
    assert (result.calls, result.callbacks) == (1, 0)
    assert counts(session) == (1, 0)
    assert "CA9" in caplog.text and RECORDING_URL in caplog.text
    # The agents see it in the call list (no number to call: listen to the message).
    add_agent(
        session, email="anna@example.de", name="Anna", phone="+4915111111111", now=rt.clock.now()
    )
    token = create_token(session, "anna@example.de", rt.clock.now())
    session.commit()
    calls = (
        app.test_client()
        .get("/api/v1/calls", headers={"Authorization": f"Bearer {token}"})
        .get_json()
    )
    assert [(c["call_sid"], c["outcome"], c["from"]) for c in calls] == [
        ("CA9", "fallback", "anonymous")
    ]


def test_a_corrupt_line_is_skipped_logged_and_kept_aside(
    rt: Runtime, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    spool_fallback(rt, form("CA1"), RECORDING)
    [path] = spool_dir(rt).glob("*.jsonl")
    with path.open("a") as handle:
        handle.write('{"event": "recording", "call_sid": \n')  # torn write
        handle.write('{"event": "recording", "received_at": "2026-11-30T10:00:00+01:00"}\n')
        handle.write(
            '{"event": "recording", "received_at": "2026-11-30T10:00:00+01:00", '
            f'"call_sid": "{"CA" * 40}"}}\n'
        )
    spool_fallback(rt, form("CA2", "+4915112345678"), RECORDING)
    with caplog.at_level(logging.ERROR, logger="callback.spool"):
        result = replay(rt)
    assert (result.entries, result.rejected) == (2, 3)
    assert counts(session) == (2, 2)
    assert "line 2 skipped and kept aside: not JSON" in caplog.text
    assert "line 3 skipped and kept aside: no CallSid" in caplog.text
    assert "line 4 skipped and kept aside: bad CallSid" in caplog.text
    [rejected] = (spool_dir(rt) / "rejected").glob("*.jsonl")
    assert rejected.read_text().splitlines()[:2] == [
        '{"event": "recording", "call_sid": ',
        '{"event": "recording", "received_at": "2026-11-30T10:00:00+01:00"}',
    ]
    assert len(rejected.read_text().splitlines()) == 3
    assert list(spool_dir(rt).glob("*.jsonl")) == []


def test_a_database_still_down_keeps_everything_for_the_next_run(
    rt: Runtime, session: Session, tmp_path: Path
) -> None:
    spool_fallback(rt, form("CA1"), RECORDING)
    url = rt.settings.database_url
    rt.use_database(f"sqlite:///{tmp_path / 'gone' / 'hotline.sqlite3'}")
    assert replay(rt).entries == 0
    # New calls keep arriving while the claimed file waits; they are not claimed yet.
    spool_fallback(rt, form("CA2", "+4915112345678"), RECORDING)
    assert replay(rt).entries == 0
    assert len(list(spool_dir(rt).glob("*.replaying"))) == 1
    assert len(list(spool_dir(rt).glob("*.jsonl"))) == 1
    rt.use_database(url)
    assert replay(rt).entries == 2
    assert counts(session) == (2, 2)


def test_a_call_row_from_before_the_failure_is_completed_not_duplicated(
    rt: Runtime, session: Session
) -> None:
    session.add(
        Call(
            call_sid="CA1",
            from_raw=CALLER,
            caller_e164=CALLER,
            category="outage",
            outcome="hung_up",  # the status callback came after the database was back
            started_at=rt.clock.now() - timedelta(minutes=3),
            pin_failures=0,
            identify_failures=0,
        )
    )
    session.commit()
    spool_fallback(rt, form("CA1"), RECORDING)
    replay(rt)
    assert counts(session) == (1, 1)
    assert session.scalars(select(Call)).one().outcome == "fallback"
    callback = session.scalars(select(Callback)).one()
    assert callback.category == "outage" and callback.priority == 0


def test_a_writer_after_the_claim_starts_a_new_file(rt: Runtime) -> None:
    path = append(spool_dir(rt), rt.clock.now(), {"call_sid": "CA1"})
    path.rename(path.with_name("claimed.replaying"))
    again = append(spool_dir(rt), rt.clock.now(), {"call_sid": "CA2"})
    assert again == path and json.loads(path.read_text()) == {"call_sid": "CA2"}


def test_retention_prunes_replayed_and_rejected_files(rt: Runtime, clock: FixedClock) -> None:
    spool_fallback(rt, form("CA1"), RECORDING)
    replay(rt)
    rejected = spool_dir(rt) / "rejected"
    rejected.mkdir()
    (rejected / "old.jsonl").write_text("{torn\n")
    [done] = (spool_dir(rt) / "done").glob("*")
    days = rt.settings.retention_recordings_days
    inside = (clock.now() - timedelta(days=days - 1)).timestamp()
    os.utime(done, (inside, inside))
    os.utime(rejected / "old.jsonl", (inside, inside))
    jobs = Jobs(rt)
    assert jobs.retention()["spool_files"] == 0
    assert done.exists()
    clock.advance(days=2)
    assert jobs.retention()["spool_files"] == 2
    assert not done.exists() and not (rejected / "old.jsonl").exists()
    assert jobs.retention()["spool_files"] == 0
