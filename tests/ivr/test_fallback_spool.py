"""Whole calls that end in the fallback flow are spooled without the database and reach
the agents' list once it is back (callback.spool)."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callback.scheduler import Jobs
from callback.spool import replay
from hotline.models import Call, Callback
from hotline.runtime import Runtime
from ivr_flows.walker import RECORDINGS, FlaskTransport, Walk, Walker
from tests.ivr.conftest import Phone, check_twiml

STATION = "+49304412345"
FALLBACK = "+4930999999"


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, object]:
    return {"voice.fallback_numbers": [FALLBACK], "hotline.spool_dir": str(tmp_path / "spool")}


def spooled(rt: Runtime) -> list[dict[str, Any]]:
    """The lines waiting in the spool (not yet replayed)."""
    return [
        json.loads(line)
        for path in sorted(Path(rt.settings.spool_dir).glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Call)) or 0,
        session.scalar(select(func.count()).select_from(Callback)) or 0,
    )


class DatabaseGoneMidCall(FlaskTransport):
    """After the first answer the database is unreachable; the fallback webhooks run
    with no database at all (engine and sessions removed), proving they touch none."""

    def __init__(self, app: Flask, rt: Runtime, broken: Path) -> None:
        super().__init__(app, None)
        self.rt, self.broken, self.answers = rt, broken, 0
        self.url = rt.settings.database_url

    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        if "/voice/fallback" in url:
            rt = self.rt
            engines = rt.engine, rt.webhook_engine, rt.webhook_connections, rt.sessions
            rt.engine = rt.webhook_engine = rt.webhook_connections = rt.sessions = None  # type: ignore[assignment]
            try:
                return super().post(url, params)
            finally:
                rt.engine, rt.webhook_engine, rt.webhook_connections, rt.sessions = engines
        answer = super().post(url, params)
        self.answers += 1
        if self.answers == 1:
            self.rt.use_database(f"sqlite:///{self.broken / 'gone' / 'hotline.sqlite3'}")
        return answer

    def database_back(self) -> None:
        self.rt.use_database(self.url)


def test_database_down_mid_call_the_recording_is_spooled_and_replayed_once(
    app: Flask, rt: Runtime, customers, session: Session, tmp_path: Path
) -> None:
    rt.settings = dataclasses.replace(rt.settings, fallback_numbers=())
    contract = customers(stations={"1": [STATION]})
    transport = DatabaseGoneMidCall(app, rt, tmp_path)
    walk: Walk = Walker(
        transport, "http://localhost", STATION, keys=["1", "Kasse 3 ist kaputt"]
    ).run()
    for exchange in walk.exchanges:
        assert exchange.status == 200, (exchange.url, exchange.body)
        check_twiml(exchange.body)
    assert "Bitte hinterlassen Sie nach dem Signalton" in walk.heard()
    assert "Vielen Dank, wir melden uns bei Ihnen." in walk.heard()
    recorded = next(e for e in walk.exchanges if e.url.endswith("/voice/fallback/recorded"))

    [line] = spooled(rt)
    assert line["event"] == "recording"
    assert line["call_sid"] == walk.call_sid
    assert line["from"] == STATION and line["caller_e164"] == STATION
    assert line["recording_url"] == recorded.params["RecordingUrl"]
    assert line["recording_url"].startswith(RECORDINGS)
    assert line["recording_seconds"] == int(recorded.params["RecordingDuration"])
    assert line["received_at"] == rt.clock.now().isoformat()

    # Still down: the replay keeps the line for later.
    assert replay(rt).entries == 0
    transport.database_back()
    assert counts(session) == (1, 0)  # the call row of the first step

    Jobs(rt).release()  # the scheduler's periodic job replays the spool first
    assert counts(session) == (1, 1)
    call = session.scalars(select(Call)).one()
    assert call.call_sid == walk.call_sid and call.outcome == "fallback"
    callback = session.scalars(select(Callback)).one()
    assert callback.call_id == call.id
    assert callback.phone == STATION and callback.contract_id == contract.id
    assert callback.category == "technical"
    assert callback.recording_url == line["recording_url"]
    assert callback.recording_seconds == line["recording_seconds"]
    assert callback.status == "due"  # Monday 10:00: open
    assert spooled(rt) == []
    assert len(list((Path(rt.settings.spool_dir) / "done").glob("*.jsonl"))) == 1

    result = replay(rt)
    assert (result.entries, result.calls, result.callbacks) == (0, 0, 0)
    assert counts(session) == (1, 1)


def test_fallback_numbers_unanswered_and_no_message_is_spooled(
    phone: Phone, rt: Runtime, session: Session
) -> None:
    walk = phone.call(STATION, [], start="/voice/fallback", dial_result="no-answer")
    assert "[Stille – keine Aufnahme]" in walk.transcript
    [line] = spooled(rt)
    assert line["event"] == "dial_unanswered" and line["dial_status"] == "no-answer"
    assert "recording_url" not in line

    replay(rt)
    call = session.scalars(select(Call)).one()
    assert call.outcome == "fallback" and call.caller_e164 == STATION
    callback = session.scalars(select(Callback)).one()
    assert callback.phone == STATION and callback.recording_url is None
    assert callback.category == "technical" and callback.contract_id is None


def test_fallback_numbers_unanswered_then_a_message_make_one_callback_with_it(
    phone: Phone, rt: Runtime, session: Session
) -> None:
    walk = phone.call(STATION, ["Bitte zurückrufen"], start="/voice/fallback", dial_result="busy")
    assert [line["event"] for line in spooled(rt)] == ["dial_unanswered", "recording"]
    replay(rt)
    replay(rt)
    assert counts(session) == (1, 1)
    callback = session.scalars(select(Callback)).one()
    assert callback.recording_url == spooled_done(rt)[1]["recording_url"]
    assert session.scalars(select(Call)).one().call_sid == walk.call_sid


def spooled_done(rt: Runtime) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted((Path(rt.settings.spool_dir) / "done").glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_answered_fallback_numbers_spool_nothing(phone: Phone, rt: Runtime) -> None:
    phone.call(STATION, start="/voice/fallback", dial_result="completed")
    assert spooled(rt) == []


def test_a_spool_that_cannot_be_written_still_answers_the_caller(
    phone: Phone, rt: Runtime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    rt.settings = dataclasses.replace(rt.settings, spool_dir=str(blocker / "spool"))
    with caplog.at_level(logging.ERROR, logger="callback.spool"):
        walk = phone.call(
            STATION, ["Bitte zurückrufen"], start="/voice/fallback", dial_result="busy"
        )
    assert "Vielen Dank, wir melden uns bei Ihnen." in walk.heard()
    assert walk.call_sid in caplog.text and "could not spool" in caplog.text
