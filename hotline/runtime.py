"""The hotline's running parts, built once from the settings; web, CLI and scheduler share them.

The one way to reach them: `runtime()` inside a request or command, `runtime_of(app)` with
an app in hand. The app factory attaches them (`attach`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.calendar import BusinessCalendar
from hotline.clock import Clock, FixedClock, SystemClock
from hotline.db import make_engine, make_session_factory, make_webhook_engine
from hotline.settings import CalendarSettings, Settings
from ivr_flows.fastpath.connections import HeldConnections


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    engine: Engine
    # The voice webhooks' own pool (on SQLite the same engine): see make_webhook_engine.
    webhook_engine: Engine
    sessions: sessionmaker[Session] = field(init=False)
    # The webhooks' connection of each thread, kept between requests.
    webhook_connections: HeldConnections = field(init=False)
    calendar: BusinessCalendar = field(init=False)

    def __post_init__(self) -> None:
        self._on_engines()
        self.calendar = business_calendar(self.settings.calendar)

    def use_database(self, url: str, **engine_options: Any) -> None:
        """Close the connections and use the database at `url` from now on."""
        self.dispose()
        self.engine, self.webhook_engine = _engines(url, **engine_options)
        self._on_engines()

    def _on_engines(self) -> None:
        """What is built on the engines: the sessions and the webhooks' kept connections."""
        self.sessions = make_session_factory(self.engine)
        self.webhook_connections = HeldConnections(self.webhook_engine)

    def dispose(self) -> None:
        """Close the pooled connections (new ones are opened when needed)."""
        self.webhook_connections.close()
        self.engine.dispose()
        if self.webhook_engine is not self.engine:
            self.webhook_engine.dispose()


_EXTENSION = "hotline"


def attach(app: Flask, rt: Runtime) -> None:
    """Make `rt` the running parts of `app`."""
    app.extensions[_EXTENSION] = rt


def runtime_of(app: Flask) -> Runtime:
    """The running parts of `app`."""
    rt: Runtime = app.extensions[_EXTENSION]
    return rt


def runtime() -> Runtime:
    """The running parts of the current app (inside a request or a command)."""
    return runtime_of(current_app)


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Connect the parts; `HOTLINE_NOW` pins the clock outside production."""
    if clock is None:
        clock = FixedClock(settings.now) if settings.now is not None else SystemClock()
    engine, webhooks = _engines(settings.database_url)
    return Runtime(settings=settings, clock=clock, engine=engine, webhook_engine=webhooks)


def _engines(url: str, **engine_options: Any) -> tuple[Engine, Engine]:
    """The engine of the database at `url` and the webhooks' (see make_webhook_engine)."""
    engine = make_engine(url, **engine_options)
    return engine, make_webhook_engine(engine, url, **engine_options)


def business_calendar(c: CalendarSettings) -> BusinessCalendar:
    """The business calendar the settings describe."""
    changed: dict[date, tuple[time, time]] = {}
    closed = set(c.closed_days)
    for day, hours in c.changed_hours.items():
        if hours is None:
            closed.add(day)
        else:
            changed[day] = hours
    return BusinessCalendar(
        timezone=c.timezone,
        opens=c.opens,
        closes=c.closes,
        state=c.state,
        closed_days=frozenset(closed),
        changed_hours=changed,
        yearly_hours=dict(c.yearly_hours),
    )
