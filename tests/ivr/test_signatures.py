"""Every /voice/* route checks X-Twilio-Signature against HOTLINE_PUBLIC_URL (pitfall 4)."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from ivr_flows import webhooks
from tests.ivr.conftest import Phone

TOKEN = "test-auth-token"
PUBLIC = "https://hotline.example"
STATION = "+49304412345"
STEPS = [path.removeprefix("/voice") for path, route in webhooks().items() if route.is_step]
PATHS = ["/voice" + p for p in [*STEPS, "/whisper", "/status", "/fallback", "/fallback/dialed"]] + [
    "/voice/fallback/recorded"
]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": PUBLIC}


PARAMS = {"CallSid": "CA123", "From": STATION, "Digits": "1"}


@pytest.mark.parametrize("path", PATHS)
def test_missing_signatures_get_403(client, path: str) -> None:
    assert client.post(path, data=PARAMS).status_code == 403


@pytest.mark.parametrize("path", PATHS)
def test_forged_signatures_get_403(client, path: str) -> None:
    forged = RequestValidator("wrong-token").compute_signature(PUBLIC + path, PARAMS)
    reply = client.post(path, data=PARAMS, headers={"X-Twilio-Signature": forged})
    assert reply.status_code == 403


def test_a_signature_for_http_instead_of_https_is_rejected(client) -> None:
    signature = RequestValidator(TOKEN).compute_signature(
        "http://hotline.example/voice/incoming", PARAMS
    )
    reply = client.post("/voice/incoming", data=PARAMS, headers={"X-Twilio-Signature": signature})
    assert reply.status_code == 403


def test_signed_query_parameters_cannot_be_changed(client) -> None:
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/voice/menu?t=1", PARAMS)
    reply = client.post("/voice/menu?t=3", data=PARAMS, headers={"X-Twilio-Signature": signature})
    assert reply.status_code == 403


def test_a_whole_signed_call_uses_absolute_public_urls(phone: Phone, customers, agents) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["1"])
    assert walk.dialed
    assert all(e.url.startswith(PUBLIC + "/voice/") for e in walk.exchanges)
    assert f'action="{PUBLIC}/voice/menu/choice?t=1"' in walk.exchanges[0].body
