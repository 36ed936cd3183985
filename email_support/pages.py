"""The e-mail channel in the agents' web UI: answering from a ticket, sending again,
attachments, the supervisors' inbox "Nicht zugeordnet", and confirming a cancellation
received by mail on the contract page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from email_support.cancellations import confirm_cancellation, pending_cancellations
from email_support.outbox import retry_now, send_due
from email_support.replies import ReplyError, reply_to_ticket
from hotline.contracts import is_entitled, status_on
from hotline.contracts.records import ContractError
from hotline.models import (
    Contract,
    Customer,
    Mail,
    MailAttachment,
    MailCancellation,
    UndeliverableAddress,
)
from hotline.models.customers import facts_of
from hotline.runtime import runtime
from hotline.tickets import open_ticket
from hotline.web.ui import back_to_ticket, db, signed_in_agent, supervisor_required, ticket_or_404

bp = Blueprint("mail_pages", __name__, template_folder="templates")

UNASSIGNED_LABELS = {
    "not_admin": "Second Level: nicht der Admin",
    "no_contract": "kein aktiver Vertrag",
    "unknown": "unbekannter Absender",
    "automatic": "automatische Nachricht",
    "bounce": "Unzustellbarkeitsmeldung",
    "unreadable": "nicht lesbar",
}


@bp.post("/tickets/<int:number>/reply")
def reply(number: int) -> ResponseReturnValue:
    """The agent's answer by e-mail; sent at once, or shown as failed and retried."""
    found = ticket_or_404(number)
    rt = runtime()
    s = db()
    now = rt.clock.now()
    try:
        mail = reply_to_ticket(
            s,
            rt.settings,
            found,
            request.form.get("body", ""),
            agent_id=signed_in_agent().id,
            now=now,
            zone=rt.calendar.zone,
        )
    except ReplyError as exc:
        s.rollback()
        flash(str(exc), "error")
        return back_to_ticket(number)
    mail_id, to = mail.id, mail.to_address
    s.commit()
    sent, _ = send_due(rt.sessions, rt.settings, now, only=[mail_id])
    if sent:
        flash(f"Antwort an {to} gesendet.", "success")
    else:
        flash(
            f"Die Antwort an {to} konnte noch nicht gesendet werden; sie wird automatisch "
            "erneut versucht.",
            "error",
        )
    return back_to_ticket(number)


@bp.post("/tickets/<int:number>/mails/<int:mail_id>/retry")
def retry(number: int, mail_id: int) -> ResponseReturnValue:
    """Send a failed (or unclear) mail again now."""
    found = ticket_or_404(number)
    rt = runtime()
    s = db()
    mail = s.get(Mail, mail_id)
    if mail is None or mail.ticket_id != found.id:
        abort(404)
    if not retry_now(s, mail_id, rt.clock.now()):
        flash("Diese E-Mail wartet nicht auf einen neuen Versuch.", "error")
        return back_to_ticket(number)
    s.commit()
    sent, _ = send_due(rt.sessions, rt.settings, rt.clock.now(), only=[mail_id])
    flash("E-Mail gesendet." if sent else "Senden fehlgeschlagen.", "success" if sent else "error")
    return back_to_ticket(number)


