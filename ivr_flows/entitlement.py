"""Step 3: may this caller reach the agents? No contract, a Second Level cashier (admin and
PIN), or entitled (a ticket is opened and the category menu follows)."""

from __future__ import annotations

from datetime import timedelta

from twilio.twiml.voice_response import VoiceResponse

from hotline.accounts.pin_limits import PinLimit, PinVerdict
from hotline.contracts import ContractFacts, Plan, is_entitled, status_on
from hotline.models import Contact, Contract
from ivr_flows.language import offer_switch
from ivr_flows.office_message import no_contract
from ivr_flows.registry import step
from ivr_flows.speech import spoken_list
from ivr_flows.state import Step, new_response
from ivr_flows.twiml import dial, gather, say


def entitle(
    step: Step,
    response: VoiceResponse,
    intro: list[str] | None = None,
    facts: ContractFacts | None = None,
) -> VoiceResponse:
    """Decide for the identified contract and continue the call in `response`.

    `facts`: the contract's, when the caller's lookup brought them (saves loading it).
    """
    if facts is None:
        contract = step.contract
        assert contract is not None, "entitlement needs an identified contract"
        facts = contract.facts
    intro = intro or []
    if not is_entitled(status_on(facts, step.today)):
        return no_contract(step, response, intro)
    if facts.plan == Plan.SECOND_LEVEL and step.call.contact_id is None:
        contract = step.contract
        assert contract is not None
        return _cashier(step, response, contract, intro)
    return _entitled(step, response, intro)


def _entitled(step: Step, response: VoiceResponse, intro: list[str]) -> VoiceResponse:
    from ivr_flows.routing import ask_category

    step.open_ticket(step.call.contract_id, step.call.station_id)
    return ask_category(step, response, 1, intro)


def _admins(contract: Contract) -> list[Contact]:
    return [c for c in contract.contacts if c.role == "admin"]


def _admin_names(step: Step, contract: Contract) -> str:
    names = [c.name for c in _admins(contract) if c.name]
    return spoken_list(step.prompts, names) if names else step.text("admin_unnamed")


def _pin_contracts(step: Step, contract: Contract) -> list[Contract]:
    """The contracts whose admins may sign in on this call: `contract` first, then the
    customer's other running Second Level contracts whose PIN entry is not locked (a PIN
    names its contract)."""
    others = [
        c
        for c in step.contracts_of_customer(contract.customer.number)
        if c.id != contract.id
        and c.plan == Plan.SECOND_LEVEL
        and is_entitled(status_on(c.facts, step.today))
        and not _locked(step, c)
    ]
    return [contract, *others]


def _continue_with(step: Step, contract: Contract) -> None:
    """The call goes on with `contract` (its admin's PIN matched): its station, if the
    caller's is not one of it, is its only one (else unknown)."""
    step.call.contract_id = contract.id
    if step.call.station_id not in {s.id for s in contract.stations}:
        step.call.station_id = contract.stations[0].id if len(contract.stations) == 1 else None


def _locked(step: Step, contract: Contract) -> bool:
    return contract.pin_locked_until is not None and contract.pin_locked_until > step.now


def _cashier(
    step: Step, response: VoiceResponse, contract: Contract, intro: list[str]
) -> VoiceResponse:
    """A Second Level cashier: the admin is their contact; an admin may sign in with the PIN."""
    step.call.outcome = "sent_to_admin"
    texts = [*intro, step.text("admin_contact", admins=_admin_names(step, contract))]
    has_pin = any(c.pin_hash for k in _pin_contracts(step, contract) for c in _admins(k))
    if _locked(step, contract) or not has_pin:
        if has_pin:
            texts.append(step.text("admin_pin_locked"))
        say(response, step.voice, *texts)
        return _admin_end(step, response, contract)
    asked = gather(
        response,
        step.voice,
        step.url(pin_entered, t=1),
        *texts,
        step.text("admin_pin"),
        finish_on_key="#",
        no_input=step.url(admin_end),
    )
    offer_switch(step, asked)  # a PIN has 4-8 digits: the switch key alone is never one
    return response


def _admin_end(step: Step, response: VoiceResponse, contract: Contract) -> VoiceResponse:
    """Goodbye to the cashier, or — where the contract says so — put through to the admin."""
    phones = [p.e164 for c in _admins(contract) for p in c.phones]
    if contract.dial_admin_for_cashiers and phones:
        step.call.outcome = "dialed_admin"
        say(response, step.voice, step.text("admin_dial", admins=_admin_names(step, contract)))
        dial(
            response,
            phones[:1],
            action=None,
            timeout=step.rt.settings.ring_timeout_seconds,
            caller_id=step.rt.settings.hotline_number,
        )
    say(response, step.voice, step.text("admin_goodbye"))
    response.hangup()
    return response


@step("/admin-end")
def admin_end(step: Step) -> VoiceResponse:
    """POST /voice/admin-end: the cashier entered no PIN."""
    contract = step.contract
    assert contract is not None
    return _admin_end(step, new_response(), contract)


@step("/pin")
def pin_entered(step: Step) -> VoiceResponse:
    """POST /voice/pin?t=N: the admin PIN of any of the customer's Second Level contracts,
    which then is the call's; wrong ones count per call and per contract."""
    response = new_response()
    contract = step.contract
    assert contract is not None
    settings = step.rt.settings
    admins_text = _admin_names(step, contract)
    if _locked(step, contract):
        say(response, step.voice, step.text("admin_pin_locked"), step.text("admin_goodbye"))
        response.hangup()
        return response
    if not step.digits:
        return _admin_end(step, response, contract)
    if step.tries() == 1 and step.is_language_switch():
        step.switch_language()
        return _cashier(step, response, contract, [])
    limit = PinLimit(
        settings.pin_wrong_per_contract_per_hour, timedelta(minutes=settings.pin_lock_minutes)
    )
    # One entry counts once, against the call's contract, whichever contract it names.
    candidates = _pin_contracts(step, contract)
    admins = [(c.id, c.pin_hash) for k in candidates for c in _admins(k)]
    result = step.try_admin_pin(contract, admins, limit)
    if result.verdict is PinVerdict.LOCKED:
        say(response, step.voice, step.text("admin_pin_locked"), step.text("admin_goodbye"))
        response.hangup()
        return response
    if result.verdict is PinVerdict.RIGHT:
        owner = next(k for k in candidates if result.admin_id in {c.id for c in _admins(k)})
        _continue_with(step, owner)
        step.call.contact_id = result.admin_id
        step.call.outcome = None
        return _entitled(step, response, [step.text("pin_ok")])
    if result.verdict is PinVerdict.NOW_LOCKED:
        step.call.outcome = "pin_locked"
        say(response, step.voice, step.text("pin_now_locked"))
        response.hangup()
        return response
    if step.call.pin_failures >= settings.pin_wrong_per_call:
        step.call.outcome = "pin_failed"
        say(response, step.voice, step.text("pin_too_many", admins=admins_text))
        response.hangup()
        return response
    gather(
        response,
        step.voice,
        step.url(pin_entered, t=step.tries() + 1),
        step.text("pin_wrong"),
        finish_on_key="#",
        no_input=step.url(admin_end),
    )
    return response
