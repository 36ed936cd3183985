"""The Twilio REST client, pointed at TWILIO_API_BASE_URL when that is set.

TWILIO_EDGE/TWILIO_REGION only change hosts inside twilio.com; a local stand-in
(tests, a Prism mock) needs the URL itself rewritten, which the SDK allows
through its `http_client` hook.
"""

from __future__ import annotations

from typing import Any

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from hotline.settings import Settings

TWILIO_API = "https://api.twilio.com"
DEFAULT_TIMEOUT_SECONDS = 10.0


class RewritingHttpClient:
    """The SDK's TwilioHttpClient, with api.twilio.com requests sent to another base URL.

    It wraps the SDK's client instead of subclassing it: the SDK ships no type
    information, so a subclass would inherit from Any and hide its own mistakes from
    mypy. The SDK's Client only reads `is_async` and calls `request` (tests/callbacks and
    tests/reliability drive it against a local stand-in).
    """

    is_async = False

    def __init__(self, base_url: str | None, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/") if base_url else None
        self._sdk = TwilioHttpClient(timeout=timeout)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        """Send the SDK's request, to the configured base URL when there is one."""
        if self.base_url and url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API) :]
        return self._sdk.request(method, url, *args, **kwargs)


class TwilioNotConfigured(RuntimeError):
    """TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is missing."""


def rest_client(settings: Settings, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Client:
    """A Twilio client for the configured account, with a request timeout."""
    if not settings.twilio_account_sid or not settings.twilio_auth_token:
        raise TwilioNotConfigured("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set to dial")
    return Client(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        http_client=RewritingHttpClient(settings.twilio_api_base_url, timeout),
    )
