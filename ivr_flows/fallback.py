"""The answer when the application cannot work normally: no database, no lookups.

Used by Twilio's fallback URL and by every webhook that hits a database error or an
unexpected exception: apologise, then ring the fallback numbers from the settings, or
record a message. Its webhooks note a recorded message, and fallback numbers that did
not answer, in the spool (callback.spool) for the scheduler to bring into the database,
so the agents see these callers once it is back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twilio.twiml.voice_response import VoiceResponse

from callback.spool import DIAL_UNANSWERED, RECORDING, spool_fallback
from hotline.settings import Settings
from ivr_flows.prompts import Prompts
from ivr_flows.registry import url_of, webhook
from ivr_flows.twiml import Voice, dial, record, say, xml

if TYPE_CHECKING:
    from hotline.runtime import Runtime
    from ivr_flows.webhook import Webhook

# DialCallStatus of a fallback number that answered.
ANSWERED = ("completed", "answered")


def _tools(settings: Settings) -> tuple[Prompts, Voice]:
    prompts = Prompts(settings.prompts)
    voice = Voice(voice=settings.voice, language=settings.voice_language)
    return prompts, voice


@webhook("/fallback")
def fallback(rt: Runtime, hook: Webhook) -> str:
    """Twilio's fallback URL: touches no database."""
    return fallback_twiml(rt.settings)


@webhook("/fallback/dialed")
def fallback_dialed(rt: Runtime, hook: Webhook) -> str:
    """The fallback numbers rang; unanswered, the caller is asked for a message."""
    status = hook.form.get("DialCallStatus", "")
    if status not in ANSWERED:
        # Spooled now: when the caller then leaves no message, Twilio calls nothing more.
        spool_fallback(rt, hook.form, DIAL_UNANSWERED)
    return _dialed_twiml(rt.settings, status)


@webhook("/fallback/recorded")
def fallback_recorded(rt: Runtime, hook: Webhook) -> str:
    """The caller left a message: spooled (no database) for the scheduler to replay."""
    spool_fallback(rt, hook.form, RECORDING)
    return _recorded_twiml(rt.settings)


def fallback_twiml(settings: Settings) -> str:
    """Apology, then the fallback numbers, else a recorded message."""
    prompts, voice = _tools(settings)
    response = VoiceResponse()
    say(response, voice, prompts.text("fallback_sorry"))
    if settings.fallback_numbers:
        say(response, voice, prompts.text("fallback_dial"))
        dial(
            response,
            settings.fallback_numbers,
            action=url_of(settings, fallback_dialed),
            timeout=settings.ring_timeout_seconds,
            caller_id=settings.hotline_number,
        )
    else:
        _record_message(response, settings)
    return xml(response)


def _dialed_twiml(settings: Settings, dial_status: str) -> str:
    """After the fallback numbers rang: goodbye when someone answered, else a message."""
    prompts, voice = _tools(settings)
    response = VoiceResponse()
    if dial_status in ANSWERED:
        say(response, voice, prompts.text("goodbye"))
        response.hangup()
    else:
        _record_message(response, settings)
    return xml(response)


def _recorded_twiml(settings: Settings) -> str:
    prompts, voice = _tools(settings)
    response = VoiceResponse()
    say(response, voice, prompts.text("fallback_thanks"))
    response.hangup()
    return xml(response)


def _record_message(response: VoiceResponse, settings: Settings) -> None:
    prompts, voice = _tools(settings)
    say(response, voice, prompts.text("fallback_record"))
    record(
        response,
        action=url_of(settings, fallback_recorded),
        max_length=settings.recording_max_seconds,
    )
    # Silence: Twilio skips the action and goes on here.
    say(response, voice, prompts.text("fallback_no_message"))
    response.hangup()
