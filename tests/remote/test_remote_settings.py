"""The remote maintenance settings: defaults, the environment, clear errors."""

from __future__ import annotations

import pytest

from hotline.settings import SettingsError, load_settings

DEV = {"HOTLINE_ENV": "development", "HOTLINE_DATABASE_URL": "sqlite:///:memory:"}


def test_defaults_without_token() -> None:
    s = load_settings(environ=DEV)
    assert s.teamviewer_api_token is None
    assert s.teamviewer_api_base_url == "https://webapi.teamviewer.com"
    assert s.teamviewer_groupname == "Kassen-Hotline"
    assert s.teamviewer_timeout_seconds == 10
    assert s.sms_sender == "KassenHilfe"


def test_environment_and_overrides() -> None:
    s = load_settings(
        environ={
            **DEV,
            "TEAMVIEWER_API_TOKEN": "tv-secret-123",
            "TEAMVIEWER_API_BASE_URL": "http://127.0.0.1:4011/",
        },
        overrides={"remote.groupname": "Support Kassen", "remote.sms_sender": "030 1200456-70"},
    )
    assert s.teamviewer_api_token == "tv-secret-123"
    assert s.teamviewer_api_base_url == "http://127.0.0.1:4011"
    assert s.teamviewer_groupname == "Support Kassen"
    assert s.sms_sender == "+4930120045670"
    assert "tv-secret-123" not in repr(s)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"TEAMVIEWER_API_BASE_URL": "webapi.teamviewer.com"},
            "TEAMVIEWER_API_BASE_URL (or remote.api_base_url):",
        ),
        ({"remote.sms_sender": "Kassen-Hotline-GmbH"}, "at most 11"),
        ({"remote.sms_sender": "Kassenhilfe!"}, "remote.sms_sender: 'Kassenhilfe!'"),
        ({"remote.sms_sender": "0171"}, "remote.sms_sender: '0171' is not a valid phone"),
        ({"remote.groupname": ""}, "remote.groupname: expected a non-empty text"),
        ({"remote.timeout_seconds": 0}, "remote.timeout_seconds: 0 is outside"),
    ],
)
def test_bad_values_name_the_setting(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        load_settings(environ=DEV, overrides=overrides)
    assert message in str(excinfo.value)
