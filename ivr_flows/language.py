"""The greeting's language switch: one key (`ivr.language_switch_key`) turns the call to
the other language (German <-> English); the offer is said in that language."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather

from ivr_flows.state import Step, other_language, prompts_of, voice_of
from ivr_flows.twiml import say


def offer_switch(step: Step, gather: Gather) -> None:
    """End the greeting's prompt with "For English press 9." in the other language's
    voice: after the menu, so a caller who presses 1 at once does not wait for it."""
    if not step.offers_language_switch():
        return
    other = other_language(step.rt)
    key = step.rt.settings.ivr.language_switch_key
    say(
        gather,
        voice_of(step.rt, other),
        prompts_of(step.rt, other).text("language_switch", digit=key),
    )
