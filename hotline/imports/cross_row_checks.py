"""The checks across rows: one customer or contract spreads over several rows, which must agree.

Also: each station once per contract, and a second_level contract with at most
`SECOND_LEVEL_MAX_STATIONS` stations in the file. Only values that passed the row
checks are compared, so a bad cell is reported once, not again as a disagreement.
"""

from __future__ import annotations

from hotline.contracts import SECOND_LEVEL_MAX_STATIONS, Plan
from hotline.imports.records import RowError, station_key
from hotline.imports.row_checks import CheckedRow

__all__ = ["check_across_rows"]


class _Agreement:
    """Remembers the first valid value of a field per key and reports later rows that differ."""

    def __init__(self, column: str, what: str, show_value: bool = True) -> None:
        self.column = column
        self.what = what  # "contract" or "customer"
        self.show_value = show_value
        self.first: dict[str, tuple[int, object, str]] = {}

    def check(self, key: str, row: CheckedRow, value: object, shown: str) -> RowError | None:
        known = self.first.get(key)
        if known is None:
            self.first[key] = (row.line, value, shown)
            return None
        line, first_value, first_shown = known
        if value == first_value:
            return None
        if self.column == "customer_number":
            return RowError(
                row.line,
                self.column,
                f"Vertrag {key} gehört in Zeile {line} zu Kunde {first_shown}; "
                "ein Vertrag gehört zu genau einem Kunden",
            )
        was = f": »{first_shown}«" if self.show_value and first_shown else ""
        if self.show_value and not first_shown:
            was = ": leer"
        noun, of_one = _WHAT[self.what]
        return RowError(
            row.line,
            self.column,
            f"weicht von Zeile {line} ab ({noun} {key}{was}); "
            f"alle Zeilen {of_one} müssen übereinstimmen",
        )


# What an agreement is about, in German: the noun, and "of one …" (genitive).
_WHAT = {"contract": ("Vertrag", "eines Vertrags"), "customer": ("Kunde", "eines Kunden")}


def check_across_rows(rows: list[CheckedRow]) -> list[RowError]:
    """The errors of rows that contradict earlier rows of their customer or contract."""
    errors: list[RowError] = []
    customer_of = _Agreement("customer_number", "contract")
    customer_name = _Agreement("customer_name", "customer")
    customer_email = _Agreement("customer_email", "customer")
    plan = _Agreement("plan", "contract")
    start = _Agreement("contract_start", "contract")
    dial_admin = _Agreement("cashier_dial_admin", "contract")
    admin = {
        "admin_name": _Agreement("admin_name", "contract"),
        "admin_phones": _Agreement("admin_phones", "contract"),
        "admin_email": _Agreement("admin_email", "contract"),
        "admin_pin": _Agreement("admin_pin", "contract", show_value=False),
    }
    stations_seen: dict[tuple[str, str], int] = {}
    contract_stations: dict[str, list[int]] = {}

    for row in rows:
        c = row.cells
        contract = c["contract_number"] if "contract_number" in row.valid else None
        customer = c["customer_number"] if "customer_number" in row.valid else None
        checks: list[RowError | None] = []
        if customer is not None:
            if "customer_name" in row.valid:
                checks.append(
                    customer_name.check(customer, row, c["customer_name"], c["customer_name"])
                )
            if "customer_email" in row.valid:
                email = c["customer_email"]
                checks.append(customer_email.check(customer, row, email.casefold(), email))
        if contract is not None:
            if customer is not None:
                checks.append(customer_of.check(contract, row, customer, customer))
            if row.plan is not None:
                checks.append(plan.check(contract, row, row.plan, row.plan.value))
            if row.start is not None:
                checks.append(start.check(contract, row, row.start, c["contract_start"]))
            if not c["cashier_dial_admin"] or "cashier_dial_admin" in row.valid:
                shown = c["cashier_dial_admin"]
                checks.append(dial_admin.check(contract, row, row.cashier_dial_admin, shown))
            for column, agreement in admin.items():
                value = c[column]
                if value and column not in row.valid:
                    continue  # reported as invalid already
                if not value and row.plan is Plan.SECOND_LEVEL and column != "admin_email":
                    continue  # reported as missing already
                key: object = value
                if column == "admin_phones":
                    key = row.admin_phones or ()
                elif column == "admin_email":
                    key = value.casefold()
                checks.append(agreement.check(contract, row, key, value))
            if "station_number" in row.valid:
                number = c["station_number"]
                seen_on = stations_seen.setdefault((contract, station_key(number)), row.line)
                if seen_on != row.line:
                    checks.append(
                        RowError(
                            row.line,
                            "station_number",
                            f"Kasse {number} des Vertrags {contract} steht schon in Zeile "
                            f"{seen_on}; jede Kasse darf nur einmal vorkommen",
                        )
                    )
                else:
                    contract_stations.setdefault(contract, []).append(row.line)
        errors += [e for e in checks if e is not None]

    for contract, lines in contract_stations.items():
        known_plan = plan.first.get(contract)
        if known_plan is None or known_plan[1] is not Plan.SECOND_LEVEL:
            continue
        if len(lines) <= SECOND_LEVEL_MAX_STATIONS:
            continue
        listed = ", ".join(str(n) for n in lines)
        for line in lines[SECOND_LEVEL_MAX_STATIONS:]:
            errors.append(
                RowError(
                    line,
                    "station_number",
                    f"Vertrag {contract} ist Second Level und hat {len(lines)} Kassen "
                    f"(Zeilen {listed}); Second Level deckt höchstens "
                    f"{SECOND_LEVEL_MAX_STATIONS} Kassen ab, ab der "
                    f"{SECOND_LEVEL_MAX_STATIONS + 1}. Kasse ist ein weiterer Vertrag nötig",
                )
            )
    return errors
