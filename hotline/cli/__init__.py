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


# sysexits.h EX_TEMPFAIL: an MTA that pipes a message into one of these commands keeps
# it and delivers it again later. A configuration error (settings missing, database not
# initialised) is one the operator can fix, so the message must wait, not bounce.
EX_TEMPFAIL = 75
MTA_COMMANDS = frozenset({("mail", "ingest")})


class TryLaterError(HotlineError):
    """A failure of a command an MTA runs that the MTA should retry later: exit 75."""

    exit_code = EX_TEMPFAIL


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

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # The command path, before click consumes it: `invoke` needs it for its exit code.
        ctx.meta["hotline.command"] = tuple(args[:2])
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise _configuration_error(ctx, f"configuration: {exc}") from None
        except SQLAlchemyError as exc:
            if _not_initialised(exc):
                raise _configuration_error(ctx, database_problem(exc)) from None
            raise HotlineError(database_problem(exc)) from None


def _configuration_error(ctx: click.Context, message: str) -> HotlineError:
    if ctx.meta.get("hotline.command") in MTA_COMMANDS:
        return TryLaterError(f"{message}; the MTA keeps the message and delivers it again later")
    return HotlineError(message)


def database_problem(exc: SQLAlchemyError) -> str:
    """One line saying what is wrong with the database: not initialised (and what to
    run), unreachable, or the error itself."""
    if isinstance(exc, OperationalError | ProgrammingError):
        reason = _first_line(exc.orig or exc)
        if _not_initialised(exc):
            return f"database not initialised ({reason}): run `hotline init-db` first"
        if isinstance(exc, ProgrammingError):
            return f"database error: {reason}"
        return f"database unreachable: {reason}"
    return f"database error: {_first_line(exc)}"


def _not_initialised(exc: SQLAlchemyError) -> bool:
    """The database answers but has no hotline tables: `hotline init-db` was never run."""
    return isinstance(exc, OperationalError | ProgrammingError) and _missing_table(
        _first_line(exc.orig or exc)
    )


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
