"""hotline mail ingest|fetch|send, hotline tickets show."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from email_support.imap_fetch import ImapNotConfigured, fetch_once
from email_support.ingest import ingest
from email_support.outbox import send_due
from email_support.parsing import NotAMessage
from hotline.cli import EX_TEMPFAIL, HotlineError, database_problem, echo_json
from hotline.runtime import runtime
from hotline.tickets.conversation import ticket_document

log = logging.getLogger(__name__)
# sysexits.h: what an MTA's pipe delivery understands (EX_TEMPFAIL: retry later).
EX_OK, EX_DATAERR = 0, 65
MAX_STDIN_BYTES = 200 * 1024 * 1024


@click.group("mail")
def mail() -> None:
    """The e-mail channel: receive, fetch and send."""


@mail.command("ingest")
def ingest_command() -> None:
    """Store one RFC 5322 message from standard input (as an MTA pipes it).

    Exit 0 when stored (or a duplicate, or deliberately dropped), 65 when the input is
    not a message, 75 when it cannot be stored now (the MTA retries later): the database
    is unreachable, or the configuration is wrong (settings missing, database not
    initialised), which the operator can fix."""
    rt = runtime()
    try:
        raw = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    except OSError as exc:
        _fail(f"cannot read standard input: {exc}", EX_TEMPFAIL)
    if len(raw) > MAX_STDIN_BYTES:
        _fail(f"message larger than {MAX_STDIN_BYTES} bytes refused", EX_DATAERR)
    try:
        result = ingest(rt, raw)
    except NotAMessage as exc:
        _fail(f"not an e-mail message: {exc}", EX_DATAERR)
    except SQLAlchemyError as exc:
        _fail(
            f"cannot store the message now, try again later: {database_problem(exc)}", EX_TEMPFAIL
        )
    except OSError as exc:
        _fail(f"cannot store the message now, try again later: {_line(exc)}", EX_TEMPFAIL)
    except Exception as exc:  # noqa: BLE001 - the MTA must retry, never lose the message
        log.exception("mail ingest failed")
        _fail(f"cannot store the message now ({type(exc).__name__}): {_line(exc)}", EX_TEMPFAIL)
    ticket = f" ticket {result.ticket_number}" if result.ticket_number else ""
    click.echo(f"{result.action}: mail {result.mail_id}{ticket}")


@mail.command("fetch")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many messages.")
def fetch_command(as_json: bool, limit: int | None) -> None:
    """Poll the IMAP mailbox once (HOTLINE_IMAP_*): store what is new, flag it seen."""
    rt = runtime()
    try:
        result = fetch_once(rt, limit=limit)
    except ImapNotConfigured as exc:
        raise HotlineError(str(exc)) from None
    except (OSError, EOFError) as exc:
        raise HotlineError(f"IMAP server unreachable: {_line(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - imaplib's errors are not OSError
        if type(exc).__module__.startswith(("imaplib", "imap_tools")):
            raise HotlineError(f"IMAP error: {_line(exc)}") from None
        raise
    summary = {
        "fetched": result.fetched,
        "stored": result.stored,
        "duplicates": result.duplicates,
        "unreadable": result.unreadable,
    }
    if as_json:
        echo_json(summary)
    else:
        click.echo(", ".join(f"{v} {k}" for k, v in summary.items()))


@mail.command("send")
def send_command() -> None:
    """Send the outbox's due mails now (the scheduler does this every minute)."""
    rt = runtime()
    sent, failed = send_due(rt.sessions, rt.settings, rt.clock.now())
    click.echo(f"{sent} sent, {failed} failed")


@click.group("tickets")
def tickets() -> None:
    """Tickets and their conversations."""


@tickets.command("show")
@click.argument("number", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def show_command(number: int, as_json: bool) -> None:
    """The ticket with its conversation (calls, callbacks, mails, notes) in time order."""
    rt = runtime()
    zone = rt.calendar.zone
    with rt.sessions() as session:
        document = ticket_document(session, number, zone, rt.settings.hotline_number or "")
    if document is None:
        raise HotlineError(f"no ticket with number {number}")
    if as_json:
        echo_json(document)
        return
    click.echo(
        f"Ticket {document['number']} ({document['channel']}, {document['status']}): "
        f"{document['subject']}"
    )
    click.echo(
        f"  customer {document['customer_number'] or '-'}, contract "
        f"{document['contract_number'] or '-'}"
    )
    for article in document["articles"]:
        auto = " [auto]" if article["auto"] else ""
        click.echo(
            f"- {article['created_at']} {article['kind']} {article['direction']}{auto} "
            f"{article['from']} -> {article['to']}"
        )
        if article["subject"]:
            click.echo(f"  {article['subject']}")
        for line in article["body"].splitlines()[:40]:
            click.echo(f"    {line}")


def _line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _fail(message: str, code: int) -> Any:
    click.echo(f"hotline mail ingest: {message}", err=True)
    sys.exit(code)
