"""A webhook signed for another app on the same Twilio account, sent with that app's Host
header: the signature is checked against HOTLINE_PUBLIC_URL, never against the Host a
client names, and production does not start without HOTLINE_PUBLIC_URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from hotline.settings import SettingsError, load_settings
from tests.callbacks.conftest import PUBLIC_URL
from tests.reliability.conftest import Figures, sign
from tests.twilio_standin import AUTH_TOKEN

OTHER_APP = "https://other-app.example"
FORM = {"CallSid": "CA" + "e" * 32, "From": "+49304412345", "To": "+4930120045670"}
PRODUCTION = {
    "HOTLINE_ENV": "production",
    "HOTLINE_DATABASE_URL": "sqlite:///:memory:",
    "TWILIO_AUTH_TOKEN": "t",
    "HOTLINE_SECRET_KEY": "k",
}
HOTLINE = str(Path(sys.executable).with_name("hotline"))


@pytest.fixture
def settings_overrides(settings_overrides: dict[str, object]) -> dict[str, object]:
    return {**settings_overrides, "HOTLINE_ENV": "production", "HOTLINE_SECRET_KEY": "geheim"}


def test_a_request_signed_for_another_app_is_refused(client: FlaskClient, figures: Figures) -> None:
    host = OTHER_APP.removeprefix("https://")
    forged = client.post(
        "/voice/incoming",
        data=FORM,
        headers={**sign(f"{OTHER_APP}/voice/incoming", FORM), "Host": host},
        base_url=OTHER_APP,
    )
    figures.attack("webhook: signed for another app, sent with its Host", forged.status_code == 403)
    assert forged.status_code == 403
    # Our own signature passes whatever Host the request names (a proxy may rewrite it).
    genuine = client.post(
        "/voice/incoming",
        data=FORM,
        headers={**sign(f"{PUBLIC_URL}/voice/incoming", FORM), "Host": host},
        base_url=OTHER_APP,
    )
    assert genuine.status_code == 200


def test_production_refuses_to_start_without_a_public_url(tmp_path: Path, figures: Figures) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(environ=PRODUCTION)
    assert "HOTLINE_PUBLIC_URL must be set in production" in str(refused.value)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    result = subprocess.run(
        [HOTLINE, "serve", "--host", "127.0.0.1", "--port", "0"],
        cwd=tmp_path,
        env={**environ, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
    )
    started = result.returncode == 0
    figures.attack("production started without HOTLINE_PUBLIC_URL", not started)
    assert result.returncode == 1, result.stderr
    assert "HOTLINE_PUBLIC_URL must be set in production" in result.stderr
    assert "Traceback" not in result.stderr
    settings = load_settings(environ={**PRODUCTION, "HOTLINE_PUBLIC_URL": PUBLIC_URL})
    assert settings.public_url == PUBLIC_URL


def test_development_without_a_public_url_still_works_and_says_so(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from hotline.app import create_app, warn_if_unsigned

    development = {
        **PRODUCTION,
        "HOTLINE_ENV": "development",
        "HOTLINE_DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    }
    settings = load_settings(environ=development)
    app = create_app(settings)
    warn_if_unsigned(settings)  # as `hotline serve` does once when it starts
    assert "HOTLINE_PUBLIC_URL is not set" in caplog.text
    client = app.test_client()
    as_requested = sign("http://localhost/voice/incoming", FORM)
    assert client.post("/voice/incoming", data=FORM, headers=as_requested).status_code == 200
    elsewhere = sign(f"{OTHER_APP}/voice/incoming", FORM)
    assert client.post("/voice/incoming", data=FORM, headers=elsewhere).status_code == 403
