#!/usr/bin/env python
"""Benchmark (issue 17): the live queue in a mass outage. 200 callers wait, 4 agents take
calls of random length; how long from an agent becoming free until Twilio is asked (REST
Queue Members update) to put the next caller through to them, and how many wait-URL
requests the hotline answers meanwhile.

    python bench/live_queue.py                # SQLite, 200 callers, 4 agents
    python bench/live_queue.py --quick        # 40 callers (CI smoke test)
    python bench/live_queue.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Everything runs in one process, as `hotline serve` does: the queue's dispatcher thread (as in
the scheduler, polling every `--interval` seconds, never woken by the agents: in production
the web workers that free an agent are other processes), the real Twilio SDK against the
local stand-in (tests/twilio_standin.py), simulated agents that answer, talk and hang up
through the same domain functions as the webhooks, and `--wait-threads` threads posting
signed wait-URL requests through the Flask app. The last line is
`dequeue_p50_ms=<x> dequeue_p99_ms=<y> wait_per_s=<z> errors=<n>`; the exit status is 1
when errors > 0 (a caller taken twice or never, a failed request), never for speed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from sqlalchemy import Connection

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PUBLIC_URL = "https://hotline.example.de"
NOW = "2026-11-30T10:00:00+01:00"
QUEUE_SID = "QU" + "4" * 32


def database(args: argparse.Namespace, workdir: Path) -> tuple[str, Any]:
    """A migrated, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    from sqlalchemy import create_engine, text

    from hotline.db import make_engine, migrate

    if not args.database_url:
        url = f"sqlite:///{workdir / 'queue.sqlite3'}"
        cleanup = None
    else:
        schema = f"bench_queue_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.database_url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in args.database_url else "?"
        url = f"{args.database_url}{sep}options=-csearch_path%3D{schema}"

        def cleanup() -> None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url, cleanup


def fill(rt: Any, callers: int, agents: int) -> tuple[list[str], dict[int, str]]:
    """`callers` waiting (a tenth of them outages), `agents` on duty and all talking."""
    from datetime import UTC

    from sqlalchemy import insert

    from callback.queue import presence
    from hotline.models import Agent, table_of

    now = rt.clock.now()
    sids = [f"CA{n + 1:032x}" for n in range(callers)]
    phones: dict[int, str] = {}
    with rt.engine.begin() as conn:
        for n in range(agents):
            phone = f"+4915110000{n:03d}"
            agent_id = conn.execute(
                insert(table_of(Agent))
                .values(
                    email=f"agent{n}@bench.example",
                    name=f"Agent {n}",
                    phone=phone,
                    available=True,
                    supervisor=False,
                    active=True,
                    created_at=datetime(2026, 1, 1, tzinfo=UTC),
                )
                .returning(table_of(Agent).c.id)
            ).scalar_one()
            phones[int(agent_id)] = phone
            presence.agent_answered(conn, phone=phone, call_sid=f"CAbefore{n}", now=now)
        wait_in_queue(conn, sids, now)
    return sids, phones


def wait_in_queue(conn: Connection, sids: list[str], now: datetime) -> None:
    """The callers `sids` waiting in Twilio's queue (its QueueSid told), the first the
    longest, one second apart up to `now`; every tenth an outage."""
    from callback.queue import waiting

    for n, sid in enumerate(sids):
        at = now - timedelta(seconds=len(sids) - n)
        category = "outage" if n % 10 == 0 else "technical"
        waiting.offer(
            conn,
            call_sid=sid,
            call_id=None,
            contract_id=None,
            category=category,
            now=at,
            queued=True,
        )
        waiting.on_wait(conn, sid, QUEUE_SID, at)


