"""The `hotline` command, built on Flask's click integration."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from hotline.settings import SettingsError, redact_url


class HotlineError(click.ClickException):
    """A failure the operator can act on: printed as one line, exit status 1."""


def _create_app() -> Flask:
    from hotline.app import create_app
    from hotline.instance import LocalSettingsError, with_local_settings
    from hotline.settings import load_settings

    try:
        environ = with_local_settings(os.environ)
    except LocalSettingsError as exc:
        raise SettingsError(str(exc)) from None
    return create_app(load_settings(environ))


class HotlineGroup(FlaskGroup):
    """Turns expected failures into one clear line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise HotlineError(f"configuration: {exc}") from None
        except (OperationalError, ProgrammingError) as exc:
            reason = _first_line(exc.orig or exc)
            if _missing_table(reason):
                raise HotlineError(
                    f"database not initialised ({reason}): run `hotline init-db` first"
                ) from None
            if isinstance(exc, ProgrammingError):
                raise HotlineError(f"database error: {reason}") from None
            raise HotlineError(f"database unreachable: {reason}") from None
        except SQLAlchemyError as exc:
            raise HotlineError(f"database error: {_first_line(exc)}") from None


def _missing_table(reason: str) -> bool:
    # SQLite says "no such table", PostgreSQL 'relation "x" does not exist'.
    return "no such table" in reason or ("relation" in reason and "does not exist" in reason)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact_url(text[0]) if text else type(exc).__name__


cli = HotlineGroup(
    name="hotline",
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="Telephone support hotline and callback service.",
)
# Flask's --app/--env-file/--debug would only confuse here: the hotline has one
# app and reads its settings from the environment.
cli.params = [p for p in cli.params if p.name not in ("app", "env_file", "debug")]


def configure_logging() -> None:
    """INFO lines on stderr for the long-running commands (serve, scheduler)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    # APScheduler reports every job run at INFO; our jobs log what they changed.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def echo_json(document: Any) -> None:
    """Write one JSON document to stdout."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


def main() -> None:
    """Entry point of the console script."""
    sys.exit(cli.main(prog_name="hotline"))


# The command modules register themselves on `cli`; they import it from here.
from hotline.cli import (  # noqa: E402, F401
    agents,
    contracts,
    database,
    demo,
    importing,
    privacy,
    serving,
    tokens,  # noqa: E402, F401
)
