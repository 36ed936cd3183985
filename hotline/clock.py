"""The one clock every part of the hotline asks for the current time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A pinned clock for demos and tests; only `advance` and `set` move it."""

    def __init__(self, at: datetime) -> None:
        self._at = _require_aware(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        """Pin the clock to another instant."""
        self._at = _require_aware(at)

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by a timedelta given as keywords (minutes=15)."""
        self._at = self._at + timedelta(**delta)
        return self._at


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"clock time {at.isoformat()} has no UTC offset")
    return at.astimezone(UTC)
