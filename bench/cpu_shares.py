"""Who uses the machine's CPU in bench/webhooks.py's load: client, workers, PostgreSQL, idle.

The benchmark's servers and load generator (the same data set, gunicorn settings and
calls), run in alternating rounds against the static baseline and the hotline; per round
the CPU per request of the load generator (RUSAGE_CHILDREN), of the gunicorn workers and
of every `postgres` process (/proc), and the share of the machine left idle (/proc/stat).
On a 2-core machine this shows what bounds `ratio_vs_static`.

    .venv/bin/python bench/cpu_shares.py [--database-url URL] [--workers 4] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import webhooks as bench  # noqa: E402  (the data set, servers and load of the benchmark)


def postgres_cpu_seconds() -> float:
    """User + system CPU of every process named `postgres` (server, backends, workers)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if (stat.parent / "comm").read_text().strip() != "postgres":
                continue
            fields = stat.read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """All and idle (idle + iowait) jiffies of the machine."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite)")
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn -w (production: 4)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0, help="per round and server")
    args = parser.parse_args()
    settings = argparse.Namespace(workers=args.workers, threads=1)
    errors = 0
    with tempfile.TemporaryDirectory(prefix="hotline-cpu-") as tmp:
        work = Path(tmp)
        db = bench.Database(args.database_url, work, "cpu")
        servers: list[bench.Server] = []
        try:
            bench.build_dataset(db.url, args.numbers, max(3, args.numbers * 3 // 10))
            static = bench.Server("static_twiml:app", settings, {}, ["--pythonpath", str(BENCH)])
            servers.append(static)
            hot = bench.make_hotline(db.url, settings, bench.OPEN_NOW)
            servers.append(hot)
            static.wait_ready("/healthz")
            hot.wait_ready("/healthz")
            step = max(1, args.numbers // 5000)
            callers = [bench.e164_of(i) for i in range(0, args.numbers, step)]
            flows = {"static": bench.flow_for(static, "static", callers),
                     "open": bench.flow_for(hot, "open", callers)}  # fmt: skip
            for number in range(args.rounds):
                for server, mode in ((static, "static"), (hot, "open")):
                    client, workers, pg, ticks = (
                        children_cpu_seconds(),
                        server.cpu_seconds(),
                        postgres_cpu_seconds(),
                        machine_ticks(),
                    )
                    result = bench.replay(server, flows[mode], callers, 16, 0.0, args.seconds,
                                          work / f"{mode}-{number}")  # fmt: skip
                    n = max(1, result["all_requests"])
                    now_ticks = machine_ticks()
                    all_ticks, idle_ticks = now_ticks[0] - ticks[0], now_ticks[1] - ticks[1]
                    errors += result["errors"]
                    print(
                        f"{mode:6s} {n / result['seconds']:6.0f} req/s   CPU per request (ms): "
                        f"load generator {(children_cpu_seconds() - client) / n * 1e3:.3f}, "
                        f"workers {(server.cpu_seconds() - workers) / n * 1e3:.3f}, "
                        f"postgres {(postgres_cpu_seconds() - pg) / n * 1e3:.3f};  "
                        f"machine idle {idle_ticks / max(1, all_ticks):.0%};  "
                        f"errors {result['errors']}",
                        flush=True,
                    )
        finally:
            for server in servers:
                server.stop()
            db.drop()
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
