"""GET /callbacks: the agents' Rückrufliste, and its actions as CSRF-protected forms.

This page lives in the callback service (not in hotline/web) because its actions
use the service's life cycle and outbound calls, and hotline/ must not import
callback/. The blueprint keeps the name "callbacks_page", so the layout's links
(`url_for("callbacks_page.callbacks")`) and the sign-in/CSRF gate of
hotline/web/ui.py apply to it like to every other UI blueprint.

- `GET /callbacks?status=…` the list; `&fragment=1` only the table's rows, which
  hotline/static/callbacks.js fetches every 20 s.
- `POST /callbacks/<id>/claim`, `/dial`, `/outcome`: each answers with a redirect
  back to the list (with the filter) and a flash message in German.
- `GET /callbacks/<id>/recording` the caller's problem recording as MP3, fetched
  from Twilio with the account's credentials (callback/recordings.py); the
  list's `<audio>` plays it from here, so the CSP needs only `media-src 'self'`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, select

from callback.lifecycle import (
    CLAIMED,
    DUE,
    FINAL_STATES,
    OPEN_STATES,
    OUTCOMES,
    CallbackError,
    IllegalTransition,
    NotYours,
    claim,
    in_list_order,
)
from callback.outbound import DialFailed, NotFound, dial
from callback.outcomes import save_outcome, tell_customer_if_due
from callback.queue.figures import live_queue
from callback.recordings import RecordingUnavailable, fetch
from hotline.directory.phones import format_national
from hotline.models import Agent, Callback, Contract, Customer, Station, Ticket
from hotline.notes import checked_note
from hotline.runtime import runtime
from hotline.web.labels_de import STATUS_LABELS, callback_error_label
from hotline.web.ui import db, signed_in_agent

log = logging.getLogger(__name__)

bp = Blueprint("callbacks_page", __name__)

FILTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "offen": ("offen (alle wartenden)", OPEN_STATES),
    **{s: (STATUS_LABELS[s], (s,)) for s in OPEN_STATES + FINAL_STATES},
    "alle": ("alle", ()),
}
OUTCOME_BUTTONS = (
    ("done", "erledigt"),
    ("no_answer", "nicht erreicht"),
    ("wrong_number", "falsche Nummer"),
    ("cancelled", "abgebrochen"),
)
LIST_LIMIT = 500


@dataclass(frozen=True)
class Row:
    callback: Callback
    contract_number: str | None
    customer_name: str | None
    plan: str | None
    station: str | None
    claimed_by: str | None
    ticket_number: int | None


def _chosen(value: str | None) -> str:
    return value if value in FILTERS else "offen"


@bp.get("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("callbacks_page.callbacks"))


@bp.get("/callbacks")
def callbacks() -> ResponseReturnValue:
    chosen = _chosen(request.args.get("status"))
    statuses = FILTERS[chosen][1]
    query = (
        select(
            Callback,
            Contract.number,
            Customer.name,
            Contract.plan,
            Station.name,
            Agent.name,
            Ticket.number,
        )
        .outerjoin(Contract, Callback.contract_id == Contract.id)
        .outerjoin(Customer, Contract.customer_id == Customer.id)
        .outerjoin(Station, Callback.station_id == Station.id)
        .outerjoin(Agent, Callback.claimed_by_id == Agent.id)
        .outerjoin(Ticket, Callback.ticket_id == Ticket.id)
        .limit(LIST_LIMIT)
    )
    if statuses:
        query = query.where(Callback.status.in_(statuses))
    rows = [Row(*r) for r in db().execute(in_list_order(query)).all()]
    context = {
        "rows": rows,
        "filters": FILTERS,
        "chosen": chosen,
        "me": signed_in_agent(),
        "now": runtime().clock.now(),
        "outcomes": OUTCOME_BUTTONS,
        "live": live_queue(db().connection(), runtime().clock.now()),
    }
    if request.args.get("fragment"):
        return render_template("callbacks_rows.html", **context)
    return render_template("callbacks.html", **context)


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


@bp.get("/callbacks/<int:callback_id>/recording")
def recording(callback_id: int) -> ResponseReturnValue:
    return play_recording(
        select(Callback.recording_url).where(Callback.id == callback_id),
        missing="Zu diesem Rückruf gibt es keine Aufnahme.",
        what=f"callback {callback_id}",
    )


def play_recording(url_of: Select[str | None], *, missing: str, what: str) -> Response:
    """The recording whose URL `url_of` selects, from Twilio as MP3 for the browser's
    <audio> (callback/recordings.py); `missing` is the 404's text when there is none,
    `what` names it in the log when it cannot be fetched."""
    s = db()
    recording_url = s.scalar(url_of)
    # The request's session must not hold a transaction open while Twilio answers.
    s.rollback()
    if not recording_url:
        return _text(missing, 404)
    try:
        download = fetch(recording_url, runtime().settings)
    except RecordingUnavailable as exc:
        log.warning("%s: recording not played: %s", what, exc)
        return _text(str(exc), exc.status_code)
    headers = {"Cache-Control": "private, no-store"}
    if download.length:
        headers["Content-Length"] = download.length
    return Response(download.chunks(), mimetype="audio/mpeg", headers=headers)


def _back() -> ResponseReturnValue:
    return redirect(url_for("callbacks_page.callbacks", status=_chosen(request.form.get("status"))))


def _customer(cb: Callback) -> str:
    return format_national(cb.phone)


@bp.post("/callbacks/<int:callback_id>/claim")
def claim_callback(callback_id: int) -> ResponseReturnValue:
    me = signed_in_agent()
    s = db()
    now = runtime().clock.now()
    won = claim(s, callback_id, me.id, now)
    s.commit()
    cb = s.get(Callback, callback_id)
    if cb is None:
        flash("Diesen Rückruf gibt es nicht mehr.", "error")
        return _back()
    s.refresh(cb)
    if won or (cb.status == CLAIMED and cb.claimed_by_id == me.id):
        flash(f"Sie haben den Rückruf an {_customer(cb)} übernommen.", "success")
    elif cb.status in (CLAIMED, "calling") and cb.claimed_by_id is not None:
        other = s.get(Agent, cb.claimed_by_id)
        flash(
            f"Dieser Rückruf wurde bereits übernommen von {other.name if other else '?'}.", "error"
        )
    elif cb.status == DUE:
        flash("Dieser Rückruf wartet noch auf seinen nächsten Versuch.", "error")
    else:
        flash(
            f"Dieser Rückruf kann nicht übernommen werden (Status: "
            f"{STATUS_LABELS.get(cb.status, cb.status)}).",
            "error",
        )
    return _back()


@bp.post("/callbacks/<int:callback_id>/dial")
def dial_callback(callback_id: int) -> ResponseReturnValue:
    me = signed_in_agent()
    # The request's session must not hold a transaction open while Twilio answers.
    db().rollback()
    try:
        started = dial(runtime(), callback_id, me.id)
    except DialFailed as exc:
        log.warning("callback %s: dial failed: %s", callback_id, exc)
        flash(
            f"Der Rückruf konnte nicht gestartet werden. {callback_error_label(str(exc))}", "error"
        )
        return _back()
    except NotYours:
        flash(
            "Sie haben diesen Rückruf nicht übernommen (oder ein anderer Agent hat ihn); "
            "bitte zuerst »Übernehmen«.",
            "error",
        )
        return _back()
    except CallbackError as exc:
        # The service's text is English and meant for the log (it may name settings).
        log.warning("callback %s: not started: %s", callback_id, exc)
        flash(f"Der Rückruf konnte nicht gestartet werden. {_not_started_de(exc)}", "error")
        return _back()
    flash(
        f"Twilio ruft Sie jetzt unter {format_national(started.to)} an; sobald Sie abheben, "
        "wird der Kunde verbunden.",
        "success",
    )
    return _back()


def _not_started_de(exc: CallbackError) -> str:
    """Why a callback could not be started, in German, for the agent."""
    if isinstance(exc, NotFound):
        return "Diesen Rückruf gibt es nicht mehr."
    if isinstance(exc, IllegalTransition):
        return "Er wird gerade schon angerufen oder ist erledigt; bitte die Liste neu laden."
    return (
        "Die Hotline ist für Rückrufe nicht vollständig eingerichtet. "
        "Bitte wenden Sie sich an die Administration."
    )


_OUTCOME_DONE = {
    "done": "Rückruf als erledigt gespeichert.",
    "no_answer": "Gespeichert: nicht erreicht. Der Rückruf wird später erneut versucht.",
    "wrong_number": "Gespeichert: falsche Nummer. Der Kunde wird per E-Mail benachrichtigt.",
    "cancelled": "Der Rückruf wurde abgebrochen.",
}


@bp.post("/callbacks/<int:callback_id>/outcome")
def outcome(callback_id: int) -> ResponseReturnValue:
    me = signed_in_agent()
    chosen = request.form.get("outcome", "")
    note = checked_note(request.form.get("note"))
    if chosen not in OUTCOMES:
        flash("Bitte ein Ergebnis wählen.", "error")
        return _back()
    rt = runtime()
    now = rt.clock.now()
    try:
        saved = save_outcome(
            rt, db(), callback_id, agent_id=me.id, outcome=chosen, note=note, now=now
        )
    except NotYours:
        flash("Dieser Rückruf gehört einem anderen Agenten.", "error")
        return _back()
    except CallbackError:
        flash(
            "Dieses Ergebnis passt nicht zum Stand des Rückrufs; bitte die Liste neu laden.",
            "error",
        )
        return _back()
    if saved is None:
        flash("Diesen Rückruf gibt es nicht mehr.", "error")
        return _back()
    tell_customer_if_due(rt, saved, callback_id, now)
    message = _OUTCOME_DONE[chosen]
    if chosen == "no_answer" and saved.status == "failed":
        message = (
            "Gespeichert: nicht erreicht. Das war der letzte Versuch; "
            "der Kunde wird per E-Mail benachrichtigt."
        )
    flash(message, "success")
    return _back()
