"""`hotline serve` as a user starts it: a real process answering /healthz."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HOTLINE = str(Path(sys.executable).parent / "hotline")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_healthz_and_runs_the_scheduler(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(
        HOTLINE_ENV="development",
        HOTLINE_NOW="2026-11-30T10:00:00+01:00",
        HOTLINE_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    subprocess.run([HOTLINE, "init-db"], cwd=tmp_path, env=env, check=True, timeout=60)
    port = free_port()
    server = subprocess.Popen(
        [HOTLINE, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = json.loads(r.read())
                    server_header = r.headers["Server"]
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "hotline serve did not answer within 30 s"
                time.sleep(0.2)
        assert body == {"status": "ok", "database": "ok", "now": "2026-11-30T09:00:00+00:00"}
        assert server_header == "hotline"  # not Werkzeug/… Python/…: no versions
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=15)
    # SIGTERM stops it like Ctrl+C, with exit status 0 (so `make run` reports no error).
    assert server.returncode == 0, output
    assert "hotline stopped" in output
    assert output.count("webhook signatures are NOT checked") == 1
    # The embedded default runs the scheduler in-process and takes its lock.
    assert "scheduler active" in output
    assert (tmp_path / "instance" / "hotline.sqlite3.scheduler.lock").exists()
