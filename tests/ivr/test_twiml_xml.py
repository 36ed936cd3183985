"""ivr_flows.twiml.xml writes what the Twilio SDK's to_xml() writes, character for character."""

from __future__ import annotations

import random

import pytest
from twilio.twiml import GenericNode, TwiML
from twilio.twiml.voice_response import VoiceResponse

from ivr_flows.twiml import Voice, dial, gather, record, say, xml

NASTY = ['Müller & Söhne <GmbH> "Kasse 3"', "a\r\nb\tc", "", "  ", "ß€😀", "&amp;", "x > y"]


def test_the_hotlines_own_verbs() -> None:
    voice = Voice(voice="Polly.Vicki-Neural", language="de-DE")
    response = VoiceResponse()
    say(response, voice, "Guten Tag,", "Müller & Söhne <Kasse 3>.")
    site = "https://h.example/voice"
    gather(
        response,
        voice,
        f"{site}/menu/choice?t=1&x=<2>",
        "Drücken Sie 1.",
        no_input=f"{site}/menu?t=2",
        num_digits=1,
        finish_on_key="#",
    )
    dial(
        response,
        ["+4930123456", "client:anna"],
        action=f"{site}/dial-result",
        timeout=20,
        caller_id="+4930999",
        whisper_url=f"{site}/whisper?c=1",
    )
    record(response, action=f"{site}/recorded", max_length=120)
    response.pause(length=1)
    response.hangup()
    assert xml(response) == response.to_xml()
    assert xml(VoiceResponse()) == VoiceResponse().to_xml()  # an empty document


def random_tree(rng: random.Random, depth: int = 0) -> TwiML:
    node = GenericNode(rng.choice(["Say", "Gather", "Dial", "Number", "Hangup", "X"]), None)
    if rng.random() < 0.5:
        node.value = rng.choice(NASTY)
    for _ in range(rng.randrange(4)):
        key = rng.choice(["action", "voice", "timeout", "playBeep", "language", "url"])
        node.attrs[key] = rng.choice([*NASTY, True, False, 7, 0.5])
    for _ in range(rng.randrange(4) if depth < 3 else 0):
        if rng.random() < 0.3:
            node.verbs.append(rng.choice(NASTY))  # text between (or before) the children
        else:
            node.verbs.append(random_tree(rng, depth + 1))
    return node


@pytest.mark.parametrize("seed", range(300))
def test_random_trees(seed: int) -> None:
    tree = random_tree(random.Random(seed))
    assert xml(tree) == tree.to_xml()


def test_what_it_does_not_know_goes_to_the_sdk() -> None:
    response = VoiceResponse()
    response.nest(GenericNode("Say", {"json": "value"}))  # the SDK writes dicts as JSON
    response.nest(GenericNode("Say", 42))  # not text: the SDK's own error
    with pytest.raises(TypeError):
        response.to_xml()
    with pytest.raises(TypeError):
        xml(response)
    dict_only = VoiceResponse()
    dict_only.nest(GenericNode("Say", {"json": "value"}))
    assert xml(dict_only) == dict_only.to_xml()
