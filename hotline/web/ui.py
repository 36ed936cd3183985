"""What every page of the agents' web UI shares: sign-in, CSRF, the database session
of the request, security headers, and the template helpers (German labels from
labels_de.py, Berlin times and German formats from formats.py).

`init_ui(app)` runs in the app factory after *all* blueprints are registered: it
exempts the machine blueprints (Twilio's "voice" webhooks, the JSON API
blueprints whose names start with "api") from CSRF and from the sign-in, and
puts every other endpoint but /login, /healthz and /static behind a signed-in
agent. A new UI blueprint is therefore protected without doing anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Flask,
    Request,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.directory.phones import format_national
from hotline.models import Agent, Ticket
from hotline.runtime import runtime
from hotline.web.formats import berlin, euro, german_date, waiting
from hotline.web.labels_de import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    PARTY_LABELS,
    PLAN_LABELS,
    STATUS_LABELS,
    call_outcome_label,
    callback_error_label,
    contract_event_label,
    day_and_time,
    label,
)

SESSION_LIFETIME = timedelta(hours=12)

# Endpoints anyone may reach; everything else (outside the machine blueprints) needs an agent.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "health.healthz"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    # The problem recordings play through GET /callbacks/<id>/recording, never from Twilio.
    "media-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

csrf = CSRFProtect()
login_manager = LoginManager()

F = TypeVar("F", bound=Callable[..., Any])


def is_machine_blueprint(name: str | None) -> bool:
    """Blueprints called by machines with their own authentication (Twilio signature,
    bearer token): no CSRF token, no sign-in, no HTML security headers.

    By name ("voice", names starting with "api") or by URL prefix (/voice, /api):
    the callback service's "callback_api" and the queue's API live under those.
    """
    if not name:
        return False
    top = name.split(".", 1)[0]
    if top == "voice" or top.startswith("api"):
        return True
    machine: frozenset[str] = current_app.extensions.get(_MACHINE_KEY, frozenset())
    return top in machine


_MACHINE_KEY = "hotline_machine_blueprints"
_MACHINE_PREFIXES = ("/voice", "/api")


class _SessionInterface(SecureCookieSessionInterface):
    """No cookie session for machines (Twilio, API clients): they never send one back, and
    opening one costs every webhook a signing serializer."""

    def open_session(self, app: Flask, req: Request) -> SecureCookieSession | None:
        if req.path.startswith(_MACHINE_PATHS):
            return None  # Flask uses a NullSession, which refuses writes
        return super().open_session(app, req)


_MACHINE_PATHS = tuple(prefix + "/" for prefix in _MACHINE_PREFIXES)


def _machine_blueprints(app: Flask) -> frozenset[str]:
    names = set()
    for name, blueprint in app.blueprints.items():
        prefix = (blueprint.url_prefix or "").rstrip("/")
        if (
            name == "voice"
            or name.startswith("api")
            or any(prefix == p or prefix.startswith(p + "/") for p in _MACHINE_PREFIXES)
        ):
            names.add(name)
    return frozenset(names)


# --- the signed-in agent ---------------------------------------------------------------


class SignedInAgent:
    """The agent of the request, as Flask-Login sees it.

    It defines the four members Flask-Login asks of a user (get_id, is_authenticated,
    is_active, is_anonymous) instead of inheriting them from UserMixin: Flask-Login ships no
    type information, so a subclass of its mixin would be untyped for mypy.

    The id carries the agent's session epoch (raised by sign-out, deactivation and a new
    password: hotline/accounts/sessions.py) and a fingerprint of the password hash, so a
    cookie from before either change signs nobody in.
    """

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def get_id(self) -> str:
        agent = self.agent
        return f"{agent.id}:{agent.session_epoch}:{_fingerprint(agent.password_hash)}"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return self.agent.active

    @property
    def supervisor(self) -> bool:
        return self.agent.supervisor

    @property
    def name(self) -> str:
        return self.agent.name


def _fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def _load_agent(user_id: str) -> SignedInAgent | None:
    agent_id, _, rest = user_id.partition(":")
    epoch, _, fingerprint = rest.partition(":")
    if not (agent_id.isascii() and agent_id.isdigit() and len(agent_id) <= 18):
        return None
    agent = db().get(Agent, int(agent_id))
    if agent is None or not agent.active or not agent.password_hash:
        return None
    if epoch != str(agent.session_epoch) or fingerprint != _fingerprint(agent.password_hash):
        return None
    return SignedInAgent(agent)


# A call rather than a decorator: Flask-Login's decorator is untyped and would make
# _load_agent untyped for mypy too.
login_manager.user_loader(_load_agent)


def signed_in_agent() -> Agent:
    """The agent of the current request (the page requires one)."""
    # current_user is an untyped proxy; behind the sign-in it proxies a SignedInAgent.
    return cast(SignedInAgent, current_user).agent


def supervisor_required(view: F) -> F:
    """Refuse plain agents with a 403 page."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated or not current_user.supervisor:
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapper)


# --- the database session of a request ---------------------------------------------------


def db() -> Session:
    """The request's database session; closed when the request ends, commit explicitly."""
    if "db" not in g:
        g.db = runtime().sessions()
    return cast(Session, g.db)


