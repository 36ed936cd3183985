"""Tickets: opened for every entitled call, never capped, numbered sequentially."""

from hotline.categories import KEYS as CATEGORIES
from hotline.tickets.opening import (
    CHANNELS,
    categorise_call_ticket,
    next_ticket_number,
    open_ticket,
    ticket_of_call,
    ticket_values,
)

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "categorise_call_ticket",
    "next_ticket_number",
    "open_ticket",
    "ticket_of_call",
    "ticket_values",
]
