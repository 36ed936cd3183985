"""SMS through Twilio's Messages REST API (the remote maintenance link to a cashier)."""

from __future__ import annotations

import logging

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException

from callback.outbound import twilio_message
from callback.twilio_rest import rest_client
from hotline.remote.cashier import SmsFailed, SmsSender
from hotline.settings import Settings

log = logging.getLogger(__name__)


def twilio_sms_sender(settings: Settings) -> SmsSender | None:
    """A sender from remote.sms_sender (else HOTLINE_NUMBER); None without a Twilio account."""
    sender = settings.sms_sender or settings.hotline_number
    if not (settings.twilio_account_sid and settings.twilio_auth_token and sender):
        return None

    def send(to: str, body: str) -> str:
        try:
            message = rest_client(settings).messages.create(to=to, from_=sender, body=body)
        except TwilioRestException as exc:
            raise SmsFailed(
                f"Twilio hat die SMS abgelehnt: {twilio_message(exc)} (Fehler {exc.code})"
            ) from None
        except requests.Timeout:
            raise SmsFailed("Twilio hat nicht rechtzeitig geantwortet; keine SMS.") from None
        except (requests.RequestException, TwilioException) as exc:
            raise SmsFailed(f"Twilio ist nicht erreichbar ({type(exc).__name__}).") from None
        log.info("remote maintenance SMS %s queued", message.sid)
        return str(message.sid)

    return send
