"""The production WSGI entry point: the app behind one reverse proxy, with HSTS on https.

gunicorn loads `create_production_app()` in every worker (never preloaded in the master:
connection pools must not cross a fork, and no scheduler may start in a web worker).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.middleware.proxy_fix import ProxyFix

from hotline.app import create_app

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# A year, the value browsers' preload lists ask for; the hotline has no plain-http part.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


class StrictTransport:
    """Adds Strict-Transport-Security to every answer given over https (RFC 6797 §7.2:
    never over plain http)."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("wsgi.url_scheme") != "https":
            return self.app(environ, start_response)

        def with_hsts(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            if not any(name.lower() == "strict-transport-security" for name, _ in headers):
                headers.append(("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY))
            return start_response(status, headers, *exc_info)

        return self.app(environ, with_hsts)


def behind_proxy(app: WSGIApplication) -> WSGIApplication:
    """`app` as it runs behind exactly one reverse proxy (nginx, on the same host or network).

    The proxy's X-Forwarded-For/-Proto/-Host/-Port are trusted for one hop: the client's
    address for the sign-in throttle and logs, https for cookies and HSTS. Never expose
    gunicorn's port itself, or anyone could claim any address.
    """
    fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1, x_port=1)
    return StrictTransport(fixed)


def create_production_app() -> WSGIApplication:
    """The hotline app for gunicorn in production (settings from the environment)."""
    app = create_app()
    app.wsgi_app = behind_proxy(app.wsgi_app)  # type: ignore[method-assign,assignment]
    return app
