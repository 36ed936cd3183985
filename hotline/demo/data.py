"""The demo's customers, agents and callbacks, as plain data.

Phone numbers: apart from 030 4412345 (the README's demo call), every number is one
of the Bundesnetzagentur's "drama numbers" (Mitteilung 148/2021: Berlin 030 23125xxx,
Frankfurt 069 90009xxx, Hamburg 040 66969xxx, Köln 0221 4710xxx, München 089 99998xxx,
and the mobile numbers 0152 28817386 and 0172 9980752). They are never assigned to
anyone, so a demo callback placed through a real Twilio account reaches no stranger.
That is also why the demo's shops sit in those five cities. The formats vary on
purpose: the import must understand all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hotline.imports import COLUMNS

DEMO_PIN = "4711"  # the admin PIN of Restaurant Zum Goldenen Anker (V-2023-0005)
DEMO_PASSWORD = "demo-passwort-123"  # every demo agent's web sign-in password


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


@dataclass(frozen=True)
class DemoAgent:
    email: str
    name: str
    phone: str
    supervisor: bool
    available: bool


AGENTS: tuple[DemoAgent, ...] = (
    DemoAgent(
        "sabine.hoffmann@kassensupport.example", "Sabine Hoffmann", "030 23125 101", True, True
    ),
    DemoAgent("murat.yilmaz@kassensupport.example", "Murat Yılmaz", "030 23125 102", False, True),
    DemoAgent(
        "jana.petersen@kassensupport.example", "Jana Petersen", "040 66969 210", False, False
    ),
)


@dataclass(frozen=True)
class DemoCallback:
    """A callback request; its ticket's subject is unique and finds it on a second run."""

    subject: str
    contract_number: str
    station_number: str | None
    phone: str
    category: str  # outage | technical | legal
    # open: queued or due; retry: one unanswered attempt, due again later;
    # claimed: an agent has it; done: called back yesterday.
    state: str
    minutes_ago: int
    agent_email: str | None = None
    note: str = ""


CALLBACKS: tuple[DemoCallback, ...] = (
    DemoCallback(
        "Kasse startet nicht, Bildschirm bleibt schwarz",
        "V-2023-0001",
        "1",
        "030 23125 444",  # the owner asked to be called back on the office line
        "outage",
        "open",
        20,
    ),
    DemoCallback(
        "Frage zur TSE: Zertifikat läuft im Januar ab",
        "V-2023-0005",
        None,
        "0172 9980752",
        "legal",
        "open",
        45,
    ),
    DemoCallback(
        "Bondrucker an Kasse 2 druckt keine Belege",
        "V-2022-0003",
        "2",
        "0221 4710302",
        "technical",
        "retry",
        90,
    ),
    DemoCallback(
        "Kartenterminal verbindet sich nicht mit der Kasse",
        "V-2024-0006",
        None,
        "089 99998 300",
        "technical",
        "claimed",
        30,
        agent_email="murat.yilmaz@kassensupport.example",
    ),
    DemoCallback(
        "Kasse hängt beim Tagesabschluss",
        "V-2025-0011",
        "1",
        "069 90009 330",
        "outage",
        "done",
        24 * 60,
        agent_email="sabine.hoffmann@kassensupport.example",
        note="Tagesabschluss per Fernwartung neu angestoßen, Kasse läuft wieder.",
    ),
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
