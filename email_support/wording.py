"""The German texts of the hotline's mails: subjects with the ticket tag, the automatic
answers, quoting, and "when support answers" in words."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from hotline.calendar import BusinessCalendar

WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
SIGNATURE = "Mit freundlichen Grüßen\nIhr Kassen-Support"
_TAG = re.compile(r"\[Ticket#(\d+)\]", re.IGNORECASE)
_LARGEST_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|wg|fw|fwd)\s*:\s*)+", re.IGNORECASE)


def ticket_tag(number: int) -> str:
    return f"[Ticket#{number:06d}]"


def tagged_numbers(subject: str) -> list[int]:
    """The ticket numbers a subject names as [Ticket#NNNNNN]; a number no ticket can have
    (beyond the id column's range) names none."""
    return [int(n) for n in _TAG.findall(subject) if int(n) <= _LARGEST_ID]


def tagged_subject(number: int | None, subject: str, prefix: str = "") -> str:
    """Our subject: the tag once, the customer's subject without Re:/AW: chains."""
    plain = _REPLY_PREFIX.sub("", _TAG.sub("", subject)).strip() or "Ihre Anfrage"
    tag = f"{ticket_tag(number)} " if number is not None else ""
    return f"{prefix}{tag}{plain}"[:900]


def when_support_answers(calendar: BusinessCalendar, now: datetime) -> str:
    """ "in Kürze" while open, else the next opening: "morgen, am Dienstag, den 1. Dezember,
    ab 9 Uhr" — as the phone confirmation says it."""
    if calendar.is_open(now):
        return "in Kürze"
    opening = calendar.next_opening(now).astimezone(calendar.zone)
    today = now.astimezone(calendar.zone).date()
    clock = f"{opening.hour} Uhr" if opening.minute == 0 else f"{opening:%H:%M} Uhr"
    day = f"am {WEEKDAYS[opening.weekday()]}, den {opening.day}. {MONTHS[opening.month - 1]}"
    if opening.date() == today:
        return f"heute ab {clock}"
    if opening.date() == today + timedelta(days=1):
        return f"morgen, {day}, ab {clock}"
    return f"{day}, ab {clock}"


def greeting(name: str) -> str:
    return f"Guten Tag{' ' + name if name else ''},"


def acknowledgement(name: str, number: int, when: str) -> str:
    return (
        f"{greeting(name)}\n\n"
        f"vielen Dank für Ihre Nachricht. Wir haben dafür das Ticket {number:06d} eröffnet.\n"
        f"Das Support-Team antwortet Ihnen {when} (Mo–Fr 9 bis 18 Uhr).\n\n"
        "Wenn Sie uns dazu noch etwas schreiben, lassen Sie bitte die Ticketnummer im "
        "Betreff stehen.\n\n"
        f"{SIGNATURE}\n"
    )


def not_admin_answer(name: str, admins: list[str]) -> str:
    who = " oder ".join(admins) if admins else "Ihren Administrator"
    return (
        f"{greeting(name)}\n\n"
        "Ihr Supportvertrag ist ein Second-Level-Vertrag: Anfragen an das Support-Team "
        f"stellt Ihr Administrator. Bitte wenden Sie sich an {who}.\n\n"
        "Wenn Sie selbst der Administrator sind, schreiben Sie uns bitte von Ihrer bei uns "
        "hinterlegten Adresse.\n\n"
        f"{SIGNATURE}\n"
    )


def no_contract_answer() -> str:
    return (
        "Guten Tag,\n\n"
        "vielen Dank für Ihre Nachricht. Zu Ihrer Absenderadresse finden wir leider keinen "
        "aktiven Supportvertrag, deshalb können wir Ihre Anfrage nicht als Ticket "
        "bearbeiten.\n\n"
        "Wenn Sie einen Vertrag bei uns haben, schreiben Sie bitte von der bei uns "
        "hinterlegten Adresse oder nennen Sie Ihre Kundennummer im Betreff.\n\n"
        f"{SIGNATURE}\n"
    )


def cancellation_confirmation(name: str, contract_number: str, received: str, end: str) -> str:
    return (
        f"{greeting(name)}\n\n"
        f"hiermit bestätigen wir Ihre Kündigung des Supportvertrags {contract_number}, "
        f"die uns am {received} erreicht hat.\n"
        f"Der Vertrag endet am {end}. Bis dahin steht Ihnen das Support-Team wie gewohnt "
        "zur Verfügung.\n\n"
        f"{SIGNATURE}\n"
    )


def quoted(text: str, who: str, at: str) -> str:
    """The customer's message below an answer, each line with "> "."""
    lines = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
    return f"\n\nAm {at} schrieb {who}:\n{lines}\n"
