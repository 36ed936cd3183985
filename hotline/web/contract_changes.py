"""Contract changes, for supervisors: cancellation (Kündigung) and termination
(außerordentliche Beendigung) from the contract page; both return to it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from hotline.contracts.records import (
    ContractError,
    cancel_contract,
    set_cashier_dial_admin,
    terminate_contract,
)
from hotline.directory.lookup import find_contract
from hotline.models import Contract
from hotline.runtime import runtime
from hotline.web.ui import db, supervisor_required

bp = Blueprint("contract_changes", __name__)


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
    "not_second_level": "Das Durchstellen zum Admin gibt es nur bei Second Level.",
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


@bp.post("/contracts/<number>/cashier-dial-admin")
@supervisor_required
def cashier_dial_admin(number: str) -> ResponseReturnValue:
    """Switch whether this contract's cashiers are put through to their admin."""
    s = db()
    if find_contract(s, number) is None:
        abort(404)
    on = request.form.get("on") == "1"
    try:
        set_cashier_dial_admin(s, number, on, runtime().clock.now())
    except ContractError as exc:
        s.rollback()
        flash(CONTRACT_ERRORS_DE.get(exc.code, f"Das ging nicht: {exc}"), "error")
        return _contract_back(number)
    s.commit()
    if on:
        flash("Kassierer, die anrufen, werden jetzt zu ihrem Admin durchgestellt.", "success")
    else:
        flash(
            "Kassierer hören jetzt nur, wer ihr Admin ist, und werden nicht durchgestellt.",
            "success",
        )
    return _contract_back(number)
