"""The load of bench/webhooks.py, driven by wrk: pre-signed whole calls replayed by a Lua
script (bench/replay_calls.lua), so that the load generator (C, one connection per wrk
thread) is never what limits the throughput.

One call is probed first, following the TwiML as Twilio would; every replayed call then
repeats its requests with a CallSid of its own and its own caller, signed beforehand, and
every answer is checked: the exact body where it is fixed (the static baseline, the status
callback), else the URL or verb that leads on (a fallback or wrong branch fails the check).
A caller put into the queue (`<Enqueue>`) requests the wait URL as Twilio does, a given
number of times, and then hangs up; each wait answer must be the probe's with only its
numbers changed (the position said, the URLs' loop numbers): the same `<Say>` sentences,
`<Gather>` for key 1, `<Play>` or `<Pause>`, `<Redirect>` to the next loop.
A step that fails ends its call; the rest of the thread's calls go on.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

LUA = Path(__file__).with_name("replay_calls.lua")


@dataclass
class Request:
    """One request of the probed call: path (with query), its extra parameters, and the
    check of its answer (`exact` body, a fragment the body `contains`, or a Lua pattern
    the body must `match`)."""

    path: str
    extra: dict[str, str]
    check: str
    expected: str


def wrk_binary() -> str:
    """wrk's path; the Makefile's `bench-deps` installs it (Debian package `wrk`)."""
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed: run `make bench-deps` (Debian package wrk)")
    return found


def step_name(path: str) -> str:
    """`/voice/menu/choice?t=1` -> `menu/choice`."""
    return path.split("?", 1)[0].removeprefix("/voice/")


def _post(base: str, path: str, params: dict[str, str], sign: Callable[..., str]) -> str:
    data = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(  # noqa: S310 - the local server under test
        base + path,
        data=data,
        headers={"X-Twilio-Signature": sign(base + path, params)},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=15) as reply:  # noqa: S310
        return str(reply.read().decode("utf-8"))


def same_but_numbers(body: str) -> str:
    """A Lua pattern matching `body` as a whole, any run of digits standing for any other."""
    literal = re.sub(r"([\^$()%.\[\]*+\-?])", r"%\1", body)
    return "^" + re.sub(r"\d+", "%d+", literal) + "$"


QueueParams = Callable[[int], dict[str, str]]
"""Twilio's queue parameters (QueueSid, QueueTime, ...) of the n-th wait-URL request."""


def probe(
    base: str,
    params_of: Callable[[str, str, dict[str, str] | None], dict[str, str]],
    sign: Callable[..., str],
    caller: str,
    keys: list[str],
    wait_polls: int = 0,
    queue_params: QueueParams | None = None,
) -> tuple[str, list[Request]]:
    """Play one call as Twilio would (keys for the Gathers, every Dial answered, an
    `<Enqueue>` waited through `wait_polls` wait-URL requests, then hung up) and return its
    CallSid and its requests, each with what its answer must contain."""
    sid = "CA" + uuid.uuid4().hex
    keys = list(keys)
    path, extra = "/voice/incoming", {}
    requests: list[Request] = []
    action, polled = "", 0  # the <Enqueue action> and the wait-URL requests so far
    for _ in range(12 + wait_polls):
        body = _post(base, path, params_of(sid, caller, extra), sign)
        doc = ET.fromstring(body)
        nxt: tuple[str, dict[str, str]] | None = None
        marker = ""
        if action:  # a wait-URL answer: the next loop, or the caller hangs up
            polled += 1
            loop = doc.find("Redirect")
            if doc.find("Gather") is None or loop is None:
                raise RuntimeError(f"probe: not a wait loop at {path}: {body[:300]}")
            if polled < wait_polls:
                nxt = ((loop.text or "").strip(), _queue_extra(queue_params, polled + 1))
            else:
                waited = _queue_extra(queue_params, polled + 1)
                hangup = {"QueueResult": "hangup", "QueueSid": waited["QueueSid"],
                          "QueueTime": waited["QueueTime"]}  # fmt: skip
                nxt, action = (action, hangup), ""
            requests.append(Request(path, extra, "match", same_but_numbers(body)))
        else:
            for verb in doc:
                if verb.tag == "Gather" and keys:
                    nxt = (verb.get("action", ""), {"Digits": keys.pop(0)})
                elif verb.tag == "Redirect":
                    nxt = ((verb.text or "").strip(), {})
                elif verb.tag == "Dial":
                    nxt = (verb.get("action", ""), {"DialCallStatus": "completed",
                           "DialCallDuration": "60", "DialCallSid": "CA" + "1" * 32})  # fmt: skip
                elif verb.tag == "Enqueue" and wait_polls:
                    nxt = (verb.get("waitUrl", ""), _queue_extra(queue_params, 1))
                    action = urllib.parse.urljoin(base + path, verb.get("action", ""))
                elif verb.tag in ("Hangup", "Reject"):
                    marker = f"<{verb.tag}"
                if nxt is not None:
                    marker = escape(nxt[0])
                    break
                if marker:
                    break
            if not marker or marker not in body:
                raise RuntimeError(f"probe: cannot follow {path}: {body[:300]}")
            requests.append(Request(path, extra, "contains", marker))
        if nxt is None:
            break
        target = urllib.parse.urlsplit(urllib.parse.urljoin(base + path, nxt[0]))
        path = target.path + (f"?{target.query}" if target.query else "")
        extra = nxt[1]
    else:
        raise RuntimeError("probe: the call does not end")
    status = {"CallStatus": "completed", "CallDuration": "70"}
    body = _post(base, "/voice/status", params_of(sid, caller, status), sign)
    requests.append(Request("/voice/status", status, "exact", body))
    return sid, requests


