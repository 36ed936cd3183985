"""The demo's callback requests, covering every state an agent meets in the queue."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CALLBACKS", "DemoCallback"]


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
