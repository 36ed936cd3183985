"""Wrong admin PINs per contract: the limit holds however many calls try at once.

Every PIN is evaluated only after one conditional UPDATE of the contract has counted it
against the hour's limit: the database serialises those UPDATEs on the contract's row and
each re-checks the condition, so parallel calls never evaluate more PINs than the limit.
A right PIN gives its count back; the wrong PIN that reaches the limit locks PIN entry for
the contract. Once the limit is reached, no PIN (the right one included) is evaluated.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from hotline.accounts.secrets import check_pin
from hotline.db import rows_changed
from hotline.models import Contract

# Wrong PINs count for an hour from the first one.
WINDOW = timedelta(hours=1)


class PinVerdict(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    NOW_LOCKED = "now_locked"  # this wrong PIN reached the limit
    LOCKED = "locked"  # not evaluated: locked, or the limit is reached


@dataclass(frozen=True)
class PinLimit:
    per_hour: int
    lock: timedelta


@dataclass(frozen=True)
class PinResult:
    verdict: PinVerdict
    admin_id: int | None = None


def try_admin_pin(
    session: Session,
    contract_id: int,
    admins: Sequence[tuple[int, str | None]],
    pin: str,
    now: datetime,
    limit: PinLimit,
) -> PinResult:
    """Evaluate `pin` against the admins' (id, PIN hash) under the contract's hourly limit.

    Runs in the caller's transaction, which holds the contract's row until it commits."""
    if not _count(session, contract_id, now, limit):
        return PinResult(PinVerdict.LOCKED)
    admin_id = next((a for a, pin_hash in admins if check_pin(pin_hash, pin)), None)
    c = Contract
    if admin_id is not None:
        session.execute(
            update(c)
            .where(c.id == contract_id)
            .values(pin_wrong=c.pin_wrong - 1)
            .execution_options(synchronize_session=False)
        )
        return PinResult(PinVerdict.RIGHT, admin_id)
    wrong = session.scalar(select(c.pin_wrong).where(c.id == contract_id)) or 0
    if wrong < limit.per_hour:
        return PinResult(PinVerdict.WRONG)
    session.execute(
        update(c)
        .where(c.id == contract_id)
        .values(pin_locked_until=now + limit.lock, pin_wrong=0, pin_window_start=None)
        .execution_options(synchronize_session=False)
    )
    return PinResult(PinVerdict.NOW_LOCKED)


def _count(session: Session, contract_id: int, now: datetime, limit: PinLimit) -> bool:
    """The one conditional UPDATE: True when the PIN may be evaluated (and is counted)."""
    c = Contract
    stale = or_(c.pin_window_start.is_(None), c.pin_window_start <= now - WINDOW)
    result = session.execute(
        update(c)
        .where(
            c.id == contract_id,
            or_(c.pin_locked_until.is_(None), c.pin_locked_until <= now),
            or_(stale, c.pin_wrong < limit.per_hour),
        )
        .values(
            pin_wrong=case((stale, 1), else_=c.pin_wrong + 1),
            pin_window_start=case((stale, now), else_=c.pin_window_start),
        )
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result) == 1
