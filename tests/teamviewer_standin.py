"""A local stand-in for TeamViewer's Web API sessions endpoint (webapi.teamviewer.com).

It checks what TeamViewer checks — the bearer token, the path, the JSON fields of a new
session (`groupname` of an existing group, `description`, `end_customer.name`) and of a
state change (`{"state": "closed"}` only) — records every request and answers in
TeamViewer's documented format: the session document (code, state, groupid, description,
end_customer, end_customer_link, supporter_link, created_at, valid_until), 204 for a
change, and error documents `{"error", "error_description", "error_code"}`.

Faults: `status` answers every request with that HTTP status (429 with Retry-After),
`close_status` only the PUTs, `delay` seconds before any answer, `reuse_code` hands out
that code again (a second session with a code the hotline already has), `omit` leaves a
field out of the new session's answer (the session exists all the same), `valid_for`
how long a new session stays valid.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

TOKEN = "tv-script-token-9f8e7d6c5b4a"
GROUP = "Kassen-Hotline"
# 10:00 in Berlin on the tests' Monday; sessions stay valid for a day.
CREATED_AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
VALID_FOR = timedelta(hours=24)
SESSION_FIELDS = {"groupname", "groupid", "description", "end_customer", "waiting_message"}

_ERRORS = {
    400: ("invalid_request", 1),
    401: ("invalid_token", 2),
    403: ("insufficient_rights", 3),
    404: ("not_found", 4),
    429: ("rate_limit_reached", 9),
    500: ("internal_error", 7),
    503: ("service_unavailable", 7),
}


@dataclass
class TeamViewerStub:
    """The stand-in's state: its sessions, how it answers and what it was asked."""

    status: int = 0  # 0: answer normally
    close_status: int = 0
    delay: float = 0.0
    reuse_code: str | None = None
    omit: str | None = None
    valid_for: timedelta = VALID_FOR
    groups: set[str] = field(default_factory=lambda: {GROUP})
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> TeamViewerStub:
        """Healthy, no sessions, nothing recorded."""
        self.status, self.close_status, self.delay, self.reuse_code = 0, 0, 0.0, None
        self.omit, self.valid_for = None, VALID_FOR
        self.groups = {GROUP}
        self.sessions.clear()
        self.requests.clear()
        return self

    def states(self) -> dict[str, str]:
        """Each session's state by code."""
        return {code: s["state"] for code, s in self.sessions.items()}


def error_document(status: int, description: str) -> dict[str, Any]:
    error, code = _ERRORS.get(status, ("internal_error", 7))
    return {"error": error, "error_description": description, "error_code": code}


def _new_session(stub: TeamViewerStub, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    unknown = set(body) - SESSION_FIELDS
    if unknown:
        return 400, error_document(400, f"Unknown fields: {', '.join(sorted(unknown))}")
    group = body.get("groupname")
    if not isinstance(group, str) or not group:
        return 400, error_document(400, "Either groupid or groupname must be given.")
    if group not in stub.groups:
        return 400, error_document(400, f"The group '{group}' was not found.")
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        return 400, error_document(400, "description must be a non-empty string.")
    customer = body.get("end_customer")
    if not isinstance(customer, dict) or not isinstance(customer.get("name"), str):
        return 400, error_document(400, "end_customer.name must be a string.")
    number = 12345678 + len(stub.sessions) * 1111
    digits = f"{number:08d}"
    code = stub.reuse_code or f"s{digits[:2]}-{digits[2:5]}-{digits[5:]}"
    session = {
        "code": code,
        "state": "open",
        "groupid": "g4711",
        "description": description,
        "end_customer": {"name": customer["name"]},
        "end_customer_link": f"https://get.teamviewer.com/s{digits}",
        "supporter_link": f"https://start.teamviewer.com/sc/{code}?token=agent-only-{digits}",
        "created_at": CREATED_AT.isoformat().replace("+00:00", "Z"),
        "valid_until": (CREATED_AT + stub.valid_for).isoformat().replace("+00:00", "Z"),
    }
    stub.sessions[code] = session
    return 200, {k: v for k, v in session.items() if k != stub.omit}


def _handler(stub: TeamViewerStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return ValueError

        def _handle(self) -> None:
            body = self._body()
            record = {
                "method": self.command,
                "path": self.path,
                "authorization": self.headers.get("Authorization", ""),
                "content_type": self.headers.get("Content-Type", ""),
                "json": body,
            }
            stub.requests.append(record)
            if stub.delay:
                time.sleep(stub.delay)
            if record["authorization"] != f"Bearer {TOKEN}":
                return self._send(401, error_document(401, "The access token is invalid."))
            if stub.status:
                return self._send(stub.status, error_document(stub.status, "stand-in fault"))
            if body is ValueError or (body is not None and "json" not in record["content_type"]):
                return self._send(400, error_document(400, "The body is not JSON."))
            prefix = "/api/v1/sessions"
            if self.path == prefix and self.command == "POST":
                return self._send(*_new_session(stub, body if isinstance(body, dict) else {}))
            if not self.path.startswith(prefix + "/"):
                return self._send(404, error_document(404, "No such resource."))
            code = self.path[len(prefix) + 1 :]
            session = stub.sessions.get(code)
            if session is None:
                return self._send(404, error_document(404, f"Session {code} not found."))
            if self.command == "GET":
                return self._send(200, session)
            if self.command == "PUT":
                if body != {"state": "closed"}:
                    return self._send(400, error_document(400, "Only state=closed is allowed."))
                if stub.close_status:
                    status = stub.close_status
                    return self._send(status, error_document(status, "stand-in fault"))
                session["state"] = "closed"
                return self._send(204, None)
            self._send(405, error_document(400, "Method not allowed."))

        do_GET = do_POST = do_PUT = _handle

        def _send(self, status: int, document: dict[str, Any] | None) -> None:
            payload = json.dumps(document).encode() if document is not None else b""
            try:
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "30")
                if payload:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@contextmanager
def serving() -> Iterator[TeamViewerStub]:
    """The stand-in on 127.0.0.1 and a free port, in a thread, until the block ends."""
    stub = TeamViewerStub()
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
def teamviewer_standin() -> Iterator[TeamViewerStub]:
    """The stand-in for the whole run (import this and `teamviewer` into a conftest)."""
    with serving() as stub:
        yield stub


@pytest.fixture
def teamviewer(teamviewer_standin: TeamViewerStub) -> TeamViewerStub:
    """The stand-in, emptied and answering normally."""
    return teamviewer_standin.reset()
