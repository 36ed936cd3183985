"""The Twilio voice webhooks: the hotline's call flow as TwiML."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the voice webhooks and the `hotline call` command to the app."""
    from ivr_flows.cli import call_command
    from ivr_flows.lane import install
    from ivr_flows.views import bp, lane_routes

    app.register_blueprint(bp)
    install(app, lane_routes(app.extensions["hotline"], app.config["SECRET_KEY"]))
    # Twilio cannot send a CSRF token; the signature check protects these routes instead.
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
    app.cli.add_command(call_command)
