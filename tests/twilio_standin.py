"""A local stand-in for api.twilio.com, shared by the callback, UI and reliability tests.

It checks what Twilio checks (the path under the account, the account's basic auth),
records every request (method, path, credentials, form) and answers as Twilio does:
POST Calls.json creates a call, GET Recordings/RE….mp3 serves RECORDING_MP3, POST
Messages.json queues an SMS (To, From and Body required; "refuse" answers 21614, the
error of a landline that cannot receive SMS).
Queues/QU…/Members/CA….json takes a caller out of a queue (`members` records each
CallSid and Url; a CallSid in `gone` answers 404 as for a caller no longer queued,
`member_status` any HTTP status from 300 on for an error document).

Faults: `mode` "refuse" (Twilio's 400/404 answers);
`status` any HTTP status for Calls.json (an error document from 300 on); `delay`
seconds before any answer; `hold()` keeps every answer back until `release()`, so a
client's timeout fires however slow the machine is. `reset()` makes it healthy and empty
again.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789"
RECORDING_SID = "RE" + "89abcdef01234567" * 2
RECORDING_URL = (
    f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
)
# What the stand-in serves as the MP3 of RECORDING_SID: an ID3 header and some bytes.
RECORDING_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 300
# A held answer goes out after this at the latest, so a test that never releases it
# cannot leave the stand-in's threads waiting for the rest of the run.
HOLD_LIMIT_SECONDS = 60.0

_CALLS_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
_RECORDING_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}.mp3"
_MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
_NOT_FOUND = {"code": 20404, "message": "not found", "status": 404}
_UNAUTHORISED = {"code": 20003, "message": "Authenticate", "status": 401}


@dataclass
class TwilioStub:
    """The stand-in's state: how it answers and what it was asked."""

    mode: str = "ok"  # ok | refuse
    status: int = 201  # the status of Calls.json answers in mode "ok"
    delay: float = 0.0  # seconds before any answer
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    member_status: int = 200  # the status of Queue Members updates in mode "ok"
    gone: set[str] = field(default_factory=set)  # CallSids no longer in any queue
    members: list[tuple[str, str]] = field(default_factory=list)  # (CallSid, Url) taken out
    held: threading.Event | None = None  # answers wait until it is set (hold/release)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> TwilioStub:
        """Healthy and with no requests recorded."""
        self.mode, self.status, self.delay = "ok", 201, 0.0
        self.member_status = 200
        self.requests.clear()
        self.gone.clear()
        self.members.clear()
        self.release()
        return self

    def hold(self) -> None:
        """Answer nothing until release(): the client's own timeout decides."""
        self.held = threading.Event()

    def release(self) -> None:
        """Let held answers go (to a client that has long given up)."""
        held, self.held = self.held, None
        if held is not None:
            held.set()

    def pause(self) -> None:
        held = self.held
        if held is not None:
            held.wait(HOLD_LIMIT_SECONDS)
        elif self.delay:
            time.sleep(self.delay)


