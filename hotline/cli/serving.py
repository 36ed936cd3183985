"""hotline serve: the web app with its background services, for the embedded default."""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType

import click
from flask import Flask, current_app
from werkzeug.serving import run_simple

from hotline.app import runtime, warn_if_unsigned
from hotline.cli import cli, configure_logging

# Packages that run beside the web app in `hotline serve` (the callback
# scheduler) add a starter here from their register(app).
SERVE_HOOKS = "hotline.serve_hooks"


def add_serve_hook(app: Flask, start: Callable[[Flask], None]) -> None:
    """Run `start(app)` when `hotline serve` starts, before it takes requests."""
    app.extensions.setdefault(SERVE_HOOKS, []).append(start)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the web app and the in-process scheduler (embedded default, one process)."""
    configure_logging()
    warn_if_unsigned(runtime().settings)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for start in app.extensions.get(SERVE_HOOKS, []):
        start(app)
    click.echo(f"hotline listening on http://{host}:{port}/ (Ctrl+C stops)")
    # No reloader: it would fork a second process and with it a second scheduler.
    # SIGTERM (a service manager, `kill`) stops it like Ctrl+C: werkzeug ends its loop on
    # KeyboardInterrupt and the command exits 0, so `make run` ends without "Error 143".
    signal.signal(signal.SIGTERM, _interrupt)
    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)
    click.echo("hotline stopped")


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt
