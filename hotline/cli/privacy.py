"""hotline privacy export|erase PHONE|EMAIL: a person's data (GDPR Art. 15 and 17)."""

from __future__ import annotations

import click

from hotline.cli import HotlineError, cli, echo_json
from hotline.db import transaction
from hotline.privacy import PrivacyError, erase_person, export_person, find_person
from hotline.runtime import runtime


@cli.group("privacy")
def privacy() -> None:
    """Export or erase what the hotline stores about one person."""


@privacy.command("export")
@click.argument("subject", metavar="PHONE|EMAIL")
def export(subject: str) -> None:
    """Print one JSON document: the person's calls, callbacks, messages for the office,
    tickets, contacts, phone numbers and recording URLs (GDPR Art. 15)."""
    rt = runtime()
    with rt.sessions() as session:
        try:
            document = export_person(session, subject)
        except PrivacyError as exc:
            raise HotlineError(str(exc)) from None
    echo_json(document)


@privacy.command("erase")
@click.argument("subject", metavar="PHONE|EMAIL")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(subject: str, yes: bool) -> None:
    """Remove or blank the person's phone numbers, recordings, notes and contact data;
    calls, tickets and callbacks stay counted, without caller data (GDPR Art. 17)."""
    rt = runtime()
    with rt.sessions() as session:
        try:
            person = find_person(session, subject)
        except PrivacyError as exc:
            raise HotlineError(str(exc)) from None
    if not person.found:
        click.echo(f"nothing stored for {person.query}")
        return
    summary = (
        f"{len(person.call_ids)} calls, {len(person.callback_ids)} callbacks, "
        f"{len(person.office_message_ids)} office messages, "
        f"{len(person.contact_ids)} contacts, {len(person.phone_number_ids)} phone numbers"
    )
    if not yes:
        click.confirm(f"erase the personal data of {person.query} ({summary})?", abort=True)
    with transaction(rt.sessions) as session:
        counts = erase_person(session, subject, rt.clock.now())
    click.echo(
        f"erased {person.query}: "
        + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
    )
