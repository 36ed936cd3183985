"""GET /office-messages: the supervisors' "Nachrichten ans Büro" — what callers whose
contract has ended left for the office (hotline.office_messages), with a button to mark
each one done. Not in the agents' Rückrufliste: these are no callbacks.

The page lives in the callback service because it plays the recordings the way the
Rückrufliste does (callback/pages.py, play_recording), and hotline/ must not import
callback/.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from callback.pages import play_recording
from hotline.directory.phones import format_national
from hotline.models import OfficeMessage
from hotline.office_messages import mark_done, office_messages
from hotline.runtime import runtime
from hotline.web.ui import db, signed_in_agent, supervisor_required

bp = Blueprint("office_pages", __name__)

# The page shows the open messages and the latest ones marked done.
DONE_SHOWN = 50


@bp.get("/office-messages")
@supervisor_required
def messages() -> ResponseReturnValue:
    s = db()
    return render_template(
        "office_messages.html",
        title="Nachrichten ans Büro",
        open_messages=office_messages(s),
        done_messages=office_messages(s, done=True)[:DONE_SHOWN],
    )


@bp.post("/office-messages/<int:message_id>/done")
@supervisor_required
def done(message_id: int) -> ResponseReturnValue:
    s = db()
    message = mark_done(s, message_id, signed_in_agent().id, runtime().clock.now())
    if message is None:
        s.rollback()
        flash("Diese Nachricht gibt es nicht.", "error")
    else:
        s.commit()
        who = format_national(message.phone) if message.phone else "unbekannter Nummer"
        flash(f"Die Nachricht von {who} ist erledigt.", "success")
    return redirect(url_for("office_pages.messages"))


@bp.get("/office-messages/<int:message_id>/recording")
@supervisor_required
def recording(message_id: int) -> ResponseReturnValue:
    return play_recording(
        select(OfficeMessage.recording_url).where(OfficeMessage.id == message_id),
        missing="Zu dieser Nachricht gibt es keine Aufnahme.",
        what=f"office message {message_id}",
    )
