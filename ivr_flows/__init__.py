"""The Twilio voice webhooks: the hotline's call flow as TwiML."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the voice webhooks to the app."""
    from ivr_flows.views import bp

    app.register_blueprint(bp)
