"""Section [remote]: remote maintenance (TeamViewer Web API, the SMS to the cashier)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from hotline.settings.values import SettingsError, as_http_url, as_int, as_phone, as_text


class RemoteFields(TypedDict):
    """The fields of Settings that [remote] and TEAMVIEWER_API_* fill."""

    teamviewer_api_token: str | None
    teamviewer_api_base_url: str
    teamviewer_groupname: str
    teamviewer_timeout_seconds: int
    sms_sender: str | None


def remote_fields(section: Mapping[str, Any], env_vars: Mapping[str, str]) -> RemoteFields:
    """The remote maintenance settings (section [remote] and TEAMVIEWER_API_*)."""
    base = env_vars.get("TEAMVIEWER_API_BASE_URL") or section.get("api_base_url", "")
    return RemoteFields(
        teamviewer_api_token=env_vars.get("TEAMVIEWER_API_TOKEN") or None,
        teamviewer_api_base_url=as_http_url(
            "TEAMVIEWER_API_BASE_URL (or remote.api_base_url)", base
        ),
        teamviewer_groupname=as_text("remote.groupname", section.get("groupname")),
        teamviewer_timeout_seconds=as_int(
            "remote.timeout_seconds", section.get("timeout_seconds"), 1, 120
        ),
        sms_sender=_sms_sender(section.get("sms_sender", "")),
    )


def _sms_sender(value: Any) -> str | None:
    """A phone number (as E.164) or an alphanumeric sender ID of at most 11 characters."""
    if not isinstance(value, str):
        raise SettingsError(f"remote.sms_sender: expected a text, got {value!r}")
    text = value.strip()
    if not text:
        return None
    if text.startswith("+") or text[0].isdigit():
        return as_phone("remote.sms_sender", text)
    if len(text) > 11 or not all(c.isascii() and (c.isalnum() or c in " -.") for c in text):
        raise SettingsError(
            f"remote.sms_sender: {text!r} is neither a phone number nor an alphanumeric "
            "sender of at most 11 letters, digits, spaces, '-' or '.'"
        )
    return text
