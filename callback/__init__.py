"""The callback service: requests, their life cycle, the scheduler and outbound calls."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the callback service's web parts, commands and in-process scheduler to the app."""
    from callback.api import bp as api_bp
    from callback.cli import callbacks, scheduler_command
    from callback.office_pages import bp as office_bp
    from callback.pages import bp as pages_bp
    from callback.queue import pages as queue_pages
    from callback.sms import twilio_sms_sender
    from hotline.cli.serving import add_serve_hook
    from hotline.remote.cashier import SMS_SENDER_KEY

    app.register_blueprint(api_bp)
    # The agents' Rückrufliste: a UI blueprint, so hotline/web/ui.py's init_ui (run
    # after this) puts it behind the sign-in and CSRF like every other page.
    app.register_blueprint(pages_bp)
    app.register_blueprint(office_bp)
    app.register_blueprint(queue_pages.bp)
    app.register_blueprint(queue_pages.api)
    # No CSRF exemption here: hotline/web/ui.py exempts every blueprint under
    # /voice and /api (signed webhooks, bearer-token JSON) after registration. The
    # voice webhooks of callback.bridge are declared there and served by ivr_flows.
    app.extensions[SMS_SENDER_KEY] = twilio_sms_sender
    app.cli.add_command(callbacks)
    app.cli.add_command(scheduler_command)
    add_serve_hook(app, start)


def start(app: Flask) -> None:
    """`hotline serve`: the in-process scheduler (standby if another one is active)."""
    import atexit

    from callback.scheduler import start_in_background
    from hotline.runtime import runtime_of

    thread, stop = start_in_background(runtime_of(app))

    def _stop() -> None:
        stop.set()
        thread.join(timeout=10)

    atexit.register(_stop)
