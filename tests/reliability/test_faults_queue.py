"""The live queue when things fail: the database goes away while callers wait, Twilio
repeats the wait URL. A waiting caller still reaches someone or leaves a message."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import QueueEntry
from hotline.runtime import Runtime
from ivr_flows.walker import FlaskTransport, Walker
from tests.callbacks.conftest import AUTH_TOKEN, PUBLIC_URL
from tests.factories import make_agent, make_customer
from tests.ivr.conftest import check_twiml
from tests.reliability.conftest import FALLBACK, Figures

STATIONS = {"1": ["+49304412301"], "2": ["+49304412302"]}


def waiting_caller(app: Flask, session: Session) -> Walker:
    """The only agent talks to one caller; a second caller waits in the queue (paused)."""
    make_customer(session, stations=STATIONS)
    make_agent(session, "Anna", "+4915111111111")
    walkers = []
    for station, options in (("1", {"stay": True}), ("2", {"wait_loops": 1})):
        walker = Walker(
            FlaskTransport(app, AUTH_TOKEN),
            PUBLIC_URL,
            STATIONS[station][0],
            keys=["2"],
            **options,  # type: ignore[arg-type]
        )
        walker.run()
        walkers.append(walker)
    assert "Warteschlange" in walkers[1].walk.heard()
    return walkers[1]


def test_database_down_during_the_wait_leads_to_the_fallback(
    app: Flask, rt: Runtime, session: Session, figures: Figures, tmp_path: Path
) -> None:
    caller = waiting_caller(app, session)
    fault = figures.fault("database gone while callers wait")
    rt.use_database(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    caller.resume(wait_loops=3)
    for exchange in caller.walk.exchanges:
        assert exchange.status == 200
        check_twiml(exchange.body)
    heard = caller.walk.heard()
    assert "Entschuldigung, bei uns gibt es gerade eine technische Störung." in heard
    assert "  [verlässt die Warteschlange]" in caller.walk.transcript  # wait TwiML: no <Dial>
    assert caller.walk.dialed == [[FALLBACK]]  # the Enqueue action rings the fallback numbers
    fault.survived()


def test_repeated_wait_requests_change_nothing(
    app: Flask, rt: Runtime, session: Session, figures: Figures
) -> None:
    caller = waiting_caller(app, session)
    fault = figures.fault("wait URL delivered twice")
    waits = [e for e in caller.walk.exchanges if "/voice/queue/wait" in e.url]
    transport = FlaskTransport(app, AUTH_TOKEN)
    session.expire_all()
    before = session.scalars(select(QueueEntry).where(QueueEntry.status == "waiting")).one()
    seen = (before.announced_at, before.queue_sid, before.offered_at)
    for exchange in waits * 3:
        assert transport.post(exchange.url, exchange.params) == (200, exchange.body)
    session.expire_all()
    after = session.scalars(select(QueueEntry).where(QueueEntry.status == "waiting")).one()
    assert (after.announced_at, after.queue_sid, after.offered_at) == seen
    fault.survived()
