"""Messages for the office in a person's data: found by number or call, exported, erased;
and their retention, as for the callers' problem recordings. Plain Python: no Flask."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from hotline.db import rows_changed
from hotline.models import OfficeMessage


def office_message_ids_of(
    session: Session, phones: Iterable[str], call_ids: Iterable[int]
) -> set[int]:
    """Messages left from any of these numbers or by any of these calls."""
    phones, call_ids = sorted(set(phones)), sorted(set(call_ids))
    if not phones and not call_ids:
        return set()
    m = OfficeMessage
    return set(
        session.scalars(select(m.id).where(or_(m.phone.in_(phones), m.call_id.in_(call_ids))))
    )


def export_office_messages(session: Session, ids: set[int]) -> list[dict[str, Any]]:
    """The messages as JSON-ready documents."""
    if not ids:
        return []
    m = OfficeMessage
    return [
        {
            "phone": row.phone,
            "left_at": row.left_at.isoformat(),
            "recording_url": row.recording_url,
            "recording_seconds": row.recording_seconds,
            "done_at": row.done_at.isoformat() if row.done_at else None,
        }
        for row in session.scalars(select(m).where(m.id.in_(sorted(ids))).order_by(m.id))
    ]


def erase_office_messages(session: Session, ids: set[int]) -> tuple[int, int]:
    """Blank the number and forget the recording; the rows stay (when, which contract).
    Returns (messages, recordings) touched."""
    messages = recordings = 0
    m = OfficeMessage
    for row in session.scalars(select(m).where(m.id.in_(sorted(ids)))):
        recordings += row.recording_url is not None
        row.phone = ""
        row.recording_url = None
        row.recording_seconds = None
        messages += 1
    return messages, recordings


def forget_old_office_messages(
    session: Session, recordings_before: datetime, details_before: datetime
) -> int:
    """Messages marked done: the recording goes with the callers' problem recordings, the
    number with the call details. Open messages are never touched. Returns rows changed."""
    m = OfficeMessage
    done = m.done_at.is_not(None)
    recordings = session.execute(
        update(m)
        .where(done, m.recording_url.is_not(None), m.left_at < recordings_before)
        .values(recording_url=None, recording_seconds=None)
        .execution_options(synchronize_session=False)
    )
    numbers = session.execute(
        update(m)
        .where(done, m.phone != "", m.left_at < details_before)
        .values(phone="")
        .execution_options(synchronize_session=False)
    )
    return rows_changed(recordings) + rows_changed(numbers)
