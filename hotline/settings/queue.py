"""Sections [queue] and [reports]: the live queue and its service level."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hotline.settings.values import SettingsError, as_int


@dataclass(frozen=True)
class QueueSettings:
    """The live queue and its reports (sections [queue] and [reports])."""

    max_call_minutes: int = 60
    hold_sound_url: str | None = None
    callback_after_hangup_seconds: int = 60
    service_level_seconds: int = 20


def queue_settings(q: Mapping[str, Any], rep: Mapping[str, Any]) -> QueueSettings:
    """The [queue] and [reports] sections, checked."""
    sound = str(q.get("hold_sound_url") or "").strip()
    if sound and urlsplit(sound).scheme not in ("http", "https"):
        raise SettingsError(f"queue.hold_sound_url: {sound!r} is not an http(s) URL")
    return QueueSettings(
        max_call_minutes=as_int(
            "queue.max_call_minutes", q.get("max_call_minutes", 60), 1, 24 * 60
        ),
        hold_sound_url=sound or None,
        callback_after_hangup_seconds=as_int(
            "queue.callback_after_hangup_seconds",
            q.get("callback_after_hangup_seconds", 60),
            0,
            3600,
        ),
        service_level_seconds=as_int(
            "reports.service_level_seconds", rep.get("service_level_seconds", 20), 1, 3600
        ),
    )
