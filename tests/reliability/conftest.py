"""The reliability suite: fault injection, fuzzing and attacks, with figures at the end.

Quick form (CI, the default): `.venv/bin/pytest tests/reliability` — hypothesis runs a
small, derandomised number of examples per property. Full form:

    HOTLINE_RELIABILITY=full .venv/bin/pytest tests/reliability

runs many more (random) examples. Both print the figures in the terminal summary:
faults injected and survived, inputs fuzzed and 5xx seen, attacks tried and refused.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from twilio.request_validator import RequestValidator

from hotline.runtime import Runtime
from tests.callbacks.conftest import HOTLINE_NUMBER, PUBLIC_URL
from tests.callbacks.conftest import world as world  # noqa: F401 - a fixture, re-exported
from tests.ivr.conftest import Phone
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStub
from tests.twilio_standin import twilio_standin as twilio_standin  # noqa: F401 - fixture
from tests.twilio_standin import twilio_stub as twilio_stub  # noqa: F401 - fixture

FULL = os.environ.get("HOTLINE_RELIABILITY", "").lower() == "full"
EXAMPLES = 500 if FULL else 50
FALLBACK = "+4930999999"

# Hypothesis settings of every property in the suite: bounded, no deadline (databases).
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not FULL,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


# --- figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    faults_injected: Counter[str] = field(default_factory=Counter)
    faults_survived: Counter[str] = field(default_factory=Counter)
    fuzzed: Counter[str] = field(default_factory=Counter)
    five_xx: Counter[str] = field(default_factory=Counter)
    attacks_tried: Counter[str] = field(default_factory=Counter)
    attacks_refused: Counter[str] = field(default_factory=Counter)
    measured: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault(self, kind: str) -> FaultRecord:
        """Count a fault as injected; `.survived()` once the test's checks passed."""
        with self.lock:
            self.faults_injected[kind] += 1
        return FaultRecord(self, kind)

    def input(self, target: str, status: int) -> None:
        with self.lock:
            self.fuzzed[target] += 1
            if status >= 500:
                self.five_xx[target] += 1

    def attack(self, kind: str, refused: bool) -> None:
        with self.lock:
            self.attacks_tried[kind] += 1
            if refused:
                self.attacks_refused[kind] += 1

    def measure(self, what: str, figure: str) -> None:
        """A figure an attack test measured (e.g. answer times), printed as it is."""
        with self.lock:
            self.measured[what] = figure


@dataclass
class FaultRecord:
    figures: Figures
    kind: str

    def survived(self) -> None:
        with self.figures.lock:
            self.figures.faults_survived[self.kind] += 1


FIGURES = Figures()


@pytest.fixture
def figures() -> Figures:
    return FIGURES


def _table(title: str, a: Counter[str], b: Counter[str], heads: tuple[str, str]) -> list[str]:
    lines = [f"{title:<62}{heads[0]:>10}{heads[1]:>10}"]
    for key in sorted(a):
        lines.append(f"  {key:<60}{a[key]:>10}{b[key]:>10}")
    lines.append(f"  {'total':<60}{sum(a.values()):>10}{sum(b.values()):>10}")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    f = FIGURES
    if not (f.faults_injected or f.fuzzed or f.attacks_tried):
        return
    tr = terminalreporter
    db = "SQLite + PostgreSQL" if os.environ.get("HOTLINE_TEST_DATABASE_URL") else "SQLite"
    form = "full" if FULL else "quick"
    tr.write_sep("=", f"reliability figures ({form} form, {EXAMPLES} examples/property, {db})")
    lines = _table("faults", f.faults_injected, f.faults_survived, ("injected", "survived"))
    lines.append("  (scheduler killed -9: the test of tests/callbacks/test_processes.py, run here)")
    lines += _table("inputs fuzzed", f.fuzzed, f.five_xx, ("inputs", "5xx"))
    lines += _table("attacks", f.attacks_tried, f.attacks_refused, ("tried", "refused"))
    if f.measured:
        lines.append("measured during the attacks")
        lines += [f"  {what}: {figure}" for what, figure in sorted(f.measured.items())]
    for line in lines:
        tr.write_line(line)
    summary = {
        "faults_injected": sum(f.faults_injected.values()),
        "faults_survived": sum(f.faults_survived.values()),
        "inputs_fuzzed": sum(f.fuzzed.values()),
        "5xx_seen": sum(f.five_xx.values()),
        "attacks_tried": sum(f.attacks_tried.values()),
        "attacks_refused": sum(f.attacks_refused.values()),
    }
    tr.write_line("figures: " + json.dumps(summary))


# --- the Twilio REST stand-in (tests/twilio_standin.py): down, slow, any status -------


@pytest.fixture
def twilio(twilio_stub: TwilioStub) -> TwilioStub:
    """The stand-in, healthy; set `status` or `delay` to make it fail."""
    return twilio_stub


@pytest.fixture
def settings_overrides(twilio: TwilioStub) -> dict[str, object]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_NUMBER": HOTLINE_NUMBER,
        "voice.fallback_numbers": [FALLBACK],
    }


# --- helpers ----------------------------------------------------------------------------


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def signed_post(client: FlaskClient, path: str, params: dict[str, str]) -> Any:
    """POST as Twilio does: the signature over the public URL and the form."""
    return client.post(path, data=params, headers=sign(PUBLIC_URL + path, params))


@pytest.fixture
def phone(app: Flask, rt: Runtime) -> Phone:
    return Phone(app, rt)


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG, from every logger (SQL echo and HTTP clients included)."""
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "twilio", "urllib3", "werkzeug", "hotline", "callback"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog
