"""What one webhook works with: the call row (the state that outlives a request), the form
Twilio posted, the URL's query parameters, the clock, and helpers to answer in TwiML.

Nothing here lives longer than one request: every step reads the call from the database
and passes small counters (tries) through the URLs it hands to Twilio, which signs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase
from twilio.twiml.voice_response import VoiceResponse

from callback.queue import presence, waiting
from callback.queue.waiting import keep_place
from callback.requests import callback_of_call, one_ticket, request_callback
from hotline.accounts.pin_limits import PinLimit, PinResult, PinVerdict, try_admin_pin
from hotline.categories import DEFAULT as DEFAULT_CATEGORY
from hotline.directory.lookup import CallerMatch, contracts_of_customer
from hotline.models import Callback, Contract, OfficeMessage, PinAttempt, Ticket
from hotline.office_messages import leave_office_message
from hotline.runtime import Runtime
from hotline.tickets import categorise_call_ticket, ticket_of_call, ticket_values
from ivr_flows.fastpath.call_row import (
    CallRow,
    Write,
    available_phones,
    matches_of_number,
    save,
    save_with_answer,
)
from ivr_flows.fastpath.tickets import open_phone_ticket
from ivr_flows.prompts import LANGUAGES, Prompts
from ivr_flows.registry import url_of
from ivr_flows.twiml import Voice


def voice_of(rt: Runtime, language: str | None = None) -> Voice:
    """The voice of the prompts' language; of the other one (`ivr.other_voice`) for a
    call switched to it."""
    settings = rt.settings
    if language is None or language == settings.prompts:
        return Voice(voice=settings.voice, language=settings.voice_language)
    return Voice(voice=settings.ivr.other_voice, language=settings.ivr.other_voice_language)


def prompts_of(rt: Runtime, language: str | None = None) -> Prompts:
    return Prompts(language or rt.settings.prompts)


def other_language(rt: Runtime) -> str:
    """The language the greeting's key switches to (German <-> English)."""
    return next(lang for lang in LANGUAGES if lang != rt.settings.prompts)


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
    language_switched: bool = field(init=False, default=False)
    _session: Session | None = field(init=False, default=None)
    _later: list[Write] = field(init=False, default_factory=list)
    _ticket: dict[str, Any] | None = field(init=False, default=None)  # to open with the call

    def __post_init__(self) -> None:
        # A call switched to the other language carries it in the URLs it hands to
        # Twilio (`lang`, signed like the rest); every later step speaks it.
        language = self.args.get("lang")
        ivr = self.rt.settings.ivr
        if not (ivr.language_switch and language == other_language(self.rt)):
            language = None
        self._use_language(language)

    def _use_language(self, language: str | None) -> None:
        self.language_switched = language is not None
        self.prompts = prompts_of(self.rt, language)
        self.voice = voice_of(self.rt, language)

    def switch_language(self) -> None:
        """The caller pressed the greeting's key: the rest of the call speaks the other
        language (this answer included)."""
        self._use_language(other_language(self.rt))

    def offers_language_switch(self) -> bool:
        """Whether this prompt may offer the switch (on, and not switched already)."""
        return self.rt.settings.ivr.language_switch and not self.language_switched

    def is_language_switch(self) -> bool:
        """Whether the caller's keys are the greeting's switch key (where it was offered)."""
        return (
            self.offers_language_switch()
            and self.digits == self.rt.settings.ivr.language_switch_key
        )

    @property
    def session(self) -> Session:
        """An ORM session in the step's transaction, for the steps that need one."""
        if self._session is None:
            self._session = Session(bind=self.conn, expire_on_commit=False)
        return self._session

    def write_with_answer(self, statement: UpdateBase, params: dict[str, Any]) -> None:
        """Run this write of a domain (an UPDATE or INSERT whose result is not needed, bind
        names of its own) with the step's answer: on PostgreSQL in the same statement
        (ivr_flows/fastpath/call_row.py). It is part of the call's progress, and commits
        like it: where that is the step's only write, without waiting for the disk. For
        the intent methods below; handlers ask for an intent."""
        self._later.append((statement, params))

    def finish(self, key: str, twiml: str) -> None:
        """Write what the step changed (the session's objects, the call's row, the writes
        kept for the answer) and keep its answer, `twiml`, under `key` for Twilio's retries."""
        if self._session is not None:
            self._session.flush()
            self._session.close()
        save_with_answer(self.conn, self.call, key, twiml, self.now, self._later, self._ticket)

    # -- intents: what a handler asks for; the statements stay in here ---------------------

    def caller_matches(self) -> list[CallerMatch]:
        """Who the caller's number belongs to (hotline.directory.lookup); none if withheld."""
        number = self.call.caller_e164
        return matches_of_number(self.conn, number) if number else []

    def contracts_of_customer(self, customer_number: str) -> list[Contract]:
        """The contracts of the customer with this number, oldest first."""
        return contracts_of_customer(self.session, customer_number)

    def categorise(self, category: str) -> None:
        """The caller chose `category` (hotline.categories): the call's and its ticket's."""
        self.call.category = category
        self.write_with_answer(*categorise_call_ticket(self.call_id, category))

    def try_admin_pin(
        self, contract: Contract, admins: Sequence[tuple[int, str | None]], limit: PinLimit
    ) -> PinResult:
        """The caller's digits as the PIN of one of `admins` (those of `contract`, and of
        other contracts the PIN may name), counted once under `contract`'s hourly limit
        (hotline.accounts.pin_limits.try_admin_pin); a wrong one counts for the call and
        is logged as `contract`'s PinAttempt."""
        result = try_admin_pin(self.session, contract.id, admins, self.digits, self.now, limit)
        if result.verdict in (PinVerdict.WRONG, PinVerdict.NOW_LOCKED):
            self.call.pin_failures += 1
            self.session.add(
                PinAttempt(contract_id=contract.id, call_sid=self.call.call_sid, at=self.now)
            )
        return result

    def request_callback(self, phone: str) -> Callback:
        """Store the caller's callback request (callback.requests), with the call's ticket;
        one asked for while waiting in the live queue keeps the caller's place
        (callback.queue.waiting.keep_place). A request that joins an open one leaves one
        ticket for the problem (callback.requests.one_ticket)."""
        ticket = self.ticket
        callback = request_callback(
            self.session,
            now=self.now,
            calendar=self.rt.calendar,
            phone=phone,
            category=self.call.category or DEFAULT_CATEGORY,
            contract_id=self.call.contract_id,
            station_id=self.call.station_id,
            ticket_id=ticket.id if ticket else None,
            call_id=self.call_id,
        )
        if callback.call_id != self.call_id:
            one_ticket(self.session, callback, ticket, self.now)
        keep_place(self.session, self.call.call_sid, callback, self.now)
        return callback

    def leave_office_message(self) -> OfficeMessage:
        """Store the caller's message for the office (hotline.office_messages), once per
        call."""
        return leave_office_message(
            self.session,
            call_id=self.call_id,
            contract_id=self.call.contract_id,
            phone=self.call.caller_e164,
            now=self.now,
        )

    def keep_recording(self, kept: Callback | OfficeMessage | None) -> None:
        """Keep the recording Twilio reports in this request (`RecordingUrl`,
        `RecordingDuration`) on the callback or office message: the first one; an empty
        one is none."""
        url = self.form.get("RecordingUrl", "")
        try:
            seconds = int(self.form.get("RecordingDuration", "0") or 0)
        except ValueError:
            seconds = 0
        if kept is not None and url and seconds > 0 and not kept.recording_url:
            kept.recording_url = url
            kept.recording_seconds = seconds

    def offer_to_agents(self, category: str, *, queued: bool) -> None:
        """Offer the call to the agents for the first time (callback.queue.waiting.new_offer):
        rung at once, or (`queued`) waiting in the live queue; with the step's answer."""
        self.write_with_answer(
            *waiting.new_offer(
                call_sid=self.call.call_sid,
                call_id=self.call_id,
                contract_id=self.call.contract_id,
                category=category,
                now=self.now,
                queued=queued,
                language=self.prompts.language if self.language_switched else None,
            )
        )

    def conversation_over(self) -> None:
        """The call's conversation or ring with an agent ended: the agent is free again
        (callback.queue.presence.free_writes) and its queue entry ends
        (callback.queue.waiting.end_writes); with the step's answer."""
        sid = self.call.call_sid
        for write, params in presence.free_writes(sid) + waiting.end_writes(sid, self.now):
            self.write_with_answer(write, params)

    def callback(self) -> Callback | None:
        """The call's callback request: the one it joined (its id as `cb` in the URL, which
        Twilio signs), else the one it left, if any."""
        joined = self.args.get("cb", "")
        if joined.isdigit():
            return self.session.get(Callback, int(joined))
        return callback_of_call(self.session, self.call_id)

    def available_phones(self) -> list[str]:
        """The phones of the agents to ring now (hotline.accounts.agents.AVAILABLE_AGENTS)."""
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

    def url(self, handler: Callable[..., Any], **params: object) -> str:
        """The URL of a declared webhook (ivr_flows.registry), for Twilio to request next;
        a call switched to the other language keeps it (`lang`)."""
        if self.language_switched:
            params.setdefault("lang", self.prompts.language)
        return url_of(self.rt.settings, handler, **params)

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
            open_phone_ticket(self.conn, {**values, "call_id": self.call.id})

    @property
    def contract(self) -> Contract | None:
        if self.call.contract_id is None:
            return None
        return self.session.get(Contract, self.call.contract_id)

    @property
    def ticket(self) -> Ticket | None:
        if self._ticket is not None:  # opened in this step: written now, to be found
            open_phone_ticket(self.conn, {**self._ticket, "call_id": self.call_id}, new_call=True)
            self._ticket = None
        return ticket_of_call(self.session, self.call_id)


def new_response() -> VoiceResponse:
    return VoiceResponse()
