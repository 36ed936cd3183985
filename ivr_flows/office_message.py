"""Step 3, no running contract: the e-mail address, and a message for the office (kept
for the supervisors, hotline.office_messages; never a callback)."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr_flows.language import offer_switch
from ivr_flows.registry import step
from ivr_flows.state import Step, new_response
from ivr_flows.twiml import gather, record, redirect, say


def no_contract(step: Step, response: VoiceResponse, intro: list[str]) -> VoiceResponse:
    """Say there is no running contract; offer the message for the office (1)."""
    step.call.outcome = "no_contract"
    email = step.rt.settings.support_email
    asked = gather(
        response,
        step.voice,
        step.url(office_choice),
        *intro,
        step.text("no_contract", email=email),
        step.text("office_offer"),
        num_digits=1,
        no_input=step.url(office_goodbye),
    )
    offer_switch(step, asked)
    return response


@step("/office")
def office_choice(step: Step) -> VoiceResponse:
    """POST /voice/office: 1 leaves a message for the office; any other key says goodbye."""
    response = new_response()
    if step.is_language_switch():
        step.switch_language()
        return no_contract(step, response, [])
    if step.digits != "1":
        return _goodbye(step, response)
    # The number and the time are kept at once; the spoken message is added if there is one.
    step.leave_office_message()
    say(response, step.voice, step.text("office_record"))
    record(
        response,
        action=step.url(office_recorded),
        max_length=step.rt.settings.recording_max_seconds,
    )
    # An empty recording does not reach the action: Twilio goes on here.
    redirect(response, step.url(office_thanks))
    return response


@step("/office/recorded")
def office_recorded(step: Step) -> VoiceResponse:
    """POST /voice/office/recorded: keep the recording's URL with the message, then thanks."""
    step.keep_recording(step.leave_office_message())
    return _thanks(step, new_response())


@step("/office/thanks")
def office_thanks(step: Step) -> VoiceResponse:
    """POST /voice/office/thanks: the message is kept (without a recording)."""
    return _thanks(step, new_response())


@step("/office/goodbye")
def office_goodbye(step: Step) -> VoiceResponse:
    """POST /voice/office/goodbye: no message."""
    return _goodbye(step, new_response())


def _thanks(step: Step, response: VoiceResponse) -> VoiceResponse:
    say(response, step.voice, step.text("office_thanks"))
    response.hangup()
    return response


def _goodbye(step: Step, response: VoiceResponse) -> VoiceResponse:
    say(response, step.voice, step.text("goodbye"))
    response.hangup()
    return response