def _call_document(stub: TwilioStub, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Twilio's answer to POST Calls.json with this form, as the stub is set."""
    if stub.mode == "refuse":
        return 400, {
            "code": 21211,
            "message": f"The 'To' number {form.get('To', '')} is not a valid phone number.",
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400,
        }
    if stub.status >= 300:
        return stub.status, {
            "code": 20500 if stub.status >= 500 else 21211,
            "message": f"stand-in answers {stub.status}",
            "more_info": "https://www.twilio.com/docs/errors",
            "status": stub.status,
        }
    sid = f"CA{len(stub.requests):032x}"
    return stub.status, {
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "to": form.get("To"),
        "from": form.get("From"),
        "status": "queued",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json",
    }


def _message_document(stub: TwilioStub, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Twilio's answer to POST Messages.json with this form, as the stub is set."""
    missing = [name for name in ("To", "From", "Body") if not form.get(name)]
    if missing:
        return 400, {
            "code": 21604 if "To" in missing else 21602,
            "message": f"A '{missing[0]}' parameter is required.",
            "more_info": "https://www.twilio.com/docs/errors/21602",
            "status": 400,
        }
    if stub.mode == "refuse":
        return 400, {
            "code": 21614,
            "message": f"'To' number {form['To']} is not a valid mobile number",
            "more_info": "https://www.twilio.com/docs/errors/21614",
            "status": 400,
        }
    sid = f"SM{len(stub.requests):032x}"
    return 201, {
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "to": form["To"],
        "from": form["From"],
        "body": form["Body"],
        "status": "queued",
        "num_segments": "1",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
    }


_MEMBER_PATH = re.compile(
    rf"^/2010-04-01/Accounts/{ACCOUNT_SID}/Queues/(QU[0-9a-f]{{32}})/Members/(CA[0-9a-f]{{32}})\.json$"
)


def _member_document(
    stub: TwilioStub, queue_sid: str, call_sid: str, form: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Twilio's answer to POST Queues/{QueueSid}/Members/{CallSid}.json (dequeue to `Url`)."""
    if call_sid in stub.gone:
        return 404, {
            "code": 20404,
            "message": f"The requested resource /Queues/{queue_sid}/Members/{call_sid} "
            "was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404,
        }
    if stub.mode == "refuse" or stub.member_status >= 300 or not form.get("Url"):
        status = 400 if stub.mode == "refuse" or not form.get("Url") else stub.member_status
        return status, {
            "code": 20500 if status >= 500 else 21218,
            "message": f"stand-in answers {status}",
            "more_info": "https://www.twilio.com/docs/errors",
            "status": status,
        }
    stub.members.append((call_sid, str(form["Url"])))
    return 200, {
        "call_sid": call_sid,
        "queue_sid": queue_sid,
        "account_sid": ACCOUNT_SID,
        "date_enqueued": "Mon, 30 Nov 2026 09:00:00 +0000",
        "position": 1,
        "wait_time": 30,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Queues/{queue_sid}/Members/{call_sid}.json",
    }


def _handler(stub: TwilioStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _credentials(self) -> tuple[str, str]:
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Basic "):
                return "", ""
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            return user, password

        def _authorised(self, record: dict[str, Any]) -> bool:
            return (record["user"], record["password"]) == (ACCOUNT_SID, AUTH_TOKEN)

        def _record(self, **extra: Any) -> dict[str, Any]:
            user, password = self._credentials()
            record = {"method": self.command, "path": self.path, "user": user}
            record |= {"password": password, **extra}
            stub.requests.append(record)
            stub.pause()
            return record

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            record = self._record()
            if not self._authorised(record):
                return self._send(401, _UNAUTHORISED)
            if self.path != _RECORDING_PATH or stub.mode == "refuse":
                return self._send(404, _NOT_FOUND)
            self._send(200, RECORDING_MP3, "audio/mpeg")

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(body).items()}
            record = self._record(form=form)
            if self.path == _MESSAGES_PATH:
                if not self._authorised(record):
                    return self._send(401, _UNAUTHORISED)
                return self._send(*_message_document(stub, form))
            member = _MEMBER_PATH.match(self.path)
            if member is not None and self._authorised(record):
                return self._send(*_member_document(stub, *member.groups(), form))
            if self.path != _CALLS_PATH:
                return self._send(404, _NOT_FOUND)
            if not self._authorised(record):
                return self._send(401, _UNAUTHORISED)
            self._send(*_call_document(stub, form))

        def _send(
            self, status: int, body: dict[str, Any] | bytes, kind: str = "application/json"
        ) -> None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@contextmanager
def serving() -> Iterator[TwilioStub]:
    """The stand-in on 127.0.0.1 and a free port, in a thread, until the block ends."""
    stub = TwilioStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def twilio_standin() -> Iterator[TwilioStub]:
    """The stand-in for the whole run (import this and `twilio_stub` into a conftest)."""
    with serving() as stub:
        yield stub


@pytest.fixture
def twilio_stub(twilio_standin: TwilioStub) -> TwilioStub:
    """The stand-in, emptied and answering normally."""
    return twilio_standin.reset()
