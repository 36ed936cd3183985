"""The hotline's running parts, built once from the settings; web, CLI and scheduler share them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.calendar import BusinessCalendar
from hotline.clock import Clock, FixedClock, SystemClock
from hotline.db import make_engine, make_session_factory
from hotline.settings import CalendarSettings, Settings


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)
    calendar: BusinessCalendar = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)
        self.calendar = business_calendar(self.settings.calendar)


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Connect the parts; `HOTLINE_NOW` pins the clock outside production."""
    if clock is None:
        clock = FixedClock(settings.now) if settings.now is not None else SystemClock()
    return Runtime(settings=settings, clock=clock, engine=make_engine(settings.database_url))


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
