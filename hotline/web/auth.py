"""Sign-in and sign-out of agents: GET/POST /login, POST /logout.

Attempts are throttled per account and client address with growing delays
(hotline/accounts/sign_in_throttle.py), never locked. An unknown address, a wrong
password and a throttled attempt get the same answer after the same work (one password
hash checked), so the form tells nobody which e-mail addresses exist. Signing out ends
every session of the agent on the server (hotline/accounts/sessions.py).
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from hotline.accounts import sign_in_throttle
from hotline.accounts.secrets import check_password, hash_password
from hotline.accounts.sessions import end_all_sessions
from hotline.models import Agent
from hotline.runtime import runtime
from hotline.web.ui import SignedInAgent, db, safe_next, signed_in_agent

bp = Blueprint("auth", __name__)

WRONG = "E-Mail-Adresse oder Passwort ist falsch."
# Checked against when the address is unknown or the try throttled: every answer takes as long.
_DUMMY_HASH = hash_password("not-a-real-password")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("callbacks_page.callbacks"))
    error: str | None = None
    email = ""
    status = 200
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        password = request.form.get("password", "")
        error = _sign_in(email, password)
        if error is None:
            target = safe_next(request.args.get("next")) or url_for("callbacks_page.callbacks")
            return redirect(target)
        status = 401
    info = None
    if request.args.get("expired"):
        info = "Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an."
    elif request.args.get("logged_out"):
        info = "Sie sind abgemeldet."
    return render_template("login.html", error=error, info=info, email=email), status


def _sign_in(email: str, password: str) -> str | None:
    """Sign the agent in; the German error to show when that is refused."""
    s = db()
    now = runtime().clock.now()
    address = request.remote_addr or ""
    admitted = sign_in_throttle.admit(s, email, address, now)
    agent = s.scalar(select(Agent).where(Agent.email == email)) if email else None
    usable = admitted and agent is not None and agent.active and bool(agent.password_hash)
    if agent is None or not usable:
        check_password(_DUMMY_HASH, password)
        return WRONG
    if not check_password(agent.password_hash, password):
        return WRONG
    sign_in_throttle.succeeded(s, email, address, now)
    # A fresh session: nothing from before the sign-in carries over.
    session.clear()
    session.permanent = True
    login_user(SignedInAgent(agent))
    session["signed_in_at"] = now.isoformat()
    return None


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        end_all_sessions(db(), signed_in_agent().id)
        db().commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", logged_out=1))
