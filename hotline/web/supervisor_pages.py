"""Supervisor pages: Agenten (list, add, deactivate, reactivate, reset password), the
customer import by upload (dry run first), contract cancellation and termination,
and the reports.

The import keeps the uploaded file between the preview and "Import ausführen" as a
file under the instance folder (`instance/imports/<random>.csv`, or the app's
HOTLINE_IMPORT_DIR config): nothing in process memory, nothing lost, no size limit
of the session cookie. The form of the second step carries only the random name;
the file is read again, checked again and imported all or nothing, then deleted.
Files left behind by a preview nobody confirmed are removed after a day.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.agents import AgentError, add_agent
from hotline.accounts.secrets import hash_password
from hotline.app import runtime
from hotline.contracts.records import ContractError, cancel_contract, terminate_contract
from hotline.directory.lookup import find_contract
from hotline.imports import ImportReport, read_csv, run_import
from hotline.models import Agent, Contract
from hotline.web import reports as figures
from hotline.web.ui import STATUS_LABELS, db, signed_in_agent, supervisor_required

bp = Blueprint("supervisor_pages", __name__)

MIN_PASSWORD = 10


def _agents_page(error: str | None = None, form: dict[str, str] | None = None, status: int = 200):
    agents = list(db().scalars(select(Agent).order_by(Agent.active.desc(), Agent.name)))
    return (
        render_template(
            "agents.html",
            agents=agents,
            error=error,
            form=form or {},
            me=signed_in_agent(),
            now=runtime().clock.now(),
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
    return redirect(url_for("supervisor_pages.agents"))


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
        return redirect(url_for("supervisor_pages.agents"))
    agent.active = False
    agent.available = False
    db().commit()
    flash(f"{agent.name} ist deaktiviert und wird nicht mehr angerufen.", "success")
    return redirect(url_for("supervisor_pages.agents"))


@bp.post("/agents/<int:agent_id>/activate")
@supervisor_required
def activate(agent_id: int) -> ResponseReturnValue:
    agent = _agent(agent_id)
    agent.active = True
    db().commit()
    flash(f"{agent.name} ist wieder aktiv.", "success")
    return redirect(url_for("supervisor_pages.agents"))


@bp.post("/agents/<int:agent_id>/password")
@supervisor_required
def reset_password(agent_id: int) -> ResponseReturnValue:
    agent = _agent(agent_id)
    password = request.form.get("password", "")
    if len(password) < MIN_PASSWORD:
        flash(f"Das neue Passwort braucht mindestens {MIN_PASSWORD} Zeichen.", "error")
        return redirect(url_for("supervisor_pages.agents"))
    # A new hash also ends the agent's open sessions (see SignedInAgent.get_id).
    agent.password_hash = hash_password(password)
    agent.failed_logins = 0
    agent.locked_until = None
    db().commit()
    flash(f"Das Passwort von {agent.name} wurde neu gesetzt.", "success")
    return redirect(url_for("supervisor_pages.agents"))


# --- customer import ---------------------------------------------------------------------

MAX_UPLOAD = 20 * 1024 * 1024
UPLOAD_MAX_AGE_SECONDS = 24 * 3600
_UPLOAD_NAME = re.compile(r"[A-Za-z0-9_-]{20,64}")


def upload_dir() -> Path:
    configured = current_app.config.get("HOTLINE_IMPORT_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_uploads(folder: Path) -> None:
    limit = time.time() - UPLOAD_MAX_AGE_SECONDS
    for old in folder.glob("*.csv"):
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass


def _upload_path(token: str) -> Path | None:
    if not _UPLOAD_NAME.fullmatch(token):
        return None
    path = upload_dir() / f"{token}.csv"
    return path if path.is_file() else None


def _import_page(
    report: ImportReport | None = None,
    *,
    token: str | None = None,
    filename: str = "",
    error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    return (
        render_template("import.html", report=report, token=token, filename=filename, error=error),
        status,
    )


@bp.get("/import")
@supervisor_required
def imports() -> ResponseReturnValue:
    return _import_page()


@bp.post("/import")
@supervisor_required
def import_preview() -> ResponseReturnValue:
    """Step 1: keep the file, check it and count what would change (a dry run)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(error="Bitte eine CSV-Datei auswählen.", status=422)
    content = upload.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _import_page(error="Die Datei ist größer als 20 MB.", status=413)
    folder = upload_dir()
    _forget_old_uploads(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.csv").write_bytes(content)
    rt = runtime()
    report = run_import(rt.sessions, read_csv(content), now=rt.clock.now(), dry_run=True)
    if report.errors:
        # A rejected file cannot be imported; keep nothing of it.
        (folder / f"{token}.csv").unlink(missing_ok=True)
        return _import_page(report, filename=upload.filename, status=422)
    return _import_page(report, token=token, filename=upload.filename)


@bp.post("/import/apply")
@supervisor_required
def import_apply() -> ResponseReturnValue:
    """Step 2: import the very file of the preview, all or nothing."""
    token = request.form.get("token", "")
    filename = request.form.get("filename", "")[:200]
    path = _upload_path(token)
    if path is None:
        return _import_page(
            error="Die hochgeladene Datei ist nicht mehr da. Bitte laden Sie sie erneut hoch.",
            status=410,
        )
    rt = runtime()
    report = run_import(rt.sessions, read_csv(path.read_bytes()), now=rt.clock.now())
    if report.errors:
        # The database changed since the preview: nothing was imported; keep the file.
        return _import_page(report, token=token, filename=filename, status=422)
    path.unlink(missing_ok=True)
    flash(f"Import ausgeführt: {report.rows} Zeilen aus {filename or 'der Datei'}.", "success")
    return _import_page(report, filename=filename)


# --- contracts: cancellation and termination ------------------------------------------------


def _contract_back(number: str) -> ResponseReturnValue:
    return redirect(url_for("contracts_pages.contract", number=number))


def _form_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        return None


# What the page says for each ContractError.code (the CLI prints the English message);
# any other code (not_found: the page answers 404 before) as "Das ging nicht: <message>".
CONTRACT_ERRORS_DE = {
    "terminated_already": "Der Vertrag ist bereits außerordentlich beendet.",
    "cancelled_already": "Der Vertrag ist bereits gekündigt.",
    "reason_missing": "Bitte einen Grund für die Beendigung angeben.",
    "bad_party": "Bitte angeben, wer gekündigt hat (Kunde oder Anbieter).",
}


def _change_contract(
    number: str,
    date_field: str,
    date_missing: str,
    change: Callable[[Session, date, datetime], Contract],
    done: Callable[[Contract, date], str],
) -> ResponseReturnValue:
    """The shape of the cancel and terminate actions: the contract must exist, the date
    must be given, a ContractError is flashed in German; back to the contract page."""
    s = db()
    if find_contract(s, number) is None:
        abort(404)
    when = _form_date(date_field)
    if when is None:
        flash(date_missing, "error")
        return _contract_back(number)
    try:
        contract = change(s, when, runtime().clock.now())
    except ContractError as exc:
        s.rollback()
        flash(CONTRACT_ERRORS_DE.get(exc.code, f"Das ging nicht: {exc}"), "error")
        return _contract_back(number)
    s.commit()
    flash(done(contract, when), "success")
    return _contract_back(contract.number)


@bp.post("/contracts/<number>/cancel")
@supervisor_required
def cancel(number: str) -> ResponseReturnValue:
    def change(s: Session, received: date, now: datetime) -> Contract:
        by = request.form.get("by", "")
        return cancel_contract(s, number, received=received, by=by, now=now)

    def done(contract: Contract, received: date) -> str:
        end = contract.effective_end.strftime("%d.%m.%Y") if contract.effective_end else "–"
        return f"Kündigung eingetragen: der Vertrag {contract.number} endet am {end}."

    return _change_contract(
        number,
        "received",
        "Bitte das Eingangsdatum der Kündigung angeben (TT.MM.JJJJ).",
        change,
        done,
    )


@bp.post("/contracts/<number>/terminate")
@supervisor_required
def terminate(number: str) -> ResponseReturnValue:
    def change(s: Session, effective: date, now: datetime) -> Contract:
        reason = request.form.get("reason", "")[:1000]
        return terminate_contract(s, number, reason=reason, effective=effective, now=now)

    def done(contract: Contract, effective: date) -> str:
        return (
            f"Der Vertrag {contract.number} ist zum {effective.strftime('%d.%m.%Y')} "
            "außerordentlich beendet."
        )

    return _change_contract(
        number,
        "effective",
        "Bitte das Datum angeben, ab dem der Vertrag beendet ist.",
        change,
        done,
    )


# --- reports --------------------------------------------------------------------------------


@bp.get("/reports")
@supervisor_required
def reports() -> ResponseReturnValue:
    rt = runtime()
    s = db()
    now = rt.clock.now()
    zone = rt.calendar.zone
    per_month, per_contract, months = figures.tickets_per_month(s, now, zone)
    waiting = figures.callbacks_waiting(s)
    return render_template(
        "reports.html",
        calls=figures.calls_per_day(s, now, zone),
        waiting=[figures.Bar(STATUS_LABELS[b.label], b.value) for b in waiting],
        waiting_total=sum(b.value for b in waiting),
        oldest=figures.oldest_waiting(s),
        first_attempt=figures.time_to_first_attempt(s, now),
        tickets=per_month,
        per_contract=per_contract[:50],
        contract_count=len(per_contract),
        months=months,
    )
