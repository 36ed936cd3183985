"""Agenten, for supervisors: the list, add an agent, deactivate, reactivate and
reset a password."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.accounts.agents import AgentError, add_agent
from hotline.accounts.secrets import hash_password
from hotline.accounts.sessions import end_all_sessions
from hotline.accounts.sign_in_throttle import forget_account
from hotline.models import Agent
from hotline.runtime import runtime
from hotline.web.ui import db, signed_in_agent, supervisor_required

bp = Blueprint("agents_pages", __name__)

MIN_PASSWORD = 10


def _agents_page(
    error: str | None = None, form: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    agents = list(db().scalars(select(Agent).order_by(Agent.active.desc(), Agent.name)))
    return (
        render_template(
            "agents.html",
            agents=agents,
            error=error,
            form=form or {},
            me=signed_in_agent(),
        ),
        status,
    )


@bp.get("/agents")
@supervisor_required
def agents() -> ResponseReturnValue:
    return _agents_page()


@bp.post("/agents")
@supervisor_required
def add() -> ResponseReturnValue:
    form = {k: request.form.get(k, "").strip() for k in ("email", "name", "phone")}
    password = request.form.get("password", "")
    if not form["name"]:
        return _agents_page("Bitte einen Namen angeben.", form, 422)
    if len(password) < MIN_PASSWORD:
        return _agents_page(f"Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen.", form, 422)
    s = db()
    try:
        agent = add_agent(
            s,
            email=form["email"],
            name=form["name"],
            phone=form["phone"],
            password=password,
            supervisor=request.form.get("supervisor") == "on",
            now=runtime().clock.now(),
        )
    except AgentError as exc:
        s.rollback()
        return _agents_page(_german(str(exc), form), form, 422)
    s.commit()
    flash(f"Agent {agent.name} ({agent.email}) wurde angelegt.", "success")
    return redirect(url_for("agents_pages.agents"))


def _german(message: str, form: dict[str, str]) -> str:
    # add_agent speaks English for the CLI; the page names the field in German.
    if "e-mail address" in message:
        return f"»{form['email']}« ist keine E-Mail-Adresse."
    if "exists already" in message:
        return f"Es gibt schon einen Agenten mit der E-Mail-Adresse {form['email'].lower()}."
    if "phone number" in message:
        return f"»{form['phone']}« ist keine gültige Telefonnummer (oder client:NAME)."
    return message


def _agent(agent_id: int) -> Agent:
    agent = db().get(Agent, agent_id)
    if agent is None:
        abort(404)
    return agent


@bp.post("/agents/<int:agent_id>/deactivate")
@supervisor_required
def deactivate(agent_id: int) -> ResponseReturnValue:
    agent = _agent(agent_id)
    if agent.id == signed_in_agent().id:
        flash("Sie können sich nicht selbst deaktivieren.", "error")
        return redirect(url_for("agents_pages.agents"))
    agent.active = False
    agent.available = False
    end_all_sessions(db(), agent.id)
    db().commit()
    flash(f"{agent.name} ist deaktiviert und wird nicht mehr angerufen.", "success")
    return redirect(url_for("agents_pages.agents"))


@bp.post("/agents/<int:agent_id>/activate")
@supervisor_required
def activate(agent_id: int) -> ResponseReturnValue:
    agent = _agent(agent_id)
    agent.active = True
    db().commit()
    flash(f"{agent.name} ist wieder aktiv.", "success")
    return redirect(url_for("agents_pages.agents"))


@bp.post("/agents/<int:agent_id>/password")
@supervisor_required
def reset_password(agent_id: int) -> ResponseReturnValue:
    agent = _agent(agent_id)
    password = request.form.get("password", "")
    if len(password) < MIN_PASSWORD:
        flash(f"Das neue Passwort braucht mindestens {MIN_PASSWORD} Zeichen.", "error")
        return redirect(url_for("agents_pages.agents"))
    agent.password_hash = hash_password(password)
    end_all_sessions(db(), agent.id)
    forget_account(db(), agent.email)
    db().commit()
    flash(f"Das Passwort von {agent.name} wurde neu gesetzt.", "success")
    return redirect(url_for("agents_pages.agents"))
