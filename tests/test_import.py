"""The customer import: every bad row named, all or nothing, idempotent upsert, dry run, CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text

from hotline.accounts.secrets import check_pin
from hotline.imports import COLUMNS, ImportReport, RowError, read_csv, run_import, validate_rows
from hotline.models import Contact, Contract, Customer, PhoneNumber, Station
from hotline.runtime import Runtime
from tests.factories import make_contract

TABLES = ("customers", "contracts", "stations", "contacts", "phone_numbers", "contract_events")


def row(**values: str) -> dict[str, str]:
    """A good flat row of customer 10001, contract V-1, station 1."""
    base = {
        "customer_number": "10001",
        "customer_name": "Bäckerei Krause",
        "customer_email": "info@krause.example",
        "contract_number": "V-1",
        "plan": "flat",
        "contract_start": "2025-03-01",
        "station_number": "1",
        "station_name": "Theke",
        "station_phones": "030 4412345",
        "teamviewer_id": "",
        "admin_name": "",
        "admin_phones": "",
        "admin_email": "",
        "admin_pin": "",
    }
    base.update(values)
    return base


def sl_row(station: str, **values: str) -> dict[str, str]:
    """A good second_level row of customer 10002, contract V-2."""
    base = {
        "customer_number": "10002",
        "customer_name": "Restaurant Zum Goldenen Anker",
        "customer_email": "buero@anker.example",
        "contract_number": "V-2",
        "plan": "second_level",
        "contract_start": "2024-02-29",
        "station_number": station,
        "station_name": f"Kasse {station}",
        "station_phones": f"040 66969 50{station}",
        "admin_name": "Thomas Brandt",
        "admin_phones": "0172 9980752; 040 66969 500",
        "admin_email": "t.brandt@anker.example",
        "admin_pin": "4711",
    }
    base.update(values)
    return row(**base)


GOOD = [
    row(),
    row(station_number="2", station_name="Kasse 2", station_phones="030/4412346; 0152 28817386"),
    sl_row("1", teamviewer_id="1 402 887 310"),
    sl_row("2"),
    row(
        customer_number="10003",
        customer_name="Kiosk am Ebertplatz",
        customer_email="kiosk@mail.example",
        contract_number="V-3",
        station_phones="+49 (0)221 4710-301",
    ),
]


def to_csv(
    rows: list[dict[str, str]], delimiter: str = ",", header: tuple[str, ...] = COLUMNS
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(column, "") for column in header])
    return buffer.getvalue()


def do_import(rt: Runtime, source: str | bytes, dry_run: bool = False) -> ImportReport:
    return run_import(rt.sessions, read_csv(source), now=rt.clock.now(), dry_run=dry_run)


def snapshot(rt: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    with rt.sessions() as s:
        return {
            t: [tuple(r) for r in s.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in TABLES
        }


def counts(report: ImportReport) -> dict[str, tuple[int, int, int]]:
    return {
        kind: (c.created, c.updated, c.unchanged)
        for kind, c in (
            ("customers", report.customers),
            ("contracts", report.contracts),
            ("stations", report.stations),
        )
    }


def errors_of(source: str | bytes) -> list[tuple[int, str]]:
    return [(e.line, e.column) for e in read_csv(source).errors]


def message(source: str | bytes, line: int, column: str) -> str:
    found = [e.message for e in read_csv(source).errors if (e.line, e.column) == (line, column)]
    assert found, read_csv(source).errors
    return found[0]


# --------------------------------------------------------------------------- good files


def test_good_file_imports(rt: Runtime) -> None:
    report = do_import(rt, to_csv(GOOD))
    assert report.ok and report.committed
    assert report.rows == 5
    assert counts(report) == {
        "customers": (3, 0, 0),
        "contracts": (3, 0, 0),
        "stations": (5, 0, 0),
    }
    with rt.sessions() as s:
        v2 = s.scalar(select(Contract).where(Contract.number == "V-2"))
        assert v2 is not None
        assert v2.plan == "second_level" and v2.start == date(2024, 2, 29)
        assert v2.customer.number == "10002"
        assert [st.number for st in v2.stations] == ["1", "2"]
        assert v2.stations[0].teamviewer_id == "1 402 887 310"
        (admin,) = v2.contacts
        assert admin.role == "admin" and admin.name == "Thomas Brandt"
        assert admin.pin_hash and "4711" not in admin.pin_hash
        assert check_pin(admin.pin_hash, "4711")
        assert sorted(p.e164 for p in admin.phones) == ["+491729980752", "+494066969500"]
        assert all(p.contract_id == v2.id for p in admin.phones)
        station2 = s.scalar(
            select(Station).join(Contract).where(Contract.number == "V-1", Station.number == "2")
        )
        assert station2 is not None
        assert [p.e164 for p in station2.phones] == ["+49304412346", "+4915228817386"]
        kiosk = s.scalar(select(PhoneNumber).where(PhoneNumber.e164 == "+492214710301"))
        assert kiosk is not None and kiosk.station is not None
        v1 = s.scalar(select(Contract).where(Contract.number == "V-1"))
        assert v1 is not None and v1.contacts == [] and v1.effective_end is None


def test_same_file_twice_changes_nothing(rt: Runtime) -> None:
    do_import(rt, to_csv(GOOD))
    before = snapshot(rt)
    report = do_import(rt, to_csv(GOOD))
    assert report.ok and not report.changed
    assert counts(report) == {
        "customers": (0, 0, 3),
        "contracts": (0, 0, 3),
        "stations": (0, 0, 5),
    }
    assert snapshot(rt) == before


def test_semicolon_bom_and_crlf(rt: Runtime) -> None:
    """A German Excel export: BOM, ";" between values, CRLF line ends."""
    source = ("\ufeff" + to_csv(GOOD, delimiter=";").replace("\n", "\r\n")).encode("utf-8")
    report = do_import(rt, source)
    assert report.ok, report.errors
    assert counts(report)["stations"] == (5, 0, 0)
    with rt.sessions() as s:
        assert (
            s.scalar(select(Customer.name).where(Customer.number == "10001")) == "Bäckerei Krause"
        )


def test_header_in_any_order_and_trailing_empty_columns() -> None:
    header = tuple(reversed(COLUMNS))
    source = to_csv(GOOD, header=header).replace("\n", ",,\n")
    data = read_csv(source)
    assert data.ok, data.errors
    assert len(data.contracts) == 3 and data.station_count == 5


def test_blank_lines_are_skipped_but_counted() -> None:
    lines = to_csv([row(), row(station_number="2", customer_email="x")]).split("\n")
    source = "\n".join([lines[0], "", ",,,,,,,,,,,,,", lines[1], lines[2], ""])
    assert errors_of(source) == [(5, "customer_email")]


def test_rows_from_memory_are_checked_the_same() -> None:
    data = validate_rows([row(), row(station_number="1")])
    assert [(e.line, e.column) for e in data.errors] == [(3, "station_number")]
    assert validate_rows(GOOD).ok


# --------------------------------------------------------------------------- bad files


def test_several_bad_rows_reject_the_whole_file(rt: Runtime) -> None:
    rows = [
        row(),  # line 2: good
        row(station_number="2", station_phones="030 4412345; 4412345"),  # 3
        sl_row("1"),  # 4: good
        sl_row("2", admin_pin="47"),  # 5
        row(customer_number="10003", contract_number="V-3", plan="premium"),  # 6
        row(customer_number="10004", contract_number="V-4", contract_start="01.03.2025"),  # 7
    ]
    report = do_import(rt, to_csv(rows))
    assert not report.ok and not report.committed
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "station_phones"),
        (5, "admin_pin"),
        (6, "plan"),
        (7, "contract_start"),
    ]
    assert str(report.errors[1]) == "Zeile 5, admin_pin: muss 4–8 Ziffern haben"
    assert "2. Nummer" in report.errors[0].message and "»4412345«" in report.errors[0].message
    # Nothing of the file was written, not even its good rows.
    assert snapshot(rt) == {t: [] for t in TABLES}


def test_bad_file_leaves_existing_data_untouched(rt: Runtime) -> None:
    do_import(rt, to_csv(GOOD))
    before = snapshot(rt)
    changed = [*GOOD[:-1], {**GOOD[-1], "station_name": "Neu"}, sl_row("3", plan="flat")]
    report = do_import(rt, to_csv(changed))
    assert [(e.line, e.column) for e in report.errors] == [(7, "plan")]
    assert snapshot(rt) == before


@pytest.mark.parametrize(
    ("values", "column", "expected"),
    [
        ({"station_phones": "030 4412345; 030 12"}, "station_phones", "»030 12« (2. Nummer)"),
        ({"station_phones": "4412345"}, "station_phones", "Vorwahl oder + fehlt?"),
        ({"plan": "premium"}, "plan", "»premium« ist kein Tarif"),
        ({"contract_start": "01.03.2025"}, "contract_start", "kein Datum der Form JJJJ-MM-TT"),
        ({"contract_start": "2025-02-30"}, "contract_start", "»2025-02-30« gibt es nicht"),
        ({"customer_number": "K-17"}, "customer_number", "nur Ziffern"),
        ({"station_number": "1a"}, "station_number", "nur Ziffern"),
        ({"customer_name": ""}, "customer_name", "fehlt (Pflichtfeld)"),
        ({"station_name": "  "}, "station_name", "fehlt (Pflichtfeld)"),
        ({"customer_email": "info(at)krause.de"}, "customer_email", "keine gültige E-Mail"),
        ({"admin_name": "A", "admin_email": "a@b"}, "admin_email", "keine gültige E-Mail"),
        ({"teamviewer_id": "1,23E+09"}, "teamviewer_id", "nur Ziffern und Leerzeichen"),
        ({"contract_number": "V 1"}, "contract_number", "nur Buchstaben, Ziffern"),
        ({"customer_name": "x" * 201}, "customer_name", "zu lang"),
        ({"admin_phones": "0172 9980752"}, "admin_name", "sobald eine andere admin-Spalte"),
    ],
)
def test_each_bad_value_is_named(values: dict[str, str], column: str, expected: str) -> None:
    # Line 2 is another contract, so the bad row is the only row of V-1.
    source = to_csv([row(contract_number="V-0"), row(**values)])
    assert errors_of(source) == [(3, column)]
    assert expected in message(source, 3, column)


@pytest.mark.parametrize("pin", ["47", "123456789", "47a1", "815"])
def test_pin_must_be_4_to_8_digits_and_is_never_echoed(pin: str) -> None:
    source = to_csv([sl_row("1", admin_pin=pin)])
    errors = read_csv(source).errors
    assert [(e.line, e.column, e.message) for e in errors] == [
        (2, "admin_pin", "muss 4–8 Ziffern haben")
    ]


def test_flat_contract_needs_no_admin_second_level_does() -> None:
    assert read_csv(to_csv([row()])).ok
    source = to_csv([sl_row("1", admin_name="", admin_phones="", admin_pin="", admin_email="")])
    assert errors_of(source) == [(2, "admin_name"), (2, "admin_phones"), (2, "admin_pin")]
    assert "Pflicht bei Tarif second_level" in message(source, 2, "admin_pin")


def test_more_than_five_stations_on_second_level() -> None:
    source = to_csv([sl_row(str(n), station_phones="") for n in range(1, 8)])
    assert errors_of(source) == [(7, "station_number"), (8, "station_number")]
    text_ = message(source, 7, "station_number")
    assert "Vertrag V-2" in text_ and "7 Kassen" in text_
    assert "Zeilen 2, 3, 4, 5, 6, 7, 8" in text_ and "weiterer Vertrag" in text_
    # Five are fine, and so are many on flat.
    assert read_csv(to_csv([sl_row(str(n)) for n in range(1, 6)])).ok
    assert read_csv(
        to_csv([row(station_number=str(n), station_phones="") for n in range(1, 12)])
    ).ok


@pytest.mark.parametrize(
    "column", ["admin_name", "admin_phones", "admin_email", "admin_pin", "plan", "contract_start"]
)
def test_contract_columns_must_agree(column: str) -> None:
    other = {
        "admin_name": "Tom Brandt",
        "admin_phones": "0172 9980753",
        "admin_email": "tom@anker.example",
        "admin_pin": "1234",
        "plan": "flat",
        "contract_start": "2024-03-01",
    }[column]
    source = to_csv([sl_row("1"), sl_row("2"), sl_row("3", **{column: other})])
    assert errors_of(source) == [(4, column)]
    assert "weicht von Zeile 2 ab (Vertrag V-2" in message(source, 4, column)
    if column == "admin_pin":
        assert "4711" not in message(source, 4, column) and "1234" not in message(source, 4, column)


def test_same_admin_phones_in_another_format_agree() -> None:
    source = to_csv([sl_row("1"), sl_row("2", admin_phones="+49 172 9980752;040/66969-500")])
    assert read_csv(source).ok


def test_admin_columns_empty_on_one_row_of_a_flat_contract() -> None:
    source = to_csv([row(admin_name="Anna", admin_phones="0152 28817386"), row(station_number="2")])
    assert errors_of(source) == [(3, "admin_name"), (3, "admin_phones")]


def test_customer_columns_must_agree() -> None:
    source = to_csv([row(), row(contract_number="V-9", customer_name="Bäckerei Krause GmbH")])
    assert errors_of(source) == [(3, "customer_name")]
    assert "Kunde 10001: »Bäckerei Krause«" in message(source, 3, "customer_name")


def test_contract_under_two_customers() -> None:
    source = to_csv(
        [row(), row(customer_number="10009", customer_name="Andere", station_number="2")]
    )
    assert errors_of(source) == [(3, "customer_number")]
    assert message(source, 3, "customer_number") == (
        "Vertrag V-1 gehört in Zeile 2 zu Kunde 10001; ein Vertrag gehört zu genau einem Kunden"
    )


def test_duplicate_station_also_with_leading_zero() -> None:
    source = to_csv([row(), row(station_number="01", station_name="Doppelt")])
    assert errors_of(source) == [(3, "station_number")]
    assert "schon in Zeile 2" in message(source, 3, "station_number")


def test_line_numbers_count_lines_inside_quoted_values() -> None:
    source = to_csv([row(station_name="Theke\nvorne"), row(station_number="2", plan="x")])
    assert errors_of(source) == [(4, "plan")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (tuple(c for c in COLUMNS if c != "admin_pin"), [(1, "admin_pin")]),
        ((*COLUMNS, "notes"), [(1, "notes")]),
        (tuple("Plan" if c == "plan" else c for c in COLUMNS), [(1, "Plan"), (1, "plan")]),
        ((*COLUMNS, "plan"), [(1, "plan")]),
    ],
)
def test_header_errors_name_the_column(
    header: tuple[str, ...], expected: list[tuple[int, str]]
) -> None:
    source = to_csv([row()], header=header)
    assert errors_of(source) == expected


def test_header_error_messages() -> None:
    missing = to_csv([row()], header=tuple(c for c in COLUMNS if c != "admin_pin"))
    assert str(read_csv(missing).errors[0]) == "Zeile 1, admin_pin: Spalte fehlt"
    capital = to_csv([row()], header=tuple("Plan" if c == "plan" else c for c in COLUMNS))
    assert "klein geschrieben: plan" in message(capital, 1, "Plan")


def test_wrong_number_of_values() -> None:
    lines = to_csv([row(), row(station_number="2")]).split("\n")
    source = "\n".join([lines[0], lines[1] + ",extra", lines[2][: lines[2].rindex(",")]])
    errors = read_csv(source).errors
    assert [(e.line, e.column) for e in errors] == [(2, ""), (3, "")]
    assert str(errors[0]).startswith("Zeile 2: hat 15 Werte, die Kopfzeile hat 14 Spalten")


def test_not_utf8_and_empty_files() -> None:
    latin1 = to_csv([row(), row(station_number="2", station_name="Kasse Süd")]).encode("latin-1")
    (error,) = read_csv(latin1).errors
    assert error.line == 2 and "nicht UTF-8" in error.message and "CSV UTF-8" in error.message
    assert [str(e) for e in read_csv(b"").errors] == [
        "Zeile 1: die Datei ist leer; Zeile 1 muss die Kopfzeile sein"
    ]


def test_unreadable_csv_is_explained_in_german() -> None:
    header = ",".join(COLUMNS)
    stray_quote = f'{header}\n10001,"Bäckerei "Krause",x\n'
    assert [str(e) for e in read_csv(stray_quote).errors] == [
        'Zeile 2: ist kein gültiges CSV: nach einem schließenden " muss »,« folgen '
        '(ein " im Wert wird als "" geschrieben)'
    ]
    unclosed = f'{header}\n10001,"Bäckerei Krause\n'
    (error,) = read_csv(unclosed).errors
    assert error.line == 2 and "wird bis zum Dateiende nicht geschlossen" in error.message
    assert not any(word in error.message for word in ("expected", "unexpected", "data"))


def test_unnamed_header_column_and_several_bad_phones() -> None:
    header = (*COLUMNS[:3], "", *COLUMNS[3:])
    assert [str(e) for e in read_csv(to_csv([row()], header=header)).errors] == [
        "Zeile 1, Spalte 4: hat keinen Namen"
    ]
    source = to_csv([row(station_phones="030 4412345; 4412345; x")])
    assert message(source, 2, "station_phones") == (
        "»4412345« (2. Nummer; Vorwahl oder + fehlt?) und »x« (3. Nummer) "
        "sind keine gültigen Telefonnummern"
    )
    assert message(to_csv([row(station_phones="030/12")]), 2, "station_phones") == (
        "»030/12« ist keine gültige Telefonnummer"
    )


def test_header_only_imports_nothing(rt: Runtime) -> None:
    report = do_import(rt, to_csv([]))
    assert report.ok and report.rows == 0 and not report.changed


def test_row_error_text() -> None:
    assert (
        str(RowError(7, "admin_pin", "muss 4–8 Ziffern haben"))
        == "Zeile 7, admin_pin: muss 4–8 Ziffern haben"
    )
    assert str(RowError(3, "", "hat 2 Werte")) == "Zeile 3: hat 2 Werte"


# --------------------------------------------------------------------------- updates


def test_update_counts_and_replaces_phones(rt: Runtime) -> None:
    do_import(rt, to_csv(GOOD))
    with rt.sessions() as s:
        old_hash = s.scalar(select(Contact.pin_hash))
    changed = [
        row(station_name="Verkaufstheke"),  # renamed
        row(
            station_number="2", station_name="Kasse 2", station_phones="0152 28817386; 030 4412399"
        ),
        sl_row("1", teamviewer_id="1 402 887 310"),
        sl_row("2"),
        sl_row("3"),  # new station
        # V-3 is not in this file: it stays as it is
    ]
    report = do_import(rt, to_csv(changed))
    assert report.ok, report.errors
    assert counts(report) == {
        "customers": (0, 0, 2),
        "contracts": (0, 0, 2),
        "stations": (1, 2, 2),
    }
    with rt.sessions() as s:
        v1 = s.scalar(select(Contract).where(Contract.number == "V-1"))
        assert v1 is not None
        assert [st.name for st in v1.stations] == ["Verkaufstheke", "Kasse 2"]
        assert sorted(p.e164 for p in v1.stations[1].phones) == ["+4915228817386", "+49304412399"]
        # The replaced phone is gone, no orphans are left behind.
        assert s.scalar(select(func.count()).where(PhoneNumber.e164 == "+49304412346")) == 0
        assert s.scalar(select(func.count()).select_from(PhoneNumber)) == 9
        # The unchanged PIN kept its hash.
        assert s.scalar(select(Contact.pin_hash)) == old_hash
        assert s.scalar(select(func.count()).select_from(Contract)) == 3


def test_stations_missing_from_the_file_are_left_alone(rt: Runtime) -> None:
    do_import(rt, to_csv(GOOD))
    report = do_import(rt, to_csv([row()]))
    assert counts(report)["stations"] == (0, 0, 1)
    with rt.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Station)) == 5


def test_contract_and_admin_changes(rt: Runtime) -> None:
    do_import(rt, to_csv(GOOD))
    changed = [
        sl_row("1", teamviewer_id="1 402 887 310", admin_pin="080815", admin_name="Tom Brandt"),
        sl_row("2", admin_pin="080815", admin_name="Tom Brandt"),
        row(
            customer_number="10003",
            customer_name="Kiosk am Ebertplatz",
            customer_email="neu@mail.example",
            contract_number="V-3",
            plan="second_level",
            admin_name="Ayse Demir",
            admin_phones="0221 4710399",
            admin_pin="2468",
            station_phones="+49 (0)221 4710-301",
        ),
    ]
    report = do_import(rt, to_csv(changed))
    assert report.ok, report.errors
    assert counts(report) == {
        "customers": (0, 1, 1),
        "contracts": (0, 2, 0),
        "stations": (0, 0, 3),
    }
    with rt.sessions() as s:
        v2 = s.scalar(select(Contract).where(Contract.number == "V-2"))
        assert v2 is not None
        (admin,) = v2.contacts
        assert admin.name == "Tom Brandt" and check_pin(admin.pin_hash, "080815")
        v3 = s.scalar(select(Contract).where(Contract.number == "V-3"))
        assert v3 is not None and v3.plan == "second_level"
        assert [c.name for c in v3.contacts] == ["Ayse Demir"]
        assert v3.events[-1].kind == "import_update"
        assert "plan flat → second_level" in v3.events[-1].detail
    # and again: all unchanged
    again = do_import(rt, to_csv(changed))
    assert not again.changed


def test_changed_start_moves_effective_end_of_a_cancelled_contract(rt: Runtime) -> None:
    with rt.sessions() as s:
        make_contract(
            s,
            customer_number="10001",
            contract_number="V-1",
            start=date(2025, 3, 1),
            cancellation_received=date(2025, 6, 1),
            cancellation_by="customer",
        )
        s.commit()
    with rt.sessions() as s:
        s.execute(
            text("UPDATE customers SET name = 'Bäckerei Krause', email = 'info@krause.example'")
        )
        s.commit()
    report = do_import(rt, to_csv([row(contract_start="2025-04-01")]))
    assert counts(report)["contracts"] == (0, 1, 0)
    with rt.sessions() as s:
        contract = s.scalar(select(Contract).where(Contract.number == "V-1"))
        assert contract is not None
        assert contract.effective_end == date(2026, 3, 31)


# --------------------------------------------------------------------------- against stored data


def test_contract_cannot_move_to_another_customer(rt: Runtime) -> None:
    do_import(rt, to_csv(GOOD))
    before = snapshot(rt)
    moved = row(customer_number="10009", customer_name="Andere", customer_email="a@b.example")
    report = do_import(rt, to_csv([moved]))
    assert [str(e) for e in report.errors] == [
        "Zeile 2, customer_number: Vertrag V-1 gehört zu Kunde 10001; "
        "ein Vertrag kann nicht zu einem anderen Kunden wechseln"
    ]
    assert snapshot(rt) == before


def test_stored_stations_count_towards_the_second_level_limit(rt: Runtime) -> None:
    do_import(rt, to_csv([sl_row(str(n)) for n in range(1, 5)]))
    report = do_import(rt, to_csv([sl_row("5"), sl_row("6")]))
    (error,) = report.errors
    assert (error.line, error.column) == (2, "station_number")
    assert "6 Kassen" in error.message and "Kassen 1, 2, 3, 4" in error.message
    with rt.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Station)) == 4


# --------------------------------------------------------------------------- dry run


def test_dry_run_counts_and_changes_nothing(rt: Runtime) -> None:
    report = do_import(rt, to_csv(GOOD), dry_run=True)
    assert report.ok and report.dry_run and not report.committed
    assert counts(report)["stations"] == (5, 0, 0)
    assert snapshot(rt) == {t: [] for t in TABLES}
    do_import(rt, to_csv(GOOD))
    before = snapshot(rt)
    report = do_import(rt, to_csv([row(station_name="Neu")]), dry_run=True)
    assert counts(report)["stations"] == (0, 1, 0)
    assert snapshot(rt) == before


# --------------------------------------------------------------------------- command line


def write(tmp_path: Path, content: str | bytes, name: str = "kunden.csv") -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def test_cli_imports_and_prints_counts(runner: FlaskCliRunner, rt: Runtime, tmp_path: Path) -> None:
    path = write(tmp_path, to_csv(GOOD))
    result = runner.invoke(args=["import", path])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split() == ["customers", "3", "0", "0"]
    assert lines[3].split() == ["stations", "5", "0", "0"]
    assert lines[-1] == f"imported 5 rows from {path}"
    again = runner.invoke(args=["import", path])
    assert again.output.splitlines()[3].split() == ["stations", "0", "0", "5"]


def test_cli_dry_run(runner: FlaskCliRunner, rt: Runtime, tmp_path: Path) -> None:
    path = write(tmp_path, to_csv(GOOD))
    result = runner.invoke(args=["import", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would be created" in result.output
    assert result.output.splitlines()[-1] == "dry run: 5 rows checked, nothing was changed"
    assert snapshot(rt)["customers"] == []


def test_cli_reports_every_error_and_fails(
    runner: FlaskCliRunner, rt: Runtime, tmp_path: Path
) -> None:
    rows = [row(), sl_row("1", admin_pin="12"), sl_row("2", plan="flatrate", admin_pin="12")]
    path = write(tmp_path, to_csv(rows, delimiter=";"))
    result = runner.invoke(args=["import", path])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Zeile 3, admin_pin: muss 4–8 Ziffern haben",
        "Zeile 4, plan: »flatrate« ist kein Tarif (flat oder second_level)",
        "Zeile 4, admin_pin: muss 4–8 Ziffern haben",
        f"Error: {path} rejected: 3 errors in 2 lines; nothing was imported",
    ]
    assert snapshot(rt)["customers"] == []


def test_cli_json(runner: FlaskCliRunner, rt: Runtime, tmp_path: Path) -> None:
    good = runner.invoke(args=["import", write(tmp_path, to_csv(GOOD)), "--json"])
    assert good.exit_code == 0
    document = json.loads(good.stdout)
    assert document["ok"] is True and document["committed"] is True
    assert document["stations"] == {"created": 5, "updated": 0, "unchanged": 0}
    bad = runner.invoke(
        args=["import", write(tmp_path, to_csv([row(plan="x")]), "b.csv"), "--json"]
    )
    assert bad.exit_code == 1
    document = json.loads(bad.stdout)
    assert document["ok"] is False
    assert document["errors"] == [
        {"line": 2, "column": "plan", "message": "»x« ist kein Tarif (flat oder second_level)"}
    ]


def test_cli_missing_file_is_one_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.csv")
    result = runner.invoke(args=["import", missing])
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot read {missing}: no such file\n"
    result = runner.invoke(args=["import", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot read {tmp_path}: it is a directory\n"


def test_cli_reads_standard_input(runner: FlaskCliRunner, rt: Runtime) -> None:
    result = runner.invoke(args=["import", "-"], input=to_csv(GOOD).encode())
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "imported 5 rows from -"
