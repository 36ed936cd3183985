"""Sign-in and sign-out of agents: GET/POST /login, POST /logout.

Wrong passwords are counted on the agent; the fifth locks sign-in for 15 minutes
(times from the runtime clock). An unknown address gets the same answer as a
wrong password, so the form does not tell which e-mail addresses exist.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, update

from hotline.accounts.secrets import check_password, hash_password
from hotline.app import runtime
from hotline.models import Agent
from hotline.web.ui import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    SignedInAgent,
    berlin,
    db,
    safe_next,
)

bp = Blueprint("auth", __name__)

WRONG = "E-Mail-Adresse oder Passwort ist falsch."
# Checked against when the address is unknown, so both answers take as long.
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
    agent = s.scalar(select(Agent).where(Agent.email == email)) if email else None
    if agent is None or not agent.active or not agent.password_hash:
        check_password(_DUMMY_HASH, password)
        return WRONG
    if agent.locked_until is not None and agent.locked_until > now:
        return (
            "Zu viele falsche Passwörter: die Anmeldung ist bis "
            f"{berlin(agent.locked_until, '%H:%M')} Uhr gesperrt."
        )
    if not check_password(agent.password_hash, password):
        # Counted in the database, not on the loaded row: two wrong tries at the
        # same moment must both count.
        s.execute(
            update(Agent)
            .where(Agent.id == agent.id)
            .values(failed_logins=Agent.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        failed = s.scalar(select(Agent.failed_logins).where(Agent.id == agent.id)) or 0
        if failed >= MAX_FAILED_LOGINS:
            s.execute(
                update(Agent)
                .where(Agent.id == agent.id)
                .values(failed_logins=0, locked_until=now + LOCKOUT)
                .execution_options(synchronize_session=False)
            )
            s.commit()
            return (
                f"{MAX_FAILED_LOGINS} falsche Passwörter: die Anmeldung ist für "
                f"{int(LOCKOUT.total_seconds() // 60)} Minuten gesperrt."
            )
        s.commit()
        return WRONG
    agent.failed_logins = 0
    agent.locked_until = None
    s.commit()
    # A fresh session: nothing from before the sign-in carries over.
    session.clear()
    session.permanent = True
    login_user(SignedInAgent(agent))
    session["signed_in_at"] = now.isoformat()
    return None


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login", logged_out=1))
