"""hotline import FILE.csv [--dry-run] [--json]."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hotline.cli import HotlineError, cli, echo_json
from hotline.imports import ImportReport, read_csv, run_import
from hotline.runtime import runtime


@cli.command("import")
@click.argument("file", metavar="FILE.csv")
@click.option("--dry-run", is_flag=True, help="Check and count what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def import_customers(file: str, dry_run: bool, as_json: bool) -> None:
    """Import customers, contracts and stations from a CSV file (all or nothing).

    UTF-8 (a BOM is fine), "," or ";" between values, one row per station, with the
    columns customer_number, customer_name, customer_email, contract_number, plan,
    contract_start, station_number, station_name, station_phones, teamviewer_id,
    admin_name, admin_phones, admin_email, admin_pin. Rows are matched by their
    numbers, so importing the same file again changes nothing; stations a contract
    has but the file does not list are left alone. A file with any bad row is
    rejected whole, naming every bad row. Use "-" to read standard input.
    """
    source = _read(file)
    rt = runtime()
    report = run_import(rt.sessions, read_csv(source), now=rt.clock.now(), dry_run=dry_run)
    if as_json:
        echo_json({"file": file, **report.as_dict()})
        if report.errors:
            click.get_current_context().exit(1)
        return
    if report.errors:
        for error in report.errors:
            click.echo(str(error), err=True)
        lines = len({e.line for e in report.errors})
        raise HotlineError(
            f"{file} rejected: {_plural(len(report.errors), 'error')} in "
            f"{_plural(lines, 'line')}; nothing was imported"
        )
    _print_counts(report)
    if dry_run:
        click.echo(f"dry run: {_plural(report.rows, 'row')} checked, nothing was changed")
    else:
        click.echo(f"imported {_plural(report.rows, 'row')} from {file}")


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except FileNotFoundError:
        raise HotlineError(f"cannot read {file}: no such file") from None
    except IsADirectoryError:
        raise HotlineError(f"cannot read {file}: it is a directory") from None
    except OSError as exc:
        raise HotlineError(f"cannot read {file}: {exc.strerror or exc}") from None


def _print_counts(report: ImportReport) -> None:
    verb = "would be " if report.dry_run else ""
    w = len(verb) + 8
    click.echo(f"{'':10}{verb + 'created':>{w}}{verb + 'updated':>{w}}{'unchanged':>11}")
    for name, counts in (
        ("customers", report.customers),
        ("contracts", report.contracts),
        ("stations", report.stations),
    ):
        click.echo(f"{name:10}{counts.created:>{w}}{counts.updated:>{w}}{counts.unchanged:>11}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