@bp.get("/mail/attachments/<int:attachment_id>")
def attachment(attachment_id: int) -> ResponseReturnValue:
    """An attachment as a download, never rendered in the agents' browser."""
    found = db().get(MailAttachment, attachment_id)
    if found is None:
        abort(404)
    name = (found.filename or f"anhang-{found.id}").replace('"', "")
    return Response(
        found.data,
        mimetype="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.get("/mail/unassigned")
@supervisor_required
def unassigned() -> ResponseReturnValue:
    """The inbox "Nicht zugeordnet": received mails that opened no ticket."""
    rows = list(
        db().scalars(
            select(Mail)
            .where(
                Mail.direction == "in",
                Mail.ticket_id.is_(None),
                Mail.unassigned_reason.is_not(None),
                Mail.discarded_at.is_(None),
            )
            .order_by(Mail.created_at.desc(), Mail.id.desc())
            .limit(200)
        )
    )
    return render_template("mail_unassigned.html", mails=rows, labels=UNASSIGNED_LABELS)


@bp.post("/mail/unassigned/<int:mail_id>/assign")
@supervisor_required
def assign(mail_id: int) -> ResponseReturnValue:
    """Open a ticket for the mail on the active contract of the customer number given."""
    rt = runtime()
    s = db()
    mail = _unassigned(mail_id)
    number = request.form.get("customer_number", "").strip()
    today = rt.clock.now().astimezone(rt.calendar.zone).date()
    contract = next(
        (
            c
            for c in s.scalars(
                select(Contract)
                .join(Customer, Contract.customer_id == Customer.id)
                .where(Customer.number == number)
                .order_by(Contract.id)
            )
            if is_entitled(status_on(facts_of(c), today))
        ),
        None,
    )
    if contract is None:
        flash(f"Zur Kundennummer »{number}« gibt es keinen aktiven Vertrag.", "error")
        return redirect(url_for("mail_pages.unassigned"))
    ticket = open_ticket(
        s,
        now=rt.clock.now(),
        contract_id=contract.id,
        channel="email",
        subject=mail.subject[:500] or "(ohne Betreff)",
    )
    mail.ticket_id, mail.contract_id, mail.unassigned_reason = ticket.id, contract.id, None
    s.commit()
    flash(f"Ticket {ticket.number} für Kunde {number} eröffnet.", "success")
    return redirect(url_for("tickets_pages.ticket", number=ticket.number))


@bp.post("/mail/unassigned/<int:mail_id>/discard")
@supervisor_required
def discard(mail_id: int) -> ResponseReturnValue:
    """Take the mail off the inbox (it stays stored until retention removes it)."""
    mail = _unassigned(mail_id)
    mail.discarded_at = runtime().clock.now()
    db().commit()
    flash("E-Mail verworfen.", "success")
    return redirect(url_for("mail_pages.unassigned"))


def _unassigned(mail_id: int) -> Mail:
    mail = db().get(Mail, mail_id)
    if mail is None or mail.direction != "in" or mail.ticket_id is not None:
        abort(404)
    if mail.discarded_at is not None:
        abort(404)
    return mail


@bp.post("/contracts/<number>/mail-cancellations/<int:cancellation_id>/confirm")
@supervisor_required
def confirm(number: str, cancellation_id: int) -> ResponseReturnValue:
    """Confirm a cancellation received by mail: cancel, and write to the customer."""
    rt = runtime()
    s = db()
    flagged = s.get(MailCancellation, cancellation_id)
    contract = s.scalar(select(Contract).where(Contract.number == number))
    if flagged is None or contract is None or flagged.contract_id != contract.id:
        abort(404)
    now = rt.clock.now()
    try:
        changed, mail = confirm_cancellation(
            s,
            rt.settings,
            cancellation_id,
            agent_id=signed_in_agent().id,
            now=now,
            zone=rt.calendar.zone,
        )
    except ContractError as exc:
        s.rollback()
        flash(_contract_error(exc), "error")
        return redirect(url_for("contracts_pages.contract", number=number))
    end = changed.effective_end.strftime("%d.%m.%Y") if changed.effective_end else "–"
    mail_id, to = mail.id, mail.to_address
    s.commit()
    sent, _ = send_due(rt.sessions, rt.settings, now, only=[mail_id])
    flash(
        f"Kündigung bestätigt: der Vertrag {number} endet am {end}. "
        + (f"Bestätigung an {to} gesendet." if sent else "Die Bestätigung wird erneut versucht."),
        "success" if sent else "error",
    )
    return redirect(url_for("contracts_pages.contract", number=number))


def _contract_error(exc: ContractError) -> str:
    return {
        "terminated_already": "Der Vertrag ist bereits außerordentlich beendet.",
        "cancelled_already": "Der Vertrag ist bereits gekündigt.",
    }.get(exc.code, f"Das ging nicht: {exc}")


@bp.app_context_processor
def _mail_helpers() -> dict[str, Any]:
    return {"mail_of_contract": mail_of_contract, "pending_mail_cancellation": _pending_of_ticket}


def mail_of_contract(contract_id: int) -> dict[str, Any]:
    """For the contract page: unconfirmed cancellations by mail and undeliverable addresses."""
    s = db()
    return {
        "cancellations": pending_cancellations(s, contract_id),
        "undeliverable": list(
            s.scalars(
                select(UndeliverableAddress)
                .where(UndeliverableAddress.contract_id == contract_id)
                .order_by(UndeliverableAddress.at.desc())
            )
        ),
    }


def _pending_of_ticket(ticket_id: int) -> MailCancellation | None:
    return db().scalar(
        select(MailCancellation)
        .where(MailCancellation.ticket_id == ticket_id)
        .order_by(MailCancellation.id.desc())
        .limit(1)
    )


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
