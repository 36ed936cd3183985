"""The Twilio voice webhooks: the hotline's call flow as TwiML."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Flask

if TYPE_CHECKING:
    from ivr_flows.registry import Route


def webhooks() -> dict[str, Route]:
    """Every declared voice webhook by path: the modules that declare them, imported."""
    import callback.bridge  # noqa: F401
    from ivr_flows import (  # noqa: F401
        callback_flow,
        entitlement,
        fallback,
        identify,
        office_message,
        queue_steps,
        routing,
        status,
        whisper,
    )
    from ivr_flows.registry import ROUTES

    return ROUTES


def register(app: Flask) -> None:
    """Attach every declared voice webhook (ivr_flows.registry) and the `hotline call`
    command to the app."""
    from ivr_flows.cli import call_command
    from ivr_flows.lane import flask_view, install
    from ivr_flows.registry import PREFIX

    routes = webhooks()

    # Flask lists the same paths (and refuses other methods on them) with the lane's answers.
    bp = Blueprint("voice", __name__, url_prefix=PREFIX)
    for route in routes.values():
        path = route.path.removeprefix(PREFIX)
        bp.add_url_rule(path, endpoint=route.endpoint, view_func=flask_view, methods=["POST"])
    app.register_blueprint(bp)
    install(app)
    # Twilio cannot send a CSRF token; the signature check protects these routes instead.
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
    app.cli.add_command(call_command)
