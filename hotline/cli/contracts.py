"""hotline contracts show|cancel|terminate."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from hotline.cli import HotlineError, cli, echo_json
from hotline.contracts.records import (
    ContractError,
    cancel_contract,
    contract_overview,
    get_contract,
    terminate_contract,
)
from hotline.db import transaction
from hotline.runtime import runtime


@cli.group("contracts")
def contracts() -> None:
    """Show, cancel or terminate contracts."""


def _today() -> date:
    rt = runtime()
    return rt.clock.now().astimezone(rt.calendar.zone).date()


class IsoDate(click.ParamType[date]):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO date like 2026-11-30", param, ctx)


@contracts.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def show(number: str, as_json: bool) -> None:
    """Plan, status, stations, annual price, current term and cancellation of a contract."""
    rt = runtime()
    with rt.sessions() as session:
        try:
            overview = contract_overview(get_contract(session, number), _today())
        except ContractError as exc:
            raise HotlineError(str(exc)) from None
    if as_json:
        echo_json(overview)
        return
    term = overview["current_term"]
    click.echo(f"Contract {overview['contract_number']} ({overview['plan']})")
    click.echo(f"  customer   {overview['customer_number']} {overview['customer_name']}")
    click.echo(f"  status     {overview['status']}")
    click.echo(f"  term       #{term['index']}: {term['start']} – {term['end']}")
    click.echo(f"  price/year {overview['annual_price_eur'] or overview['price_problem']} EUR")
    for station in overview["stations"]:
        click.echo(f"  station    {station['number']} {station['name']}")
    for admin in overview["admins"]:
        click.echo(f"  admin      {admin['name']} <{admin['email'] or '-'}>")
    if overview["cancellation"]:
        c = overview["cancellation"]
        click.echo(f"  cancelled  received {c['received']} by {c['by']}, ends {c['effective_end']}")
    if overview["termination"]:
        t = overview["termination"]
        click.echo(f"  terminated from {t['effective']}: {t['reason']}")


@contracts.command("cancel")
@click.argument("number")
@click.option("--received", required=True, type=IsoDate(), help="Day the notice arrived.")
@click.option(
    "--by",
    type=click.Choice(["customer", "provider"]),
    default="customer",
    show_default=True,
    help="Who gave notice.",
)
def cancel(number: str, received: date, by: str) -> None:
    """Record a cancellation; it ends the current term with 14 days' notice, else the next."""
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            contract = cancel_contract(
                session, number, received=received, by=by, now=rt.clock.now()
            )
            end = contract.effective_end
    except ContractError as exc:
        raise HotlineError(str(exc)) from None
    click.echo(f"contract {number} cancelled; support runs until {end.isoformat() if end else '?'}")


@contracts.command("terminate")
@click.argument("number")
@click.option("--reason", required=True, help="Why the provider terminates (kept on record).")
@click.option("--effective", type=IsoDate(), help="First day without support (default: today).")
def terminate(number: str, reason: str, effective: date | None) -> None:
    """Terminate a contract for a reason, effective on the given day."""
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            terminate_contract(
                session,
                number,
                reason=reason,
                effective=effective or _today(),
                now=rt.clock.now(),
            )
    except ContractError as exc:
        raise HotlineError(str(exc)) from None
    click.echo(f"contract {number} terminated from {(effective or _today()).isoformat()}")
