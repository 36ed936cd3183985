"""How the cashier reaches the session: the SMS to a mobile number, or the code read aloud."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import phonenumbers
from phonenumbers import PhoneNumberType

# At most one SMS segment: longer texts arrive split, or not at all on old handsets.
SMS_MAX_CHARS = 160

# Where the web layer finds the SMS sender (Flask app.extensions): a function of the
# settings giving a SmsSender, or None when SMS cannot be sent (no Twilio account).
SMS_SENDER_KEY = "hotline.remote.sms_sender"

# Sends `body` to the E.164 number `to`; returns the message's id or raises SmsFailed.
SmsSender = Callable[[str, str], str]


class SmsFailed(Exception):
    """The SMS was not accepted; the text is the German reason for the agent."""


def number_kind(e164: str | None) -> str:
    """'mobile', 'landline', 'other' (VoIP, service numbers …) or 'none'."""
    if not e164:
        return "none"
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return "none"
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.MOBILE:
        return "mobile"
    if kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        # FIXED_LINE_OR_MOBILE cannot be told apart; a landline cannot receive the SMS.
        return "landline"
    return "other"


def grouped_code(code: str) -> str:
    """The session code in groups of three for reading aloud: s12-345-678 → s12 345 678."""
    chars = "".join(c for c in code if c.isalnum())
    return " ".join(chars[i : i + 3] for i in range(0, len(chars), 3))


def link_address(link: str) -> str:
    """The link as one says it: host and path without https://."""
    parts = urlsplit(link)
    return (parts.netloc + parts.path).rstrip("/")


def read_out_sentence(code: str, end_customer_link: str) -> str:
    """What the agent reads to the cashier when no SMS can reach them."""
    host = urlsplit(end_customer_link).netloc or "get.teamviewer.com"
    return (
        f"Bitte öffnen Sie an der Kasse im Browser die Seite {host} "
        f"und geben Sie den Code {grouped_code(code)} ein."
    )


def sms_text(ticket_number: int, code: str, end_customer_link: str) -> str:
    """The SMS to the cashier: the link to open at the register, and the code.

    GSM-7 characters only (umlauts are in it, dashes and quotes are not), at most one
    segment; the longest wording that fits is used, the link always stays whole.
    """
    grouped = grouped_code(code)
    wordings = (
        f"Kassen-Hotline, Ticket {ticket_number}: Fernwartung. Bitte an der Kasse "
        f"öffnen: {end_customer_link} (Code {grouped})",
        f"Kassen-Hotline Fernwartung: an der Kasse öffnen: {end_customer_link}",
        f"Fernwartung: {end_customer_link}",
    )
    for text in wordings:
        if len(text) <= SMS_MAX_CHARS:
            return text
    return f"Kassen-Hotline Fernwartung, Code {grouped}"