class Agents:
    """Simulated agents: answer the caller they were given, talk, hang up (free again)."""

    def __init__(self, rt: Any, phones: dict[int, str], talk: tuple[float, float], seed: int):
        self.rt, self.phones, self.talk = rt, phones, talk
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.freed_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.taken: Counter[str] = Counter()
        self.errors: list[str] = []
        self.timers: list[threading.Timer] = []
        self.stopped = False

    def start(self) -> None:
        for n, agent_id in enumerate(self.phones):
            self._later(self._talk_time(), self._hang_up, agent_id, f"CAbefore{n}")

    def _talk_time(self) -> float:
        with self.lock:
            return self.random.uniform(*self.talk)

    def _later(self, seconds: float, action: Any, *args: Any) -> None:
        with self.lock:
            if self.stopped:
                return
            timer = threading.Timer(seconds, action, args)
            timer.daemon = True
            self.timers.append(timer)
        timer.start()

    def stop(self) -> None:
        """No more answers and hang-ups: the run is over (before the database goes)."""
        with self.lock:
            self.stopped = True
            timers = list(self.timers)
        for timer in timers:
            timer.cancel()
        for timer in timers:
            if timer is not threading.current_thread():
                timer.join(timeout=30)

    def _hang_up(self, agent_id: int, call_sid: str) -> None:
        from callback.queue import presence, waiting

        # Noted before the commit: the dispatcher may see the agent free the moment it commits.
        with self.lock:
            self.freed_at[agent_id] = time.monotonic()
        try:
            with self.rt.engine.begin() as conn:
                presence.free_agents_of(conn, call_sid)
                waiting.call_ended(conn, call_sid, self.rt.clock.now())
        except Exception as exc:  # counted: the run must not hide a failure
            self.errors.append(f"hang up {call_sid}: {exc!r}")

    def dequeued(self, call_sid: str, url: str) -> None:
        """Twilio answered the REST dequeue: the caller rings the agent, who answers."""
        done = time.monotonic()
        agent_id = int(parse_qs(urlsplit(url).query)["agent"][0])
        with self.lock:
            freed = self.freed_at.pop(agent_id, None)
            self.taken[call_sid] += 1
        if freed is None:
            self.errors.append(f"agent {agent_id} got {call_sid} without being freed")
            return
        self.latencies.append(done - freed)
        self._later(0.0, self._answer, agent_id, call_sid)

    def _answer(self, agent_id: int, call_sid: str) -> None:
        from callback.queue import presence, waiting

        try:
            with self.rt.engine.begin() as conn:
                now = self.rt.clock.now()
                presence.agent_answered(
                    conn, phone=self.phones[agent_id], call_sid=call_sid, now=now
                )
                waiting.answered(conn, call_sid, agent_id, now)
        except Exception as exc:
            self.errors.append(f"answer {call_sid}: {exc!r}")
            return
        self._later(self._talk_time(), self._hang_up, agent_id, call_sid)


