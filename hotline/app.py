"""The Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask

from hotline.clock import Clock
from hotline.runtime import Runtime, attach, build_runtime
from hotline.settings import Settings, load_settings
from hotline.web import (
    agents_pages,
    auth,
    contract_changes,
    contracts_pages,
    import_pages,
    remote_pages,
    reports,
    status_page,
    tickets_pages,
    tokens_pages,
)
from hotline.web.api import bp as api_bp
from hotline.web.health import bp as health_bp
from hotline.web.limits import init_limits
from hotline.web.remote_api import bp as remote_api_bp
from hotline.web.ui import init_ui

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    runtime: Runtime | None = None,
) -> Flask:
    """Build the hotline web app; tests pass settings, a clock or a whole runtime."""
    if runtime is None:
        runtime = build_runtime(settings or load_settings(), clock)
    settings = runtime.settings

    app = Flask("hotline", instance_relative_config=False)
    app.config.update(
        SECRET_KEY=settings.secret_key or "development-only-not-secret",
        TESTING=settings.env == "test",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env == "production",
        JSON_SORT_KEYS=False,
    )
    attach(app, runtime)
    init_limits(app)

    app.register_blueprint(health_bp)
    for ui_blueprint in (
        auth.bp,
        contracts_pages.bp,
        tickets_pages.bp,
        status_page.bp,
        agents_pages.bp,
        import_pages.bp,
        contract_changes.bp,
        reports.bp,
        remote_pages.bp,
        tokens_pages.bp,
    ):
        app.register_blueprint(ui_blueprint)
    app.register_blueprint(api_bp)
    app.register_blueprint(remote_api_bp)
    _register_optional_blueprints(app)
    # After every blueprint: CSRF exemptions and the sign-in gate go by blueprint name.
    init_ui(app)
    return app


def _register_optional_blueprints(app: Flask) -> None:
    # The app factory is the one place that knows the outer packages; the domain
    # code inside hotline/ never imports them.
    from callback import register as register_callback
    from email_support import register as register_email
    from ivr_flows import register as register_ivr

    register_ivr(app)
    register_callback(app)
    register_email(app)


def warn_if_unsigned(settings: Settings) -> None:
    """Say once, when a server starts, that webhooks are taken without Twilio's signature."""
    if settings.signature_validation_skipped:
        log.warning(
            "TWILIO_AUTH_TOKEN is not set: webhook signatures are NOT checked (%s only)",
            settings.env,
        )
    elif settings.public_url is None:
        log.warning(
            "HOTLINE_PUBLIC_URL is not set: webhook signatures are checked against the URL "
            "as requested, whose host the client names (%s only)",
            settings.env,
        )
