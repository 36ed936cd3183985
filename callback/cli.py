"""hotline callbacks list, hotline scheduler."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from callback.lifecycle import STATES, CallbackError
from callback.listing import FIELDS, list_callbacks
from callback.scheduler import DEFAULT_LOCK_RETRY_SECONDS, SchedulerService
from hotline.cli import HotlineError, configure_logging, echo_json
from hotline.runtime import runtime


@click.group("callbacks")
def callbacks() -> None:
    """The callback queue."""


@callbacks.command("list")
@click.option("--status", type=click.Choice(STATES), help="Only callbacks in this state.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many (default: all).")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many first.")
def list_command(status: str | None, as_json: bool, limit: int | None, offset: int) -> None:
    """Callbacks in the order agents work them: outage first, then oldest request."""
    rt = runtime()
    with rt.sessions() as session:
        try:
            items = list_callbacks(session, rt.calendar.zone, status, limit=limit, offset=offset)
        except CallbackError as exc:
            raise HotlineError(str(exc)) from None
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("no callbacks" + (f" with status {status}" if status else ""))
        return
    click.echo(
        f"{'id':>6}  {'status':<9} {'prio':>4}  {'due_at':<25} {'phone':<16} "
        f"{'customer':<9} {'contract':<10} {'station':<7} {'category':<9} {'try':>3} ticket"
    )
    for item in items:
        click.echo(
            f"{item['id']:>6}  {item['status']:<9} {item['priority']:>4}  {item['due_at']:<25} "
            f"{item['phone']:<16} {item['customer_number'] or '-':<9} "
            f"{item['contract_number'] or '-':<10} {item['station_number'] or '-':<7} "
            f"{item['category']:<9} {item['attempts']:>3} {item['ticket_number'] or '-'}"
        )


assert FIELDS  # the list above shows every field of the shared serializer


@click.command("scheduler")
@click.option(
    "--lock-retry",
    "lock_retry",
    type=click.FloatRange(0.1, 60),
    default=DEFAULT_LOCK_RETRY_SECONDS,
    show_default=True,
    help="Seconds between a standby's tries to take over (and the active one's lock checks).",
)
def scheduler_command(lock_retry: float) -> None:
    """Run the scheduler alone (production): one active, any others wait as standby."""
    configure_logging()
    rt = runtime()
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("callback.scheduler").info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    SchedulerService(rt, lock_retry_seconds=lock_retry).run(stop)
