"""A caller's view of the IVR: follows the TwiML as Twilio would and prints what the caller hears.

Used by `hotline call` and by the tests, which play whole calls with it. It posts what
Twilio posts (CallSid, From, Digits, DialCallStatus, RecordingUrl, ...), signs every
request when an auth token is known, and treats the TwiML as Twilio does: a <Gather>
without input falls through to the next verb, <Redirect> and action URLs are followed,
an empty recording skips the <Record> action, and the end of the document ends the call.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from flask import Flask
from twilio.request_validator import RequestValidator

from ivr_flows.walker_queue import Dequeued, OnCall, QueueFollower, Waiting

MAX_REQUESTS = 80
DIAL_RESULTS = ("completed", "answered", "no-answer", "busy", "failed", "canceled")
RECORDINGS = "https://api.twilio.com/2010-04-01/Accounts/AC" + "0" * 32 + "/Recordings"


class Transport(Protocol):
    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]: ...


def _signature(token: str | None, url: str, params: dict[str, str]) -> dict[str, str]:
    if not token:
        return {}
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


class FlaskTransport:
    """In-process, through the Flask test client; signed when the app has an auth token."""

    def __init__(self, app: Flask, token: str | None) -> None:
        self.client = app.test_client()
        self.token = token

    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        reply = self.client.post(path, data=params, headers=_signature(self.token, url, params))
        return reply.status_code, reply.get_data(as_text=True)


class HttpTransport:
    """Against a running hotline (`--url`), signed with TWILIO_AUTH_TOKEN like Twilio does."""

    def __init__(self, token: str | None, timeout: float = 15) -> None:
        self.token = token
        self.timeout = timeout

    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(_signature(self.token, url, params))
        req = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as reply:  # noqa: S310
                return reply.status, reply.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")


@dataclass
class Exchange:
    url: str
    params: dict[str, str]
    status: int
    body: str


@dataclass
class Walk:
    """What happened in one call."""

    call_sid: str
    lines: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    dialed: list[list[str]] = field(default_factory=list)
    says_before_first_dial: int | None = None
    ended_by: str = ""

    @property
    def transcript(self) -> str:
        return "\n".join(self.lines)

    def heard(self) -> str:
        """Everything said to the caller, as one text (for `in` checks)."""
        return "\n".join(line for line in self.lines if not line.startswith("  ["))


class Walker(QueueFollower):
    """Plays one call against the hotline's webhooks.

    `stay`: the call pauses while an agent talks to the caller (`resume()` or `hang_up()`
    go on); `wait_loops`: the call pauses after that many loops in the queue; `dequeued`:
    where Twilio was told by REST to take the caller out of the queue (see walker_queue).
    """

    def __init__(
        self,
        transport: Transport,
        base_url: str,
        caller: str,
        *,
        to: str = "",
        keys: list[str] | None = None,
        ask: Callable[[str], str] | None = None,
        dial_result: str = "completed",
        echo: Callable[[str], None] | None = None,
        call_sid: str | None = None,
        stay: bool = False,
        wait_loops: int | None = None,
        dequeued: Dequeued | None = None,
    ) -> None:
        if dial_result not in DIAL_RESULTS:
            raise ValueError(f"dial result must be one of {', '.join(DIAL_RESULTS)}")
        self.transport = transport
        self.base_url = base_url.rstrip("/")
        self.caller = caller
        self.to = to
        self.keys = list(keys) if keys is not None else None
        self.ask = ask
        self.dial_result = dial_result
        self.echo = echo
        self.walk = Walk(call_sid=call_sid or "CA" + uuid.uuid4().hex)
        self._says = 0
        self._seconds = 0
        self.stay = stay
        self.wait_loops = wait_loops
        self.dequeued = dequeued
        self.paused: Waiting | OnCall | None = None

    # -- what the caller does --------------------------------------------------------------

    def _next_entry(self, question: str) -> str:
        if self.keys is not None:
            return self.keys.pop(0) if self.keys else ""
        if self.ask is not None:
            return self.ask(question)
        return ""

    def _print(self, line: str) -> None:
        self.walk.lines.append(line)
        if self.echo is not None:
            self.echo(line)

    # -- Twilio's side ----------------------------------------------------------------------

    def _params(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        params = {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": self.walk.call_sid,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "From": self.caller,
            "To": self.to,
        }
        params.update(extra or {})
        return params

    def _post(self, url: str, params: dict[str, str]) -> ET.Element | None:
        if len(self.walk.exchanges) >= MAX_REQUESTS:
            raise RuntimeError(f"more than {MAX_REQUESTS} webhook requests: the IVR loops")
        status, body = self.transport.post(url, params)
        self.walk.exchanges.append(Exchange(url, params, status, body))
        if status != 200:
            self._print(f"  [HTTP {status} – Twilio würde einen Anwendungsfehler ansagen]")
            return None
        try:
            return ET.fromstring(body)
        except ET.ParseError:
            self._print("  [keine gültige TwiML – Twilio würde einen Anwendungsfehler ansagen]")
            return None

    def _absolute(self, current: str, target: str) -> str:
        return urllib.parse.urljoin(current, target.strip()) if target.strip() else current

    def run(self, start: str = "/voice/incoming") -> Walk:
        url = self._absolute(self.base_url + "/", start)
        return self._follow(url, self._params())

    def _follow(self, url: str, params: dict[str, str]) -> Walk:
        document = self._post(url, params)
        while document is not None:
            nxt = self._play(url, document)
            if nxt is None:
                break
            url, params = nxt
            document = self._post(url, params)
        if self.paused is None:
            self._status()
        return self.walk

    def resume(self, *, wait_loops: int | None = None) -> Walk:
        """Go on with a paused call: wait more loops, or end the agent's conversation."""
        paused, self.paused = self.paused, None
        self.wait_loops = wait_loops
        if isinstance(paused, Waiting):
            paused.loops = 0
            nxt = self._wait(paused)
        elif isinstance(paused, OnCall) and paused.action:
            nxt = paused.action, paused.params
        else:
            nxt = None
        if nxt is None:
            if self.paused is None:
                self._status()
            return self.walk
        return self._follow(*nxt)

    def hang_up(self) -> Walk:
        """The caller hangs up where the call is paused (waiting, or talking)."""
        paused, self.paused = self.paused, None
        self._print("  [Anrufer legt auf]")
        if isinstance(paused, Waiting):
            self._post(paused.action, self._queue_params(paused, {"QueueResult": "hangup"}))
        elif isinstance(paused, OnCall) and paused.action:
            self._post(paused.action, paused.params)
        self._status()
        return self.walk

    def _call_sid(self) -> str:
        return self.walk.call_sid

    def _status(self) -> None:
        params = self._params({"CallStatus": "completed", "CallDuration": str(self._seconds)})
        url = self.base_url + "/voice/status"
        status, body = self.transport.post(url, params)
        self.walk.exchanges.append(Exchange(url, params, status, body))

    def _say(self, element: ET.Element) -> None:
        self._says += 1
        self._seconds += 4
        self._print((element.text or "").strip())

    def _play(self, url: str, document: ET.Element) -> tuple[str, dict[str, str]] | None:
        """Play one TwiML document; the next request, or None when the call ends."""
        for verb in document:
            tag = verb.tag
            if tag == "Say":
                self._say(verb)
            elif tag == "Play":
                self._print(f"  [Audio: {verb.get('digits') or (verb.text or '').strip()}]")
            elif tag == "Pause":
                self._seconds += int(verb.get("length", "1"))
            elif tag == "Gather":
                result = self._gather(url, verb)
                if result is not None:
                    return result
            elif tag == "Redirect":
                return self._absolute(url, verb.text or ""), self._params()
            elif tag == "Record":
                result = self._record(url, verb)
                if result is not None:
                    return result
            elif tag == "Dial":
                result = self._dial(url, verb)
                if result is not None:
                    return result
            elif tag == "Enqueue":
                return self._enqueue(url, verb)
            elif tag in ("Hangup", "Reject"):
                self.walk.ended_by = "hangup"
                self._print("  [aufgelegt]")
                return None
            else:
                self._print(f"  [unbekanntes Verb {tag}]")
        self.walk.ended_by = "end of document"
        self._print("  [Ende – Twilio legt auf]")
        return None

    def _gather(self, url: str, verb: ET.Element) -> tuple[str, dict[str, str]] | None:
        for child in verb:
            if child.tag == "Say":
                self._say(child)
            elif child.tag == "Play":
                self._print(f"  [Audio: {(child.text or '').strip()}]")
        entry = self._next_entry("Tasten (Enter = keine Eingabe)").strip()
        if not entry:
            self._seconds += int(verb.get("timeout", "5"))
            self._print("  [keine Eingabe]")
            return None
        self._print(f"  [Tasten: {entry}]")
        finish = verb.get("finishOnKey", "#")
        digits = entry.split(finish)[0] if finish and finish in entry else entry
        if verb.get("numDigits"):
            digits = digits[: int(verb.get("numDigits", "1"))]
        action = self._absolute(url, verb.get("action", ""))
        return action, self._params(
            {"Digits": digits, "FinishedOnKey": finish if finish in entry else ""}
        )

    def _record(self, url: str, verb: ET.Element) -> tuple[str, dict[str, str]] | None:
        self._print("  [Signalton – Aufnahme]")
        entry = self._next_entry("Aufnahme (Enter = Stille, sonst Text)").strip()
        if not entry or entry == "-":
            self._print("  [Stille – keine Aufnahme]")
            return None
        seconds = max(1, min(len(entry), int(verb.get("maxLength", "3600"))))
        self._seconds += seconds
        self._print(f"  [Aufnahme: {entry}]")
        recording = f"{RECORDINGS}/RE{uuid.uuid4().hex}"
        action = self._absolute(url, verb.get("action", ""))
        return action, self._params(
            {"RecordingUrl": recording, "RecordingDuration": str(seconds), "Digits": "#"}
        )

    def _dial(self, url: str, verb: ET.Element) -> tuple[str, dict[str, str]] | None:
        if self.walk.says_before_first_dial is None:
            self.walk.says_before_first_dial = self._says
        targets = list(_targets(verb))
        self.walk.dialed.append([t for t, _ in targets])
        self._print(f"  [Es klingelt bei: {', '.join(t for t, _ in targets)}]")
        answered = self.dial_result in ("completed", "answered")
        if answered:
            agent, whisper = next(((t, w) for t, w in targets if w), (targets[0][0], None))
            if whisper:
                self._whisper(url, whisper, agent)
            self._print("  [Gespräch]")
            self._seconds += 60
        else:
            self._print(f"  [Ergebnis: {self.dial_result}]")
            self._seconds += int(verb.get("timeout", "30"))
        action = verb.get("action")
        result = self._params(
            {
                "DialCallStatus": self.dial_result,
                "DialCallDuration": "60" if answered else "0",
                "DialCallSid": "CA" + uuid.uuid4().hex,
            }
        )
        if answered and self.stay:
            self.paused = OnCall(self._absolute(url, action) if action else None, result)
            return None
        if not action:
            return None
        return self._absolute(url, action), result

    def _whisper(self, url: str, whisper: str, agent: str) -> None:
        params = self._params({"CallSid": "CA" + uuid.uuid4().hex, "Direction": "outbound-api"})
        params["To"] = agent
        params["ParentCallSid"] = self.walk.call_sid
        document = self._post(self._absolute(url, whisper), params)
        if document is None:
            return
        for verb in document:
            if verb.tag == "Say":
                self._print(f"  [Ansage für den Agenten: {(verb.text or '').strip()}]")


def _targets(dial: ET.Element) -> Iterator[tuple[str, str | None]]:
    if (dial.text or "").strip():
        yield (dial.text or "").strip(), None
    for noun in dial:
        name = (noun.text or "").strip()
        if noun.tag == "Client":
            name = f"client:{name}"
        yield name, noun.get("url")
