"""The fallback spool: calls answered without the database, kept on disk until it is back.

While the database is down (or Twilio uses the fallback URL) the fallback flow cannot
store anything, so its webhooks append one JSON line per event to a file in
`hotline.spool_dir` (one file per host, process and day; O_APPEND, flush and fsync,
under an exclusive flock):

- "recording": the caller left a message (RecordingUrl, RecordingDuration);
- "dial_unanswered": the fallback numbers did not answer; the caller is asked for a
  message next, and if none comes this line is all we know of the call.

The scheduler replays the spool once the database answers (`replay`, every release
interval): each entry becomes, idempotently keyed by CallSid, a Call with outcome
"fallback" and, when the caller's number is known, a callback request with the
recording attached. A file is claimed by renaming it (writers then start a new one),
its entries are committed one transaction each, and only then is it moved to `done/`;
a crash in between replays entries already committed, which the CallSid key turns into
no-ops. Lines that cannot be read are logged and copied to `rejected/`.

Anonymous callers get a Call (visible in GET /api/v1/calls with outcome "fallback")
but no callback: there is no number to call. Their recording URL stays in the
`done/` file and in a warning in the log.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from callback.requests import request_callback
from hotline.categories import DEFAULT as DEFAULT_CATEGORY
from hotline.db import transaction
from hotline.directory.phones import caller_number
from hotline.models import Call
from hotline.runtime import Runtime

log = logging.getLogger("callback.spool")

RECORDING = "recording"
DIAL_UNANSWERED = "dial_unanswered"
EVENTS = (RECORDING, DIAL_UNANSWERED)
OUTCOME = "fallback"
# Outcomes a replay may replace: nothing yet, or the status callback's guess.
_REPLACEABLE_OUTCOMES = (None, "hung_up")
_CLAIMED = ".replaying"


# --- writing (webhooks, no database) -----------------------------------------------------


def spool_fallback(rt: Runtime, form: Mapping[str, str], event: str) -> bool:
    """Append one line for a fallback call; never raises (the caller must get TwiML)."""
    call_sid = form.get("CallSid", "")
    try:
        now = rt.clock.now()
        raw = form.get("From", "")
        entry: dict[str, Any] = {
            "received_at": now.isoformat(),
            "event": event,
            "call_sid": call_sid,
            "from": raw,
            "caller_e164": caller_number(raw),
        }
        if form.get("DialCallStatus"):
            entry["dial_status"] = form["DialCallStatus"]
        if form.get("RecordingUrl"):
            entry["recording_url"] = form["RecordingUrl"]
            duration = form.get("RecordingDuration", "")
            entry["recording_seconds"] = int(duration) if duration.isdigit() else None
        append(Path(rt.settings.spool_dir), now, entry)
        return True
    except Exception:
        # Without the spool only Twilio's call log knows this call: say where to look.
        log.exception(
            "could not spool fallback %s of call %s (recording %s): look it up in Twilio",
            event,
            call_sid,
            form.get("RecordingUrl", "-"),
        )
        return False


def append(directory: Path, now: datetime, entry: Mapping[str, Any]) -> Path:
    """Append `entry` as one JSON line, durably, to this process's file of the day."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{now.strftime('%Y%m%d')}-{socket.gethostname()}-{os.getpid()}.jsonl"
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    for _ in range(5):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # The replay may have claimed (renamed) the file between open and lock:
            # then write to a fresh one under the name instead.
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = -1
            if current != os.fstat(fd).st_ino:
                continue
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(f"short write to {path}: {written} of {len(line)} bytes")
            os.fsync(fd)
            return path
        finally:
            os.close(fd)  # also releases the lock
    raise OSError(f"{path} kept being claimed by the replay")