def _close_db(_exc: BaseException | None) -> None:
    s = g.pop("db", None)
    if s is not None:
        s.close()


def safe_next(target: str | None) -> str | None:
    """A path of this site to return to after sign-in, as the browser will read it; None
    for anything that could lead elsewhere (another host, a scheme) or is no clean path.

    Judged after the browser's own clean-up (WHATWG URL parsing): it drops tabs and line
    breaks anywhere, trims control characters and spaces at the ends, and reads a
    backslash as a slash: "/", a tab, "/evil.example" is "//evil.example", another host.
    """
    if not target:
        return None
    cleaned = target.strip("".join(map(chr, range(0x21)))).translate(_TAB_AND_NEWLINE)
    cleaned = cleaned.replace("\\", "/")
    if not cleaned.isascii() or any(ord(c) < 0x20 or ord(c) == 0x7F for c in cleaned):
        return None
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc:
        return None
    return cleaned


_TAB_AND_NEWLINE = str.maketrans("", "", "\t\n\r")


# --- wiring ---------------------------------------------------------------------------------


def init_ui(app: Flask) -> None:
    """CSRF, Flask-Login, the sign-in gate, headers and template helpers; after registration."""
    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME
    # The session lifetime bounds a form's token; an hour's limit would fail a form
    # an agent left open over lunch.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.session_interface = _SessionInterface()
    csrf.init_app(app)
    machine = _machine_blueprints(app)
    app.extensions[_MACHINE_KEY] = machine
    for name in sorted(machine):
        csrf.exempt(app.blueprints[name])

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Bitte melden Sie sich an."
    login_manager.login_message_category = "info"

    app.before_request(_require_agent)
    app.after_request(_security_headers)
    app.teardown_appcontext(_close_db)

    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(403, _error_page(403, "Zugriff verweigert", _FORBIDDEN))
    app.register_error_handler(404, _error_page(404, "Seite nicht gefunden", _NOT_FOUND))

    app.jinja_env.filters.update(
        berlin=berlin,
        german_date=german_date,
        waiting=waiting,
        euro=euro,
        phone=format_national,
        status_label=lambda v: label(v, STATUS_LABELS),
        category_label=lambda v: label(v, CATEGORY_LABELS),
        plan_label=lambda v: label(v, PLAN_LABELS),
        channel_label=lambda v: label(v, CHANNEL_LABELS),
        party_label=lambda v: label(v, PARTY_LABELS),
        call_outcome_label=call_outcome_label,
        callback_error_label=callback_error_label,
        contract_event_label=contract_event_label,
        day_and_time=lambda at, now: day_and_time(at, now, runtime().calendar.zone),
    )


def _require_agent() -> ResponseReturnValue | None:
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if is_machine_blueprint(request.blueprint):
        return None
    if not current_user.is_authenticated:
        return _to_sign_in()
    signed_in = session.get("signed_in_at")
    now = runtime().clock.now()
    try:
        started = datetime.fromisoformat(signed_in) if signed_in else None
    except (TypeError, ValueError):
        started = None
    if started is None or not (started <= now < started + SESSION_LIFETIME):
        logout_user()
        session.clear()
        return redirect(url_for("auth.login", expired=1))
    return None


def _to_sign_in() -> Response:
    """Flask-Login's answer to a visitor without an agent: the flash message and the
    redirect to login_view (set in init_ui, so it is always a redirect)."""
    answer = login_manager.unauthorized()
    if not isinstance(answer, Response):
        raise TypeError(f"Flask-Login answered {type(answer).__name__}, not a redirect")
    return answer


def _security_headers(response: Response) -> Response:
    if is_machine_blueprint(request.blueprint):
        return response
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        # Customer data on shared support PCs: keep it out of the browser cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


_FORBIDDEN = "Diese Seite ist Supervisoren vorbehalten."
_NOT_FOUND = "Diese Seite gibt es nicht."


def _error_page(status: int, title: str, text: str) -> Callable[[Any], ResponseReturnValue]:
    def handler(_error: Any) -> ResponseReturnValue:
        # By path too: a URL under /api/ that matches no route has no blueprint.
        if is_machine_blueprint(request.blueprint) or request.path.startswith("/api/"):
            return {"error": title}, status
        return render_template("error.html", title=title, text=text, status=status), status

    return handler


def _csrf_error(error: CSRFError) -> ResponseReturnValue:
    text = (
        "Das Formular ist abgelaufen oder unvollständig (Sicherheitsprüfung fehlgeschlagen). "
        "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal."
    )
    return render_template("error.html", title="Anfrage abgelehnt", text=text, status=400), 400


def ticket_or_404(number: int) -> Ticket:
    """The ticket with this number, or a 404."""
    found = db().scalar(select(Ticket).where(Ticket.number == number))
    if found is None:
        abort(404)
    return found


def back_to_ticket(number: int, anchor: str = "") -> ResponseReturnValue:
    """Back to the ticket's page, at `anchor` when one is given."""
    url = url_for("tickets_pages.ticket", number=number)
    return redirect(f"{url}#{anchor}" if anchor else url)
