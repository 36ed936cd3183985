"""The answer when the application cannot work normally: no database, no lookups.

Used by Twilio's fallback URL and by every webhook that hits a database error or an
unexpected exception: apologise, then ring the fallback numbers from the settings, or
record a message. The routes of ivr_flows.views note a recorded message, and fallback
numbers that did not answer, in the spool (callback.spool) for the scheduler to bring
into the database, so the agents see these callers once it is back.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from hotline.settings import Settings
from ivr_flows.prompts import Prompts
from ivr_flows.twiml import Voice, dial, record, say, xml

# DialCallStatus of a fallback number that answered.
ANSWERED = ("completed", "answered")


def _tools(settings: Settings) -> tuple[Prompts, Voice, str]:
    prompts = Prompts(settings.prompts)
    voice = Voice(voice=settings.voice, language=settings.voice_language)
    return prompts, voice, settings.public_url or ""


def fallback_twiml(settings: Settings) -> str:
    """Apology, then the fallback numbers, else a recorded message."""
    prompts, voice, base = _tools(settings)
    response = VoiceResponse()
    say(response, voice, prompts.text("fallback_sorry"))
    if settings.fallback_numbers:
        say(response, voice, prompts.text("fallback_dial"))
        dial(
            response,
            settings.fallback_numbers,
            action=base + "/voice/fallback/dialed",
            timeout=settings.ring_timeout_seconds,
            caller_id=settings.hotline_number,
        )
    else:
        _record_message(response, settings)
    return xml(response)


def fallback_dialed_twiml(settings: Settings, dial_status: str) -> str:
    """After the fallback numbers rang: goodbye when someone answered, else a message."""
    prompts, voice, _ = _tools(settings)
    response = VoiceResponse()
    if dial_status in ANSWERED:
        say(response, voice, prompts.text("goodbye"))
        response.hangup()
    else:
        _record_message(response, settings)
    return xml(response)


def fallback_recorded_twiml(settings: Settings) -> str:
    prompts, voice, _ = _tools(settings)
    response = VoiceResponse()
    say(response, voice, prompts.text("fallback_thanks"))
    response.hangup()
    return xml(response)


def _record_message(response: VoiceResponse, settings: Settings) -> None:
    prompts, voice, base = _tools(settings)
    say(response, voice, prompts.text("fallback_record"))
    record(
        response,
        action=base + "/voice/fallback/recorded",
        max_length=settings.recording_max_seconds,
    )
    # Silence: Twilio skips the action and goes on here.
    say(response, voice, prompts.text("fallback_no_message"))
    response.hangup()