def _queue_extra(queue_params: QueueParams | None, loop: int) -> dict[str, str]:
    if queue_params is None:
        raise ValueError("probe: wait_polls needs queue_params")
    return queue_params(loop)


def as_static(template: tuple[str, list[Request]], body: str) -> tuple[str, list[Request]]:
    """The same requests for the static baseline, each answered with its one `body`."""
    sid, requests = template
    return sid, [Request(r.path, r.extra, "exact", body) for r in requests]


def _tsv(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def write_calls(
    workdir: Path,
    threads: int,
    calls_per_thread: int,
    template: tuple[str, list[Request]],
    callers: list[str],
    base: str,
    params_of: Callable[[str, str, dict[str, str] | None], dict[str, str]],
    sign: Callable[..., str],
) -> int:
    """Write each wrk thread's calls (calls-<n>.tsv, n from 1); return the number of calls."""
    probe_sid, requests = template
    number = 0
    for thread in range(1, threads + 1):
        lines = []
        for _ in range(calls_per_thread):
            sid = "CA" + uuid.uuid4().hex
            caller = callers[number % len(callers)]
            number += 1
            for r in requests:
                path, expected = r.path, r.expected
                if probe_sid:
                    path, expected = path.replace(probe_sid, sid), expected.replace(probe_sid, sid)
                params = params_of(sid, caller, r.extra)
                body = urllib.parse.urlencode(params)
                fields = (str(number), step_name(path), r.check, expected, path,
                          sign(base + path, params), body)  # fmt: skip
                lines.append("\t".join(_tsv(f) for f in fields))
        (workdir / f"calls-{thread}.tsv").write_text("\n".join(lines) + "\n")
    return number


def run_wrk(
    base: str, workdir: Path, connections: int, warmup: float, seconds: float
) -> dict[str, Any]:
    """Run wrk over the written calls; the figures of the `seconds` after `warmup`, in the
    shape bench/webhooks.py's summarize() takes."""
    for old in [*workdir.glob("log-*.tsv"), *workdir.glob("exhausted-*")]:
        old.unlink()
    duration = max(1, math.ceil(warmup + seconds))
    out = subprocess.run(
        [
            wrk_binary(),
            "-t",
            str(connections),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "15s",
            "-s",
            str(LUA),
            base + "/",
            "--",
            str(workdir),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr[-2000:]}{out.stdout[-2000:]}")
    samples: list[tuple[str, int, int, bool]] = []
    errors: list[str] = []
    for log in workdir.glob("log-*.tsv"):
        for line in log.read_text().splitlines():
            fields = line.split("\t")
            if fields[0] == "#wrong":
                errors.append(
                    f"{fields[1]}: HTTP {fields[2]}: {fields[3] if len(fields) > 3 else ''}"
                )
            elif len(fields) == 4:
                samples.append((fields[0], int(fields[1]), int(fields[2]), fields[3] == "1"))
    errors += [
        f"wrk thread {p.name}: ran out of pre-signed calls" for p in workdir.glob("exhausted-*")
    ]
    socket_errors = _wrk_errors(out.stdout)
    if socket_errors:
        errors.append(f"wrk: {socket_errors} socket errors or timeouts")
    if not samples:
        raise RuntimeError(f"wrk logged no answers: {out.stdout[-2000:]}")
    first = min(s[1] for s in samples)
    last = max(s[1] + s[2] for s in samples)
    lo = first + warmup * 1e6
    hi = min(last, lo + seconds * 1e6)
    measured = [s for s in samples if lo <= s[1] + s[2] <= hi]
    return {
        "seconds": max(hi - lo, 1.0) / 1e6,
        "latencies": {
            name: [s[2] / 1e6 for s in measured if s[0] == name and s[3]]
            for name in sorted({s[0] for s in measured})
        },
        "calls": sum(1 for s in measured if s[0] == "status" and s[3]),
        "errors": len(errors),
        "error_samples": errors[:5],
        "all_requests": len(samples),
    }


def _wrk_errors(stdout: str) -> int:
    for line in stdout.splitlines():
        if line.startswith("wrk: ") and "socket errors" in line:
            words = line.split()
            return int(words[3]) + int(words[6])
    return 0
