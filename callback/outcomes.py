"""Saving an agent's outcome of a callback: the one way the API and the pages do it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from callback.lifecycle import record_outcome
from callback.notify import notify_failed
from hotline.models import Callback

if TYPE_CHECKING:
    from hotline.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Saved:
    """The callback's status after the outcome, and whether the customer must be told
    by e-mail now (callback.notify.notify_failed, after the commit)."""

    status: str
    tell_customer: bool


def save_outcome(
    rt: Runtime,
    session: Session,
    callback_id: int,
    *,
    agent_id: int,
    outcome: str,
    note: str,
    now: datetime,
) -> Saved | None:
    """Lock the callback, record the outcome under the runtime's retry rules and commit.

    None when there is no such callback; a CallbackError (rolled back, nothing saved)
    when the outcome does not fit the callback's state or agent."""
    callback = session.get(Callback, callback_id, with_for_update=True)
    if callback is None:
        return None
    try:
        tell_customer = record_outcome(
            callback,
            agent_id=agent_id,
            outcome=outcome,
            note=note,
            now=now,
            retry_minutes=rt.settings.callback_retry_minutes,
            max_attempts=rt.settings.callback_max_attempts,
            calendar=rt.calendar,
        )
    except Exception:
        session.rollback()
        raise
    saved = Saved(callback.status, tell_customer)
    session.commit()
    return saved


def tell_customer_if_due(rt: Runtime, saved: Saved, callback_id: int, now: datetime) -> None:
    """Send the e-mail the saved outcome calls for; a failed send is logged, not raised.

    The outcome is committed by then, so the agent must not see an error for it;
    the scheduler's notify sweep tries the e-mail again.
    """
    if not saved.tell_customer:
        return
    try:
        notify_failed(rt.sessions, rt.settings, rt.calendar, now)
    except Exception:
        log.exception("callback %s: notifying the customer failed", callback_id)
