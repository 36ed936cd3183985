"""The live queue's pages and API: the queue on the Rückrufliste, the supervisors'
wallboard and queue reports (with CSV for German Excel), and GET /api/v1/queue.

- `GET /callbacks/queue`: the live queue's rows (the Rückrufliste includes and refreshes them);
- `GET /wallboard` (supervisors; `?fragment=1` its figures, refreshed every 10 s);
- `GET /reports/queue?von=YYYY-MM-DD&bis=YYYY-MM-DD` (supervisors): abandoned calls,
  service level per day, per agent; `GET /reports/queue/<table>.csv` the same as CSV;
- `GET /api/v1/queue` (bearer token): the callers waiting now, in the hotline's order.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, Response, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from callback.queue.excel_csv import excel_csv
from callback.queue.figures import (
    abandoned_calls,
    live_queue,
    per_agent,
    service_levels,
    wallboard,
)
from hotline.runtime import runtime
from hotline.web.api_auth import json_errors_for_api, token_required
from hotline.web.labels_de import CATEGORY_LABELS, label
from hotline.web.ui import db, supervisor_required

bp = Blueprint("queue_pages", __name__)
api = Blueprint("api_queue", __name__, url_prefix="/api/v1/queue")
json_errors_for_api(api)

DEFAULT_DAYS = 7
MAX_DAYS = 366
CSV_TABLES = ("abgebrochen", "servicelevel", "agenten")


@bp.get("/callbacks/queue")
def live_rows() -> ResponseReturnValue:
    """The live queue's rows, for the Rückrufliste (fetched again every 20 s)."""
    return render_template("queue_live_rows.html", live=live_queue(db().connection(), _now()))


@bp.get("/wallboard")
@supervisor_required
def wallboard_page() -> ResponseReturnValue:
    rt = runtime()
    board = wallboard(
        db().connection(), _now(), rt.calendar.zone, rt.settings.queue.service_level_seconds
    )
    template = "queue_wallboard_figures.html" if request.args.get("fragment") else None
    return render_template(
        template or "queue_wallboard.html",
        board=board,
        level_seconds=rt.settings.queue.service_level_seconds,
    )


class BadRange(ValueError):
    """The report's date range cannot be read; the message says which field and why."""


def _day(name: str, default: date) -> date:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRange(f"„{name}“: {raw!r} ist kein Datum wie 2026-11-30.") from None


def _range() -> tuple[date, date]:
    today = _now().astimezone(runtime().calendar.zone).date()
    start = _day("von", today - timedelta(days=DEFAULT_DAYS - 1))
    end = _day("bis", today)
    if end < start:
        raise BadRange(f"„bis“ ({end:%d.%m.%Y}) liegt vor „von“ ({start:%d.%m.%Y}).")
    if (end - start).days >= MAX_DAYS:
        raise BadRange(f"Der Zeitraum ist länger als {MAX_DAYS} Tage.")
    return start, end


@bp.get("/reports/queue")
@supervisor_required
def reports_page() -> ResponseReturnValue:
    try:
        start, end = _range()
    except BadRange as exc:
        page = render_template("queue_reports.html", error=str(exc), args=request.args)
        return page, 400
    tables = _tables(start, end)
    return render_template(
        "queue_reports.html",
        error=None,
        start=start,
        end=end,
        level_seconds=runtime().settings.queue.service_level_seconds,
        **tables,
    )


def _tables(start: date, end: date) -> dict[str, object]:
    rt = runtime()
    conn, zone = db().connection(), rt.calendar.zone
    return {
        "levels": service_levels(conn, start, end, zone, rt.settings.queue.service_level_seconds),
        "abandoned": abandoned_calls(conn, start, end, zone),
        "agents": per_agent(conn, start, end, zone),
    }


@bp.get("/reports/queue/<name>.csv")
@supervisor_required
def report_csv(name: str) -> ResponseReturnValue:
    if name not in CSV_TABLES:
        return Response(f"Unbekannte Tabelle {name!r}.\n", 404, mimetype="text/plain")
    try:
        start, end = _range()
    except BadRange as exc:
        return Response(str(exc) + "\n", 400, mimetype="text/plain")
    tables = _tables(start, end)
    zone = runtime().calendar.zone
    if name == "abgebrochen":
        header = ["Zeit", "Wartezeit (s)", "Kategorie", "Kundennummer", "Kunde", "Rückruf"]
        rows = [
            [
                a.at.astimezone(zone).strftime("%d.%m.%Y %H:%M:%S"),
                a.waited_seconds,
                label(a.category, CATEGORY_LABELS),
                a.customer_number,
                a.customer_name,
                a.called_back,
            ]
            for a in tables["abandoned"]  # type: ignore[attr-defined]
        ]
    elif name == "servicelevel":
        header = ["Tag", "Anrufe", "angenommen", "rechtzeitig angenommen", "abgebrochen"]
        header.append("Servicelevel (%)")
        rows = [
            [d.day.strftime("%d.%m.%Y"), d.offered, d.answered, d.in_time, d.abandoned, d.level]
            for d in tables["levels"]  # type: ignore[attr-defined]
        ]
    else:
        header = ["Agent", "E-Mail", "Anrufe angenommen", "Rückrufe erledigt", "Gesprächszeit (s)"]
        rows = [
            [a.name, a.email, a.calls_answered, a.callbacks_done, a.talk_seconds]
            for a in tables["agents"]  # type: ignore[attr-defined]
        ]
    filename = f"warteschlange-{name}-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"
    return Response(
        excel_csv(header, rows).encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


@api.get("")
@token_required
def api_queue() -> ResponseReturnValue:
    """The callers waiting now, in the hotline's order (DESIGN's JSON API)."""
    rows = live_queue(db().connection(), _now())
    return jsonify(
        [
            {
                "call_sid": r.call_sid,
                "position": r.position,
                "category": r.category,
                "customer_number": r.customer_number,
                "waiting_seconds": r.waiting_seconds,
            }
            for r in rows
            if r.kind == "call" and r.position is not None
        ]
    )


def _now() -> datetime:
    return runtime().clock.now()
