"""The optional CSV column cashier_dial_admin: a Second Level contract's cashiers are put
through to their admin, or only told the admin's name; the import stays all or nothing."""

from __future__ import annotations

from sqlalchemy import select

from hotline.imports import COLUMNS, read_csv
from hotline.models import Contract
from hotline.runtime import Runtime
from tests.test_import import GOOD, do_import, errors_of, message, row, sl_row, snapshot, to_csv

WITH_OPTION = (*COLUMNS, "cashier_dial_admin")


def dial_admin(rt: Runtime, number: str) -> bool:
    with rt.sessions() as s:
        return s.scalars(
            select(Contract.dial_admin_for_cashiers).where(Contract.number == number)
        ).one()


def test_the_column_switches_it_on_and_off_and_empty_leaves_it(rt: Runtime) -> None:
    on = [sl_row("1", cashier_dial_admin="ja"), sl_row("2", cashier_dial_admin="Ja")]
    assert do_import(rt, to_csv(on, header=WITH_OPTION)).ok
    assert dial_admin(rt, "V-2") is True
    # A file without the column, or with it empty, leaves the setting as it is.
    assert do_import(rt, to_csv([sl_row("1"), sl_row("2")])).ok
    assert do_import(rt, to_csv([sl_row("1"), sl_row("2")], header=WITH_OPTION)).ok
    assert dial_admin(rt, "V-2") is True
    off = [sl_row("1", cashier_dial_admin="nein"), sl_row("2", cashier_dial_admin="nein")]
    report = do_import(rt, to_csv(off, header=WITH_OPTION))
    assert report.ok and report.contracts.updated == 1
    assert dial_admin(rt, "V-2") is False


def test_bad_values_are_named_and_nothing_is_imported(rt: Runtime) -> None:
    before = snapshot(rt)
    bad = [
        row(cashier_dial_admin="ja"),
        sl_row("1", cashier_dial_admin="vielleicht"),
        sl_row("2", cashier_dial_admin="ja"),
        row(contract_number="V-9", customer_number="10009", station_phones="030 4412399"),
    ]
    source = to_csv(bad, header=WITH_OPTION)
    assert errors_of(source) == [(2, "cashier_dial_admin"), (3, "cashier_dial_admin")]
    assert message(source, 2, "cashier_dial_admin").startswith("gibt es nur bei Tarif second_level")
    assert message(source, 3, "cashier_dial_admin") == "»vielleicht« ist weder ja noch nein"
    assert not do_import(rt, source).ok
    assert snapshot(rt) == before


def test_rows_of_one_contract_must_agree() -> None:
    source = to_csv([sl_row("1", cashier_dial_admin="ja"), sl_row("2")], header=WITH_OPTION)
    assert errors_of(source) == [(3, "cashier_dial_admin")]
    assert "weicht von Zeile 2 ab (Vertrag V-2: »ja«)" in message(source, 3, "cashier_dial_admin")


def test_required_columns_are_unchanged() -> None:
    assert "cashier_dial_admin" not in COLUMNS
    assert read_csv(to_csv(GOOD)).ok
