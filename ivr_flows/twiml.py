"""TwiML builders that always set the voice and language, so no prompt is ever read in English.

Everything is built with the Twilio SDK's verbs; never build TwiML by concatenating
strings (caller digits and names from the database pass through here). `xml()` writes the
SDK's verbs out with the escaping of the SDK's own `to_xml()`, without its ElementTree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from twilio.twiml import TwiML
from twilio.twiml.voice_response import Gather, VoiceResponse

# Seconds a caller has for the first key; Twilio's default of 5 is short for a cashier.
GATHER_TIMEOUT = 7


@dataclass(frozen=True)
class Voice:
    """How the hotline speaks: the TTS voice and the language of <Say> and <Gather>."""

    voice: str
    language: str


def say(target: VoiceResponse | Gather, voice: Voice, *texts: str) -> None:
    """One <Say> with the texts joined, in the hotline's voice and language."""
    text = " ".join(t for t in texts if t)
    if text:
        target.say(text, voice=voice.voice, language=voice.language)


def gather(
    response: VoiceResponse,
    voice: Voice,
    action: str,
    *prompts: str,
    no_input: str,
    num_digits: int | None = None,
    finish_on_key: str | None = None,
    timeout: int = GATHER_TIMEOUT,
) -> Gather:
    """A DTMF <Gather> that speaks `prompts`, then a <Redirect> to `no_input`.

    Twilio falls through a <Gather> that gets no keys; the redirect is required
    here so that no step can leave the caller in silence.
    """
    attributes: dict[str, object] = {
        "input": "dtmf",
        "action": action,
        "method": "POST",
        "timeout": timeout,
        "language": voice.language,
    }
    if num_digits is not None:
        attributes["num_digits"] = num_digits
    if finish_on_key is not None:
        attributes["finish_on_key"] = finish_on_key
    g = response.gather(**attributes)
    say(g, voice, *prompts)
    redirect(response, no_input)
    return g


def redirect(response: VoiceResponse, url: str) -> None:
    response.redirect(url, method="POST")


def dial(
    response: VoiceResponse,
    targets: Iterable[str],
    *,
    action: str | None,
    timeout: int,
    caller_id: str | None,
    whisper_url: str | None = None,
) -> None:
    """Ring every target at once: E.164 numbers as <Number>, "client:NAME" as <Client>."""
    attributes: dict[str, object] = {"timeout": timeout}
    if action:
        attributes["action"] = action
        attributes["method"] = "POST"
    if caller_id:
        attributes["caller_id"] = caller_id
    d = response.dial(**attributes)
    extra: dict[str, object] = {"url": whisper_url, "method": "POST"} if whisper_url else {}
    for target in targets:
        if target.startswith("client:"):
            d.client(target[len("client:") :], **extra)
        else:
            d.number(target, **extra)


def record(
    response: VoiceResponse,
    *,
    action: str,
    max_length: int,
    silence_timeout: int = 5,
    status_callback: str | None = None,
) -> None:
    attributes: dict[str, object] = {
        "action": action,
        "method": "POST",
        "max_length": max_length,
        "finish_on_key": "#",
        "play_beep": True,
        "timeout": silence_timeout,
    }
    if status_callback:
        attributes["recording_status_callback"] = status_callback
        attributes["recording_status_callback_method"] = "POST"
    response.record(**attributes)


def xml(response: TwiML) -> str:
    """`response.to_xml()`, character for character, faster.

    The SDK builds an ElementTree and serialises that, a share of every webhook.
    Anything this writer does not know (a dict or non-text value, a namespaced name)
    goes to the SDK. tests/ivr/test_twiml_xml.py compares both.
    """
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    try:
        _write(response, out)
    except _Unusual:
        return str(response.to_xml())
    return "".join(out)


class _Unusual(Exception):
    pass


def _write(node: TwiML, out: list[str]) -> None:
    name = node.name
    if not isinstance(name, str) or "{" in name or ":" in name:
        raise _Unusual
    out.append("<" + name)
    for key in sorted(node.attrs):
        value = node.attrs[key]
        if not isinstance(key, str) or "{" in key:
            raise _Unusual
        shown = str(value).lower() if isinstance(value, bool) else str(value)
        out.append(f' {key}="{_escape_attribute(shown)}"')
    # As the SDK does: the value is the text, a string verb is the text before the first
    # child or the tail of the child before it (the last such string wins).
    text: Any = node.value or None
    children: list[TwiML] = []
    tails: list[str | None] = []
    for verb in node.verbs:
        if not isinstance(verb, str):
            children.append(verb)
            tails.append(None)
        elif children:
            tails[-1] = verb
        else:
            text = verb
    if text is not None and not isinstance(text, str):
        raise _Unusual
    if not text and not children:
        out.append(" />")
        return
    out.append(">")
    if text:
        out.append(escape(text))
    for child, tail in zip(children, tails, strict=True):
        _write(child, out)
        if tail:
            out.append(escape(tail))
    out.append(f"</{name}>")


# ElementTree's escaping of attribute values beyond & < > (saxutils.escape does those).
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _escape_attribute(text: str) -> str:
    return escape(text, _ATTRIBUTE_ENTITIES)
