"""The call flow's sections: [voice] (how the hotline speaks and rings), [pins]
(the limits on wrong admin PINs) and [ivr] (the call flow's own options)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from hotline.categories import BY_DIGIT
from hotline.settings.values import SettingsError, as_int, as_list, as_phone, as_text


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


@dataclass(frozen=True)
class IvrSettings:
    """The call flow's own options (section [ivr])."""

    # In the greeting, `language_switch_key` switches the call to the other language.
    language_switch: bool = True
    language_switch_key: str = "9"
    # The other language's voice: Twilio's language code and voice name.
    other_voice_language: str = "en-GB"
    other_voice: str = "Polly.Amy-Neural"


def ivr_settings(section: Mapping[str, Any]) -> IvrSettings:
    """The [ivr] section, checked."""
    switch = section.get("language_switch", True)
    if not isinstance(switch, bool):
        raise SettingsError(f"ivr.language_switch: expected true or false, got {switch!r}")
    key = str(section.get("language_switch_key", "9"))
    if len(key) != 1 or not key.isdigit():
        raise SettingsError(f"ivr.language_switch_key: {key!r} is not one key from 0 to 9")
    if switch and key in BY_DIGIT:
        raise SettingsError(
            f"ivr.language_switch_key: {key!r} is a key of the menu; choose one it does not use"
        )
    return IvrSettings(
        language_switch=switch,
        language_switch_key=key,
        other_voice_language=as_text(
            "ivr.other_voice_language", section.get("other_voice_language", "en-GB")
        ),
        other_voice=as_text("ivr.other_voice", section.get("other_voice", "Polly.Amy-Neural")),
    )
