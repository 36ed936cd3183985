"""hotline tokens list [EMAIL] [--json] and hotline tokens revoke ID."""

from __future__ import annotations

from datetime import datetime, tzinfo

import click

from hotline.accounts.agents import AgentError, find_agent
from hotline.accounts.tokens import TokenError, TokenInfo, list_tokens, revoke_token
from hotline.cli import HotlineError, echo_json
from hotline.cli.agents import tokens
from hotline.db import transaction
from hotline.runtime import runtime


@tokens.command("list")
@click.argument("email", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def list_command(email: str | None, as_json: bool) -> None:
    """The API tokens (of one agent), newest first, with expiry and last use."""
    rt = runtime()
    with rt.sessions() as session:
        if email is not None:
            try:
                find_agent(session, email)
            except AgentError as exc:
                raise HotlineError(str(exc)) from None
        found = list_tokens(session, email)
    zone = rt.calendar.zone
    if as_json:
        echo_json([t.as_json(zone) for t in found])
        return
    now = rt.clock.now()
    for token in found:
        click.echo(_line(token, now, zone))
    if not found:
        click.echo("no API tokens")


def _line(token: TokenInfo, now: datetime, zone: tzinfo) -> str:
    fields = token.as_json(zone)
    state = "revoked" if token.revoked_at else ("valid" if token.usable(now) else "expired")
    return (
        f"{token.id:>5}  {token.agent}  {state}  created {fields['created_at']}  "
        f"expires {fields['expires_at'] or 'never'}  last used {fields['last_used_at'] or 'never'}"
    )


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
def revoke(token_id: int) -> None:
    """Revoke an API token by its id (from `hotline tokens list`); it stops working at once."""
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            token = revoke_token(session, token_id, rt.clock.now())
    except TokenError as exc:
        raise HotlineError(str(exc)) from None
    click.echo(f"token {token.id} of {token.agent} revoked")
