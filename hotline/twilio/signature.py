"""Checking X-Twilio-Signature on webhooks, with the URL Twilio actually called."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Request, abort, request
from twilio.request_validator import RequestValidator

from hotline.app import runtime
from hotline.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def public_url(req: Request, settings: Settings) -> str:
    """The URL as Twilio called it: behind a proxy or TLS terminator `req.url` is not it."""
    if settings.public_url:
        query = req.query_string.decode()
        return settings.public_url + req.path + (f"?{query}" if query else "")
    return req.url


def signature_ok(req: Request, settings: Settings) -> bool:
    """Whether the request carries a valid signature (always True when validation is skipped)."""
    if settings.signature_validation_skipped:
        return True
    if not settings.twilio_auth_token:
        return False
    signature = req.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    # A MultiDict: the validator reads repeated fields with getlist().
    params = req.form if req.method == "POST" else {}
    url = public_url(req, settings)
    # The URL as called is what Twilio signs: one HMAC. validate() then tries the URL with
    # and without the port (two more) for the requests that did not match as called.
    if hmac.compare_digest(validator.compute_signature(url, params), signature):
        return True
    return bool(validator.validate(url, params, signature))


def twilio_signed(view: F) -> F:
    """Decorator: 403 unless the request is signed by Twilio for our auth token."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not signature_ok(request, runtime().settings):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapper)
