"""The demo's customers, agents and callbacks, as plain data, in one namespace.

Phone numbers: apart from 030 4412345 (the README's demo call), every number is one
of the Bundesnetzagentur's "drama numbers" (Mitteilung 148/2021: Berlin 030 23125xxx,
Frankfurt 069 90009xxx, Hamburg 040 66969xxx, Köln 0221 4710xxx, München 089 99998xxx,
and the mobile numbers 0152 28817386 and 0172 9980752). They are never assigned to
anyone, so a demo callback placed through a real Twilio account reaches no stranger.
That is also why the demo's shops sit in those five cities. The formats vary on
purpose: the import must understand all of them.
"""

from hotline.demo.agents import AGENTS, DEMO_PASSWORD, DemoAgent
from hotline.demo.callbacks import CALLBACKS, DemoCallback
from hotline.demo.customers import (
    CANCELLED_ENDED,
    CANCELLED_RUNNING,
    CUSTOMERS,
    DEMO_PIN,
    TERMINATED,
    TRY_NUMBERS,
    DemoAdmin,
    DemoContract,
    DemoCustomer,
    DemoStation,
    csv_rows,
)

__all__ = [
    "AGENTS",
    "CALLBACKS",
    "CANCELLED_ENDED",
    "CANCELLED_RUNNING",
    "CUSTOMERS",
    "DEMO_PASSWORD",
    "DEMO_PIN",
    "TERMINATED",
    "TRY_NUMBERS",
    "DemoAdmin",
    "DemoAgent",
    "DemoCallback",
    "DemoContract",
    "DemoCustomer",
    "DemoStation",
    "csv_rows",
]
