"""Sections [callbacks] and [retention]: the callback list's pace, and how long call
details and recordings are kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from hotline.settings.values import as_int


class CallbackFields(TypedDict):
    """The fields of Settings that [callbacks] and [retention] fill."""

    callback_retry_minutes: int
    callback_max_attempts: int
    callback_release_interval_seconds: int
    callback_claim_timeout_minutes: int
    retention_recordings_days: int
    retention_call_details_days: int


def callback_fields(cb: Mapping[str, Any], r: Mapping[str, Any]) -> CallbackFields:
    """The [callbacks] and [retention] sections, checked."""
    return CallbackFields(
        callback_retry_minutes=as_int("callbacks.retry_minutes", cb["retry_minutes"], 1, 24 * 60),
        callback_max_attempts=as_int("callbacks.max_attempts", cb["max_attempts"], 1, 20),
        callback_release_interval_seconds=as_int(
            "callbacks.release_interval_seconds", cb["release_interval_seconds"], 1, 3600
        ),
        callback_claim_timeout_minutes=as_int(
            "callbacks.claim_timeout_minutes", cb["claim_timeout_minutes"], 1, 24 * 60
        ),
        retention_recordings_days=as_int(
            "retention.recordings_days", r["recordings_days"], 1, 3650
        ),
        retention_call_details_days=as_int(
            "retention.call_details_days", r["call_details_days"], 1, 3650
        ),
    )
