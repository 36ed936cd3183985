"""Checking X-Twilio-Signature on webhooks, with the URL Twilio actually called."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Request, abort, request
from twilio.request_validator import RequestValidator

from hotline.runtime import runtime
from hotline.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def public_url(req: Request, settings: Settings) -> str:
    """The URL as Twilio called it: behind a proxy or TLS terminator `req.url` is not it."""
    return url_as_called(settings, req.path, req.query_string.decode()) or req.url


def url_as_called(settings: Settings, path: str, query: str) -> str | None:
    """The URL of `path` and `query` under HOTLINE_PUBLIC_URL; None without one."""
    if not settings.public_url:
        return None
    return settings.public_url + path + (f"?{query}" if query else "")


def signature_ok(req: Request, settings: Settings) -> bool:
    """Whether the request carries a valid signature (always True when validation is skipped)."""
    # A MultiDict: the validator reads repeated fields with getlist().
    params = req.form if req.method == "POST" else {}
    signature = req.headers.get("X-Twilio-Signature", "")
    return signature_matches(settings, public_url(req, settings), params, signature)


def signature_matches(
    settings: Settings, url: str, params: Mapping[str, Any], signature: str
) -> bool:
    """Whether `signature` is Twilio's for `url` and the posted `params` (all values of a
    repeated field: a mapping with `getall` or `getlist`); always True when validation is
    skipped."""
    if settings.signature_validation_skipped:
        return True
    if not settings.twilio_auth_token or not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
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
