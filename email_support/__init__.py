"""The e-mail channel: ingest (pipe and IMAP), matching and threading into tickets,
automatic answers with loop protection, the outbox, cancellations and bounces."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the e-mail channel's pages, API and commands to the app."""
    from email_support.api import bp as api_bp
    from email_support.cli import mail, tickets
    from email_support.pages import bp as pages_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    app.cli.add_command(mail)
    app.cli.add_command(tickets)
