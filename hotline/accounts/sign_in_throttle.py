"""Throttling sign-in attempts: growing delays per account and client address, no lock-out.

Every attempt must first be admitted under each of its keys ("who": the e-mail address
together with the client address; "from": the client address alone, which stops one
address trying many accounts). Admission is one conditional UPDATE per key that counts
the attempt and, past the free tries, pushes the key's next allowed try out by a delay
that doubles with every further failure. Parallel attempts therefore cannot exceed the
count: the database serialises the UPDATEs of one row and each re-checks the condition.

A refused attempt gets the same answer as a wrong password (the caller also spends the
same hashing time), so neither the throttle nor its state tells which accounts exist.
Nobody else's address can be slowed down: someone guessing elsewhere fills other keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, insert, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.db import rows_changed
from hotline.models import LoginThrottle

# A key's count starts afresh one window after its first counted failure.
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Rule:
    """`free` attempts per window, then a delay of 1 s, 2 s, 4 s … up to `longest`."""

    prefix: str
    free: int
    longest: timedelta

    def delays(self) -> list[timedelta]:
        """The delay after each failure past the free ones, the last one repeating."""
        found: list[timedelta] = []
        step = timedelta(seconds=1)
        while step < self.longest:
            found.append(step)
            step *= 2
        return [*found, self.longest]


# Per account and address: the rule an agent who mistypes meets.
PER_ACCOUNT_AND_ADDRESS = Rule("who", free=5, longest=timedelta(minutes=15))
# Per address across accounts: generous for an office behind one address.
PER_ADDRESS = Rule("from", free=30, longest=timedelta(minutes=15))
RULES = (PER_ADDRESS, PER_ACCOUNT_AND_ADDRESS)


def keys(email: str, address: str) -> dict[Rule, str]:
    """The throttle key of each rule for an attempt."""
    address = (address or "?")[:100]
    return {
        PER_ADDRESS: f"from:{address}",
        PER_ACCOUNT_AND_ADDRESS: f"who:{address}|{email[:254]}",
    }


def admit(session: Session, email: str, address: str, now: datetime) -> bool:
    """Count an attempt under each key; False (and nothing more counted) once one key
    refuses it. Commits, so the count holds while the password is checked."""
    for rule, key in keys(email, address).items():
        _ensure_row(session, key, now)
        if not _count(session, rule, key, now):
            session.commit()
            return False
    session.commit()
    return True


def succeeded(session: Session, email: str, address: str, now: datetime) -> None:
    """A right password: the account's count at this address starts afresh (commits)."""
    key = keys(email, address)[PER_ACCOUNT_AND_ADDRESS]
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
    session.commit()


def forget_account(session: Session, email: str) -> None:
    """A supervisor set a new password: no delay remains for this account anywhere."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.key.startswith("who:"),
            LoginThrottle.key.endswith(f"|{email}", autoescape=True),
        )
    )


def forget_stale(session: Session, now: datetime) -> int:
    """Delete keys whose window ended and whose delay ran out; the number deleted."""
    result = session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_start <= now - WINDOW - max(r.longest for r in RULES),
            LoginThrottle.next_try_at <= now,
        )
    )
    return rows_changed(result)


def _ensure_row(session: Session, key: str, now: datetime) -> None:
    values = {"key": key, "failures": 0, "window_start": now, "next_try_at": now}
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(postgresql.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    elif bind.dialect.name == "sqlite":
        session.execute(sqlite.insert(LoginThrottle).values(values).on_conflict_do_nothing())
    else:  # pragma: no cover - the hotline runs on these two
        session.execute(insert(LoginThrottle).values(values))


def _count(session: Session, rule: Rule, key: str, now: datetime) -> bool:
    """The one conditional UPDATE: True when the attempt was admitted and counted."""
    t = LoginThrottle
    stale = t.window_start <= now - WINDOW
    failures = case((stale, 1), else_=t.failures + 1)
    delays = rule.delays()
    next_try = case(
        (failures < rule.free, now),
        *((failures == rule.free + i, now + delay) for i, delay in enumerate(delays[:-1])),
        else_=now + delays[-1],
    )
    result = session.execute(
        update(t)
        .where(t.key == key, or_(t.next_try_at <= now, stale))
        .values(
            failures=failures,
            window_start=case((stale, now), else_=t.window_start),
            next_try_at=next_try,
        )
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result) == 1
