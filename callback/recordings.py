"""The callers' problem recordings, fetched from Twilio for the agents' browser.

Twilio serves a recording only with the account's credentials (HTTP basic auth),
unless the account makes recordings public; a plain `<audio src=recording_url>`
therefore fails. The page `GET /callbacks/<id>/recording` (callback/pages.py)
fetches `<recording_url>.mp3` here with the credentials and streams it on.

Only URLs of recordings on api.twilio.com (or the configured
TWILIO_API_BASE_URL) are fetched, never another address a row might hold (SSRF);
api.twilio.com is rewritten to TWILIO_API_BASE_URL like the REST client does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from callback.twilio_rest import TWILIO_API
from hotline.settings import Settings

TIMEOUT_SECONDS = 10.0
CHUNK_BYTES = 64 * 1024
# /2010-04-01/Accounts/AC…/Recordings/RE…, optionally with the format Twilio appended.
_RECORDING_PATH = re.compile(
    r"^/2010-04-01/Accounts/(?P<account>AC[A-Za-z0-9]+)/Recordings/(?P<sid>RE[A-Za-z0-9]+)"
    r"(?:\.(?:mp3|wav))?$"
)


class RecordingUnavailable(RuntimeError):
    """The recording cannot be fetched; the message is German, for the agent."""

    status_code = 502  # Twilio failed, refused or is not configured


class NotATwilioRecording(RecordingUnavailable):
    """The stored URL is no recording on Twilio's API: it is never fetched."""

    status_code = 404


@dataclass
class Recording:
    """An open download from Twilio; iterate `chunks()` once, it closes itself."""

    response: requests.Response

    @property
    def length(self) -> str | None:
        """The MP3's size, when known (not for a compressed transfer, which requests unpacks)."""
        if self.response.headers.get("Content-Encoding", "identity") != "identity":
            return None
        return self.response.headers.get("Content-Length")

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self.response.iter_content(CHUNK_BYTES)
        except requests.RequestException:
            return  # the headers are sent; a cut-off stream is all the browser can get
        finally:
            self.response.close()


def mp3_url(recording_url: str, settings: Settings) -> str | None:
    """The URL to fetch the MP3 from, or None when `recording_url` is no Twilio recording."""
    base = settings.twilio_api_base_url
    for origin in filter(None, (TWILIO_API, base)):
        if not recording_url.startswith(origin + "/"):
            continue
        parts = urlsplit(recording_url)
        expected = urlsplit(origin)
        if (parts.scheme, parts.netloc) != (expected.scheme, expected.netloc):
            continue  # e.g. https://api.twilio.com.evil.example/…
        if parts.query or parts.fragment:
            return None
        path = parts.path[len(expected.path.rstrip("/")) :]
        found = _RECORDING_PATH.match(path)
        if found is None:
            return None
        target = (base or TWILIO_API).rstrip("/")
        return f"{target}/2010-04-01/Accounts/{found['account']}/Recordings/{found['sid']}.mp3"
    return None


def fetch(recording_url: str, settings: Settings, timeout: float | None = None) -> Recording:
    """Start the download of the recording as MP3, or raise RecordingUnavailable."""
    url = mp3_url(recording_url, settings)
    if url is None:
        raise NotATwilioRecording("Die Aufnahme liegt nicht bei Twilio und wird nicht geladen.")
    if not settings.twilio_account_sid or not settings.twilio_auth_token:
        raise RecordingUnavailable(
            "Die Aufnahme kann nicht geladen werden: Twilio-Zugangsdaten fehlen "
            "(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)."
        )
    try:
        response = requests.get(
            url,
            auth=(settings.twilio_account_sid, settings.twilio_auth_token),
            timeout=TIMEOUT_SECONDS if timeout is None else timeout,
            stream=True,
        )
    except requests.Timeout:
        raise RecordingUnavailable(
            "Die Aufnahme konnte nicht geladen werden: Twilio antwortet nicht."
        ) from None
    except requests.RequestException:
        raise RecordingUnavailable(
            "Die Aufnahme konnte nicht geladen werden: Twilio ist nicht erreichbar."
        ) from None
    if response.status_code != 200:
        status = response.status_code
        response.close()
        if status == 404:
            raise RecordingUnavailable("Die Aufnahme gibt es bei Twilio nicht (mehr).")
        raise RecordingUnavailable(
            f"Die Aufnahme konnte nicht geladen werden: Twilio antwortet mit Status {status}."
        )
    return Recording(response)
