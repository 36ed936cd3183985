"""hotline demo."""

from __future__ import annotations

import click

from hotline.cli import HotlineError, cli
from hotline.db import transaction
from hotline.demo import DemoError, DemoResult, data, load_demo
from hotline.runtime import runtime


@cli.command("demo")
def demo() -> None:
    """Load demo customers, agents and callbacks (running it again changes nothing).

    Twelve German shops on both plans, three agents (password demo-passwort-123) and
    a few callbacks. Refused with HOTLINE_ENV=production: the demo agents' password
    is public.
    """
    rt = runtime()
    if rt.settings.env == "production":
        raise HotlineError(
            "hotline demo is refused in production: its agents have a published password "
            "(set HOTLINE_ENV=development for a local trial)"
        )
    try:
        with transaction(rt.sessions) as session:
            result = load_demo(session, now=rt.clock.now(), calendar=rt.calendar)
    except DemoError as exc:
        raise HotlineError(f"demo data could not be loaded: {exc}") from None
    _summary(result)


def _summary(result: DemoResult) -> None:
    report = result.imported
    if not result.changed:
        click.echo("demo data already loaded: nothing changed")
    else:
        click.echo(
            "demo data loaded: "
            f"customers {report.customers.created} new/{report.customers.updated} updated, "
            f"contracts {report.contracts.created} new/{report.contracts.updated} updated, "
            f"stations {report.stations.created} new/{report.stations.updated} updated, "
            f"agents {len(result.agents_created)} new, "
            f"callbacks {result.callbacks_created} new"
        )
    click.echo("")
    click.echo('Try a call: hotline call --from "NUMBER" (add --digits 1 to choose outage)')
    for number, what in data.TRY_NUMBERS:
        click.echo(f"  {number:<14} {what}")
    click.echo("")
    click.echo("Second Level admin PINs:")
    for customer in data.CUSTOMERS:
        for contract in customer.contracts:
            if contract.admin is not None:
                click.echo(
                    f"  {contract.admin.pin:<6} {contract.number}  "
                    f"{contract.admin.name}, {customer.name}"
                )
    click.echo("")
    click.echo(f'Agents (web sign-in password "{data.DEMO_PASSWORD}"):')
    for agent in data.AGENTS:
        roles = ["supervisor"] if agent.supervisor else []
        roles.append("available" if agent.available else "not available")
        click.echo(f"  {agent.email:<40} {', '.join(roles)}")
    click.echo("")
    click.echo("Look around: hotline contracts show V-2023-0005")
