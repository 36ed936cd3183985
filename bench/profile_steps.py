"""Where a webhook's time goes: whole open-hours calls in-process, CPU and SQL per step.

The same calls as bench/webhooks.py (incoming → menu key 1 → dial answered → status),
signed, through Flask's test client instead of gunicorn, so that nothing but the app is
measured. Prints CPU time (user and system) and SQL statements per step, with the static
baseline app's CPU per request in the same run; `--profile` prints a cProfile of CPU time instead.

    .venv/bin/python bench/profile_steps.py [--calls 500] [--rounds 5] [--database-url URL]
                                            [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import webhooks as bench  # noqa: E402  (the data set and the settings of the benchmark)


def _usage() -> tuple[float, float]:
    """User and system CPU seconds of this process, in microseconds' resolution."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def _params(sid: str, caller: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    params = {
        "AccountSid": bench.ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "From": caller,
        "To": bench.HOTLINE_NUMBER,
    }
    params.update(extra or {})
    return params


def _steps(base: str, sid: str, caller: str) -> list[tuple[str, str, dict[str, str]]]:
    dial = {"DialCallStatus": "completed", "DialCallDuration": "60", "DialCallSid": "CA1"}
    return [
        ("incoming", f"{base}/voice/incoming", _params(sid, caller)),
        ("menu/choice", f"{base}/voice/menu/choice?t=1", _params(sid, caller, {"Digits": "1"})),
        ("dial-result", f"{base}/voice/dial-result", _params(sid, caller, dial)),
        (
            "status",
            f"{base}/voice/status",
            _params(sid, caller, {"CallStatus": "completed", "CallDuration": "70"}),
        ),
    ]


def run(url: str, calls: int, rounds: int, profile: bool, sort: str) -> None:
    from sqlalchemy import event
    from twilio.request_validator import RequestValidator

    base = "http://127.0.0.1:5999"
    os.environ.update(bench.hotline_env(url, 5999, bench.OPEN_NOW))
    from hotline.app import create_app
    from hotline.runtime import runtime

    app = create_app()
    with app.app_context():
        rt = runtime()
    engine = rt.engine
    statements: list[int] = [0]

    def _count(*_: Any) -> None:
        statements[0] += 1

    for counted in {rt.engine, rt.webhook_engine}:  # the webhooks' own pool on PostgreSQL
        event.listen(counted, "before_cursor_execute", _count)

    validator = RequestValidator(bench.TOKEN)
    client = app.test_client()
    cpu: dict[str, list[float]] = {}  # user time
    kernel: dict[str, list[float]] = {}  # system time: mostly SQLite's fsync at commit
    sql: dict[str, list[int]] = {}

    def one_call(i: int) -> None:
        sid = "CA" + uuid.uuid4().hex
        for name, full, params in _steps(base, sid, bench.e164_of(i)):
            signature = validator.compute_signature(full, params)
            path = full.removeprefix(base)
            before, started = statements[0], _usage()
            reply = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
            ended = _usage()
            cpu.setdefault(name, []).append(ended[0] - started[0])
            kernel.setdefault(name, []).append(ended[1] - started[1])
            sql.setdefault(name, []).append(statements[0] - before)
            body = reply.get_data(as_text=True)
            if reply.status_code != 200 or "Entschuldigung" in body:
                raise SystemExit(f"{name}: HTTP {reply.status_code}: {body[:300]}")

    for i in range(20):  # warm-up: imports, statement caches, the pool
        one_call(i)
    profiler = None
    if profile:  # CPU time, not wall time: SQLite's fsync would otherwise dominate
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    # Rounds of calls, each followed by the baseline; the fastest round of each is reported,
    # as the least disturbed by whatever else this (virtual, shared) machine does.
    per_round = max(1, calls // rounds)
    best: dict[str, float] = {}
    system: dict[str, float] = {}
    best_static = float("inf")
    for r in range(rounds):
        cpu.clear()
        kernel.clear()
        sql.clear()
        for i in range(per_round):
            one_call(20 + r * per_round + i)
        for name, times in cpu.items():
            best[name] = min(best.get(name, float("inf")), statistics.mean(times))
            system[name] = min(system.get(name, float("inf")), statistics.mean(kernel[name]))
        if profiler is None:
            best_static = min(best_static, _static_cpu(base, per_round * 4, validator))
    if profiler is not None:
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats(sort).print_stats(60)
        _print_areas(stats)
        return
    print(f"{engine.dialect.name}: {rounds} rounds of {per_round} calls, user CPU per step")
    print("(mean of the fastest round, ms), system CPU, SQL statements per step")
    for name, seconds in best.items():
        print(
            f"  {name:12s} {seconds * 1e3:6.3f} ms  system {system[name] * 1e3:6.3f} ms  "
            f"{max(sql[name])} statements"
        )
    mean_step = statistics.mean(best.values()) * 1e3
    print(f"  mean step    {mean_step:6.3f} ms   static baseline {best_static * 1e3:.3f} ms")
    print(
        f"cpu_per_step_ms={mean_step:.3f} static_ms={best_static * 1e3:.3f} "
        f"ratio={best_static * 1e3 / mean_step:.3f}"
    )


# Where a function's own time is counted, by the path of its file.
_AREAS = (
    ("sqlalchemy", "sqlalchemy"),
    ("psycopg", "/psycopg"),
    ("werkzeug", "/werkzeug/"),
    ("flask (+login, wtf)", "/flask"),
    ("twilio (TwiML, signature)", "/twilio/"),
    ("xml.etree", "/xml/"),
    ("phonenumbers", "/phonenumbers/"),
    ("itsdangerous, jinja2, markupsafe, click", "/site-packages/"),
    ("this script", "/bench/"),
    ("hotline, ivr_flows, callback", "/"),
)


def _print_areas(stats: pstats.Stats) -> None:
    """Own CPU time per library: which layer a cut has to come from."""
    totals: dict[str, float] = {}
    for (path, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
        if path == "~":
            area = "C functions (sqlite3, hmac, dict, str, ...)"
        elif "/lib/python3" in path and "/site-packages/" not in path:
            area = "standard library (urllib, contextlib, ...)"
        else:
            area = next((name for name, part in _AREAS if part in path), "generated code")
        totals[area] = totals.get(area, 0.0) + row[2]
    whole = sum(totals.values())
    for area, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {area:34s} {seconds / whole:6.1%}")


def _static_cpu(base: str, requests: int, validator: Any) -> float:
    import static_twiml

    client = static_twiml.app.test_client()
    params = _params("CA" + uuid.uuid4().hex, bench.e164_of(1))
    signature = validator.compute_signature(f"{base}/voice/incoming", params)
    for _ in range(50):
        client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": signature})
    started = _usage()[0]
    for _ in range(requests):
        client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": signature})
    return (_usage()[0] - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="calls in all (default 500)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of CPU time")
    parser.add_argument("--sort", default="cumulative", help="--profile's order (pstats keys)")
    args = parser.parse_args()
    size = args.calls + 100
    with tempfile.TemporaryDirectory() as tmp:
        db = bench.Database(args.database_url, Path(tmp), "profile")
        try:
            bench.build_dataset(db.url, numbers=size, stations=max(3, size // 3))
            run(db.url, args.calls, args.rounds, args.profile, args.sort)
        finally:
            db.drop()


if __name__ == "__main__":
    main()
