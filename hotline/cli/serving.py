"""hotline serve: gunicorn in production; the embedded default (one process) otherwise."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

import click
from flask import Flask, current_app
from werkzeug.serving import WSGIRequestHandler, run_simple

from hotline.app import warn_if_unsigned
from hotline.cli import HotlineError, cli, configure_logging
from hotline.runtime import runtime, runtime_of

# Packages that run beside the web app in `hotline serve` (the callback
# scheduler) add a starter here from their register(app).
SERVE_HOOKS = "hotline.serve_hooks"
GUNICORN_CONFIG = "python:hotline.deploy.gunicorn_conf"


def add_serve_hook(app: Flask, start: Callable[[Flask], None]) -> None:
    """Run `start(app)` when `hotline serve` starts, before it takes requests."""
    app.extensions.setdefault(SERVE_HOOKS, []).append(start)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the web app: gunicorn in production, else the app and its scheduler in one process."""
    configure_logging()
    warn_if_unsigned(runtime().settings)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if runtime_of(app).settings.env == "production":
        exec_gunicorn(app, host, port)
    for start in app.extensions.get(SERVE_HOOKS, []):
        start(app)
    click.echo(f"hotline listening on http://{host}:{port}/ (Ctrl+C stops)")
    # No reloader: it would fork a second process and with it a second scheduler.
    # SIGTERM (a service manager, `kill`) stops it like Ctrl+C: werkzeug ends its loop on
    # KeyboardInterrupt and the command exits 0, so `make run` ends without "Error 143".
    signal.signal(signal.SIGTERM, _interrupt)
    run_simple(
        host,
        port,
        app,
        use_reloader=False,
        use_debugger=False,
        threaded=True,
        request_handler=QuietRequestHandler,
    )
    click.echo("hotline stopped")


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without `Server: Werkzeug/… Python/…`: versions help attackers."""

    def version_string(self) -> str:
        return "hotline"


def gunicorn_command(host: str, port: int) -> list[str]:
    """The gunicorn command line `hotline serve` runs in production."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        GUNICORN_CONFIG,
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
    ]


def exec_gunicorn(app: Flask, host: str, port: int) -> NoReturn:
    """Replace this process by gunicorn with the shipped configuration (never returns).

    The same process id: systemd's Type=notify and its signals reach gunicorn's master.
    The scheduler is not started here: in production it is `hotline scheduler`, a
    process of its own.
    """
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        raise HotlineError(
            "production needs gunicorn, which is not installed here: install the hotline "
            "with its dependencies (pip install .), or run with HOTLINE_ENV=development "
            "for a local trial"
        ) from None
    try:
        # Importing the configuration counts the workers, as gunicorn will.
        from hotline.deploy.gunicorn_conf import workers
    except ValueError as exc:
        raise HotlineError(f"configuration: {exc}") from None
    click.echo(
        f"hotline: gunicorn with {workers} worker(s) on {host}:{port} "
        "(production; run `hotline scheduler` as a process of its own)"
    )
    runtime_of(app).dispose()
    sys.stdout.flush()
    sys.stderr.flush()
    command = gunicorn_command(host, port)
    os.execv(command[0], command)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
