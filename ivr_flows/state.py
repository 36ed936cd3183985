"""What one webhook works with: the call row (the state that outlives a request), the form
Twilio posted, the URL's query parameters, the clock, and helpers to answer in TwiML.

Nothing here lives longer than one request: every step reads the call from the database
and passes small counters (tries) through the URLs it hands to Twilio, which signs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from hotline.accounts.agents import available_phones
from hotline.models import Contract, Ticket
from hotline.prepared import Prepared
from hotline.runtime import Runtime
from hotline.tickets import insert_ticket, ticket_values
from ivr_flows.call_row import CallRow, save, save_with_answer
from ivr_flows.prompts import Prompts
from ivr_flows.twiml import Voice

# Built once per process: building a statement costs about as much as running it.
_CALL_TICKET = select(Ticket).where(Ticket.call_id == bindparam("call_id"))


def voice_of(rt: Runtime) -> Voice:
    return Voice(voice=rt.settings.voice, language=rt.settings.voice_language)


def prompts_of(rt: Runtime) -> Prompts:
    return Prompts(rt.settings.prompts)


def url(rt: Runtime, path: str, **params: object) -> str:
    """The URL of a step as Twilio should request it (absolute behind HOTLINE_PUBLIC_URL)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return (rt.settings.public_url or "") + path + (f"?{query}" if query else "")


@dataclass
class Step:
    """One webhook request of one call."""

    rt: Runtime
    conn: Connection
    call: CallRow
    form: Mapping[str, str]
    args: Mapping[str, str]
    now: datetime
    # The available agents' phones, when read with the call (call_row.load_with_answer).
    agents: list[str] | None = None
    prompts: Prompts = field(init=False)
    voice: Voice = field(init=False)
    _session: Session | None = field(init=False, default=None)
    _later: list[tuple[Prepared, dict[str, Any]]] = field(init=False, default_factory=list)
    _ticket: dict[str, Any] | None = field(init=False, default=None)  # to open with the call

    def __post_init__(self) -> None:
        self.prompts = prompts_of(self.rt)
        self.voice = voice_of(self.rt)

    @property
    def session(self) -> Session:
        """An ORM session in the step's transaction, for the steps that need one."""
        if self._session is None:
            self._session = Session(bind=self.conn, expire_on_commit=False)
        return self._session

    def write_with_answer(self, statement: Prepared, params: dict[str, Any]) -> None:
        """Run this write (an UPDATE whose result is not needed) with the step's answer: on
        PostgreSQL in the same statement (call_row.save_with_answer). It is part of the
        call's progress, and commits like it: where that is the step's only write, without
        waiting for the disk (hotline/relaxed_commit.py)."""
        self._later.append((statement, params))

    def finish(self, key: str, twiml: str) -> None:
        """Write what the step changed (the session's objects, the call's row, the writes
        kept for the answer) and keep its answer, `twiml`, under `key` for Twilio's retries."""
        if self._session is not None:
            self._session.flush()
            self._session.close()
        save_with_answer(self.conn, self.call, key, twiml, self.now, self._later, self._ticket)

    def available_phones(self) -> list[str]:
        """The phones of the agents to ring now (hotline.accounts.agents.available_phones)."""
        if self.agents is None:
            self.agents = available_phones(self.conn)
        return self.agents

    @property
    def today(self) -> date:
        return self.now.astimezone(self.rt.calendar.zone).date()

    @property
    def digits(self) -> str:
        """The keys the caller pressed, without the finishing "#"."""
        return "".join(c for c in self.form.get("Digits", "") if c.isdigit())

    def tries(self, name: str = "t") -> int:
        try:
            return max(1, int(self.args.get(name, "1")))
        except ValueError:
            return 1

    def url(self, path: str, **params: object) -> str:
        return url(self.rt, path, **params)

    def text(self, key: str, **values: object) -> str:
        return self.prompts.text(key, **values)

    @property
    def call_id(self) -> int:
        """The call row's id; inserts a new call first (use this, not `call.id`)."""
        if self.call.id is None:
            save(self.conn, self.call)
        assert self.call.id is not None
        return self.call.id

    def open_ticket(self, contract_id: int | None, station_id: int | None) -> None:
        """Open the call's phone ticket (unless it has one). A call not stored yet gets it
        with its row and the step's answer: on PostgreSQL in one statement (`finish`)."""
        values = ticket_values(now=self.now, contract_id=contract_id, station_id=station_id)
        if self.call.id is None:
            self._ticket = values
        else:
            insert_ticket(self.conn, {**values, "call_id": self.call.id})

    @property
    def contract(self) -> Contract | None:
        if self.call.contract_id is None:
            return None
        return self.session.get(Contract, self.call.contract_id)

    @property
    def ticket(self) -> Ticket | None:
        if self._ticket is not None:  # opened in this step: written now, to be found
            insert_ticket(self.conn, {**self._ticket, "call_id": self.call_id}, new_call=True)
            self._ticket = None
        return self.session.scalar(_CALL_TICKET, {"call_id": self.call_id})


def new_response() -> VoiceResponse:
    return VoiceResponse()
