"""E-mail channel benchmark: ingest, IMAP fetch and sender matching at scale.

Builds a database of 100k contracts (one customer each; every fifth Second Level with an
admin address), then
1. ingests 10,000 messages in-process (`email_support.ingest.ingest`, what `hotline mail
   ingest` runs per message): new mails of flat customers and Second Level admins,
   replies with [Ticket#…] to tickets opened earlier in the run, and mails of unknown
   senders; automatic answers go to the outbox, which is then sent to a local SMTP
   server (aiosmtpd) and timed on its own; then half as many new mails again, delivered
   by `--deliveries` processes at once, as an MTA runs several `hotline mail ingest`
   side by side (one message each, in order, no batching);
2. appends messages to a private dovecot (tests/email/dovecot.py) and times
   `fetch_once` storing them;
3. times `sender_contracts` (the matching of a sender against customers' and admins'
   addresses) for known and unknown addresses: p50 and p99.

    .venv/bin/python bench/mail.py [--quick] [--database-url postgresql+psycopg://...]

Prints one line per figure and ends with `ingest_per_s=<x> fetch_per_s=<y>
match_p99_us=<z> errors=<n> ingest_concurrent_per_s=<w>`; exit status 1 when errors > 0
(a message not stored as expected, a duplicate ticket, a lost fetch), never because of
speed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import shutil
import socket
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402

from email_support.imap_fetch import fetch_once  # noqa: E402
from email_support.ingest import ingest  # noqa: E402
from email_support.outbox import send_due  # noqa: E402
from email_support.senders import sender_contracts  # noqa: E402
from hotline.clock import FixedClock  # noqa: E402
from hotline.db import make_engine, migrate  # noqa: E402
from hotline.models import Contact, Contract, Customer, Mail, Ticket, table_of  # noqa: E402
from hotline.runtime import Runtime, build_runtime  # noqa: E402
from hotline.settings import load_settings  # noqa: E402
from tests.email import dovecot  # noqa: E402

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin: open
SUPPORT = "support@kassen-hotline.example"


def customer_email(i: int) -> str:
    return f"kasse{i}@kunde{i % 997}.example"


def admin_email(i: int) -> str:
    return f"admin{i}@kunde{i % 997}.example"


def build(url: str, contracts: int) -> None:
    """Customers, contracts (every fifth Second Level) and admins, by Core bulk inserts."""
    engine = make_engine(url)
    migrate(engine)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    batch = 5000
    with engine.begin() as conn:
        for start in range(0, contracts, batch):
            ids = range(start, min(start + batch, contracts))
            conn.execute(
                insert(table_of(Customer)),
                [
                    {
                        "id": i + 1,
                        "number": str(100000 + i),
                        "name": f"Kunde {i}",
                        "email": customer_email(i).capitalize(),
                        "created_at": t0,
                        "updated_at": t0,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(table_of(Contract)),
                [
                    {
                        "id": i + 1,
                        "number": f"V-{i}",
                        "customer_id": i + 1,
                        "plan": "second_level" if i % 5 == 0 else "flat",
                        "start": date(2025, 3, 1),
                        "dial_admin_for_cashiers": False,
                        "created_at": t0,
                        "updated_at": t0,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(table_of(Contact)),
                [
                    {
                        "contract_id": i + 1,
                        "role": "admin",
                        "name": f"Admin {i}",
                        "email": admin_email(i),
                    }
                    for i in ids
                    if i % 5 == 0
                ],
            )
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    engine.dispose()


def message(i: int, sender: str, subject: str, body: str) -> bytes:
    return (
        f"From: Kunde <{sender}>\nTo: {SUPPORT}\nSubject: {subject}\n"
        f"Date: Mon, 30 Nov 2026 10:00:00 +0100\nMessage-ID: <bench-{i}-{uuid.uuid4().hex}@x>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{body}\n"
    ).encode()


def workload(count: int, contracts: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """(expected action, raw): 60 % new flat, 10 % new admin, 20 % replies, 10 % unknown."""
    plan: list[tuple[str, bytes]] = []
    for i in range(count):
        roll = rng.random()
        c = rng.randrange(contracts)
        if roll < 0.2 and i > 100:
            plan.append(("reply", b""))  # filled in with a ticket of the run when it comes up
        elif roll < 0.3:
            plan.append(("unknown", message(i, f"fremd{i}@irgendwo.example", "Frage", "Hallo")))
        elif roll < 0.4:
            a = c - c % 5
            plan.append(("ticket", message(i, admin_email(a), "Kasse 3 steht", "Bitte helfen.")))
        else:
            c = c if c % 5 else c + 1
            if c >= contracts:
                c = 1
            plan.append(("ticket", message(i, customer_email(c), "Bon fehlt", "Kein Bon.")))
    return plan


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def runtime_for(url: str, smtp_port: int, imap: dovecot.Dovecot | None) -> Runtime:
    env = {
        "HOTLINE_ENV": "test",
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_MAIL_ADDRESS": SUPPORT,
        "HOTLINE_SMTP_HOST": "127.0.0.1",
        "HOTLINE_SMTP_PORT": str(smtp_port),
    }
    if imap is not None:
        env |= {
            "HOTLINE_IMAP_HOST": imap.host,
            "HOTLINE_IMAP_PORT": str(imap.port),
            "HOTLINE_IMAP_USERNAME": imap.user,
            "HOTLINE_IMAP_PASSWORD": imap.password,
            "HOTLINE_IMAP_TLS": "no",
        }
    # The hourly limit of automatic answers would throttle the repeated benchmark senders.
    settings = load_settings(environ=env, overrides={"mail.auto_replies_per_hour": 1000})
    return build_runtime(settings, FixedClock(NOW))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def run(url: str, args: argparse.Namespace) -> int:
    errors = 0
    rng = random.Random(7)
    t = time.perf_counter()
    build(url, args.contracts)
    print(f"data: {args.contracts} contracts in {time.perf_counter() - t:.1f} s")
    # The machine's load bounds every figure below: say what it was.
    print("load average (1, 5, 15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    sink = Sink()
    port = free_port()
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        errors += _ingest_and_match(url, args, rng, port, sink)
        errors += _ingest_concurrently(url, args, rng, port)
        if dovecot.available():
            errors += _fetch(url, args, port)
        else:
            print("fetch: skipped (dovecot-imapd is not installed)")
    finally:
        smtp.stop()
    return errors


def _ingest_and_match(
    url: str, args: argparse.Namespace, rng: random.Random, port: int, sink: Sink
) -> int:
    errors = 0
    rt = runtime_for(url, port, None)
    plan = workload(args.messages, args.contracts, rng)
    tickets: list[tuple[int, str]] = []
    seconds = cpu = 0.0
    replies = 0
    for i, (expected, raw) in enumerate(plan):
        if expected == "reply":
            if not tickets:
                continue
            number, sender = rng.choice(tickets)
            raw = message(i, sender, f"AW: [Ticket#{number:06d}] Bon fehlt", "Danke, geht.")
            replies += 1
        t, c = time.perf_counter(), time.process_time()
        result = ingest(rt, raw, send=False)
        seconds += time.perf_counter() - t
        cpu += time.process_time() - c
        if result.action != expected:
            errors += 1
            if errors <= 5:
                print(f"  message {i}: expected {expected}, got {result.action}")
        if result.action == "ticket" and result.ticket_number is not None:
            tickets.append((result.ticket_number, raw.split(b"<", 1)[1].split(b">", 1)[0].decode()))
    stored = len(plan) - (plan.count(("reply", b"")) - replies)
    print(
        f"ingest: {stored} messages ({replies} replies) in {seconds:.1f} s = "
        f"{stored / seconds:.0f} messages/s ({rt.engine.dialect.name}); "
        f"CPU {cpu / stored * 1000:.1f} ms/message = at most {stored / cpu:.0f}/s on one core"
    )
    # Wall time beyond this process's CPU: the database server, the disk's syncs at
    # commit, and the other processes on the machine.
    print(
        f"  waiting {(seconds - cpu) / stored * 1000:.1f} ms/message; load average now "
        "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    )
    t = time.perf_counter()
    sent, failed = send_due(rt.sessions, rt.settings, NOW)
    elapsed = time.perf_counter() - t
    print(f"outbox: {sent} automatic answers sent in {elapsed:.1f} s = {sent / elapsed:.0f}/s")
    if failed or sink.count != sent:
        errors += 1
        print(f"  outbox: {failed} failed, SMTP received {sink.count} of {sent}")
    with rt.sessions() as session:
        mails = session.scalar(select(func.count(Mail.id)).where(Mail.direction == "in"))
        opened = session.scalar(select(func.count(Ticket.id)))
    if mails != stored or opened != len(tickets):
        errors += 1
        print(f"  stored {mails} mails / {opened} tickets, expected {stored} / {len(tickets)}")
    samples: list[float] = []
    today = NOW.date()
    with rt.sessions() as session:
        for n in range(args.lookups):
            c = rng.randrange(args.contracts)
            address = [customer_email(c), admin_email(c - c % 5), f"x{n}@nowhere.example"][n % 3]
            t = time.perf_counter()
            found = sender_contracts(session, address, today)
            samples.append((time.perf_counter() - t) * 1e6)
            if (n % 3 == 2) != (not found):
                errors += 1
    args.figures["ingest_per_s"] = stored / seconds
    args.figures["match_p99_us"] = pct(samples, 99)
    print(
        f"matching: {len(samples)} senders, p50 {pct(samples, 50):.0f} µs, "
        f"p99 {pct(samples, 99):.0f} µs"
    )
    rt.dispose()
    return errors


def _deliver(url: str, port: int, plan: list[tuple[str, bytes]], start: Any, done: Any) -> None:
    """One delivering process: its own runtime, then its messages one by one after `start`;
    puts (messages, wrong actions) on `done`."""
    rt = runtime_for(url, port, None)
    start.wait()
    wrong = sum(ingest(rt, raw, send=False).action != expected for expected, raw in plan)
    rt.dispose()
    done.put((len(plan), wrong))


def _ingest_concurrently(url: str, args: argparse.Namespace, rng: random.Random, port: int) -> int:
    """New mails (no replies: those follow their ticket) split over `args.deliveries`
    processes that start together; the figure is all messages over the wall time."""
    if args.deliveries < 2:
        return 0
    plan = [w for w in workload(args.messages // 2, args.contracts, rng) if w[0] != "reply"]
    ctx = multiprocessing.get_context("spawn")
    start, done = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=_deliver, args=(url, port, plan[n :: args.deliveries], start, done))
        for n in range(args.deliveries)
    ]
    for w in workers:
        w.start()
    time.sleep(3)  # the processes import and build their runtimes before the clock starts
    t = time.perf_counter()
    start.set()
    results = [done.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - t
    for w in workers:
        w.join()
    count, wrong = sum(r[0] for r in results), sum(r[1] for r in results)
    args.figures["ingest_concurrent_per_s"] = count / elapsed
    print(
        f"ingest, {args.deliveries} deliveries at once: {count} messages in {elapsed:.1f} s = "
        f"{count / elapsed:.0f} messages/s; wrong actions {wrong}"
    )
    return int(wrong > 0 or len(results) != args.deliveries)


def _fetch(url: str, args: argparse.Namespace, port: int) -> int:
    from imap_tools import MailBoxUnencrypted

    with dovecot.dovecot() as server:
        with MailBoxUnencrypted(server.host, server.port).login(
            server.user, server.password
        ) as box:
            for i in range(args.fetch):
                raw = message(10**6 + i, customer_email(i * 5 + 1), "Per IMAP", "Hallo")
                box.append(raw.replace(b"\n", b"\r\n"), "INBOX")
        rt = runtime_for(url, port, server)
        t = time.perf_counter()
        result = fetch_once(rt, send=False)
        elapsed = time.perf_counter() - t
        again = fetch_once(rt, send=False)
        rt.dispose()
    args.figures["fetch_per_s"] = result.stored / elapsed
    print(
        f"fetch: {result.stored} of {args.fetch} messages from dovecot in {elapsed:.1f} s = "
        f"{result.stored / elapsed:.0f} messages/s"
    )
    return int(result.stored != args.fetch or again.fetched != 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k contracts, 1,000 messages")
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: a SQLite file)")
    parser.add_argument("--contracts", type=int, help="contracts (default 100k, quick 10k)")
    parser.add_argument("--messages", type=int, help="messages ingested (default 10k)")
    parser.add_argument("--fetch", type=int, help="messages fetched over IMAP (default 1,000)")
    parser.add_argument("--lookups", type=int, default=3000, help="sender matchings timed")
    parser.add_argument(
        "--deliveries", type=int, default=2, help="processes delivering at once (1: none)"
    )
    args = parser.parse_args(argv)
    args.contracts = args.contracts or (10_000 if args.quick else 100_000)
    args.messages = args.messages or (1_000 if args.quick else 10_000)
    args.fetch = args.fetch or (200 if args.quick else 1_000)
    args.figures = {}
    workdir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    schema = f"bench_mail_{uuid.uuid4().hex[:8]}"
    admin = None
    try:
        if args.database_url:
            admin = create_engine(args.database_url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            sep = "&" if "?" in args.database_url else "?"
            url = f"{args.database_url}{sep}options=-csearch_path%3D{schema}"
        else:
            url = f"sqlite:///{workdir / 'mail.sqlite3'}"
        errors = run(url, args)
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    f = args.figures
    print(
        f"ingest_per_s={f.get('ingest_per_s', 0):.0f} fetch_per_s={f.get('fetch_per_s', 0):.0f} "
        f"match_p99_us={f.get('match_p99_us', 0):.0f} errors={errors} "
        f"ingest_concurrent_per_s={f.get('ingest_concurrent_per_s', 0):.0f}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
