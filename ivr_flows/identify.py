"""Steps 1-2: who is calling — by caller ID, else by customer number (and station)."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from hotline.contracts import Plan, is_entitled, status_on
from hotline.directory.lookup import (
    CallerMatch,
    find_station,
)
from hotline.models import Contract
from ivr_flows.entitlement import entitle
from ivr_flows.language import offer_switch
from ivr_flows.registry import step
from ivr_flows.state import Step, new_response
from ivr_flows.twiml import gather, say

IDENTIFY_TRIES = 3
STATION_TRIES = 2


@step("/incoming", first=True)
def incoming(step: Step) -> VoiceResponse:
    """POST /voice/incoming: a known number goes straight on; others enter their customer number."""
    response = new_response()
    matches = step.caller_matches()
    if len(matches) == 1:
        match = matches[0]
        _apply(step, match)
        greeting = step.text("greeting_known", customer=match.customer)
        return entitle(step, response, intro=[greeting], facts=match.facts)
    intro = [step.text("greeting")]
    if len(matches) > 1:
        intro.append(step.text("identify_shared"))
    return ask_customer_number(step, response, 1, intro)


def ask_customer_number(
    step: Step, response: VoiceResponse, tries: int, intro: list[str] | None = None
) -> VoiceResponse:
    if tries > IDENTIFY_TRIES:
        step.call.outcome = "unidentified"
        say(response, step.voice, *(intro or []), step.text("identify_failed", email=_email(step)))
        response.hangup()
        return response
    asked = gather(
        response,
        step.voice,
        step.url(identify_entered, t=tries),
        *(intro or []),
        step.text("identify"),
        finish_on_key="#",
        no_input=step.url(identify, t=tries + 1),
    )
    if tries == 1:
        offer_switch(step, asked)
    return response


@step("/identify")
def identify(step: Step) -> VoiceResponse:
    """POST /voice/identify?t=N: (again) the customer number."""
    return ask_customer_number(step, new_response(), step.tries())


@step("/identify/entered")
def identify_entered(step: Step) -> VoiceResponse:
    """POST /voice/identify/entered?t=N: the customer number, then the contract."""
    response = new_response()
    tries = step.tries()
    if tries == 1 and step.is_language_switch():
        step.switch_language()
        return ask_customer_number(step, response, 1)
    contracts = step.contracts_of_customer(step.digits) if step.digits else []
    if not contracts:
        step.call.identify_failures += 1
        return ask_customer_number(step, response, tries + 1, [step.text("identify_unknown")])
    # A number shared by several customers: the customer number picks the match.
    if step.call.caller_e164:
        ids = {c.id for c in contracts}
        mine = [m for m in step.caller_matches() if m.contract_id in ids]
        if len(mine) == 1:
            _apply(step, mine[0])
            return entitle(step, response)
    pool = _pool(step, contracts)
    if len(pool) == 1:
        contract = pool[0]
        step.call.contract_id = contract.id
        if len(contract.stations) == 1:
            step.call.station_id = contract.stations[0].id
        elif contract.plan == Plan.FLAT and len(contract.stations) > 1:
            return ask_station(step, response, 1, None)
        return entitle(step, response)
    return ask_station(step, response, 1, step.digits)


def ask_station(
    step: Step, response: VoiceResponse, tries: int, customer: str | None, intro: str = ""
) -> VoiceResponse:
    if tries > STATION_TRIES:
        return _without_station(step, response, customer)
    gather(
        response,
        step.voice,
        step.url(station_entered, t=tries, cust=customer),
        intro,
        step.text("station"),
        finish_on_key="#",
        no_input=step.url(station, t=tries + 1, cust=customer),
    )
    return response


@step("/station")
def station(step: Step) -> VoiceResponse:
    """POST /voice/station?t=N[&cust=...]: (again) the station number."""
    return ask_station(step, new_response(), step.tries(), step.args.get("cust"))


@step("/station/entered")
def station_entered(step: Step) -> VoiceResponse:
    """POST /voice/station/entered: the station picks the station (and the contract); # skips."""
    response = new_response()
    customer = step.args.get("cust")
    if not step.digits:
        return _without_station(step, response, customer)
    for contract in _candidates(step, customer):
        found = find_station(contract, step.digits)
        if found is not None:
            step.call.contract_id = contract.id
            step.call.station_id = found.id
            return entitle(step, response)
    return ask_station(step, response, step.tries() + 1, customer, step.text("station_unknown"))


def _without_station(step: Step, response: VoiceResponse, customer: str | None) -> VoiceResponse:
    if step.call.contract_id is None:
        step.call.contract_id = _candidates(step, customer)[0].id
    return entitle(step, response)


def _candidates(step: Step, customer: str | None) -> list[Contract]:
    if customer:
        contracts = step.contracts_of_customer(customer)
        if contracts:
            return _pool(step, contracts)
    contract = step.contract
    assert contract is not None, "the station step runs only for a known contract"
    return [contract]


def _pool(step: Step, contracts: list[Contract]) -> list[Contract]:
    """The contracts worth choosing from: the running ones, else the newest."""
    running = [c for c in contracts if is_entitled(status_on(c.facts, step.today))]
    return running or [contracts[-1]]


def _apply(step: Step, match: CallerMatch) -> None:
    step.call.contract_id = match.contract_id
    step.call.station_id = match.station_id
    step.call.contact_id = match.admin_id
    if match.station_id is None:  # an admin's number: their only station, if there is one
        contract = step.contract
        assert contract is not None
        if len(contract.stations) == 1:
            step.call.station_id = contract.stations[0].id


def _email(step: Step) -> str:
    return step.rt.settings.support_email
