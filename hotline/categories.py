"""The call categories: the one table that the IVR's menu, tickets, callbacks, the agents'
pages, the whispers and the reports read. A new menu option is a row here, its words in
the prompt files (its `prompt` key, and the `menu` text that offers it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """One answer to the menu."""

    key: str  # stored in calls, tickets and callbacks
    digit: str  # the key the caller presses in the menu
    label: str  # on the agents' pages and in reports
    prompt: str  # prompt key of its words in the agents' whispers
    priority: int  # callback order, lower first


CATEGORIES = (
    Category("outage", "1", "Störung (Kasse steht)", "category_outage", 0),
    Category("technical", "2", "Technisches Problem", "category_technical", 1),
    Category("legal", "3", "Gesetzliche Änderungen", "category_legal", 1),
)
# Where the caller chooses nothing (no input twice, a call from before the menu).
DEFAULT = "technical"

BY_KEY = {c.key: c for c in CATEGORIES}
BY_DIGIT = {c.digit: c for c in CATEGORIES}
KEYS = tuple(BY_KEY)


def category(key: str | None) -> Category:
    """The category stored as `key`; the default one for none."""
    return BY_KEY[key or DEFAULT]


def labels() -> dict[str, str]:
    """key -> German label, for the pages."""
    return {c.key: c.label for c in CATEGORIES}
