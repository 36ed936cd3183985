"""hotline init-db."""

from __future__ import annotations

import click

from hotline.cli import cli
from hotline.db import migrate
from hotline.runtime import runtime
from hotline.settings import redact_url


@cli.command("init-db")
def init_db() -> None:
    """Create the database or migrate it to the newest schema."""
    rt = runtime()
    migrate(rt.engine)
    click.echo(f"database ready: {redact_url(rt.settings.database_url)}")
