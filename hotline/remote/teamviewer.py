"""TeamViewer's Web API, the part the hotline uses: create, read and close a session.

Every refusal becomes a TeamViewerError whose text tells the agent in German what is
wrong and what to do. The supporter_link is secret to the agent: it is never logged and
CreatedSession keeps it out of repr().
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from hotline.settings import Settings

log = logging.getLogger(__name__)

SESSIONS_PATH = "/api/v1/sessions"


class TeamViewerError(Exception):
    """TeamViewer refused or did not answer; the text is the German reason for the agent."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CreatedSession:
    """A session TeamViewer created (its service-queue case)."""

    code: str
    state: str
    end_customer_link: str
    valid_until: datetime | None
    supporter_link: str = field(repr=False)


def teamviewer_api(settings: Settings) -> TeamViewerApi | None:
    """The client for the configured account, or None without TEAMVIEWER_API_TOKEN."""
    if not settings.teamviewer_api_token:
        return None
    return TeamViewerApi(
        settings.teamviewer_api_base_url,
        settings.teamviewer_api_token,
        settings.teamviewer_timeout_seconds,
        settings.teamviewer_groupname,
    )


class TeamViewerApi:
    """A bearer-token client of TeamViewer's Web API with a timeout on every request."""

    def __init__(self, base_url: str, token: str, timeout: float, groupname: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.groupname = groupname

    def __repr__(self) -> str:  # the token never reaches a log through repr()
        return f"TeamViewerApi({self.base_url!r}, group={self.groupname!r})"

    def create_session(self, *, description: str, end_customer_name: str) -> CreatedSession:
        """POST /api/v1/sessions in the configured group; the new session."""
        body = {
            "groupname": self.groupname,
            "description": description,
            "end_customer": {"name": end_customer_name},
        }
        document = self._request("POST", SESSIONS_PATH, body)
        try:
            created = _session(document)
        except TeamViewerError:
            # Created but unusable: close it, so no session stays open that nobody tracks.
            code = document.get("code") if isinstance(document, dict) else None
            if isinstance(code, str) and code:
                self.close_session(code)
            raise
        log.info("TeamViewer session %s created (%s)", created.code, description)
        return created

    def close_session(self, code: str) -> None:
        """PUT /api/v1/sessions/{code} with state closed; a session TeamViewer no longer
        knows (404) counts as closed."""
        try:
            self._request("PUT", _session_path(code), {"state": "closed"})
        except TeamViewerError as exc:
            if exc.status != 404:
                raise
        log.info("TeamViewer session %s closed", code)

    def supporter_link(self, code: str) -> str:
        """The link that opens the session for the agent (GET /api/v1/sessions/{code})."""
        link = self._request("GET", _session_path(code)).get("supporter_link")
        if not isinstance(link, str) or not link.startswith("https://"):
            raise TeamViewerError(
                f"TeamViewer nennt für die Sitzung {code} keinen Link für den Supporter."
            )
        return link

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Authorization": f"Bearer {self._token}",
                "Accept": "application/json",
                **({"Content-Type": "application/json"} if body is not None else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise self._refusal(exc) from None
        except TimeoutError:
            raise _timeout(self.timeout) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise _timeout(self.timeout) from None
            raise TeamViewerError(
                "TeamViewer ist nicht erreichbar (keine Verbindung zu "
                f"{self.base_url}). Bitte später erneut versuchen."
            ) from None
        except OSError as exc:
            raise TeamViewerError(
                f"Die Verbindung zu TeamViewer brach ab ({type(exc).__name__}). "
                "Bitte erneut versuchen."
            ) from None
        if not payload:
            return {}
        try:
            return json.loads(payload)
        except ValueError:
            raise TeamViewerError(
                "TeamViewer hat unverständlich geantwortet (kein JSON). Bitte später erneut "
                "versuchen."
            ) from None

    def _refusal(self, exc: urllib.error.HTTPError) -> TeamViewerError:
        status = exc.code
        reason = _error_text(exc)
        log.warning("TeamViewer answered HTTP %s: %s", status, reason)
        if status == 401:
            message = (
                "TeamViewer lehnt den API-Token ab: er ist abgelaufen, widerrufen oder falsch. "
                "Bitte einen neuen Skript-Token als TEAMVIEWER_API_TOKEN eintragen."
            )
        elif status == 403:
            message = (
                "Der TeamViewer-API-Token darf keine Sitzungen verwalten. Bitte dem Token das "
                "Recht »Sitzungsverwaltung« geben."
            )
        elif status == 429:
            wait = exc.headers.get("Retry-After", "") if exc.headers else ""
            later = f"in {wait} Sekunden" if wait.isdigit() else "in einer Minute"
            message = (
                "TeamViewer nimmt gerade keine Anfragen an (zu viele Anfragen). "
                f"Bitte {later} erneut versuchen."
            )
        elif status >= 500:
            message = f"TeamViewer ist gestört (HTTP {status}). Bitte später erneut versuchen."
        elif "group" in reason.lower() or status == 404:
            message = (
                f"Die TeamViewer-Gruppe »{self.groupname}« gibt es nicht. Bitte sie in der "
                "TeamViewer Management Console anlegen oder die Einstellung remote.groupname "
                "korrigieren."
            )
        else:
            message = f"TeamViewer lehnt die Anfrage ab (HTTP {status}: {reason or 'ohne Grund'})."
        return TeamViewerError(message, status)


def _timeout(seconds: float) -> TeamViewerError:
    return TeamViewerError(
        f"TeamViewer antwortet nicht (nach {seconds:g} Sekunden abgebrochen). "
        "Bitte später erneut versuchen."
    )


def _error_text(exc: urllib.error.HTTPError) -> str:
    """TeamViewer's error_description (or error), at most 200 characters."""
    try:
        document = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return ""
    if not isinstance(document, dict):
        return ""
    text = document.get("error_description") or document.get("error") or ""
    return str(text)[:200]


def _session_path(code: str) -> str:
    return f"{SESSIONS_PATH}/{quote(code, safe='')}"


def _session(document: Any) -> CreatedSession:
    """The session in TeamViewer's answer; TeamViewerError when a field is missing."""
    if not isinstance(document, dict):
        document = {}
    fields = {}
    for name in ("code", "end_customer_link", "supporter_link"):
        value = document.get(name)
        if not isinstance(value, str) or not value:
            raise TeamViewerError(
                f"TeamViewer hat die Sitzung ohne »{name}« beantwortet. Bitte erneut versuchen."
            )
        fields[name] = value
    valid_until = None
    if isinstance(document.get("valid_until"), str):
        try:
            valid_until = datetime.fromisoformat(document["valid_until"])
        except ValueError:
            valid_until = None
    if valid_until is not None and valid_until.tzinfo is None:
        valid_until = None  # an instant without offset cannot be placed in time
    return CreatedSession(
        code=fields["code"],
        state=str(document.get("state") or "open"),
        end_customer_link=fields["end_customer_link"],
        valid_until=valid_until,
        supporter_link=fields["supporter_link"],
    )
