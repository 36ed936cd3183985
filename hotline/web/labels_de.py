"""German words for what the database stores as codes or English text: statuses,
categories, plans and channels, a call's result, why a callback attempt failed, a
contract's history.

The stored values stay as they are (the CLI, the JSON API and the daily roll-over
read them); only the agents' pages translate them, here, so a page never shows
"no answer" or "renewed: term 2 …".
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

from hotline import categories

# Statuses of callbacks, tickets and contracts; categories, plans, channels, parties.
STATUS_LABELS = {
    # callbacks
    "queued": "vorgemerkt",
    "due": "fällig",
    "claimed": "übernommen",
    "calling": "wird verbunden",
    "done": "erledigt",
    "no_answer": "nicht erreicht",
    "wrong_number": "falsche Nummer",
    "cancelled": "abgebrochen",
    "failed": "fehlgeschlagen",
    # tickets
    "open": "offen",
    "waiting": "wartet auf Kunden",
    "closed": "geschlossen",
    # contracts
    "not_started": "noch nicht begonnen",
    "active": "aktiv",
    "notice_given": "gekündigt (läuft noch)",
    "ended": "beendet",
    "terminated": "außerordentlich beendet",
}
CATEGORY_LABELS = categories.labels()
PLAN_LABELS = {"flat": "Support Flat", "second_level": "Second Level"}
CHANNEL_LABELS = {"phone": "Telefon", "email": "E-Mail", "remote": "Fernwartung"}
PARTY_LABELS = {"customer": "Kunde", "provider": "Anbieter"}


def label(value: str | None, table: dict[str, str]) -> str:
    """The German word for a stored code (the code itself if there is none), "–" for none."""
    if value is None:
        return "–"
    return table.get(value, value)


CALL_OUTCOME_LABELS = {
    "agent": "mit Agent verbunden",
    "agent_ringing": "Agenten angerufen",
    "callback": "Rückruf angefordert",
    "callback_failed": "keine gültige Rückrufnummer",
    "hung_up": "aufgelegt",
    "no_contract": "kein aktiver Vertrag",
    "unidentified": "nicht zugeordnet",
    "sent_to_admin": "an den Admin verwiesen",
    "dialed_admin": "zum Admin durchgestellt",
    "pin_failed": "PIN falsch",
    "pin_locked": "PIN gesperrt",
    "fallback": "Notfall-Weiterleitung",
}

_LEG_STATUS = {
    "no-answer": "nicht abgenommen",
    "busy": "besetzt",
    "failed": "nicht erreichbar",
    "canceled": "abgebrochen",
}


def call_outcome_label(outcome: str | None) -> str:
    """A call's result as agents read it; an unknown code is shown as it is."""
    if not outcome:
        return "–"
    return CALL_OUTCOME_LABELS.get(outcome, outcome)


def callback_error_label(error: str | None) -> str:
    """Why the last attempt of a callback did not reach the customer, in German."""
    if not error:
        return ""
    fixed = {
        "no answer": "nicht erreicht",
        "wrong number": "falsche Nummer",
        "personal data erased on request": "personenbezogene Daten auf Wunsch gelöscht",
        "Twilio did not answer in time": "Twilio hat nicht rechtzeitig geantwortet",
    }
    if error in fixed:
        return fixed[error]
    if error.startswith("customer: "):
        status = error.removeprefix("customer: ")
        return f"Kunde: {_LEG_STATUS.get(status, status)}"
    agent = re.fullmatch(r"agent did not answer \((.+)\)", error)
    if agent:
        return f"Ihr Telefon hat nicht abgenommen ({_LEG_STATUS.get(agent[1], agent[1])})"
    if error.startswith("Twilio is unreachable"):
        return "Twilio ist nicht erreichbar"
    if error.startswith("e-mail failed: "):
        return f"E-Mail an den Kunden fehlgeschlagen: {error.removeprefix('e-mail failed: ')}"
    # Anything else is Twilio's own message (English, from their API): say whose it is.
    return f"Twilio meldet: {error}"


_ISO = r"(\d{4}-\d{2}-\d{2})"
_PARTY = {"customer": "Kunde", "provider": "Anbieter"}


def _d(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def contract_event_label(kind: str, detail: str) -> str:
    """One line of a contract's history ("renewed" / "term 2: … to …") in German."""
    if kind == "imported":
        return "Vertrag angelegt (Import)"
    if kind == "renewed" and (m := re.fullmatch(rf"term (\d+): {_ISO} to {_ISO}", detail)):
        return f"verlängert: {m[1]}. Vertragsjahr vom {_d(m[2])} bis {_d(m[3])}"
    if kind == "ended":
        if m := re.fullmatch(rf"ended {_ISO}", detail):
            return f"Vertrag beendet zum {_d(m[1])}"
        return "Vertrag beendet"
    if kind == "cancelled" and (
        m := re.fullmatch(rf"received {_ISO} from the (\w+); ends ({_ISO}|None)", detail)
    ):
        ends = _d(m[3]) if m[3] != "None" else "–"
        party = _PARTY.get(m[2], m[2])
        return f"Kündigung eingegangen am {_d(m[1])} ({party}), Vertragsende {ends}"
    if kind == "terminated" and (m := re.fullmatch(rf"from {_ISO}: (.*)", detail, re.S)):
        return f"außerordentlich beendet ab {_d(m[1])}: {m[2]}"
    if kind == "import_update" and detail.startswith("changed by import: "):
        parts = detail.removeprefix("changed by import: ").split(", ")
        return "durch Import geändert: " + ", ".join(_import_change(p) for p in parts)
    if kind == "setting" and (m := re.fullmatch(r"cashier_dial_admin (on|off)", detail)):
        state = "eingeschaltet" if m[1] == "on" else "ausgeschaltet"
        return f"Durchstellen der Kassierer zum Admin {state}"
    return f"{kind}: {detail}" if detail else kind


def _import_change(part: str) -> str:
    if part.startswith("plan "):
        return "Tarif " + part.removeprefix("plan ")
    if m := re.fullmatch(rf"start {_ISO} → {_ISO}", part):
        return f"Beginn {_d(m[1])} → {_d(m[2])}"
    if m := re.fullmatch(r"cashier_dial_admin (on|off)", part):
        return "Durchstellen zum Admin " + ("ein" if m[1] == "on" else "aus")
    return {"admin": "Admin", "effective end": "Vertragsende"}.get(part, part)


_WEEKDAYS = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")


def day_and_time(at: datetime, now: datetime, zone: tzinfo) -> str:
    """An instant with its day, as the agent reads it: "heute 14:30 Uhr", "morgen 09:00 Uhr",
    "Mo., 07.12. 09:00 Uhr"."""
    local = at.astimezone(zone)
    today = now.astimezone(zone).date()
    clock = local.strftime("%H:%M Uhr")
    if local.date() == today:
        return f"heute {clock}"
    if local.date() == today + timedelta(days=1):
        return f"morgen {clock}"
    return f"{_WEEKDAYS[local.weekday()]}, {local.strftime('%d.%m.')} {clock}"
