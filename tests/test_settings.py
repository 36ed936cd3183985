"""Settings: defaults, environment overrides, and clear start-up errors."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from hotline.clock import FixedClock, SystemClock
from hotline.runtime import build_runtime
from hotline.settings import SettingsError, load_settings

DEV = {"HOTLINE_ENV": "development", "HOTLINE_DATABASE_URL": "sqlite:///:memory:"}


def test_defaults_from_config() -> None:
    s = load_settings(environ=DEV)
    assert s.calendar.opens == time(9)
    assert s.calendar.closes == time(18)
    assert s.ring_timeout_seconds == 25
    assert s.callback_retry_minutes == 15
    assert s.callback_max_attempts == 3
    assert s.voice_language == "de-DE"
    assert (s.ivr.language_switch, s.ivr.language_switch_key) == (True, "9")
    assert s.calendar.yearly_hours[(12, 24)] == (time(9), time(14))


def test_environment_overrides() -> None:
    s = load_settings(
        environ={
            **DEV,
            "HOTLINE_DATABASE_URL": "postgresql://postgres@db/hotline",
            "HOTLINE_PUBLIC_URL": "https://hotline.example.de/",
            "HOTLINE_NUMBER": "030 1200456-70",
            "TWILIO_ACCOUNT_SID": "AC123",
            "TWILIO_AUTH_TOKEN": "secret-token",
            "TWILIO_API_BASE_URL": "http://127.0.0.1:4010",
            "HOTLINE_NOW": "2026-11-30T10:15:00+01:00",
        }
    )
    assert s.database_url == "postgresql+psycopg://postgres@db/hotline"
    assert s.public_url == "https://hotline.example.de"
    assert s.hotline_number == "+4930120045670"
    assert s.twilio_api_base_url == "http://127.0.0.1:4010"
    assert s.now is not None and s.now.isoformat() == "2026-11-30T10:15:00+01:00"
    assert not s.signature_validation_skipped


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HOTLINE_NOW", "2026-11-30T10:15:00", "HOTLINE_NOW: '2026-11-30T10:15:00' needs a UTC"),
        ("HOTLINE_NOW", "Montag", "HOTLINE_NOW: 'Montag' is not an ISO 8601"),
        ("HOTLINE_ENV", "staging", "HOTLINE_ENV: 'staging' is not one of"),
        ("HOTLINE_NUMBER", "12", "HOTLINE_NUMBER: '12' is not a valid phone number"),
        ("HOTLINE_PUBLIC_URL", "hotline.example.de", "HOTLINE_PUBLIC_URL:"),
        ("HOTLINE_DATABASE_URL", "mysql://x@y/z", "HOTLINE_DATABASE_URL:"),
        ("TWILIO_API_BASE_URL", "localhost:4010", "TWILIO_API_BASE_URL:"),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        load_settings(environ={**DEV, name: value})
    assert message in str(excinfo.value)


def test_production_refuses_without_token_secret_and_public_url() -> None:
    match = "TWILIO_AUTH_TOKEN, HOTLINE_SECRET_KEY and HOTLINE_PUBLIC_URL must be set"
    with pytest.raises(SettingsError, match=match):
        load_settings(environ={"HOTLINE_DATABASE_URL": "sqlite:///:memory:"})
    with pytest.raises(SettingsError, match="HOTLINE_SECRET_KEY must be set"):
        load_settings(
            environ={
                "HOTLINE_DATABASE_URL": "sqlite:///:memory:",
                "TWILIO_AUTH_TOKEN": "t",
                "HOTLINE_PUBLIC_URL": "https://hotline.example.de",
            }
        )


def test_production_ignores_hotline_now() -> None:
    s = load_settings(
        environ={
            "HOTLINE_DATABASE_URL": "sqlite:///:memory:",
            "TWILIO_AUTH_TOKEN": "t",
            "HOTLINE_SECRET_KEY": "k",
            "HOTLINE_PUBLIC_URL": "https://hotline.example.de",
            "HOTLINE_NOW": "2026-11-30T10:15:00+01:00",
        }
    )
    assert s.now is None
    assert isinstance(build_runtime(s).clock, SystemClock)


def test_hotline_now_pins_the_clock_outside_production() -> None:
    s = load_settings(environ={**DEV, "HOTLINE_NOW": "2026-11-30T10:15:00+01:00"})
    clock = build_runtime(s).clock
    assert isinstance(clock, FixedClock)
    assert clock.now().isoformat() == "2026-11-30T09:15:00+00:00"


def test_signature_validation_skipped_only_without_token_outside_production() -> None:
    assert load_settings(environ=DEV).signature_validation_skipped
    assert not load_settings(environ={**DEV, "TWILIO_AUTH_TOKEN": "t"}).signature_validation_skipped


def test_config_file_overrides_defaults(tmp_path: Path) -> None:
    path = tmp_path / "hotline.toml"
    path.write_text(
        '[calendar]\nstate = "by"\nclosed_days = ["2026-12-30"]\n'
        'changed_hours = { "2026-12-23" = "09:00-12:00" }\n'
        '[voice]\nring_timeout_seconds = 40\nfallback_numbers = ["0171 1234567"]\n',
        encoding="utf-8",
    )
    s = load_settings(environ={**DEV, "HOTLINE_CONFIG": str(path)})
    assert s.calendar.state == "BY"
    assert s.ring_timeout_seconds == 40
    assert s.fallback_numbers == ("+491711234567",)
    calendar = build_runtime(s).calendar
    from datetime import date

    assert calendar.hours_on(date(2026, 12, 30)) is None
    hours = calendar.hours_on(date(2026, 12, 23))
    assert hours is not None and hours[1].hour == 12


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[calendar]\nstate = "XX"\n', "calendar.state: 'XX' is not a German Bundesland"),
        ('[calendar]\nopens = "19:00"\n', "calendar.opens must be before calendar.closes"),
        ('[calendar]\nyearly_hours = { "12-24" = "late" }\n', "calendar.yearly_hours.12-24"),
        ("[voice]\nring_timeout_seconds = 0\n", "voice.ring_timeout_seconds: 0 is outside"),
        ('[hotline]\nprompts = "fr"\n', "hotline.prompts: 'fr' is not one of de, en"),
        ("[calendar\n", "is not valid TOML"),
        ('[ivr]\nlanguage_switch_key = "1"\n', "ivr.language_switch_key: '1' is a key of the menu"),
        ('[ivr]\nlanguage_switch_key = "#"\n', "ivr.language_switch_key: '#' is not one key"),
        ('[ivr]\nlanguage_switch = "ja"\n', "ivr.language_switch: expected true or false"),
    ],
)
def test_bad_config_file_values(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "hotline.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(environ={**DEV, "HOTLINE_CONFIG": str(path)})
    assert message in str(excinfo.value)


def test_repr_keeps_secrets_out() -> None:
    s = load_settings(
        environ={
            **DEV,
            "TWILIO_AUTH_TOKEN": "very-secret-token",
            "HOTLINE_DATABASE_URL": "postgresql+psycopg://u:pw123@db/x",
        }
    )
    assert "very-secret-token" not in repr(s)
    assert "pw123" not in repr(s)
