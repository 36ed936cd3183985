"""PIN guessing in parallel: many calls sending admin PINs at once must not get more PINs
evaluated than the contract's hourly limit, and once it is reached the right PIN is refused."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import hotline.accounts.secrets as secrets
from hotline.models import Contract, PinAttempt
from hotline.runtime import Runtime
from tests.ivr.conftest import Phone
from tests.reliability.conftest import Figures
from tests.reliability.test_attacks import ADMIN_PIN, CASHIER
from tests.reliability.test_attacks import second_level as second_level  # noqa: F401 - fixture


class PinChecks:
    """Counts the PINs evaluated against a stored hash, right and wrong."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: Counter[bool] = Counter()
        self.order: list[bool] = []
        self.lock = threading.Lock()
        real = secrets.check_password_hash

        def counting(stored: str, value: str) -> bool:
            matched = real(stored, value)
            if stored.startswith("pbkdf2:"):  # PIN hashes; passwords use scrypt
                with self.lock:
                    self.seen[matched] += 1
                    self.order.append(matched)
            return matched

        monkeypatch.setattr(secrets, "check_password_hash", counting)


# Calls at once: a web server's worker threads, within the webhooks' connection pool (each
# thread keeps a connection of its own, ivr_flows/fastpath/connections.py).
WORKERS = 12


def in_parallel(phone: Phone, pins: list[str]) -> list[str]:
    """One call per PIN, WORKERS at a time; what each caller heard."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        walks = pool.map(lambda pin: phone.call(CASHIER, [f"{pin}#", "1"]), pins)
        return [walk.heard() for walk in walks]


def test_parallel_wrong_pins_never_exceed_the_limit(
    phone: Phone,
    rt: Runtime,
    second_level: Contract,  # noqa: F811
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    figures: Figures,
) -> None:
    checks = PinChecks(monkeypatch)
    limit = rt.settings.pin_wrong_per_contract_per_hour
    heard = in_parallel(phone, [f"{1000 + n}" for n in range(40)])
    evaluated = checks.seen[False]
    figures.measure("40 parallel wrong PINs: PINs evaluated", f"{evaluated} (limit {limit})")
    for _ in heard:
        figures.attack("IVR: parallel wrong PIN beyond the limit", evaluated <= limit)
    assert evaluated <= limit, f"{evaluated} of 40 parallel wrong PINs evaluated, limit {limit}"
    assert checks.seen[True] == 0
    session.expire_all()
    contract = session.get(Contract, second_level.id)
    assert contract is not None and contract.pin_locked_until is not None
    counted = session.scalar(
        select(func.count(PinAttempt.id)).where(PinAttempt.contract_id == second_level.id)
    )
    assert counted == evaluated
    # The limit is reached: the right PIN is not even evaluated.
    walk = phone.call(CASHIER, [f"{ADMIN_PIN}#", "1"])
    accepted = "gesperrt" not in walk.heard()
    figures.attack("IVR: right PIN after the limit", not accepted)
    assert not accepted and checks.seen[True] == 0


def test_a_burst_with_the_right_pin_evaluates_no_more_than_the_limit(
    phone: Phone,
    rt: Runtime,
    second_level: Contract,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    figures: Figures,
) -> None:
    checks = PinChecks(monkeypatch)
    limit = rt.settings.pin_wrong_per_contract_per_hour
    # 12 wrong PINs, then the right one, sent together: whichever order they arrive in,
    # a right PIN is accepted only while fewer than `limit` wrong ones were evaluated.
    pins = [f"{2000 + n}" for n in range(12)] + [ADMIN_PIN] * 3 + [f"{3000 + n}" for n in range(15)]
    in_parallel(phone, pins)
    wrong, right = checks.seen[False], checks.seen[True]
    figures.measure(
        "30-call burst with the right PIN: wrong / right evaluated", f"{wrong} / {right}"
    )
    figures.attack("IVR: burst of wrong PINs beyond the limit", wrong <= limit)
    assert wrong <= limit, f"{wrong} wrong PINs evaluated in a burst of 30, limit {limit}"
    # Evaluations are serialised on the contract's row, so their order is the real one:
    # every right PIN was evaluated while fewer than `limit` wrong ones had been.
    wrong_before = [checks.order[:i].count(False) for i, ok in enumerate(checks.order) if ok]
    late = [n for n in wrong_before if n >= limit]
    figures.attack("IVR: right PIN accepted after the limit", not late)
    assert not late, (checks.order, wrong_before)
    assert wrong + right == len(checks.order) <= limit + right
