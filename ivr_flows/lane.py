"""The call flow's webhooks straight from WSGI, in front of Flask.

While a step runs the caller hears silence, and in an outage hundreds of steps run at
once. A step is a few SQL statements; Flask's request machinery around it (routing, the
request and app contexts, werkzeug's form parser and URL rebuilding, the hooks, the
response object) are a large share of a worker's CPU per step. So a POST to one of the
declared webhooks (ivr_flows.registry) is answered here: the form parsed by the standard
library, Twilio's signature checked, the handler run. Everything else goes on to Flask,
other methods on these paths too: Flask lists the same paths, with a view that runs this
same code (`flask_view`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wsgi import get_current_url

from hotline.runtime import Runtime, runtime_of
from hotline.settings import Settings
from hotline.twilio.signature import signature_matches, url_as_called
from ivr_flows.fallback import fallback_twiml
from ivr_flows.registry import ROUTES, Route
from ivr_flows.webhook import Webhook, run_step

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

Answer = Callable[[Webhook], str]
"""The TwiML answer to one signed request."""

# Twilio's forms are 1-2 kB; a megabyte is not Twilio, and is not read into memory.
MAX_BODY = 1024 * 1024
_FORM_TYPE = "application/x-www-form-urlencoded"
_TWIML_TYPE = "text/xml; charset=utf-8"
_EXTENSION = "hotline_voice_lane"


class VoiceLane:
    """WSGI middleware: answers POSTs to `routes` (declared path → answer), passes the rest
    on. Paths with `<int:name>` parts are matched by werkzeug, the others by a dict."""

    def __init__(
        self, app: WSGIApplication, settings: Settings, routes: Mapping[str, Answer]
    ) -> None:
        self.app = app
        self.settings = settings
        self.routes = dict(routes)
        patterns = [Rule(path, endpoint=path) for path in self.routes if "<" in path]
        self._patterns = Map(patterns).bind("") if patterns else None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        answer = self.routes.get(path)
        path_args: Mapping[str, object] = {}
        if answer is None and self._patterns is not None:
            try:
                rule, path_args = self._patterns.match(path, method="POST")
                answer = self.routes[str(rule)]
            except HTTPException:
                pass
        if answer is None:
            return self.app(environ, start_response)
        status, content_type, body = self.respond(environ, answer, path_args)
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def respond(
        self, environ: WSGIEnvironment, answer: Answer, path_args: Mapping[str, object] = {}
    ) -> tuple[str, str, bytes]:
        """(HTTP status, content type, body) of a POST to one of the lane's paths."""
        try:
            fields = _form(environ)
            if fields is None:
                return "413 Request Entity Too Large", "text/plain", b"Request too large\n"
            path = environ.get("PATH_INFO", "")
            query = _wsgi_str(environ.get("QUERY_STRING", ""))
            if not self._signed(environ, path, query, fields):
                return "403 Forbidden", "text/plain", b"Forbidden\n"
            hook = Webhook(
                path=path,
                query=query,
                form={name: values[0] for name, values in fields.items()},
                args=_first_values(parse_qsl(query, keep_blank_values=True)),
                path_args=path_args,
            )
            body = answer(hook)
        except Exception:  # never an error page to Twilio: the caller hears the apology
            path = environ.get("PATH_INFO")
            log.exception("webhook %s failed, answering with the fallback", path)
            body = fallback_twiml(self.settings)
        return "200 OK", _TWIML_TYPE, body.encode()

    def _signed(self, environ: WSGIEnvironment, path: str, query: str, fields: _Fields) -> bool:
        url = url_as_called(self.settings, path, query) or get_current_url(environ)
        signature = environ.get("HTTP_X_TWILIO_SIGNATURE", "")
        return signature_matches(self.settings, url, fields, signature)


def _wsgi_str(value: str) -> str:
    """A WSGI string (bytes as latin-1) as the UTF-8 text it carries."""
    return value.encode("latin-1").decode("utf-8", "replace")


class _Fields(dict[str, list[str]]):
    """The posted fields with all their values, as the SDK's RequestValidator reads them.

    (A werkzeug MultiDict costs twice as much here: the validator asks for `getall`, which
    it lacks, and falls back to `getlist` through an exception per field.)
    """

    def getall(self, name: str) -> list[str]:
        return self[name]


def _form(environ: WSGIEnvironment) -> _Fields | None:
    """The posted fields (empty unless url-encoded UTF-8, as werkzeug); None when too large."""
    fields = _Fields()
    if not environ.get("CONTENT_TYPE", "").startswith(_FORM_TYPE):
        return fields
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return None
    stream = environ["wsgi.input"]
    # Without a length (chunked), read what a form may hold and one byte more to tell.
    data = stream.read(length) if length else stream.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        return None
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return fields
    for name, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        fields.setdefault(name, []).append(value)
    return fields


def _first_values(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    first: dict[str, str] = {}
    for name, value in pairs:
        first.setdefault(name, value)
    return first


def answer_of(route: Route, rt: Runtime, secret: str) -> Answer:
    """How the lane answers a declared webhook: a step through run_step, a plain webhook
    by its handler."""
    handler = route.handler
    if not route.is_step:
        return lambda hook: str(handler(rt, hook))
    first, rings, on_failure = route.first, route.rings_agents, route.on_failure
    if on_failure is None:
        return lambda hook: run_step(rt, handler, hook, secret, first=first, rings_agents=rings)
    apology = fallback_twiml(rt.settings)

    def answer(hook: Webhook) -> str:
        body = run_step(rt, handler, hook, secret, first=first, rings_agents=rings)
        return on_failure(rt) if body == apology else body

    return answer


def install(app: Flask) -> None:
    """Put the lane in front of `app` for every declared webhook."""
    rt = runtime_of(app)
    secret = app.config["SECRET_KEY"]
    routes = {path: answer_of(route, rt, secret) for path, route in ROUTES.items()}
    lane = VoiceLane(app.wsgi_app, rt.settings, routes)
    app.extensions[_EXTENSION] = lane
    app.wsgi_app = lane  # type: ignore[method-assign]


def flask_view(**path_args: object) -> Response:
    """The Flask view of a lane's path: the same answer, for a request Flask dispatched."""
    lane: VoiceLane = current_app.extensions[_EXTENSION]
    assert request.url_rule is not None
    answer = lane.routes[request.url_rule.rule]
    status, content_type, body = lane.respond(request.environ, answer, path_args)
    return Response(body, status=status, content_type=content_type)
