"""Where a webhook's time goes: whole open-hours calls in-process, CPU and SQL per step.

The same calls as bench/webhooks.py (incoming → menu key 1 → dial answered → status),
signed, through Flask's test client instead of gunicorn, so that nothing but the app is
measured. Prints CPU time (process_time) and SQL statements per step, with the static
baseline app's CPU per request in the same run; `--profile` adds a pyinstrument profile.

    .venv/bin/python bench/profile_steps.py [--calls 300] [--database-url URL] [--profile]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import webhooks as bench  # noqa: E402  (the data set and the settings of the benchmark)


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


def run(url: str, calls: int, profile: bool) -> None:
    from sqlalchemy import event
    from twilio.request_validator import RequestValidator

    base = "http://127.0.0.1:5999"
    os.environ.update(bench.hotline_env(url, 5999, bench.OPEN_NOW))
    from hotline.app import create_app, runtime

    app = create_app()
    with app.app_context():
        engine = runtime().engine
    statements: list[int] = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        statements[0] += 1

    validator = RequestValidator(bench.TOKEN)
    client = app.test_client()
    cpu: dict[str, list[float]] = {}
    sql: dict[str, list[int]] = {}

    def one_call(i: int) -> None:
        sid = "CA" + uuid.uuid4().hex
        for name, full, params in _steps(base, sid, bench.e164_of(i)):
            signature = validator.compute_signature(full, params)
            path = full.removeprefix(base)
            before, started = statements[0], time.process_time()
            reply = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
            cpu.setdefault(name, []).append(time.process_time() - started)
            sql.setdefault(name, []).append(statements[0] - before)
            body = reply.get_data(as_text=True)
            if reply.status_code != 200 or "Entschuldigung" in body:
                raise SystemExit(f"{name}: HTTP {reply.status_code}: {body[:300]}")

    for i in range(20):  # warm-up: imports, statement caches, the pool
        one_call(i)
    cpu.clear()
    sql.clear()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
    for i in range(20, 20 + calls):
        one_call(i)
    if profiler is not None:
        profiler.stop()
        print(
            profiler.output_text(
                unicode=True, color=False, show_all=bool(os.environ.get("PROFILE_ALL"))
            )
        )

    static = _static_cpu(base, calls * 4, validator)
    total = [sum(step) for step in zip(*cpu.values(), strict=True)]
    print(f"{engine.dialect.name}: {calls} calls, CPU per step (median ms), SQL per step")
    for name, times in cpu.items():
        print(f"  {name:12s} {statistics.median(times) * 1e3:6.3f} ms  {max(sql[name])} statements")
    mean_step = statistics.mean(total) / 4 * 1e3
    print(f"  mean step    {mean_step:6.3f} ms   static baseline {static * 1e3:.3f} ms")
    print(f"cpu_per_step_ms={mean_step:.3f} static_ms={static * 1e3:.3f}")


def _static_cpu(base: str, requests: int, validator: Any) -> float:
    import static_twiml

    client = static_twiml.app.test_client()
    params = _params("CA" + uuid.uuid4().hex, bench.e164_of(1))
    signature = validator.compute_signature(f"{base}/voice/incoming", params)
    for _ in range(50):
        client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": signature})
    started = time.process_time()
    for _ in range(requests):
        client.post("/voice/incoming", data=params, headers={"X-Twilio-Signature": signature})
    return (time.process_time() - started) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file)")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile")
    args = parser.parse_args()
    size = args.calls + 100
    with tempfile.TemporaryDirectory() as tmp:
        db = bench.Database(args.database_url, Path(tmp), "profile")
        try:
            bench.build_dataset(db.url, numbers=size, stations=max(3, size // 3))
            run(db.url, args.calls, args.profile)
        finally:
            db.drop()


if __name__ == "__main__":
    main()
