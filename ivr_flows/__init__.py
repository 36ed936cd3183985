"""The Twilio voice webhooks: the hotline's call flow as TwiML."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the voice webhooks and the `hotline call` command to the app."""
    from ivr_flows.cli import call_command
    from ivr_flows.lane import install
    from ivr_flows.queue_steps import bp as queue_bp
    from ivr_flows.queue_steps import queue_routes
    from ivr_flows.views import bp, lane_routes

    rt, secret = app.extensions["hotline"], app.config["SECRET_KEY"]
    app.register_blueprint(bp)
    app.register_blueprint(queue_bp)
    install(app, {**lane_routes(rt, secret), **queue_routes(rt, secret)})
    # Twilio cannot send a CSRF token; the signature check protects these routes instead.
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
        csrf.exempt(queue_bp)
    app.cli.add_command(call_command)
