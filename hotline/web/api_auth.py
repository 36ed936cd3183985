"""Bearer-token authentication, query arguments and JSON errors for the /api/v1 endpoints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from hotline.accounts.agents import agent_for_token
from hotline.runtime import runtime

F = TypeVar("F", bound=Callable[..., Any])


def json_error(message: str, status: int, **headers: str) -> Response:
    """`{"error": message}` with the given status."""
    response = jsonify(error=message)
    response.status_code = status
    response.headers.update(headers)
    return response


class BadArgument(ValueError):
    """A query argument the API cannot use; answered as a 400 JSON error."""


def int_arg(name: str, default: int, low: int, high: int | None = None) -> int:
    """A whole-number query argument within low..high, or BadArgument naming it."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    # isdigit() alone lets "²" and 5000-digit strings through to int().
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else -1
    if number < low or (high is not None and number > high):
        upper = f" to {high}" if high is not None else " or more"
        raise BadArgument(f"{name} must be a whole number from {low}{upper}, not {raw!r}")
    return number


def token_required(view: F) -> F:
    """401 unless `Authorization: Bearer TOKEN` names an active agent; sets g.agent_id."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        challenge = {"WWW-Authenticate": 'Bearer realm="hotline"'}
        if scheme.lower() != "bearer" or not token:
            return json_error("missing token: send Authorization: Bearer TOKEN", 401, **challenge)
        rt = runtime()
        with rt.sessions() as session, session.begin():
            agent = agent_for_token(session, token, rt.clock.now())
            if agent is None:
                return json_error("invalid or revoked token", 401, **challenge)
            g.agent_id = agent.id
            g.agent_email = agent.email
            g.agent_supervisor = agent.supervisor
        return view(*args, **kwargs)

    return cast(F, wrapper)


def json_errors_for_api(bp: Blueprint) -> None:
    """Answer HTTP errors under /api/ as JSON instead of HTML pages."""

    @bp.app_errorhandler(BadArgument)
    def _bad_argument(exc: BadArgument) -> Any:
        return json_error(str(exc), 400)

    @bp.app_errorhandler(HTTPException)
    def _api_http_error(exc: HTTPException) -> Any:
        if not request.path.startswith("/api/"):
            return exc
        return json_error(exc.description or exc.name, exc.code or 500)
