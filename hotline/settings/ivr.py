"""The call flow's sections: [voice] (how the hotline speaks and rings) and [pins]
(the limits on wrong admin PINs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from hotline.settings.values import as_int, as_list, as_phone, as_text


class IvrFields(TypedDict):
    """The fields of Settings that [voice] and [pins] fill."""

    voice_language: str
    voice: str
    ring_timeout_seconds: int
    fallback_numbers: tuple[str, ...]
    recording_max_seconds: int
    pin_wrong_per_call: int
    pin_wrong_per_contract_per_hour: int
    pin_lock_minutes: int


def ivr_fields(v: Mapping[str, Any], p: Mapping[str, Any]) -> IvrFields:
    """The [voice] and [pins] sections, checked."""
    return IvrFields(
        voice_language=as_text("voice.language", v["language"]),
        voice=as_text("voice.voice", v["voice"]),
        ring_timeout_seconds=as_int(
            "voice.ring_timeout_seconds", v["ring_timeout_seconds"], 5, 600
        ),
        fallback_numbers=tuple(
            as_phone("voice.fallback_numbers", n) or ""
            for n in as_list("voice.fallback_numbers", v)
        ),
        recording_max_seconds=as_int(
            "voice.recording_max_seconds", v["recording_max_seconds"], 5, 600
        ),
        pin_wrong_per_call=as_int("pins.wrong_per_call", p["wrong_per_call"], 1, 20),
        pin_wrong_per_contract_per_hour=as_int(
            "pins.wrong_per_contract_per_hour", p["wrong_per_contract_per_hour"], 1, 1000
        ),
        pin_lock_minutes=as_int("pins.lock_minutes", p["lock_minutes"], 1, 24 * 60),
    )
