"""Fixtures of the callback service: contracts, agents with tokens, callbacks, a local
Twilio REST stand-in and a real SMTP server (aiosmtpd) on free localhost ports."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from callback.requests import request_callback
from hotline.accounts.agents import add_agent, create_token
from hotline.models import Callback
from hotline.runtime import Runtime
from tests.factories import make_contract

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-0123456789"
PUBLIC_URL = "https://hotline.example.de"
HOTLINE_NUMBER = "+4930120045670"
AGENT_PHONE = "+4915112345678"
CUSTOMER_PHONE = "+493044123450"
RECORDING_SID = "RE" + "89abcdef01234567" * 2
RECORDING_URL = (
    f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
)
# What the stand-in serves as the MP3 of RECORDING_SID: an ID3 header and some bytes.
RECORDING_MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 300


@dataclass
class TwilioStub:
    """A stand-in for api.twilio.com: records requests, answers as Twilio does.

    POST Calls.json creates a call; GET Recordings/RE….mp3 serves RECORDING_MP3
    (both only with the account's basic auth)."""

    mode: str = "ok"  # ok | refuse | slow
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


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

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            user, password = self._credentials()
            stub.requests.append(
                {"method": "GET", "path": self.path, "user": user, "password": password}
            )
            if stub.mode == "slow":
                time.sleep(3)
            expected = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}.mp3"
            if (user, password) != (ACCOUNT_SID, AUTH_TOKEN):
                return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
            if self.path != expected or stub.mode == "refuse":
                return self._json(404, {"code": 20404, "message": "not found", "status": 404})
            try:
                self.send_response(200)
                self.send_header("Content-Type", "audio/mpeg")
                self.send_header("Content-Length", str(len(RECORDING_MP3)))
                self.end_headers()
                self.wfile.write(RECORDING_MP3)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length).decode()
            user, password = self._credentials()
            record: dict[str, Any] = {
                "method": "POST",
                "path": self.path,
                "user": user,
                "password": password,
                "form": {k: v if len(v) > 1 else v[0] for k, v in parse_qs(body).items()},
            }
            stub.requests.append(record)
            if stub.mode == "slow":
                time.sleep(3)
            expected = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
            if self.path != expected:
                return self._json(404, {"code": 20404, "message": "not found", "status": 404})
            if (user, password) != (ACCOUNT_SID, AUTH_TOKEN):
                return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
            if stub.mode == "refuse":
                to = record["form"].get("To", "")
                return self._json(
                    400,
                    {
                        "code": 21211,
                        "message": f"The 'To' number {to} is not a valid phone number.",
                        "more_info": "https://www.twilio.com/docs/errors/21211",
                        "status": 400,
                    },
                )
            sid = f"CA{len(stub.requests):032x}"
            form = record["form"]
            self._json(
                201,
                {
                    "sid": sid,
                    "account_sid": ACCOUNT_SID,
                    "to": form.get("To"),
                    "from": form.get("From"),
                    "status": "queued",
                    "direction": "outbound-api",
                    "api_version": "2010-04-01",
                    "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json",
                },
            )

        def _json(self, status: int, document: dict[str, Any]) -> None:
            payload = json.dumps(document).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@pytest.fixture(scope="session")
def _twilio_stub_server() -> Iterator[TwilioStub]:
    stub = TwilioStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stub
    server.shutdown()
    server.server_close()


@pytest.fixture
def twilio_stub(_twilio_stub_server: TwilioStub) -> TwilioStub:
    """The stand-in, emptied and answering normally."""
    _twilio_stub_server.mode = "ok"
    _twilio_stub_server.requests.clear()
    return _twilio_stub_server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def _smtp_session_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def smtp_server(_smtp_session_server: tuple[Inbox, int]) -> tuple[Inbox, int]:
    """A real SMTP server on localhost (aiosmtpd), its inbox emptied."""
    _smtp_session_server[0].messages.clear()
    _smtp_session_server[0].envelopes.clear()
    return _smtp_session_server


@pytest.fixture
def settings_overrides(
    twilio_stub: TwilioStub, smtp_server: tuple[Inbox, int]
) -> dict[str, object]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": twilio_stub.base_url,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_NUMBER": HOTLINE_NUMBER,
        "HOTLINE_SMTP_HOST": "127.0.0.1",
        "HOTLINE_SMTP_PORT": str(smtp_server[1]),
    }


@dataclass
class World:
    """A contract, two agents with tokens, and a way to add callbacks."""

    rt: Runtime
    contract_id: int
    station_id: int
    agents: dict[str, int]
    tokens: dict[str, str]

    def headers(self, who: str = "anna") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def add_callback(
        self,
        *,
        phone: str = CUSTOMER_PHONE,
        category: str = "technical",
        at: datetime | None = None,
        contract: bool = True,
    ) -> int:
        with self.rt.sessions() as session, session.begin():
            cb = request_callback(
                session,
                now=at or self.rt.clock.now(),
                calendar=self.rt.calendar,
                phone=phone,
                category=category,
                contract_id=self.contract_id if contract else None,
                station_id=self.station_id if contract else None,
            )
            return cb.id

    def get(self, callback_id: int) -> Callback:
        with self.rt.sessions() as session:
            cb = session.get(Callback, callback_id)
            assert cb is not None
            return cb


@pytest.fixture
def world(rt: Runtime, session: Session) -> World:
    now = rt.clock.now()
    contract = make_contract(
        session, customer_number="4711", contract_number="V-4711", stations={"2": []}
    )
    contract.customer.name = "Bäckerei Müller"
    agents, tokens = {}, {}
    for name, phone in (("anna", AGENT_PHONE), ("bert", "+4915199999999")):
        agent = add_agent(
            session, email=f"{name}@hotline.example", name=name.title(), phone=phone, now=now
        )
        agents[name] = agent.id
        tokens[name] = create_token(session, agent.email, now)
    session.commit()
    return World(rt, contract.id, contract.stations[0].id, agents, tokens)
