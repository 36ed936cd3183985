"""The demo's customers and contracts, the states some contracts end up in, and the numbers to try.

Phone numbers are never-assigned "drama numbers" in five cities (see `hotline.demo.data`);
their formats vary on purpose: the import must understand all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hotline.imports import COLUMNS

__all__ = [
    "CANCELLED_ENDED",
    "CANCELLED_RUNNING",
    "CUSTOMERS",
    "DEMO_PIN",
    "TERMINATED",
    "TRY_NUMBERS",
    "DemoAdmin",
    "DemoContract",
    "DemoCustomer",
    "DemoStation",
    "csv_rows",
]

DEMO_PIN = "4711"  # the admin PIN of Restaurant Zum Goldenen Anker (V-2023-0005)


@dataclass(frozen=True)
class DemoAdmin:
    name: str
    phones: str
    email: str
    pin: str


@dataclass(frozen=True)
class DemoStation:
    number: str
    name: str
    phones: str
    teamviewer_id: str = ""


@dataclass(frozen=True)
class DemoContract:
    number: str
    plan: str
    start: date
    stations: tuple[DemoStation, ...]
    admin: DemoAdmin | None = None


@dataclass(frozen=True)
class DemoCustomer:
    number: str
    name: str
    email: str
    contracts: tuple[DemoContract, ...]


CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer(
        "10001",
        "Bäckerei Krause",  # Berlin-Friedrichshain
        "info@baeckerei-krause.example",
        (
            DemoContract(
                "V-2023-0001",
                "flat",
                date(2023, 3, 1),
                (DemoStation("1", "Verkaufstheke", "030 4412345", "1 208 334 571"),),
            ),
        ),
    ),
    DemoCustomer(
        "10002",
        "Kiosk am Ebertplatz",  # Köln
        "kiosk.ebertplatz@mail.example",
        (
            DemoContract(
                "V-2024-0002",
                "flat",
                date(2024, 1, 15),
                (DemoStation("1", "Kasse", "+49 152 28817386"),),
            ),
        ),
    ),
    DemoCustomer(
        "10003",
        "Getränkemarkt Schulte",  # Köln-Ehrenfeld
        "kontakt@getraenke-schulte.example",
        (
            DemoContract(
                "V-2022-0003",
                "flat",
                date(2022, 9, 1),
                (
                    DemoStation("1", "Kasse 1", "(0221) 4710-301", "1 311 402 118"),
                    DemoStation("2", "Kasse 2", "0221 4710302", "1 311 402 119"),
                    DemoStation("3", "Leergutkasse", "+49 221 4710303"),
                ),
            ),
        ),
    ),
    DemoCustomer(
        "10004",
        "Hofladen Gut Wiesenhof",  # München-Langwied
        "hofladen@gut-wiesenhof.example",
        (
            DemoContract(
                "V-2024-0004",
                "flat",
                date(2024, 5, 1),
                (DemoStation("1", "Hofladen-Kasse", "089 99998 120"),),
            ),
        ),
    ),
    DemoCustomer(
        "10005",
        "Restaurant Zum Goldenen Anker",  # Hamburg-Altona
        "buero@zum-goldenen-anker.example",
        (
            DemoContract(
                "V-2023-0005",
                "second_level",
                date(2023, 10, 1),
                (
                    DemoStation("1", "Tresen", "040 66969 501", "1 402 887 310"),
                    DemoStation("2", "Restaurant", "040/66969-502"),
                    DemoStation("3", "Terrasse", "+49 40 66969503"),
                    DemoStation("4", "Bar", "0049 40 66969 504"),
                    DemoStation("5", "Außer-Haus-Verkauf", "040 66969505"),
                ),
                DemoAdmin(
                    "Thomas Brandt",
                    "0172 9980752; 040 66969 500",
                    "t.brandt@zum-goldenen-anker.example",
                    DEMO_PIN,
                ),
            ),
        ),
    ),
    DemoCustomer(
        "10006",
        "Ristorante Da Michele",  # München-Schwabing
        "ciao@da-michele.example",
        (
            DemoContract(
                "V-2024-0006",
                "second_level",
                date(2024, 2, 29),
                (
                    DemoStation("1", "Kasse Gastraum", "089 99998 301"),
                    DemoStation("2", "Kasse Pizza-Theke", "089/99998-302"),
                ),
                DemoAdmin(
                    "Michele Russo", "+49 (0)89 99998 300", "michele@da-michele.example", "2580"
                ),
            ),
        ),
    ),
    DemoCustomer(
        "10007",
        "Eiscafé Dolomiti",  # Elbe-Arkaden, Hamburg
        "dolomiti@elbe-arkaden.example",
        (
            DemoContract(
                "V-2025-0007",
                "flat",
                date(2025, 4, 1),
                # The shopping centre's shared line, also used by the bookshop (10008).
                (DemoStation("1", "Eistheke", "040 66969 300"),),
            ),
        ),
    ),
    DemoCustomer(
        "10008",
        "Buchhandlung Seitenweise",  # Elbe-Arkaden, Hamburg
        "laden@seitenweise.example",
        (
            DemoContract(
                "V-2025-0008",
                "flat",
                date(2025, 6, 15),
                (DemoStation("1", "Kasse", "040 66969 300; 040 66969 310"),),
            ),
        ),
    ),
    DemoCustomer(
        "10009",
        "Metzgerei Huber",  # München-Pasing
        "info@metzgerei-huber.example",
        (
            DemoContract(
                "V-2022-0009",
                "flat",
                date(2022, 2, 1),
                (DemoStation("1", "Ladenkasse", "089 99998 450"),),
            ),
        ),
    ),
    DemoCustomer(
        "10010",
        "Ayhan Grill",  # Frankfurt-Bockenheim
        "ayhan-grill@mail.example",
        (
            DemoContract(
                "V-2023-0010",
                "flat",
                date(2023, 6, 15),
                (DemoStation("1", "Imbisskasse", "069 90009 210"),),
            ),
        ),
    ),
    DemoCustomer(
        "10011",
        "Blumenhaus Lindner",  # Frankfurt-Sachsenhausen
        "bestellung@blumen-lindner.example",
        (
            DemoContract(
                "V-2025-0011",
                "flat",
                date(2025, 1, 2),
                (DemoStation("1", "Kasse", "0049 69 90009 330", "1 520 004 981"),),
            ),
        ),
    ),
    DemoCustomer(
        "10012",
        "Backhaus Sonnenschein GmbH",  # Frankfurt am Main, 7 branches
        "verwaltung@backhaus-sonnenschein.example",
        (
            DemoContract(
                "V-2024-0012",
                "second_level",
                date(2024, 7, 1),
                (
                    DemoStation("1", "Filiale Bornheim, Kasse 1", "069 90009 101"),
                    DemoStation("2", "Filiale Bornheim, Kasse 2", "069 90009 102"),
                    DemoStation("3", "Filiale Sachsenhausen", "069 90009 103"),
                    DemoStation("4", "Filiale Nordend", "069 90009 104"),
                    DemoStation("5", "Filiale Bockenheim", "069 90009 105"),
                ),
                DemoAdmin(
                    "Katrin Sommer",
                    "069 90009 100",
                    "k.sommer@backhaus-sonnenschein.example",
                    "1357",
                ),
            ),
            # A sixth register needs a second Second Level contract.
            DemoContract(
                "V-2025-0013",
                "second_level",
                date(2025, 2, 1),
                (
                    DemoStation("1", "Filiale Höchst", "069 90009 111"),
                    DemoStation("2", "Filiale Rödelheim", "069 90009 112"),
                ),
                DemoAdmin(
                    "Deniz Aksoy",
                    "069 90009 110",
                    "d.aksoy@backhaus-sonnenschein.example",
                    "8642",
                ),
            ),
        ),
    ),
)

# Cancelled, still running: notice arrives on the day the demo is first loaded, so the
# contract runs to the end of a term that lies ahead.
CANCELLED_RUNNING = "V-2024-0004"
# Cancelled long ago: support ended on 2024-01-31.
CANCELLED_ENDED = ("V-2022-0009", date(2023, 9, 20))
TERMINATED = (
    "V-2023-0010",
    date(2025, 4, 1),
    "Wiederholt beleidigendes Verhalten gegenüber dem Support-Team",
)

# What to try after `hotline demo`: (number to call from, what happens).
TRY_NUMBERS: tuple[tuple[str, str], ...] = (
    ("030 4412345", "Bäckerei Krause: flat, one station, straight to the menu"),
    ("0221 4710301", "Getränkemarkt Schulte: flat, 3 stations (this is station 1)"),
    ("0172 9980752", f"Zum Goldenen Anker: second_level admin (PIN {DEMO_PIN})"),
    ("040 66969501", f"Zum Goldenen Anker cashier: sent to the admin (admin PIN {DEMO_PIN})"),
    ("040 66969300", "shared line in the Elbe-Arkaden: asks for customer number 10007 or 10008"),
    ("089 99998120", "Hofladen Gut Wiesenhof: cancelled, still supported until the term ends"),
    ("089 99998450", "Metzgerei Huber: contract ended"),
    ("069 90009210", "Ayhan Grill: contract terminated"),
)


def csv_rows() -> list[dict[str, str]]:
    """The customers as import rows (one per station), exactly as a CSV file would give them."""
    rows: list[dict[str, str]] = []
    for customer in CUSTOMERS:
        for contract in customer.contracts:
            admin = contract.admin
            for station in contract.stations:
                row = {
                    "customer_number": customer.number,
                    "customer_name": customer.name,
                    "customer_email": customer.email,
                    "contract_number": contract.number,
                    "plan": contract.plan,
                    "contract_start": contract.start.isoformat(),
                    "station_number": station.number,
                    "station_name": station.name,
                    "station_phones": station.phones,
                    "teamviewer_id": station.teamviewer_id,
                    "admin_name": admin.name if admin else "",
                    "admin_phones": admin.phones if admin else "",
                    "admin_email": admin.email if admin else "",
                    "admin_pin": admin.pin if admin else "",
                }
                assert tuple(row) == COLUMNS
                rows.append(row)
    return rows
