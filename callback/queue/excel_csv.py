"""CSV that German Excel opens as is: UTF-8 with a BOM, `;` between cells, CRLF lines,
decimal commas; cells that begin with = + - @ (or a tab or CR) are neutralised with a
leading apostrophe, so that a customer's name cannot become a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """One value as Excel should show it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def excel_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The whole document: BOM, header line, one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return BOM + out.getvalue()
