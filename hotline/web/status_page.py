"""Mein Status: whether the IVR rings me, and on which phone."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from hotline.accounts.agents import AgentError, agent_phone
from hotline.web.ui import db, signed_in_agent

bp = Blueprint("status_page", __name__)


@bp.get("/status")
def status() -> ResponseReturnValue:
    return render_template("status.html", me=signed_in_agent(), phone_value=None)


@bp.post("/status")
def update_status() -> ResponseReturnValue:
    me = signed_in_agent()
    raw_phone = request.form.get("phone", "").strip()
    available = request.form.get("available") == "on"
    try:
        phone = agent_phone(raw_phone)
    except AgentError:
        return (
            render_template(
                "status.html",
                me=me,
                phone_value=raw_phone,
                error=(
                    f"»{raw_phone}« ist keine gültige Telefonnummer. Erlaubt sind Nummern "
                    "wie 030 1234567 oder +49 30 1234567, oder client:NAME für das Softphone."
                ),
            ),
            422,
        )
    me.phone = phone
    me.available = available and me.active
    db().commit()
    flash(
        "Sie sind jetzt erreichbar." if me.available else "Sie sind jetzt nicht erreichbar.",
        "success",
    )
    return redirect(url_for("status_page.status"))
