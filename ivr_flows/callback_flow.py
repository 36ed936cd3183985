"""Steps 6-8: the callback offer (own or another number), the recording, the confirmation."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from hotline.directory.phones import digits_for_speech, normalize
from hotline.models import Ticket
from ivr_flows.registry import step
from ivr_flows.speech import spoken_digits, spoken_when
from ivr_flows.state import Step, new_response
from ivr_flows.twiml import gather, record, redirect, say

OFFER_TRIES = 2
NUMBER_TRIES = 3
READBACK_TRIES = 2


def offer_callback(step: Step, response: VoiceResponse, tries: int, why: str = "") -> VoiceResponse:
    """Own number (1) or another (2); a withheld caller goes straight to number entry."""
    if step.call.caller_e164 is None:
        return ask_number(step, response, 1, why)
    if tries > OFFER_TRIES:  # no answer twice: the number they call from
        return _create(step, response, step.call.caller_e164)
    gather(
        response,
        step.voice,
        step.url(offer_choice, t=tries),
        why,
        step.text("callback_offer"),
        num_digits=1,
        no_input=step.url(offer, t=tries + 1),
    )
    return response


@step("/callback")
def offer(step: Step) -> VoiceResponse:
    """POST /voice/callback?t=N."""
    return offer_callback(step, new_response(), step.tries())


@step("/callback/choice")
def offer_choice(step: Step) -> VoiceResponse:
    """POST /voice/callback/choice?t=N: 1 own number, 2 another."""
    response = new_response()
    if step.digits == "1" and step.call.caller_e164:
        return _create(step, response, step.call.caller_e164)
    if step.digits == "2":
        return ask_number(step, response, 1)
    return offer_callback(step, response, step.tries() + 1, step.text("invalid_key"))


def ask_number(step: Step, response: VoiceResponse, tries: int, intro: str = "") -> VoiceResponse:
    if tries > NUMBER_TRIES:
        return _own_number_last(step, response, intro)
    gather(
        response,
        step.voice,
        step.url(number_entered, t=tries),
        intro,
        step.text("callback_number"),
        finish_on_key="#",
        timeout=8,
        no_input=step.url(number, t=tries + 1),
    )
    return response


def _own_number_last(step: Step, response: VoiceResponse, intro: str) -> VoiceResponse:
    """No valid number after the last try: the number the caller calls from, if it is one
    to call back; without a key (or without such a number) the e-mail address."""
    own = normalize(step.call.caller_e164 or "")
    if own is None:
        return _no_number(step, response, intro)
    gather(
        response,
        step.voice,
        step.url(own_number_choice),
        intro,
        step.text("callback_own_number", digits=spoken_digits(digits_for_speech(own))),
        num_digits=1,
        no_input=step.url(own_number_choice),
    )
    return response


def _no_number(step: Step, response: VoiceResponse, intro: str = "") -> VoiceResponse:
    step.call.outcome = "callback_failed"
    email = step.rt.settings.support_email
    say(response, step.voice, intro, step.text("callback_number_failed", email=email))
    response.hangup()
    return response


@step("/callback/own")
def own_number_choice(step: Step) -> VoiceResponse:
    """POST /voice/callback/own: 1 takes the caller's own number after three invalid ones;
    anything else (or no key) ends with the e-mail address."""
    own = normalize(step.call.caller_e164 or "")
    if step.digits == "1" and own is not None:
        return _create(step, new_response(), own)
    return _no_number(step, new_response())


@step("/callback/number")
def number(step: Step) -> VoiceResponse:
    """POST /voice/callback/number?t=N."""
    return ask_number(step, new_response(), step.tries())


@step("/callback/number/entered")
def number_entered(step: Step) -> VoiceResponse:
    """POST /voice/callback/number/entered?t=N: validate, then read it back digit by digit."""
    response = new_response()
    e164 = normalize(step.digits) if step.digits else None
    if e164 is None:
        return ask_number(step, response, step.tries() + 1, step.text("callback_number_invalid"))
    return _read_back(step, response, e164, 1)


def _read_back(step: Step, response: VoiceResponse, e164: str, tries: int) -> VoiceResponse:
    if tries > READBACK_TRIES:  # heard twice and not rejected: take it
        return _create(step, response, e164)
    digits = spoken_digits(digits_for_speech(e164))
    gather(
        response,
        step.voice,
        step.url(confirm, n=e164, t=tries),
        step.text("callback_readback", digits=digits),
        num_digits=1,
        no_input=step.url(read_back, n=e164, t=tries + 1),
    )
    return response


def _signed_number(step: Step) -> str | None:
    # The number comes back in a URL we handed out (and Twilio signed); check it anyway.
    return normalize(step.args.get("n", ""))


@step("/callback/readback")
def read_back(step: Step) -> VoiceResponse:
    """POST /voice/callback/readback?n=...&t=N."""
    e164 = _signed_number(step)
    if e164 is None:
        return ask_number(step, new_response(), 1)
    return _read_back(step, new_response(), e164, step.tries())


@step("/callback/confirm")
def confirm(step: Step) -> VoiceResponse:
    """POST /voice/callback/confirm?n=...&t=N: 1 confirms, 2 enters again."""
    response = new_response()
    e164 = _signed_number(step)
    if e164 is None or step.digits == "2":
        return ask_number(step, response, 1)
    if step.digits == "1":
        return _create(step, response, e164)
    say(response, step.voice, step.text("invalid_key"))
    return _read_back(step, response, e164, step.tries() + 1)


def _create(step: Step, response: VoiceResponse, phone: str) -> VoiceResponse:
    """Store the callback request, then offer the recording."""
    callback = step.request_callback(phone)
    step.call.outcome = "callback"
    # A request that joined another call's is found by its id in the next steps.
    joined = callback.id if callback.call_id != step.call_id else None
    say(response, step.voice, step.text("record"))
    record(
        response,
        action=step.url(recorded, cb=joined),
        max_length=step.rt.settings.recording_max_seconds,
    )
    # An empty recording does not reach the action: Twilio goes on here.
    redirect(response, step.url(confirmation, cb=joined))
    return response


@step("/recorded")
def recorded(step: Step) -> VoiceResponse:
    """POST /voice/recorded: keep the recording's URL on the callback, then confirm."""
    step.keep_recording(step.callback())
    return _confirmation(step, new_response())


@step("/confirmation")
def confirmation(step: Step) -> VoiceResponse:
    """POST /voice/confirmation."""
    return _confirmation(step, new_response())


def _confirmation(step: Step, response: VoiceResponse) -> VoiceResponse:
    """The ticket number digit by digit and when the callback comes, then goodbye."""
    found = step.callback()
    calendar = step.rt.calendar
    due = found.due_at if found is not None else calendar.next_opening(step.now)
    if due <= step.now and not calendar.is_open(step.now):  # a joined one, due since earlier
        due = calendar.next_opening(step.now)
    if due <= step.now or calendar.is_open(step.now):
        when = step.text("soon")
    else:
        when = spoken_when(step.prompts, due, step.now, calendar.zone)
    # The number the agent sees on the callback: a joined one keeps its ticket.
    ticket = step.ticket
    if found is not None and found.ticket_id is not None:
        ticket = step.session.get(Ticket, found.ticket_id)
    if ticket is not None:
        text = step.text("confirmation", ticket=spoken_digits(str(ticket.number)), when=when)
    else:
        text = step.text("confirmation_no_ticket", when=when)
    say(response, step.voice, text)
    response.hangup()
    return response
