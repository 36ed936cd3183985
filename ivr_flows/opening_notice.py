"""What a caller is told about the opening hours, worded from the plain facts of
hotline/calendar/today.py: closed now and why (a public holiday, today's short hours),
and when the hotline is there again; on a short day, until when it is there today."""

from __future__ import annotations

from hotline.calendar.today import OpeningFacts
from ivr_flows.prompts import Prompts
from ivr_flows.speech import spoken_time

# Within this many days a weekday alone says which day is meant ("am Montag").
_WEEKDAY_ONLY_DAYS = 6


def closed_notice(prompts: Prompts, facts: OpeningFacts) -> str:
    """ "Unsere Hotline ist gerade nicht besetzt." with today's facts and the next opening."""
    texts = [prompts.text("closed")]
    today = facts.today
    if today is None and facts.holiday:
        texts.append(prompts.text("today_holiday"))
    if today is not None and facts.before_opening:
        opens, closes = spoken_time(prompts, today[0]), spoken_time(prompts, today[1])
        if facts.short_day:
            texts.append(prompts.text("today_short", opens=opens, closes=closes))
        else:
            texts.append(prompts.text("today_later", opens=opens))
        return " ".join(texts)
    if today is not None and facts.short_day:
        texts.append(prompts.text("today_was_short", closes=spoken_time(prompts, today[1])))
    texts.append(prompts.text("back", when=_next(prompts, facts)))
    return " ".join(texts)


def short_day_note(prompts: Prompts, facts: OpeningFacts) -> str:
    """On a short day while open: "Heute sind wir bis 14 Uhr für Sie da."; else nothing."""
    if not facts.open_now or not facts.short_day or facts.today is None:
        return ""
    return prompts.text("today_until", closes=spoken_time(prompts, facts.today[1]))


def _next(prompts: Prompts, facts: OpeningFacts) -> str:
    """The next opening, short: "morgen ab 9 Uhr", "am Montag ab 9 Uhr", or with the date."""
    local = facts.next_opening.astimezone(facts.at.tzinfo)
    days = (local.date() - facts.at.date()).days
    time = spoken_time(prompts, local)
    weekday = prompts.words("weekdays")[local.weekday()]
    if days == 0:
        return prompts.text("when_today", time=time)
    if days == 1:
        return prompts.text("when_tomorrow_short", time=time)
    if days <= _WEEKDAY_ONLY_DAYS:
        return prompts.text("when_weekday", weekday=weekday, time=time)
    month = prompts.words("months")[local.month - 1]
    return prompts.text("when_date", weekday=weekday, day=local.day, month=month, time=time)
