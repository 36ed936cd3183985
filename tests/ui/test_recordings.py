"""GET /callbacks/<id>/recording: the problem recording, fetched from the local Twilio
stand-in with the account's basic auth and streamed to the signed-in agent as MP3;
German 502s for Twilio's errors and timeouts; never a URL that is not Twilio's."""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import callback.recordings
from callback.recordings import mp3_url
from hotline.clock import FixedClock
from hotline.runtime import Runtime
from hotline.settings import load_settings
from tests.callbacks.conftest import free_port
from tests.twilio_standin import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    RECORDING_MP3,
    RECORDING_SID,
    RECORDING_URL,
    TwilioStub,
)
from tests.ui.conftest import twilio_settings
from tests.ui.test_workflows import add_callback


@pytest.fixture
def settings_overrides(twilio_stub: TwilioStub) -> dict[str, object]:
    return twilio_settings(twilio_stub)


def _url(cb_id: int) -> str:
    return f"/callbacks/{cb_id}/recording"


def test_the_recording_plays_through_the_hotline_with_twilios_credentials(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    twilio_stub: TwilioStub,
) -> None:
    cb_id = add_callback(session, clock, recording_url=RECORDING_URL)
    response = agent_client.get(_url(cb_id))
    assert response.status_code == 200
    assert response.mimetype == "audio/mpeg"
    assert response.data == RECORDING_MP3
    assert response.headers["Content-Length"] == str(len(RECORDING_MP3))
    assert "no-store" in response.headers["Cache-Control"]
    [fetched] = twilio_stub.requests
    assert fetched["method"] == "GET"
    assert fetched["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}.mp3"
    assert (fetched["user"], fetched["password"]) == (ACCOUNT_SID, AUTH_TOKEN)
    assert "media-src 'self';" in response.headers["Content-Security-Policy"]


def test_only_signed_in_agents_get_a_recording(
    client: FlaskClient,
    agents: dict[str, int],
    session: Session,
    clock: FixedClock,
    twilio_stub: TwilioStub,
) -> None:
    cb_id = add_callback(session, clock, recording_url=RECORDING_URL)
    response = client.get(_url(cb_id))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert twilio_stub.requests == []


def test_no_recording_or_no_callback_is_a_german_404(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    twilio_stub: TwilioStub,
) -> None:
    cb_id = add_callback(session, clock)
    for url in (_url(cb_id), _url(cb_id + 1000)):
        response = agent_client.get(url)
        assert response.status_code == 404
        assert "keine Aufnahme" in response.get_data(as_text=True)
    assert twilio_stub.requests == []


def _assert_german_502(response: object, *words: str) -> None:
    text = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert response.status_code == 502, text  # type: ignore[attr-defined]
    assert response.mimetype == "text/plain"  # type: ignore[attr-defined]
    assert "Traceback" not in text and "Exception" not in text
    for word in words:
        assert word in text, text


def test_twilio_refusing_is_a_german_502(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    twilio_stub: TwilioStub,
) -> None:
    cb_id = add_callback(session, clock, recording_url=RECORDING_URL)
    twilio_stub.mode = "refuse"
    _assert_german_502(agent_client.get(_url(cb_id)), "Die Aufnahme gibt es bei Twilio nicht")


def test_wrong_credentials_are_a_german_502(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    rt: Runtime,
    twilio_stub: TwilioStub,
) -> None:
    cb_id = add_callback(session, clock, recording_url=RECORDING_URL)
    rt.settings = dataclasses.replace(rt.settings, twilio_auth_token="falsch")
    _assert_german_502(agent_client.get(_url(cb_id)), "Twilio antwortet mit Status 401")
    assert twilio_stub.requests[-1]["password"] == "falsch"


def test_missing_credentials_are_a_german_502_without_asking_twilio(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    rt: Runtime,
    twilio_stub: TwilioStub,
) -> None:
    cb_id = add_callback(session, clock, recording_url=RECORDING_URL)
    rt.settings = dataclasses.replace(rt.settings, twilio_auth_token=None)
    _assert_german_502(agent_client.get(_url(cb_id)), "Twilio-Zugangsdaten fehlen")
    assert twilio_stub.requests == []


def test_a_slow_twilio_times_out_with_a_german_502(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    twilio_stub: TwilioStub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cb_id = add_callback(session, clock, recording_url=RECORDING_URL)
    monkeypatch.setattr(callback.recordings, "TIMEOUT_SECONDS", 0.5)
    # Held until the client gave up: its timeout fires however slow the machine is.
    twilio_stub.hold()
    response = agent_client.get(_url(cb_id))
    twilio_stub.release()
    _assert_german_502(response, "Twilio antwortet nicht")


def test_twilio_unreachable_is_a_german_502(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    rt: Runtime,
) -> None:
    cb_id = add_callback(session, clock, recording_url=RECORDING_URL)
    down = f"http://127.0.0.1:{free_port()}"
    rt.settings = dataclasses.replace(rt.settings, twilio_api_base_url=down)
    _assert_german_502(agent_client.get(_url(cb_id)), "Twilio ist nicht erreichbar")


def test_a_url_that_is_not_a_twilio_recording_is_never_fetched(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    twilio_stub: TwilioStub,
) -> None:
    """SSRF: the row's URL names the stand-in by another host name, or Twilio with
    another path; the hotline must not send the credentials (or anything) there."""
    port = twilio_stub.port
    recording_path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
    for url in (
        f"http://localhost:{port}{recording_path}",  # not the configured base URL
        f"http://127.0.0.1:{port + 1}{recording_path}",
        f"https://api.twilio.com.evil.example{recording_path}",
        f"https://evil.example/?u=https://api.twilio.com{recording_path}",
        f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/CA1",
        f"https://api.twilio.com{recording_path}?redirect=http://evil.example",
        f"https://api.twilio.com{recording_path}/../../Calls.json",
        f"{twilio_stub.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json",
        "file:///etc/passwd",
    ):
        cb_id = add_callback(session, clock, recording_url=url)
        response = agent_client.get(_url(cb_id))
        assert response.status_code == 404, url
        assert "nicht bei Twilio" in response.get_data(as_text=True)
    assert twilio_stub.requests == []


def test_a_recording_url_on_the_configured_base_url_is_fetched(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    twilio_stub: TwilioStub,
) -> None:
    url = f"{twilio_stub.base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING_SID}"
    cb_id = add_callback(session, clock, recording_url=url)
    response = agent_client.get(_url(cb_id))
    assert response.status_code == 200 and response.data == RECORDING_MP3


@pytest.mark.parametrize(
    "base,stored,fetched",
    [
        (None, RECORDING_URL, RECORDING_URL + ".mp3"),
        (None, RECORDING_URL + ".wav", RECORDING_URL + ".mp3"),
        ("http://127.0.0.1:9", RECORDING_URL, "http://127.0.0.1:9" + RECORDING_URL[22:] + ".mp3"),
        (None, "http://api.twilio.com" + RECORDING_URL[22:], None),
        (None, "https://api.twilio.com:8443" + RECORDING_URL[22:], None),
        (None, "https://user@api.twilio.com" + RECORDING_URL[22:], None),
        (None, RECORDING_URL + "#x", None),
        (None, RECORDING_URL.replace("Recordings", "Recordings/RE1/Transcriptions"), None),
        (None, "https://example.com" + RECORDING_URL[22:], None),
    ],
)
def test_which_stored_urls_are_fetched_from_where(
    base: str | None, stored: str, fetched: str | None
) -> None:
    environ = {"HOTLINE_ENV": "test", "HOTLINE_DATABASE_URL": "sqlite:///:memory:"}
    if base:
        environ["TWILIO_API_BASE_URL"] = base
    assert mp3_url(stored, load_settings(environ=environ)) == fetched
