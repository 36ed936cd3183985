"""Where the gunicorn workers spend their time under the benchmark's load (py-spy).

bench/webhooks.py's hotline (same data set, gunicorn settings and open-hours calls) under
load; py-spy samples all its workers for a few seconds and this prints the share of the
samples per library and the functions with the most samples of their own. `--gil` samples
only the thread holding the GIL: about CPU time; without it, waits (locks, fsync, the
database) count too.

    .venv/bin/python bench/profile_workers.py [--database-url URL] [--gil] [--seconds 10]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import webhooks as bench  # noqa: E402  (the data set, servers and load of the benchmark)

# A sample's own frame is counted for the first of these its file path contains.
AREAS = ("sqlalchemy", "psycopg", "werkzeug", "flask", "twilio", "gunicorn", "phonenumbers",
         "hotline/", "ivr_flows/", "callback/", "sqlite3", "urllib", "email", "hmac", "xml",
         "socket", "threading", "contextlib")  # fmt: skip


def summarize(raw: Path, top: int) -> None:
    """Shares per library and per function (own samples) of a py-spy --format raw file."""
    own: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if not frames or not count.isdigit():
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        match = re.search(r"\((.*?):\d+\)", frames[-1])
        path = match.group(1) if match else frames[-1]
        areas[next((a for a in AREAS if a in path), "other")] += n
    print(f"{total} samples")
    for area, n in areas.most_common():
        print(f"  {n / max(total, 1):6.1%}  {area}")
    print("functions with the most samples of their own:")
    for frame, n in own.most_common(top):
        print(f"  {n / max(total, 1):6.1%}  {frame[:140]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL base URL (default: SQLite)")
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn -w (production: 4)")
    parser.add_argument("--seconds", type=int, default=10, help="how long py-spy samples")
    parser.add_argument("--gil", action="store_true", help="only the thread holding the GIL")
    parser.add_argument("--top", type=int, default=30, help="functions to list")
    args = parser.parse_args()
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if py_spy is None:
        print("py-spy is missing: make install (it is a dev dependency)", file=sys.stderr)
        return 2
    settings = argparse.Namespace(workers=args.workers, threads=1)
    with tempfile.TemporaryDirectory(prefix="hotline-spy-") as tmp:
        work = Path(tmp)
        db = bench.Database(args.database_url, work, "spy")
        hot: bench.Server | None = None
        try:
            bench.build_dataset(db.url, args.numbers, max(3, args.numbers * 3 // 10))
            hot = bench.make_hotline(db.url, settings, bench.OPEN_NOW)
            hot.wait_ready("/healthz")
            step = max(1, args.numbers // 5000)
            callers = [bench.e164_of(i) for i in range(0, args.numbers, step)]
            flow = bench.flow_for(hot, "open", callers)
            result: dict[str, Any] = {}

            def load_round() -> None:
                seconds = args.seconds + 3.0
                result.update(bench.replay(hot, flow, callers, 16, 1.0, seconds, work / "load"))

            load = threading.Thread(target=load_round)
            load.start()
            time.sleep(2)  # past the warm-up
            raw = work / "samples.txt"
            command = [py_spy, "record", "--pid", str(hot.proc.pid), "--subprocesses",
                       "--duration", str(args.seconds), "--rate", "250", "--format", "raw",
                       "--output", str(raw), "--nonblocking"]  # fmt: skip
            if args.gil:
                command.append("--gil")
            spied = subprocess.run(command, capture_output=True, text=True, check=False)
            load.join()
            if spied.returncode != 0 or not raw.exists():
                print(f"py-spy failed: {spied.stderr[-2000:]}", file=sys.stderr)
                return 1
            summary = bench.summarize([result])
            print(f"hotline: {summary['per_s']:.0f} steps/s, p99 {summary['p99_ms']:.1f} ms, "
                  f"errors {summary['errors']}")  # fmt: skip
            summarize(raw, args.top)
            return 1 if summary["errors"] else 0
        finally:
            if hot is not None:
                hot.stop()
            db.drop()


if __name__ == "__main__":
    raise SystemExit(main())
