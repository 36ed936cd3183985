"""Steps 4-5: the category menu, ringing the available agents (with a whisper), the dial result."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from hotline.calendar.today import opening_facts
from hotline.categories import BY_DIGIT, DEFAULT
from ivr_flows import queue_steps
from ivr_flows.callback_flow import offer_callback
from ivr_flows.language import offer_switch
from ivr_flows.opening_notice import closed_notice, short_day_note
from ivr_flows.registry import step
from ivr_flows.state import Step, new_response
from ivr_flows.twiml import dial, gather, say
from ivr_flows.whisper import whisper

MENU_TRIES = 2


def ask_category(
    step: Step, response: VoiceResponse, tries: int, intro: list[str] | None = None
) -> VoiceResponse:
    if tries > MENU_TRIES:
        return route(step, response, DEFAULT)
    intro = list(intro or [])
    if tries == 1 and not step.rt.calendar.is_open(step.now):
        # After hours the caller hears it first; the menu still sorts the callback.
        intro.append(closed_notice(step.prompts, opening_facts(step.rt.calendar, step.now)))
    offered = gather(
        response,
        step.voice,
        step.url(menu_choice, t=tries),
        *intro,
        step.text("menu"),
        num_digits=1,
        no_input=step.url(menu, t=tries + 1),
    )
    if tries == 1:
        offer_switch(step, offered)
    return response


@step("/menu")
def menu(step: Step) -> VoiceResponse:
    """POST /voice/menu?t=N: the menu again; after the last try the default category."""
    return ask_category(step, new_response(), step.tries())


@step("/menu/choice", rings_agents=True)
def menu_choice(step: Step) -> VoiceResponse:
    """POST /voice/menu/choice?t=N: a category's digit (hotline.categories)."""
    response = new_response()
    if step.tries() == 1 and step.is_language_switch():
        step.switch_language()
        return ask_category(step, response, 1)
    category = BY_DIGIT.get(step.digits)
    if category is None:
        return ask_category(step, response, step.tries() + 1, [step.text("invalid_key")])
    return route(step, response, category.key)


def route(step: Step, response: VoiceResponse, category: str) -> VoiceResponse:
    """Open and someone available: ring them all; else the callback offer."""
    is_open = step.rt.calendar.is_open(step.now)
    phones = step.available_phones() if is_open else []
    step.categorise(category)
    if not is_open:  # the menu said so already
        return offer_callback(step, response, 1)
    queued = queue_steps.before_ringing(step, response, category, phones)
    if queued is not None:
        return queued
    if not phones:
        today = short_day_note(step.prompts, opening_facts(step.rt.calendar, step.now))
        return offer_callback(step, response, 1, f"{step.text('nobody_free')} {today}".strip())
    step.call.outcome = "agent_ringing"
    say(response, step.voice, step.text("connecting"))
    dial(
        response,
        phones,
        action=step.url(dial_result),
        timeout=step.rt.settings.ring_timeout_seconds,
        caller_id=step.rt.settings.hotline_number,
        whisper_url=step.url(whisper, parent=step.call.call_sid),
    )
    return response


@step("/dial-result")
def dial_result(step: Step) -> VoiceResponse:
    """POST /voice/dial-result: answered → goodbye; anything else → the callback offer."""
    response = new_response()
    queue_steps.call_over(step)
    if step.form.get("DialCallStatus") in ("completed", "answered"):
        step.call.outcome = "agent"
        say(response, step.voice, step.text("goodbye"))
        response.hangup()
        return response
    return offer_callback(step, response, 1, step.text("nobody_free"))
