"""IVR test helpers: a small data factory, playing whole calls with the walker, and a TwiML
checker that knows which verbs, nouns and attributes Twilio accepts (pitfalls 6 and 7)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hotline.models import Agent, Contract
from hotline.runtime import Runtime
from ivr_flows.walker import FlaskTransport, Walk, Walker
from tests.factories import make_agent, make_customer

LANGUAGE = "de-DE"
# The greeting's offer to switch to English is said in the English voice (config/defaults.toml).
OTHER_VOICES = {"en-GB": "Polly.Amy-Neural"}

# Twilio's TwiML: verbs and nouns with the attributes each accepts, and what may nest.
ATTRIBUTES: dict[str, set[str]] = {
    "Response": set(),
    "Say": {"voice", "language", "loop"},
    "Play": {"loop", "digits"},
    "Pause": {"length"},
    "Redirect": {"method"},
    "Hangup": set(),
    "Reject": {"reason"},
    "Gather": {
        "action", "method", "input", "timeout", "finishOnKey", "numDigits", "language",
        "speechTimeout", "hints", "bargeIn", "actionOnEmptyResult", "partialResultCallback",
        "partialResultCallbackMethod", "profanityFilter", "speechModel", "enhanced",
        "debug", "dtmfDetection",
    },
    "Record": {
        "action", "method", "timeout", "finishOnKey", "maxLength", "playBeep", "trim",
        "recordingStatusCallback", "recordingStatusCallbackMethod",
        "recordingStatusCallbackEvent", "transcribe", "transcribeCallback",
    },
    "Dial": {
        "action", "method", "timeout", "callerId", "hangupOnStar", "timeLimit", "record",
        "trim", "recordingStatusCallback", "recordingStatusCallbackMethod",
        "recordingStatusCallbackEvent", "answerOnBridge", "ringTone", "referUrl", "referMethod",
    },
    "Number": {
        "sendDigits", "url", "method", "statusCallback", "statusCallbackEvent",
        "statusCallbackMethod", "byoc", "machineDetection", "machineDetectionTimeout",
        "amdStatusCallback", "amdStatusCallbackMethod",
    },
    "Client": {"url", "method", "statusCallback", "statusCallbackEvent", "statusCallbackMethod"},
    "Enqueue": {"action", "method", "waitUrl", "waitUrlMethod", "maxQueueSize", "workflowSid"},
    "Leave": set(),
}  # fmt: skip
CHILDREN: dict[str, set[str]] = {
    "Response": {
        "Say",
        "Play",
        "Pause",
        "Redirect",
        "Hangup",
        "Reject",
        "Gather",
        "Record",
        "Dial",
        "Enqueue",
        "Leave",
    },
    "Gather": {"Say", "Play", "Pause"},
    "Dial": {"Number", "Client"},
}


def check_twiml(
    body: str, voice: str = "Polly.Vicki-Neural", voices: Mapping[str, str] | None = None
) -> ET.Element:
    """Parse a TwiML answer and fail on anything Twilio would not understand as meant.

    `voices`: the voice of each language a <Say> may use (a call switched to the other
    language, the offer to switch); by default German in `voice` only."""
    allowed = dict(voices or {LANGUAGE: voice, **OTHER_VOICES})
    root = ET.fromstring(body)
    assert root.tag == "Response", body

    def visit(element: ET.Element) -> None:
        assert element.tag in ATTRIBUTES, f"unknown TwiML element <{element.tag}> in {body}"
        unknown = set(element.attrib) - ATTRIBUTES[element.tag]
        assert not unknown, f"<{element.tag}> has attributes Twilio ignores: {unknown}"
        if element.tag in ("Say", "Gather"):
            assert element.get("language") in allowed, f"<{element.tag}>'s language: {body}"
        if element.tag == "Say":
            assert element.get("voice") == allowed[element.get("language", "")]
            assert (element.text or "").strip(), "empty <Say>"
        if element.tag == "Gather":
            assert element.get("input") == "dtmf"
            assert element.get("numDigits") or element.get("finishOnKey") == "#"
            assert 5 <= int(element.get("timeout", "0")) <= 10
        for child in element:
            assert child.tag in CHILDREN.get(element.tag, set()), (
                f"<{child.tag}> inside <{element.tag}>"
            )
            visit(child)

    visit(root)
    verbs = list(root)
    for index, verb in enumerate(verbs):
        if verb.tag == "Gather":  # no input falls through: something must follow
            assert index + 1 < len(verbs), f"<Gather> is the last verb: {body}"
    return root


@dataclass
class Phone:
    """Plays whole calls against the app, checking every TwiML answer."""

    app: Flask
    rt: Runtime

    def call(
        self,
        caller: str,
        keys: list[str] | None = None,
        *,
        dial_result: str = "completed",
        start: str = "/voice/incoming",
    ) -> Walk:
        settings = self.rt.settings
        walker = Walker(
            FlaskTransport(self.app, settings.twilio_auth_token),
            settings.public_url or "http://localhost",
            caller,
            to=settings.hotline_number or "",
            keys=keys or [],
            dial_result=dial_result,
        )
        walk = walker.run(start)
        for exchange in walk.exchanges:
            assert exchange.status == 200, (exchange.url, exchange.status, exchange.body)
            check_twiml(
                exchange.body,
                voices={
                    settings.voice_language: settings.voice,
                    settings.ivr.other_voice_language: settings.ivr.other_voice,
                },
            )
        return walk


@pytest.fixture
def phone(app: Flask, rt: Runtime) -> Phone:
    return Phone(app, rt)


@pytest.fixture
def customers(session: Session) -> Callable[..., Contract]:
    def make(**kwargs: object) -> Contract:
        return make_customer(session, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture
def agents(session: Session) -> list[Agent]:
    """Two available agents: a phone and a softphone (Twilio Client)."""
    return [
        make_agent(session, "Anna", "+4915111111111"),
        make_agent(session, "Ben", "client:ben"),
    ]