def wait_load(app: Any, sids: list[str], stop: threading.Event, counts: Counter[str]) -> None:
    """Signed wait-URL requests for the callers still waiting, as Twilio loops them."""
    from twilio.request_validator import RequestValidator

    from hotline.runtime import runtime_of

    client = app.test_client()
    validator = RequestValidator(runtime_of(app).settings.twilio_auth_token)
    rng = random.Random()
    loop = 0
    while not stop.is_set():
        loop += 1
        sid = rng.choice(sids)
        path = f"/voice/queue/wait?n={loop}"
        form = {"CallSid": sid, "QueueSid": QUEUE_SID, "AccountSid": "AC" + "0" * 32}
        form |= {"QueueTime": "30", "QueuePosition": "1", "CurrentQueueSize": "200"}
        headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC_URL + path, form)}
        answer = client.post(path, data=form, headers=headers)
        ok = answer.status_code == 200 and b"<Gather" in answer.data
        counts["ok" if ok else "failed"] += 1


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="40 callers (CI smoke test)")
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: a SQLite file)")
    parser.add_argument("--callers", type=int, help="callers waiting at the start (default 200)")
    parser.add_argument("--agents", type=int, default=4, help="agents on duty")
    parser.add_argument("--talk", type=float, nargs=2, default=(0.2, 1.0), metavar=("MIN", "MAX"),
                        help="seconds an agent talks, uniformly random")  # fmt: skip
    parser.add_argument("--interval", type=float, default=0.1, help="dispatcher tick (s)")
    parser.add_argument("--wait-threads", type=int, default=2, help="threads posting wait URLs")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--timeout", type=float, default=300, help="give up after (s)")
    args = parser.parse_args(argv)
    callers = args.callers or (40 if args.quick else 200)

    from callback.queue.dispatch import Dispatcher, rest_dequeue
    from callback.twilio_rest import rest_client
    from hotline.app import create_app
    from hotline.runtime import build_runtime
    from hotline.settings import load_settings
    from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, serving

    workdir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    url, cleanup = database(args, workdir)
    errors: list[str] = []
    with serving() as stub:
        settings = load_settings(
            environ={},
            overrides={
                "HOTLINE_ENV": "test",
                "HOTLINE_DATABASE_URL": url,
                "HOTLINE_NOW": NOW,
                "HOTLINE_PUBLIC_URL": PUBLIC_URL,
                "HOTLINE_NUMBER": "+4930120045670",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_API_BASE_URL": stub.base_url,
                "hotline.spool_dir": str(workdir / "spool"),
            },
        )
        rt = build_runtime(settings)
        app = create_app(runtime=rt)
        sids, phones = fill(rt, callers, args.agents)
        agents = Agents(rt, phones, tuple(args.talk), args.seed)
        take = rest_dequeue(rest_client(settings))

        def timed_take(queue_sid: str, call_sid: str, connect: str) -> None:
            take(queue_sid, call_sid, connect)
            agents.dequeued(call_sid, connect)

        stop = threading.Event()
        counts: Counter[str] = Counter()
        loaders = [
            threading.Thread(target=wait_load, args=(app, sids, stop, counts), daemon=True)
            for _ in range(args.wait_threads)
        ]
        dispatcher = Dispatcher(rt, interval=args.interval, dequeue=timed_take)
        started = time.monotonic()
        for loader in loaders:
            loader.start()
        agents.start()
        dispatcher.start()
        try:
            while sum(agents.taken.values()) < callers:
                if time.monotonic() - started > args.timeout:
                    errors.append(f"timeout: {sum(agents.taken.values())} of {callers} taken")
                    break
                time.sleep(0.05)
        finally:
            elapsed = time.monotonic() - started
            dispatcher.stop()
            agents.stop()
            stop.set()
            for loader in loaders:
                loader.join(timeout=30)
            rt.dispose()
            if cleanup is not None:
                cleanup()
    twice = [sid for sid, n in agents.taken.items() if n > 1]
    never = [sid for sid in sids if sid not in agents.taken]
    errors += agents.errors + [f"taken twice: {s}" for s in twice]
    errors += [f"never taken: {len(never)}"] if never else []
    errors += [f"wait requests failed: {counts['failed']}"] if counts["failed"] else []
    lat = [x * 1000 for x in agents.latencies] or [0.0]
    database_name = "PostgreSQL" if args.database_url else "SQLite"
    print(f"queue benchmark: {database_name}, {callers} callers, {args.agents} agents, "
          f"talk {args.talk[0]}-{args.talk[1]} s, dispatcher tick {args.interval} s")  # fmt: skip
    print(f"  callers taken out: {sum(agents.taken.values())} in {elapsed:.1f} s")
    p50, p99, n = statistics.median(lat), percentile(lat, 99), len(agents.latencies)
    print(f"  agent free -> REST dequeue answered: p50 {p50:.0f} ms, "
          f"p99 {p99:.0f} ms, max {max(lat):.0f} ms (n={n})")  # fmt: skip
    wait_rate = counts["ok"] / elapsed if elapsed else 0.0
    print(f"  wait-URL requests answered meanwhile: {counts['ok']} ({wait_rate:.0f}/s, "
          f"{args.wait_threads} threads, in-process)")  # fmt: skip
    for error in errors[:10]:
        print(f"  ERROR {error}")
    print(
        f"dequeue_p50_ms={p50:.0f} dequeue_p99_ms={p99:.0f} "
        f"wait_per_s={wait_rate:.0f} errors={len(errors)}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
