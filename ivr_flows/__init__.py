"""The Twilio voice webhooks: the hotline's call flow as TwiML."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the voice webhooks and the `hotline call` command to the app."""
    from ivr_flows.cli import call_command
    from ivr_flows.views import bp

    app.register_blueprint(bp)
    # Twilio cannot send a CSRF token; the signature check protects these routes instead.
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(bp)
    app.cli.add_command(call_command)
