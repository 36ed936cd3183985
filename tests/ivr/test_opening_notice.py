"""Callers hear what is true today: after hours first, before the menu; a holiday as a
holiday, a short day with its early closing; in German and in natural English."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline.calendar import BusinessCalendar
from hotline.calendar.today import opening_facts
from hotline.clock import FixedClock
from hotline.models import Agent
from ivr_flows.opening_notice import closed_notice, short_day_note
from ivr_flows.prompts import Prompts
from tests.conftest import berlin
from tests.ivr.conftest import Phone

STATION = "+49304412345"
CALENDAR = BusinessCalendar(
    yearly_hours={(12, 24): (time(9), time(14)), (12, 31): (time(9), time(14))},
    closed_days=frozenset({date(2026, 12, 29)}),
)
DE, EN = Prompts("de"), Prompts("en")


@pytest.mark.parametrize(
    ("at", "german", "english"),
    [
        (
            berlin(2026, 11, 30, 19, 30),
            "Unsere Hotline ist gerade nicht besetzt. Wir sind morgen ab 9 Uhr wieder für Sie da.",
            "Our hotline is closed right now. We are back tomorrow at 9 am.",
        ),
        (
            berlin(2026, 12, 25, 10, 0),
            "Unsere Hotline ist gerade nicht besetzt. Heute ist ein Feiertag. "
            "Wir sind am Montag ab 9 Uhr wieder für Sie da.",
            "Our hotline is closed right now. Today is a public holiday. "
            "We are back on Monday at 9 am.",
        ),
        (
            berlin(2026, 12, 24, 8, 0),
            "Unsere Hotline ist gerade nicht besetzt. "
            "Heute sind wir von 9 Uhr bis 14 Uhr für Sie da.",
            "Our hotline is closed right now. Today we are here for you from 9 am to 2 pm.",
        ),
        (
            berlin(2026, 12, 24, 15, 0),
            "Unsere Hotline ist gerade nicht besetzt. Heute waren wir nur bis 14 Uhr für Sie da. "
            "Wir sind am Montag ab 9 Uhr wieder für Sie da.",
            "Our hotline is closed right now. Today we were only open until 2 pm. "
            "We are back on Monday at 9 am.",
        ),
        (
            berlin(2026, 12, 1, 7, 30),
            "Unsere Hotline ist gerade nicht besetzt. Heute sind wir ab 9 Uhr für Sie da.",
            "Our hotline is closed right now. Today we are here for you from 9 am.",
        ),
        (
            berlin(2026, 12, 18, 18, 30),  # a Friday evening
            "Unsere Hotline ist gerade nicht besetzt. "
            "Wir sind am Montag ab 9 Uhr wieder für Sie da.",
            "Our hotline is closed right now. We are back on Monday at 9 am.",
        ),
    ],
    ids=["evening", "holiday", "short-morning", "short-afternoon", "early", "friday"],
)
def test_what_is_true_today(at: datetime, german: str, english: str) -> None:
    facts = opening_facts(CALENDAR, at)
    assert closed_notice(DE, facts) == german
    assert closed_notice(EN, facts) == english


def test_a_far_opening_is_said_with_its_date() -> None:
    long_closure = BusinessCalendar(
        closed_days=frozenset(date(2026, 12, d) for d in range(1, 12)),
    )
    facts = opening_facts(long_closure, berlin(2026, 11, 30, 19, 0))
    assert closed_notice(DE, facts).endswith(
        "Wir sind am Montag, den 14. Dezember, ab 9 Uhr wieder für Sie da."
    )


def test_the_short_day_note_only_while_open_on_a_short_day() -> None:
    assert short_day_note(DE, opening_facts(CALENDAR, berlin(2026, 12, 24, 10, 0))) == (
        "Heute sind wir bis 14 Uhr für Sie da."
    )
    assert short_day_note(EN, opening_facts(CALENDAR, berlin(2026, 12, 31, 13, 30))) == (
        "Today we are here for you until 2 pm."
    )
    assert short_day_note(DE, opening_facts(CALENDAR, berlin(2026, 12, 23, 10, 0))) == ""
    assert short_day_note(DE, opening_facts(CALENDAR, berlin(2026, 12, 24, 15, 0))) == ""


def test_after_hours_the_notice_comes_before_the_menu(
    phone: Phone, customers, agents, clock: FixedClock
) -> None:
    customers(stations={"1": [STATION]})
    clock.set(berlin(2026, 12, 25, 10, 0))
    walk = phone.call(STATION, ["1", "1", ""])
    heard = walk.heard()
    assert heard.index("Heute ist ein Feiertag.") < heard.index("drücken Sie die 1")
    assert heard.index("nicht besetzt") < heard.index("drücken Sie die 1")
    assert "montags bis freitags" not in heard
    assert heard.count("nicht besetzt") == 1
    assert walk.dialed == []


def test_a_short_day_with_nobody_free_says_until_when(
    phone: Phone, customers, agents, clock: FixedClock, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    session.execute(update(Agent).values(available=False))
    session.commit()
    clock.set(berlin(2026, 12, 24, 10, 0))
    heard = phone.call(STATION, ["1", "1", ""]).heard()
    assert "Leider ist gerade niemand frei. Heute sind wir bis 14 Uhr für Sie da." in heard
