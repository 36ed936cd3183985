"""Section [hotline] and the service's environment: which environment runs, the
instance folder and database, the public URL Twilio calls, the Twilio account, the
hotline's number and address, and the pinned clock outside production."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from hotline.instance import instance_path
from hotline.settings.values import (
    SettingsError,
    as_choice,
    as_http_url,
    as_phone,
    as_text,
    redact_url,
)

ENVIRONMENTS = ("production", "development", "test")


class ServiceFields(TypedDict):
    """The fields of Settings that [hotline] and the service's variables fill."""

    instance_path: str
    database_url: str
    secret_key: str | None
    public_url: str | None
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_api_base_url: str | None
    hotline_number: str | None
    now: datetime | None
    support_email: str
    prompts: str
    spool_dir: str


def environment(h: Mapping[str, Any], env_vars: Mapping[str, str]) -> str:
    """HOTLINE_ENV (or hotline.env): production, development or test."""
    env = env_vars.get("HOTLINE_ENV") or h["env"]
    if env not in ENVIRONMENTS:
        raise SettingsError(f"HOTLINE_ENV: {env!r} is not one of {', '.join(ENVIRONMENTS)}")
    return str(env)


def service_fields(h: Mapping[str, Any], env_vars: Mapping[str, str], env: str) -> ServiceFields:
    """The [hotline] section and the service's environment variables, checked."""
    instance = instance_path(env_vars)
    return ServiceFields(
        instance_path=str(instance),
        database_url=_database_url(
            env_vars.get("HOTLINE_DATABASE_URL") or h["database_url"], instance
        ),
        secret_key=env_vars.get("HOTLINE_SECRET_KEY") or None,
        public_url=_public_url(env_vars.get("HOTLINE_PUBLIC_URL") or h["public_url"]),
        twilio_account_sid=env_vars.get("TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=env_vars.get("TWILIO_AUTH_TOKEN") or None,
        twilio_api_base_url=_base_url(env_vars.get("TWILIO_API_BASE_URL")),
        hotline_number=as_phone(
            "HOTLINE_NUMBER", env_vars.get("HOTLINE_NUMBER") or h["hotline_number"]
        ),
        now=_now(env_vars.get("HOTLINE_NOW")) if env != "production" else None,
        support_email=as_text(
            "HOTLINE_MAIL_ADDRESS", env_vars.get("HOTLINE_MAIL_ADDRESS") or h["support_email"]
        ),
        prompts=as_choice("hotline.prompts", h["prompts"], ("de", "en")),
        spool_dir=_spool_dir(h.get("spool_dir", ""), instance),
    )


def _database_url(value: str, instance: Path) -> str:
    if not value:
        try:
            instance.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                f"HOTLINE_INSTANCE_PATH: cannot create {instance}: {exc.strerror}"
            ) from None
        return f"sqlite:///{instance / 'hotline.sqlite3'}"
    # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3 while 2.0 picked
    # psycopg2; naming the driver keeps both the same.
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    if not value.startswith(("sqlite:", "postgresql+psycopg:")):
        raise SettingsError(
            "HOTLINE_DATABASE_URL: use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB, "
            f"not {redact_url(value)!r}"
        )
    return value


def _spool_dir(value: Any, instance: Path) -> str:
    """An absolute directory; empty: the instance folder's spool/.

    Not created here: callback.spool creates it when it first writes.
    """
    if not isinstance(value, str):
        raise SettingsError(f"hotline.spool_dir: expected a directory path, got {value!r}")
    if not value:
        return str(instance / "spool")
    return str(Path(value).expanduser().absolute())


def _public_url(value: str) -> str | None:
    if not value:
        return None
    return as_http_url("HOTLINE_PUBLIC_URL", value, "an http(s) base URL")


def _base_url(value: str | None) -> str | None:
    if not value:
        return None
    return as_http_url("TWILIO_API_BASE_URL", value)


def _now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise SettingsError(
            f"HOTLINE_NOW: {value!r} is not an ISO 8601 date-time (e.g. 2026-11-30T10:15:00+01:00)"
        ) from None
    if at.tzinfo is None:
        raise SettingsError(f"HOTLINE_NOW: {value!r} needs a UTC offset, e.g. {value}+01:00")
    return at