def prune(directory: Path, now: datetime, days: int) -> int:
    """Delete replayed and rejected spool files older than `days`; returns how many.

    They hold callers' numbers and recording URLs, so they follow the recordings'
    retention. The files' mtimes are compared with the hotline clock's `now`.
    """
    cutoff = (now - timedelta(days=days)).timestamp()
    removed = 0
    for kept in ("done", "rejected"):
        for path in (directory / kept).glob("*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
    return removed


# --- replaying (scheduler, database back) ------------------------------------------------


@dataclass
class ReplayResult:
    entries: int = 0  # entries committed (including ones that changed nothing)
    calls: int = 0  # Call rows created
    callbacks: int = 0  # callback requests created or joined
    rejected: int = 0  # lines kept aside in rejected/
    files: int = 0  # files finished and moved to done/


class _Unreadable(ValueError):
    pass


def replay(rt: Runtime) -> ReplayResult:
    """Bring the spooled fallback calls into the database; stops at the first DB error."""
    directory = Path(rt.settings.spool_dir)
    result = ReplayResult()
    if not directory.is_dir():
        return result
    # Files claimed by an earlier run first: while the database stays down no new ones
    # are claimed, so a long outage does not leave a claimed file per run behind.
    for claim_new in (False, True):
        if claim_new:
            for path in sorted(directory.glob("*.jsonl")):
                try:
                    os.rename(path, path.with_name(f"{path.stem}.{time.time_ns()}{_CLAIMED}"))
                except FileNotFoundError:
                    continue
        for claimed in sorted(directory.glob(f"*{_CLAIMED}")):
            if not _replay_file(rt, claimed, result):
                return result
    return result


def _replay_file(rt: Runtime, claimed: Path, result: ReplayResult) -> bool:
    """Replay one claimed file; False when the database failed (the file stays)."""
    with open(claimed, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # a writer that opened before the claim finishes
        data = handle.read()
    bad: list[bytes] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            entry = _parse(raw)
        except _Unreadable as exc:
            log.error("spool %s line %d skipped and kept aside: %s", claimed.name, number, exc)
            bad.append(raw)
            continue
        try:
            with transaction(rt.sessions) as session:
                created_call, callback = _apply(rt, session, entry)
        except SQLAlchemyError as exc:
            log.warning(
                "spool replay stopped at %s line %d, the database failed (%s); retrying later",
                claimed.name,
                number,
                exc.__class__.__name__,
            )
            return False
        except Exception:
            log.exception("spool %s line %d skipped and kept aside", claimed.name, number)
            bad.append(raw)
            continue
        result.entries += 1
        result.calls += created_call
        result.callbacks += callback
    if bad:
        _write_durably(claimed.parent / "rejected" / _final_name(claimed), b"\n".join(bad) + b"\n")
        result.rejected += len(bad)
    done = claimed.parent / "done"
    done.mkdir(exist_ok=True)
    os.replace(claimed, done / _final_name(claimed))
    result.files += 1
    return True


def _final_name(claimed: Path) -> str:
    return claimed.name.removesuffix(_CLAIMED) + ".jsonl"


def _write_durably(path: Path, data: bytes) -> None:
    """Overwrite: replaying the same claimed file again writes the same content."""
    path.parent.mkdir(exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        entry = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Unreadable(f"not JSON ({exc})") from None
    if not isinstance(entry, dict):
        raise _Unreadable("not a JSON object")
    sid = entry.get("call_sid")
    if not isinstance(sid, str) or not sid:
        raise _Unreadable("no CallSid")
    if len(sid) > 64 or not sid.isalnum():
        # Would fail in the database on every run and block the lines after it.
        raise _Unreadable(f"bad CallSid {sid[:70]!r}")
    url = entry.get("recording_url")
    if url is not None and not isinstance(url, str):
        raise _Unreadable(f"bad recording_url {url!r}")
    if entry.get("event") not in EVENTS:
        raise _Unreadable(f"unknown event {entry.get('event')!r}")
    try:
        at = datetime.fromisoformat(str(entry.get("received_at")))
    except ValueError:
        raise _Unreadable(f"bad received_at {entry.get('received_at')!r}") from None
    if at.tzinfo is None:
        raise _Unreadable("received_at without offset")
    entry["received_at"] = at
    seconds = entry.get("recording_seconds")
    if seconds is not None and not isinstance(seconds, int):
        raise _Unreadable(f"bad recording_seconds {seconds!r}")
    return entry


def _apply(rt: Runtime, session: Session, entry: Mapping[str, Any]) -> tuple[bool, bool]:
    """The Call (created or found by CallSid) and its callback; (call created, callback)."""
    at: datetime = entry["received_at"]
    raw = str(entry.get("from") or "")
    call = session.scalar(select(Call).where(Call.call_sid == entry["call_sid"]))
    created = call is None
    if call is None:
        call = Call(
            call_sid=entry["call_sid"],
            direction="inbound",
            from_raw=raw[:64],
            caller_e164=caller_number(raw),
            outcome=OUTCOME,
            started_at=at,
            ended_at=at,
            pin_failures=0,
            identify_failures=0,
        )
        session.add(call)
        session.flush()
    elif call.outcome in _REPLACEABLE_OUTCOMES:
        # The database failed during the call: it ended in the fallback flow.
        call.outcome = OUTCOME
    recording_url = entry.get("recording_url") or None
    seconds = entry.get("recording_seconds")
    phone = call.caller_e164
    if phone is None:
        if recording_url:
            log.warning(
                "fallback recording of anonymous call %s (no number to call back): %s",
                call.call_sid,
                recording_url,
            )
        return created, False
    callback = request_callback(
        session,
        now=at,
        calendar=rt.calendar,
        phone=phone,
        category=call.category or DEFAULT_CATEGORY,
        contract_id=call.contract_id,
        station_id=call.station_id,
        call_id=call.id,
        recording_url=recording_url,
        recording_seconds=seconds,
    )
    if recording_url and not callback.recording_url:
        # request_callback returns the call's earlier request as it was: add the message.
        callback.recording_url = recording_url
        callback.recording_seconds = seconds
        callback.updated_at = rt.clock.now()
    return created, True
