"""The demo's agents: one supervisor, one agent available, one not."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AGENTS", "DEMO_PASSWORD", "DemoAgent"]

DEMO_PASSWORD = "demo-passwort-123"  # every demo agent's web sign-in password


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
