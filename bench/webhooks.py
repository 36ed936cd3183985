#!/usr/bin/env python
"""Benchmark (issues 6, 17): the hotline's webhooks against a static-TwiML baseline (callers
rung and callers waiting in the live queue), the dequeue latency of the live queue, the
directory lookup at 1k vs full size, a mass-outage burst after hours, and the callback queue.

    python bench/webhooks.py --quick                       # SQLite, 10k numbers (CI smoke test)
    python bench/webhooks.py                               # SQLite, 1M numbers / 300k stations
    python bench/webhooks.py --quick --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

On PostgreSQL everything lives in schemas of its own (bench_<random>) that are dropped at
the end. The last line is `ratio_vs_static=<x> p99_ms=<y> errors=<n> dequeue_p99_ms=<z>`; the
exit status is non-zero only when errors > 0 (an error is also a lost or duplicated callback,
a caller taken out of the queue twice or never), never for speed.

The load of the throughput rounds comes from wrk (bench/wrk_replay.py: pre-signed whole
calls, every answer checked), so that the load generator is not what limits the figures;
the burst follows the TwiML in Python (aiohttp), as Twilio would. Each round replays calls
in two states of the hotline: open with the agents free (they are rung), and a mass outage
(every agent talking, callers waiting: every new caller joins the queue and requests the
wait URL several times, then hangs up). The two cannot share a round: while anybody waits,
no new caller rings an agent. The dequeue latency comes from bench/live_queue.py, run as
a step of its own on a database of its own.

The hotline runs under gunicorn with the production command line (`-w 4`, sync workers,
`hotline.app:create_app()`), with TWILIO_AUTH_TOKEN set and every request signed. Because the
call flow depends on the clock (open: ring agents; closed: callback), it runs with
HOTLINE_ENV=test and HOTLINE_NOW pinned (production ignores HOTLINE_NOW); signatures are still
checked because a token is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from live_queue import QUEUE_SID, wait_in_queue  # noqa: E402
from wrk_replay import QueueParams, Request, as_static, probe, run_wrk, write_calls  # noqa: E402

TOKEN = "bench-auth-token-" + "0" * 16
SECRET = "bench-secret-key-not-for-production"
HOTLINE_NUMBER = "+4930120045670"
OPEN_NOW = "2026-11-30T10:00:00+01:00"  # Monday 10:00 Berlin: open, agents available
CLOSED_NOW = "2026-11-28T20:00:00+01:00"  # Saturday 20:00 Berlin: closed, callbacks queued
OPENING = "2026-11-30T09:00:00+01:00"  # the opening minute after CLOSED_NOW
ACCOUNT = "AC" + "0" * 32

OPEN_FLOW = ("incoming", "menu/choice", "dial-result", "status")
QUEUE_FLOW = ("incoming", "menu/choice", "queue/wait", "queue/left", "status")
CLOSED_FLOW = ("incoming", "menu/choice", "callback/choice", "confirmation", "status")


# ---------------------------------------------------------------------------------------------
# data set
# ---------------------------------------------------------------------------------------------


def e164_of(i: int) -> str:
    """The i-th generated number: German mobile numbers, a permutation so neighbours differ."""
    return "+49151" + f"{(i * 7919 + 12345) % 100_000_000:08d}"


def build_dataset(
    url: str, numbers: int, stations: int, agents: int = 2, history: int | None = None
) -> None:
    """Migrate and fill: one customer per contract, 3 stations per contract (all `flat`),
    and `history` past calls (default: one per two numbers, at most 100k) with their steps
    and tickets, as the tables of a hotline that has run for a while hold them."""
    from sqlalchemy import insert, text

    from hotline.db import make_engine, migrate
    from hotline.models import Agent, Contract, Customer, PhoneNumber, Station

    engine = make_engine(url)
    migrate(engine)
    contracts = max(1, stations // 3)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    batch = 20_000

    def chunks(total: int, make: Any) -> Any:
        for lo in range(0, total, batch):
            yield [make(i) for i in range(lo, min(total, lo + batch))]

    with engine.begin() as conn:
        for rows in chunks(
            contracts,
            lambda i: {
                "id": i + 1,
                "number": str(100_000 + i),
                "name": f"Kunde {i}",
                "email": f"kunde{i}@example.de",
                "created_at": t0,
                "updated_at": t0,
            },
        ):
            conn.execute(insert(Customer), rows)
        for rows in chunks(
            contracts,
            lambda i: {
                "id": i + 1,
                "number": f"V-{100_000 + i}",
                "customer_id": i + 1,
                "plan": "flat",
                "start": date(2025, 3, 1),
                "effective_end": None,
                "dial_admin_for_cashiers": False,
                "created_at": t0,
                "updated_at": t0,
            },
        ):
            conn.execute(insert(Contract), rows)
        for rows in chunks(
            stations,
            lambda j: {
                "id": j + 1,
                "contract_id": j % contracts + 1,
                "number": str(j // contracts + 1),
                "name": f"Kasse {j // contracts + 1}",
            },
        ):
            conn.execute(insert(Station), rows)
        for rows in chunks(
            numbers,
            lambda i: {
                "id": i + 1,
                "e164": e164_of(i),
                "contract_id": (i % stations) % contracts + 1,
                "station_id": i % stations + 1,
                "contact_id": None,
            },
        ):
            conn.execute(insert(PhoneNumber), rows)
        conn.execute(
            insert(Agent),
            [
                {
                    "email": f"agent{k}@hotline.example",
                    "name": f"Agent {k}",
                    "phone": f"+4915111111{k:03d}",
                    "available": True,
                    "supervisor": False,
                    "active": True,
                    "created_at": t0,
                }
                for k in range(agents)
            ],
        )
        _fill_history(conn, history if history is not None else min(numbers // 2, 100_000),
                      numbers, stations, contracts, chunks)  # fmt: skip
        if engine.dialect.name == "postgresql":
            tables = ("customers", "contracts", "stations", "phone_numbers", "calls", "tickets")
            for table in tables:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.commit()
    engine.dispose()


def _fill_history(
    conn: Any, calls: int, numbers: int, stations: int, contracts: int, chunks: Any
) -> None:
    """Past calls over the week before the benchmark's Monday: without them the tables the
    webhooks write start empty, and PostgreSQL plans its prepared statements for empty
    tables (sequential scans that grow with every call of the run: 50 to 500 µs for the
    call's SELECT within 2,000 calls). A hotline in production has days of calls."""
    from sqlalchemy import insert, update

    from hotline.models import Call, CallStep, Counter, Ticket

    end = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)

    def when(i: int) -> datetime:
        return end - timedelta(seconds=(i * 7 * 86_400) // max(calls, 1))

    def call(i: int) -> dict[str, Any]:
        number = (i * 7) % numbers
        return {
            "id": i + 1,
            "call_sid": f"CAhistory{i:024d}",
            "direction": "inbound",
            "from_raw": e164_of(number),
            "caller_e164": e164_of(number),
            "contract_id": (number % stations) % contracts + 1,
            "station_id": number % stations + 1,
            "contact_id": None,
            "category": "technical",
            "outcome": "agent",
            "twilio_status": "completed",
            "pin_failures": 0,
            "identify_failures": 0,
            "started_at": when(i),
            "ended_at": when(i) + timedelta(minutes=5),
            "duration_seconds": 300,
        }

    for rows in chunks(calls, call):
        conn.execute(insert(Call), rows)
    steps = ("/voice/incoming", "/voice/menu/choice?t=1|Digits=h", "/voice/dial-result|D=c")
    for rows in chunks(
        calls * len(steps),
        lambda k: {
            "call_sid": f"CAhistory{k // len(steps):024d}",
            "step": steps[k % len(steps)],
            "twiml": "<Response><Hangup/></Response>",
            "at": when(k // len(steps)),
        },
    ):
        conn.execute(insert(CallStep), rows)
    for rows in chunks(
        calls,
        lambda i: {
            "id": i + 1,
            "number": 100_001 + i,
            "contract_id": ((i * 7) % numbers % stations) % contracts + 1,
            "station_id": (i * 7) % numbers % stations + 1,
            "call_id": i + 1,
            "channel": "phone",
            "category": "technical",
            "status": "closed",
            "subject": "",
            "opened_at": when(i),
            "closed_at": when(i) + timedelta(minutes=5),
        },
    ):
        conn.execute(insert(Ticket), rows)
    conn.execute(update(Counter).where(Counter.name == "ticket").values(value=100_000 + calls))


class Database:
    """A database of its own: a SQLite file in a temporary directory or a PostgreSQL schema."""

    def __init__(self, base_url: str | None, workdir: Path, name: str) -> None:
        self.base_url = base_url
        self.schema: str | None = None
        if base_url is None:
            self.url = f"sqlite:///{workdir / (name + '.sqlite3')}"
        else:
            from sqlalchemy import create_engine, text

            self.schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base_url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            admin.dispose()
            sep = "&" if "?" in base_url else "?"
            self.url = f"{base_url}{sep}options=-csearch_path%3D{self.schema}"

    def drop(self) -> None:
        if self.schema is None or self.base_url is None:
            return
        from sqlalchemy import create_engine, text

        admin = create_engine(self.base_url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        admin.dispose()


# ---------------------------------------------------------------------------------------------
# servers
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn with the given app, stopped (SIGTERM, then SIGKILL) by stop()."""

    def __init__(
        self,
        app: str,
        args: argparse.Namespace,
        env: dict[str, str],
        extra: list[str],
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        cmd = [
            gunicorn,
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "5",
            *extra,
            app,
        ]
        full_env = {
            k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))
        }
        full_env.update(env)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - gunicorn's output, kept for errors
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=full_env, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.workers = args.workers

    def wait_ready(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.output()}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as reply:  # noqa: S310
                    if reply.status == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer {path} in {timeout}s: {self.output()}")

    def worker_pids(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def peak_rss_mb(self) -> list[float]:
        """VmHWM (peak resident set) of every worker, in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return peaks

    def cpu_seconds(self) -> float:
        """User + system CPU of the workers so far (from /proc/PID/stat)."""
        total = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                continue
        return total / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def hotline_env(url: str, port: int, now: str) -> dict[str, str]:
    return {
        "HOTLINE_ENV": "test",
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "HOTLINE_SECRET_KEY": SECRET,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "HOTLINE_NUMBER": HOTLINE_NUMBER,
        "HOTLINE_NOW": now,
    }


def make_hotline(url: str, args: argparse.Namespace, now: str) -> Server:
    port = free_port()  # the public URL must be the one we call: signatures cover it
    return Server("hotline.app:create_app()", args, hotline_env(url, port, now), [], port)


# ---------------------------------------------------------------------------------------------
# load: wrk replaying pre-signed calls (bench/wrk_replay.py); the burst follows the TwiML in
# Python (run in its own process: `webhooks.py _load SPEC.json`)
# ---------------------------------------------------------------------------------------------


def params_of(sid: str, caller: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Twilio's parameters of a request of the call `sid` from `caller`."""
    p = {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "From": caller,
        "To": HOTLINE_NUMBER,
    }
    p.update(extra or {})
    return p


def sign(url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature of a request, made by the twilio SDK as Twilio makes it."""
    from twilio.request_validator import RequestValidator

    return str(RequestValidator(TOKEN).compute_signature(url, params))


def static_flow(body: str) -> tuple[str, list[Request]]:
    """The requests of a call to the static baseline: the open flow's paths, the one body."""
    dial = {"DialCallStatus": "completed", "DialCallDuration": "60", "DialCallSid": "CA1"}
    steps = [
        ("/voice/incoming", {}),
        ("/voice/menu/choice?t=1", {"Digits": "1", "FinishedOnKey": ""}),
        ("/voice/dial-result", dial),
        ("/voice/status", {"CallStatus": "completed", "CallDuration": "70"}),
    ]
    return "", [Request(path, extra, "exact", body) for path, extra in steps]


# The most requests per second the machine could answer: how many calls each wrk thread is
# given, so that none runs out (a thread that does is counted as an error).
MAX_RATE = 20_000


def flow_for(
    server: Server, mode: str, callers: list[str], wait_polls: int = 4, waiting: int = 200
) -> tuple[str, list[Request]]:
    """The call wrk replays: the static baseline's fixed one, or as a probe call found it
    the hotline's open flow (key 1, the agents answer) or (`queue`, the hotline in the
    queue state of `waiting` callers) key 1, `wait_polls` wait-URL requests, hanging up."""
    if mode == "static":
        from static_twiml import TWIML

        return static_flow(TWIML)
    if mode == "queue":
        return probe(server.base, params_of, sign, callers[-1], ["1"], wait_polls,
                     queue_params(waiting))  # fmt: skip
    return probe(server.base, params_of, sign, callers[-1], ["1"])


def queue_params(waiting: int) -> QueueParams:
    """Twilio's parameters of the n-th wait-URL request of a caller who joined behind
    `waiting` others (Twilio's own FIFO figures; the hotline says its own order)."""
    from ivr_flows.walker_queue import LOOP_SECONDS

    def of(loop: int) -> dict[str, str]:
        waited = str((loop - 1) * LOOP_SECONDS)
        return {"QueueSid": QUEUE_SID, "QueuePosition": str(waiting + 1), "QueueTime": waited,
                "AvgQueueTime": waited, "CurrentQueueSize": str(waiting + 1)}  # fmt: skip

    return of


def queue_state(url: str, waiting_callers: int, tag: str) -> None:
    """Before a round: nobody waiting and the agents free (`waiting_callers` 0), or a mass
    outage: every agent on duty talking and `waiting_callers` waiting in the queue (SIDs
    made unique by `tag`). What a round left waiting is abandoned first."""
    from sqlalchemy import select

    from callback.queue import presence, waiting
    from hotline.db import make_engine

    now = datetime.fromisoformat(OPEN_NOW)
    engine = make_engine(url)
    with engine.begin() as conn:
        left = waiting.ENTRIES.c.status.in_(waiting.IN_QUEUE)
        for sid in conn.scalars(select(waiting.ENTRIES.c.call_sid).where(left)).all():
            waiting.set_status(conn, sid, waiting.ABANDONED, now)
        busy = presence.AGENTS.c.busy_call_sid
        for sid in conn.scalars(select(busy).where(busy.is_not(None))).all():
            presence.free_agents_of(conn, sid)
        if waiting_callers:
            phones = conn.scalars(select(presence.AGENTS.c.phone).where(*presence.ON_DUTY))
            for k, phone in enumerate(phones.all()):
                presence.agent_answered(conn, phone=phone, call_sid=f"CAtalk{tag}{k}", now=now)
            sids = [f"CAwait{tag}{n:06d}" for n in range(waiting_callers)]
            wait_in_queue(conn, sids, now)
    engine.dispose()


def dequeue_latency(database_url: str | None, callers: int) -> dict[str, Any]:
    """bench/live_queue.py in its own process: `callers` waiting, 4 agents talking 0.2–1.0 s;
    its figures (agent free → REST dequeue answered by the Twilio stand-in) and its lines."""
    cmd = [sys.executable, str(ROOT / "bench" / "live_queue.py"), "--callers", str(callers),
           "--agents", "4", "--talk", "0.2", "1.0"]  # fmt: skip
    if database_url:
        cmd += ["--database-url", database_url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    lines = out.stdout.strip().splitlines()
    last = dict(f.split("=", 1) for f in lines[-1].split() if "=" in f) if lines else {}
    if "dequeue_p99_ms" not in last:
        raise RuntimeError(f"live_queue.py failed: {out.stdout[-2000:]}{out.stderr[-2000:]}")
    return {
        "callers": callers,
        "agents": 4,
        "p50_ms": float(last["dequeue_p50_ms"]),
        "p99_ms": float(last["dequeue_p99_ms"]),
        "wait_per_s_in_process": float(last["wait_per_s"]),
        "errors": int(last["errors"]),
        "lines": lines[:-1],
    }


def replay(
    server: Server,
    flow: tuple[str, list[Request]],
    callers: list[str],
    concurrency: int,
    warmup: float,
    seconds: float,
    workdir: Path,
) -> dict[str, Any]:
    """One round of wrk against `server`: its figures and the workers' CPU seconds."""
    workdir.mkdir()
    per_thread = math.ceil(MAX_RATE * (warmup + seconds) / len(flow[1]) / concurrency)
    write_calls(workdir, concurrency, per_thread, flow, callers, server.base, params_of, sign)
    cpu = server.cpu_seconds()
    result = run_wrk(server.base, workdir, concurrency, warmup, seconds)
    result["cpu_s"] = server.cpu_seconds() - cpu
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def _path_name(url: str) -> str:
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    return path.removeprefix("voice/")


async def _load(spec: dict[str, Any]) -> dict[str, Any]:
    """The mass-outage burst: every call at once, following the TwiML as Twilio would."""
    import xml.etree.ElementTree as ET

    import aiohttp

    base = spec["base"]
    callers: list[str] = spec["callers"]
    timeout = aiohttp.ClientTimeout(total=15)  # Twilio gives up after 15 s
    samples: list[tuple[float, float, str, bool]] = []  # (end, seconds, step, ok)
    errors: list[str] = []

    async def post(session: aiohttp.ClientSession, url: str, params: dict[str, str]) -> str | None:
        headers = {"X-Twilio-Signature": sign(url, params)}
        started = time.monotonic()
        step = _path_name(url)
        try:
            async with session.post(url, data=params, headers=headers) as reply:
                body = await reply.text()
                ok = reply.status == 200
                if not ok:
                    errors.append(f"{step}: HTTP {reply.status}")
        except Exception as exc:  # noqa: BLE001 - every failure is an error, counted
            body, ok = None, False
            errors.append(f"{step}: {type(exc).__name__} {exc}")
        samples.append((time.monotonic(), time.monotonic() - started, step, ok))
        return body if ok else None

    def wrong(step: str, why: str, body: str) -> None:
        # A 200 with the wrong TwiML (e.g. the fallback apology) is an error too.
        errors.append(f"{step}: {why}: {body[:300]}")
        for i in range(len(samples) - 1, -1, -1):  # mark the request itself as failed
            if samples[i][2] == step and samples[i][3]:
                samples[i] = (samples[i][0], samples[i][1], step, False)
                break

    async def hotline_call(session: aiohttp.ClientSession, caller: str) -> bool:
        """Follow the TwiML as Twilio would: keys 1 (outage) and 1 (own number), dial answered."""
        sid = "CA" + uuid.uuid4().hex
        keys = ["1", "1"]
        url, params = f"{base}/voice/incoming", params_of(sid, caller)
        visited: list[str] = []
        while True:
            step = _path_name(url)
            visited.append(step)
            body = await post(session, url, params)
            if body is None:
                return False
            try:
                doc = ET.fromstring(body)
            except ET.ParseError:
                wrong(step, "not XML", body)
                return False
            nxt: tuple[str, dict[str, str]] | None = None
            ended = False
            for verb in doc:
                if verb.tag == "Gather" and keys:
                    nxt = (verb.get("action", ""), params_of(sid, caller, {"Digits": keys.pop(0)}))
                    break
                if verb.tag == "Redirect":
                    nxt = ((verb.text or "").strip(), params_of(sid, caller))
                    break
                if verb.tag == "Dial":
                    extra = {"DialCallStatus": "completed", "DialCallDuration": "60",
                             "DialCallSid": "CA" + uuid.uuid4().hex}  # fmt: skip
                    nxt = (verb.get("action", ""), params_of(sid, caller, extra))
                    break
                if verb.tag in ("Hangup", "Reject"):
                    ended = True
                    break
            if nxt is None or ended:
                break
            url, params = nxt
            if len(visited) > 10:
                wrong(step, "the IVR loops", body)
                return False
        if not ended:
            wrong(visited[-1], "call did not end with <Hangup>", body)
            return False
        body = await post(
            session,
            f"{base}/voice/status",
            params_of(sid, caller, {"CallStatus": "completed", "CallDuration": "70"}),
        )
        if body is None:
            return False
        visited.append("status")
        if tuple(visited) != CLOSED_FLOW:
            wrong(visited[-1], f"unexpected flow {visited}", body)
            return False
        return True

    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.monotonic()
        results = await asyncio.gather(*(hotline_call(session, c) for c in callers))
        finished = time.monotonic()
    return {
        "mode": "closed",
        "seconds": max(finished - started, 1e-9),
        "latencies": {
            name: [s[1] for s in samples if s[2] == name and s[3]]
            for name in sorted({s[2] for s in samples})
        },
        "calls": sum(results),
        "errors": len(errors),
        "error_samples": errors[:5],
        "all_requests": len(samples),
    }


def summarize(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge load rounds: throughput over the summed measuring time, percentiles per step."""
    seconds = sum(r["seconds"] for r in rounds)
    names = sorted({n for r in rounds for n in r["latencies"]})
    steps: dict[str, dict[str, float]] = {}
    everything: list[float] = []
    for name in names:
        lat = sorted(x for r in rounds for x in r["latencies"].get(name, []))
        everything += lat
        steps[name] = {
            "count": len(lat),
            "per_s": len(lat) / seconds,
            "p50_ms": _pct(lat, 50) * 1000,
            "p99_ms": _pct(lat, 99) * 1000,
            "max_ms": (lat[-1] if lat else 0) * 1000,
        }
    everything.sort()
    return {
        "seconds": seconds,
        "requests": len(everything),
        "per_s": len(everything) / seconds,
        "p50_ms": _pct(everything, 50) * 1000,
        "p99_ms": _pct(everything, 99) * 1000,
        "calls": sum(r["calls"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "error_samples": [e for r in rounds for e in r["error_samples"]][:5],
        "steps": steps,
        "cpu_ms_per_request": 1000
        * sum(r.get("cpu_s", 0.0) for r in rounds)
        / max(1, sum(r["all_requests"] for r in rounds)),
        "round_per_s": [
            sum(len(v) for v in r["latencies"].values()) / r["seconds"] for r in rounds
        ],
    }


def _pct(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    k = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))
    return values[k]


def run_load(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """The load generator in its own process; returns its JSON result."""
    spec_file = workdir / f"load-{uuid.uuid4().hex[:6]}.json"
    spec_file.write_text(json.dumps(spec))
    limit = spec.get("warmup", 0) + spec.get("seconds", 0) + 120
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "_load", str(spec_file)],
        capture_output=True,
        text=True,
        timeout=limit,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed: {out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# ---------------------------------------------------------------------------------------------
# in-process measurements with the product's own functions
# ---------------------------------------------------------------------------------------------


def lookup_us(small_url: str, full_url: str, numbers: int, rounds: int = 9) -> tuple[float, float]:
    """Mean time of the webhooks' caller lookup (own connection each) at 1k and at full size:
    the median over rounds of 1,000 random numbers, the two sizes taking turns so that other
    work on the machine hits both alike."""
    import random

    from hotline.db import make_engine, unpinged
    from ivr_flows.fastpath.call_row import matches_of_number

    rng = random.Random(6)
    sizes: list[tuple[Any, int, list[float]]] = [
        (make_engine(small_url), 1_000, []),
        (make_engine(full_url), numbers, []),
    ]
    for r in range(rounds + 1):
        for engine, count, means in sizes:
            sample = [e164_of(rng.randrange(count)) for _ in range(1000)]
            t = time.perf_counter()
            for number in sample:
                with unpinged(), engine.connect() as conn:
                    found = matches_of_number(conn, number)
                    if len(found) != 1:
                        raise RuntimeError(f"lookup of {number} found {len(found)} contracts")
            if r:  # the first round warms caches and the connection pool
                means.append((time.perf_counter() - t) / len(sample) * 1e6)
    for engine, _count, _means in sizes:
        engine.dispose()
    return statistics.median(sizes[0][2]), statistics.median(sizes[1][2])


def fill_queue(url: str, count: int, numbers: int, stations: int) -> None:
    """`count` queued callbacks, due at the opening minute, requested over the weekend."""
    from sqlalchemy import insert

    from hotline.db import make_engine
    from hotline.models import Callback

    engine = make_engine(url)
    contracts = max(1, stations // 3)
    opening = datetime.fromisoformat(OPENING)
    friday = datetime.fromisoformat("2026-11-27T18:00:00+01:00")
    with engine.begin() as conn:
        for lo in range(0, count, 20_000):
            rows = []
            for i in range(lo, min(count, lo + 20_000)):
                n = (i * 37) % numbers
                at = friday + timedelta(seconds=i % 200_000)
                rows.append(
                    {
                        "phone": e164_of(n),
                        "contract_id": (n % stations) % contracts + 1,
                        "station_id": n % stations + 1,
                        "category": "outage" if i % 4 == 0 else "technical",
                        "priority": 0 if i % 4 == 0 else 1,
                        "status": "queued",
                        "requested_at": at,
                        "due_at": opening,
                        "attempts": 0,
                        "note": "",
                        "updated_at": at,
                        "releases": 0,
                    }
                )
            conn.execute(insert(Callback), rows)
    if engine.dialect.name == "postgresql":
        # Autovacuum analyses a table soon after 100k inserts; until then the planner
        # works with the statistics of an empty table (a first page then takes ~100 ms).
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE callbacks")
    engine.dispose()


def api_token(url: str) -> str:
    from hotline.accounts.agents import create_token
    from hotline.db import make_engine, make_session_factory

    engine = make_engine(url)
    with make_session_factory(engine)() as session, session.begin():
        token = create_token(session, "agent0@hotline.example", datetime.now(UTC))
    engine.dispose()
    return token


def first_page_ms(
    base: str, token: str, query: str, tries: int = 5
) -> tuple[float, float, int, int]:
    """(first request ms, median ms, items on the page, bytes) of GET /api/v1/callbacks."""
    times, items, size = [], 0, 0
    for _ in range(tries):
        req = urllib.request.Request(
            f"{base}/api/v1/callbacks{query}", headers={"Authorization": f"Bearer {token}"}
        )
        t = time.perf_counter()
        with urllib.request.urlopen(req, timeout=120) as reply:  # noqa: S310
            body = reply.read()
            if reply.status != 200:
                raise RuntimeError(f"GET /api/v1/callbacks: HTTP {reply.status}")
        times.append((time.perf_counter() - t) * 1000)
        size = len(body)
        items = len(json.loads(body))
    return times[0], statistics.median(times), items, size


def count_burst(url: str, expected_calls: int) -> dict[str, int]:
    """Callbacks stored by the burst: per call exactly one, per caller exactly one."""
    from sqlalchemy import func, select

    from hotline.db import make_engine
    from hotline.models import Call, Callback

    engine = make_engine(url)
    with engine.connect() as conn:
        calls = conn.scalar(select(func.count(Call.id))) or 0
        rows = (
            conn.scalar(select(func.count(Callback.id)).where(Callback.call_id.is_not(None))) or 0
        )
        distinct_calls = (
            conn.scalar(
                select(func.count(func.distinct(Callback.call_id))).where(
                    Callback.call_id.is_not(None)
                )
            )
            or 0
        )
        distinct_phones = (
            conn.scalar(
                select(func.count(func.distinct(Callback.phone))).where(
                    Callback.call_id.is_not(None)
                )
            )
            or 0
        )
        queued = (
            conn.scalar(
                select(func.count(Callback.id)).where(
                    Callback.call_id.is_not(None), Callback.status == "queued"
                )
            )
            or 0
        )
    engine.dispose()
    return {
        "calls_in_database": calls,
        "stored": rows,
        "queued": queued,
        "lost": max(0, expected_calls - distinct_calls),
        "duplicated": (rows - distinct_calls) + (distinct_calls - distinct_phones),
    }


def release_seconds(url: str, expected: int) -> tuple[float, int]:
    from callback.release import release_due
    from hotline.db import make_engine

    engine = make_engine(url)
    t = time.perf_counter()
    released = release_due(engine, datetime.fromisoformat(OPENING))
    seconds = time.perf_counter() - t
    again = release_due(engine, datetime.fromisoformat(OPENING))
    engine.dispose()
    if again:
        raise RuntimeError(f"a second release found {again} more")
    return seconds, released


# ---------------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k numbers, short runs (CI)")
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite files)")
    parser.add_argument("--numbers", type=int, help="phone numbers (default 1M, quick 10k)")
    parser.add_argument("--stations", type=int, help="stations (default 300k, quick 3k)")
    parser.add_argument("--concurrency", type=int, default=16, help="simultaneous calls")
    parser.add_argument(
        "--seconds",
        type=float,
        help="measured seconds per server, split over the rounds (quick 9, full 30)",
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating baseline/hotline rounds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn -w (production: 4)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads")
    parser.add_argument("--burst", type=int, default=500, help="calls at once after hours")
    parser.add_argument("--queue", type=int, default=100_000, help="queued callbacks")
    parser.add_argument("--queue-share", type=float, default=1 / 3,
                        help="share of each round's seconds in the live queue's state")  # fmt: skip
    parser.add_argument("--waiting", type=int, default=200,
                        help="callers waiting in the live queue's state")  # fmt: skip
    parser.add_argument("--wait-polls", type=int, default=4,
                        help="wait-URL requests of each replayed waiting caller")  # fmt: skip
    parser.add_argument("--dequeue-callers", type=int,
                        help="callers waiting in the dequeue run (200, quick 40)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write all figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite files / schemas")
    args = parser.parse_args(argv)
    numbers = args.numbers or (10_000 if args.quick else 1_000_000)
    stations = args.stations or (3_000 if args.quick else 300_000)
    seconds = args.seconds or (9.0 if args.quick else 30.0)
    dequeue_callers = args.dequeue_callers or (40 if args.quick else 200)
    if not 0 <= args.queue_share < 1 or args.wait_polls < 1 or args.waiting < 1:
        parser.error("--queue-share must be in [0, 1), --wait-polls and --waiting at least 1")
    db_name = "postgresql" if args.database_url else "sqlite"

    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    databases: list[Database] = []
    servers: list[Server] = []
    report: dict[str, Any] = {"database": db_name, "numbers": numbers, "stations": stations,
                              "concurrency": args.concurrency, "workers": args.workers,
                              "threads": args.threads}  # fmt: skip
    errors = 0

    def say(line: str) -> None:
        print(line, flush=True)

    try:
        # 1. data sets: the full one and a 1k one for the lookup ratio
        t = time.perf_counter()
        full = Database(args.database_url, workdir, "full")
        databases.append(full)
        build_dataset(full.url, numbers, stations)
        small = Database(args.database_url, workdir, "small")
        databases.append(small)
        build_dataset(small.url, 1_000, 300)
        report["build_s"] = time.perf_counter() - t
        say(f"[{db_name}] data set: {numbers} numbers, {stations} stations, "
            f"{max(1, stations // 3)} contracts, built in {report['build_s']:.1f} s")  # fmt: skip

        # 2. directory lookup, in-process with the real function
        small_us, full_us = lookup_us(small.url, full.url, numbers)
        report["lookup"] = {"1k_us": small_us, "full_us": full_us, "ratio": full_us / small_us}
        say(f"caller lookup: 1k {small_us:.0f} µs, {numbers} {full_us:.0f} µs, "
            f"ratio {full_us / small_us:.2f} (target ≤ 1.3)")  # fmt: skip

        callers = [e164_of(i) for i in range(0, numbers, max(1, numbers // 5000))]

        # 3. the baseline and the hotline under the same gunicorn settings, the same load
        # Both servers run side by side and the load alternates between them in short
        # rounds, so that other work on the machine hits baseline and hotline alike.
        static = Server("static_twiml:app", args, {}, ["--pythonpath", str(ROOT / "bench")])
        servers.append(static)
        hot = make_hotline(full.url, args, OPEN_NOW)
        servers.append(hot)
        static.wait_ready("/healthz")
        hot.wait_ready("/healthz")
        round_seconds = seconds / args.rounds
        shares = {"open": 1 - args.queue_share, "queue": args.queue_share}
        say(
            f"load: wrk, {args.concurrency} connections, pre-signed whole calls, "
            f"{args.rounds} alternating rounds of {seconds / args.rounds:.1f} s per server: "
            f"{shares['open'] * round_seconds:.1f} s agents free (rung), "
            f"{shares['queue'] * round_seconds:.1f} s all agents talking, {args.waiting} "
            f"waiting (new callers join the queue, {args.wait_polls} wait-URL requests each)"
        )
        static_rounds: list[dict[str, Any]] = []
        hot_rounds: list[dict[str, Any]] = []
        flows: dict[str, tuple[str, list[Request]]] = {}
        for mode in shares:
            queue_state(full.url, args.waiting if mode == "queue" else 0, f"probe{mode}")
            flows[mode] = flow_for(hot, mode, callers, args.wait_polls, args.waiting)
        from static_twiml import TWIML

        # The open flow's baseline as before; the queue's: the probed requests, one answer.
        static_flows = {"open": flow_for(static, "static", callers),
                        "queue": as_static(flows["queue"], TWIML)}  # fmt: skip
        for number in range(args.rounds):
            for mode, share in shares.items():
                if not share:
                    continue
                for server, name, flow, rounds in (
                    (static, "static", static_flows[mode], static_rounds),
                    (hot, "hotline", flows[mode], hot_rounds),
                ):
                    if server is hot:
                        waiting = args.waiting if mode == "queue" else 0
                        queue_state(full.url, waiting, f"{mode}{number}")
                    work = workdir / f"{name}-{mode}-{number}"
                    rounds.append(replay(server, flow, callers, args.concurrency, args.warmup,
                                         share * round_seconds, work))  # fmt: skip
        queue_state(full.url, 0, "after")
        base_result = summarize(static_rounds)
        hot_result = summarize(hot_rounds)
        base_result["peak_rss_mb"] = static.peak_rss_mb()
        hot_result["peak_rss_mb"] = hot.peak_rss_mb()
        for server in (static, hot):
            server.stop()
            servers.remove(server)
        report["static"] = base_result
        report["hotline"] = hot_result
        errors += base_result["errors"] + hot_result["errors"]
        ratio = hot_result["per_s"] / max(base_result["per_s"], 1e-9)
        worst_p99 = max((s["p99_ms"] for s in hot_result["steps"].values()), default=0.0)
        report["ratio_vs_static"] = ratio
        report["p99_ms"] = worst_p99
        b, h = base_result, hot_result
        say(
            f"static baseline: {b['per_s']:.0f} req/s, p50 {b['p50_ms']:.1f} ms, "
            f"p99 {b['p99_ms']:.1f} ms, errors {b['errors']}"
        )
        say(
            f"hotline: {h['per_s']:.0f} steps/s ({h['calls'] / seconds:.0f} calls/s), "
            f"p50 {h['p50_ms']:.1f} ms, p99 {h['p99_ms']:.1f} ms, errors {h['errors']}"
        )
        for name in dict.fromkeys(OPEN_FLOW + QUEUE_FLOW):
            s = hot_result["steps"].get(name, {"per_s": 0, "p50_ms": 0, "p99_ms": 0})
            b = base_result["steps"].get(name, {"per_s": 0, "p50_ms": 0, "p99_ms": 0})
            say(f"  step {name:<12} {s['per_s']:7.0f}/s  p50 {s['p50_ms']:6.1f} ms  "
                f"p99 {s['p99_ms']:6.1f} ms   (static p99 {b['p99_ms']:.1f} ms, "
                f"p99 ×{s['p99_ms'] / max(b['p99_ms'], 1e-9):.1f})")  # fmt: skip
        cpu_h, cpu_s = hot_result["cpu_ms_per_request"], base_result["cpu_ms_per_request"]
        report["cpu_ms_per_request"] = {"hotline": cpu_h, "static": cpu_s}
        say(
            f"worker CPU per request: hotline {cpu_h:.2f} ms, static {cpu_s:.2f} ms "
            f"(static/hotline {cpu_s / max(cpu_h, 1e-9):.2f}: the ratio a CPU-bound machine allows)"
        )
        for sample in base_result["error_samples"] + hot_result["error_samples"]:
            say(f"  error: {sample}")
        rss_h, rss_s = hot_result["peak_rss_mb"], base_result["peak_rss_mb"]
        report["peak_rss_mb"] = {"hotline": rss_h, "static": rss_s}
        say(f"peak RSS per worker: hotline max {max(rss_h, default=0):.0f} MB "
            f"({', '.join(f'{m:.0f}' for m in rss_h)}), static max {max(rss_s, default=0):.0f} MB "
            f"(×{max(rss_h, default=0) / max(max(rss_s, default=1), 1e-9):.1f})")  # fmt: skip

        # 3b. the live queue's dequeue latency (bench/live_queue.py, its own database)
        dq = dequeue_latency(args.database_url, dequeue_callers)
        report["dequeue"] = {k: v for k, v in dq.items() if k != "lines"}
        errors += dq["errors"]
        say(
            f"live queue: {dq['callers']} waiting, {dq['agents']} agents talking 0.2–1.0 s: "
            f"agent free → REST dequeue p50 {dq['p50_ms']:.0f} ms, p99 {dq['p99_ms']:.0f} ms "
            f"(target p99 ≤ 1000 ms), errors {dq['errors']} (bench/live_queue.py:)"
        )
        for line in dq["lines"]:
            say(f"  {line.strip()}")

        # 4. the mass-outage burst after hours: every call must leave exactly one callback
        closed = make_hotline(full.url, args, CLOSED_NOW)
        servers.append(closed)
        closed.wait_ready("/healthz")
        contracts = max(1, stations // 3)
        burst_callers = [e164_of(i) for i in range(min(args.burst, contracts))]
        if len(burst_callers) < args.burst:
            raise RuntimeError(f"the data set has only {contracts} contracts for the burst")
        burst = run_load({"base": closed.base, "mode": "closed", "callers": burst_callers,
                          "burst": True}, workdir)  # fmt: skip
        counted = count_burst(full.url, args.burst)
        burst = summarize([burst])
        report["burst"] = {**burst, **counted}
        burst_errors = burst["errors"] + counted["lost"] + counted["duplicated"]
        errors += burst_errors
        say(
            f"burst: {args.burst} calls at once after hours in {burst['seconds']:.1f} s, "
            f"{counted['stored']}/{args.burst} callbacks stored ({counted['queued']} queued), "
            f"lost {counted['lost']}, duplicated {counted['duplicated']}, "
            f"errors {burst['errors']}, p99 {burst['p99_ms']:.0f} ms, "
            f"slowest {max((s['max_ms'] for s in burst['steps'].values()), default=0):.0f} ms"
        )
        for sample in burst["error_samples"]:
            say(f"  error: {sample}")

        # 5. 100k waiting: the first page of the API, then the release at the opening minute
        fill_queue(full.url, args.queue, numbers, stations)
        token = api_token(full.url)
        waiting = args.queue + counted["queued"]
        report["api_first_page"] = {}
        for query in ("", "?status=queued"):
            first, median, items, size = first_page_ms(closed.base, token, query)
            report["api_first_page"][query or "all"] = {
                "first_ms": first, "median_ms": median, "items": items, "bytes": size,
                "waiting": waiting}  # fmt: skip
            say(
                f"GET /api/v1/callbacks{query} with {waiting} waiting: first page {median:.0f} ms"
                f" (median of 5; the very first {first:.0f} ms), {items} items, "
                f"{size / 1e3:.0f} kB (target ≤ 100 ms)"
                + ("" if items < waiting else " — NOT paginated: every row at once")
            )
        closed.stop()
        servers.remove(closed)
        rel_s, released = release_seconds(full.url, waiting)
        report["release"] = {"seconds": rel_s, "released": released, "expected": waiting}
        if released != waiting:
            errors += abs(waiting - released)
        say(f"release_due at the opening minute: {released}/{waiting} in {rel_s:.2f} s (≤ 10 s)")
    except Exception:  # a broken run is an error, and the last line still comes
        traceback.print_exc()
        errors += 1
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            for database in databases:
                try:
                    database.drop()
                except Exception as exc:  # noqa: BLE001
                    print(f"could not drop {database.schema}: {exc}", file=sys.stderr)
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept: {workdir} {[d.schema for d in databases]}", file=sys.stderr)

    report["errors"] = errors
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    ratio, p99 = report.get("ratio_vs_static", float("nan")), report.get("p99_ms", float("nan"))
    dequeue_p99 = report.get("dequeue", {}).get("p99_ms", float("nan"))
    say(
        f"ratio_vs_static={ratio:.2f} p99_ms={p99:.1f} errors={errors} "
        f"dequeue_p99_ms={dequeue_p99:.0f}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "_load":
        result = asyncio.run(_load(json.loads(Path(sys.argv[2]).read_text())))
        print(json.dumps(result))
        sys.exit(0)
    sys.exit(main())
