"""Reading the customer CSV: decoding the bytes, splitting the rows, checking the header.

One row per station; the customer, contract and admin columns repeat on every row
of a contract. Each `RowError` names the line as an editor shows it (the header is
line 1), the column and a short reason in German.
"""

from __future__ import annotations

import csv
import io
import re

from hotline.imports.columns import COLUMNS, OPTIONAL_COLUMNS
from hotline.imports.records import ImportData, RowError
from hotline.imports.validation import reject_with, validate_numbered

__all__ = ["read_csv"]


def read_csv(source: bytes | str) -> ImportData:
    """Decode, split and check a whole CSV file (UTF-8, a BOM allowed; "," or ";").

    The delimiter is taken from the header line, so German Excel exports with ";"
    work as they come.
    """
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = source.count(b"\n", 0, exc.start) + 1
            bad = source[exc.start : exc.start + 1].hex()
            return ImportData(
                errors=[
                    RowError(
                        line,
                        "",
                        f"die Datei ist nicht UTF-8-kodiert (Byte 0x{bad}); "
                        "bitte als »CSV UTF-8« speichern und erneut importieren",
                    )
                ]
            )
    else:
        text = source.removeprefix("\ufeff")
    if not text.strip():
        return ImportData(
            errors=[RowError(1, "", "die Datei ist leer; Zeile 1 muss die Kopfzeile sein")]
        )

    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)

    names: list[str] | None = None
    numbered: list[tuple[int, dict[str, str]]] = []
    errors: list[RowError] = []
    previous_end = 0
    try:
        for cells in reader:
            line = previous_end + 1  # a quoted value may span lines: report where the row starts
            previous_end = reader.line_num
            if names is None:
                names, header_errors = _check_header(cells)
                if header_errors:
                    return ImportData(errors=header_errors)
                continue
            if not any(cell.strip() for cell in cells):
                continue  # blank line, or only delimiters
            if len(cells) != len(names) and not (
                len(cells) > len(names) and not any(c.strip() for c in cells[len(names) :])
            ):
                errors.append(
                    RowError(
                        line,
                        "",
                        f"hat {_values(len(cells))}, die Kopfzeile hat {len(names)} Spalten "
                        f"(ein »{_shown(delimiter)}« zu viel oder zu wenig?)",
                    )
                )
                continue
            numbered.append((line, dict(zip(names, cells, strict=False))))
    except csv.Error as exc:
        errors.append(RowError(previous_end + 1, "", _csv_problem(exc)))
        return ImportData(errors=errors, rows=len(numbered))

    data = validate_numbered(numbered)
    reject_with(data, errors)
    return data


def _check_header(cells: list[str]) -> tuple[list[str], list[RowError]]:
    names = [cell.strip() for cell in cells]
    # Spreadsheets like to add empty columns at the end; they carry nothing.
    while names and not names[-1]:
        names.pop()
    errors: list[RowError] = []
    seen: set[str] = set()
    for position, name in enumerate(names, start=1):
        if not name:
            errors.append(RowError(1, f"Spalte {position}", "hat keinen Namen"))
        elif name in seen:
            errors.append(RowError(1, name, "Spalte kommt doppelt vor"))
        elif name not in COLUMNS and name not in OPTIONAL_COLUMNS:
            hint = f" (klein geschrieben: {name.lower()})" if name.lower() in COLUMNS else ""
            errors.append(RowError(1, name, f"unbekannte Spalte{hint}"))
        seen.add(name)
    for column in COLUMNS:
        if column not in seen:
            errors.append(RowError(1, column, "Spalte fehlt"))
    return names, errors


def _values(count: int) -> str:
    return "1 Wert" if count == 1 else f"{count} Werte"


def _shown(delimiter: str) -> str:
    return "Tab" if delimiter == "\t" else delimiter


_EXPECTED_AFTER = re.compile(r"'(.)' expected after '(.)'", re.DOTALL)
_FIELD_LIMIT = re.compile(r"field larger than field limit \((\d+)\)")


def _csv_problem(exc: csv.Error) -> str:
    """The csv module's (English) complaint as a German reason; never its raw text."""
    reason = str(exc)
    if match := _EXPECTED_AFTER.fullmatch(reason):
        after, quote = match.group(1), match.group(2)
        return (
            f"ist kein gültiges CSV: nach einem schließenden {quote} muss »{_shown(after)}« "
            f"folgen (ein {quote} im Wert wird als {quote}{quote} geschrieben)"
        )
    if reason == "unexpected end of data":
        return (
            'ist kein gültiges CSV: ein Wert in Anführungszeichen (") wird bis zum Dateiende '
            "nicht geschlossen"
        )
    if match := _FIELD_LIMIT.fullmatch(reason):
        return f"ist kein gültiges CSV: ein Wert ist länger als {match.group(1)} Zeichen"
    if "NUL" in reason:
        return "ist kein gültiges CSV: enthält ein Nullzeichen (ist das eine Textdatei?)"
    return "ist kein gültiges CSV und kann nicht gelesen werden"
