"""The TeamViewer Web API client against the stand-in: what it sends, what it makes of
each answer, and the German reason for every refusal."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest

from hotline.remote.teamviewer import TeamViewerApi, TeamViewerError
from tests.remote.conftest import TIMEOUT_SECONDS
from tests.teamviewer_standin import GROUP, TOKEN, TeamViewerStub


def client(tv: TeamViewerStub, *, token: str = TOKEN, group: str = GROUP) -> TeamViewerApi:
    return TeamViewerApi(tv.base_url, token, TIMEOUT_SECONDS, group)


def create(api: TeamViewerApi) -> str:
    return api.create_session(
        description="Ticket 100001, Kasse 1 (Kasse vorne)",
        end_customer_name="Bäckerei Krause, Kasse 1",
    ).code


def test_create_sends_token_group_description_and_customer(teamviewer: TeamViewerStub) -> None:
    created = client(teamviewer).create_session(
        description="Ticket 100001, Kasse 1 (Kasse vorne)",
        end_customer_name="Bäckerei Krause, Kasse 1",
    )
    (request,) = teamviewer.requests
    assert request["method"] == "POST" and request["path"] == "/api/v1/sessions"
    assert request["authorization"] == f"Bearer {TOKEN}"
    assert request["content_type"] == "application/json"
    assert request["json"] == {
        "groupname": GROUP,
        "description": "Ticket 100001, Kasse 1 (Kasse vorne)",
        "end_customer": {"name": "Bäckerei Krause, Kasse 1"},
    }
    assert created.code == "s12-345-678" and created.state == "open"
    assert created.end_customer_link == "https://get.teamviewer.com/s12345678"
    assert created.valid_until == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert created.supporter_link.startswith("https://start.teamviewer.com/")
    assert "supporter_link" not in repr(created) and "agent-only" not in repr(created)


def test_close_puts_state_closed_and_supporter_link_is_read(teamviewer: TeamViewerStub) -> None:
    api = client(teamviewer)
    code = create(api)
    assert api.supporter_link(code) == teamviewer.sessions[code]["supporter_link"]
    api.close_session(code)
    put = teamviewer.requests[-1]
    assert (put["method"], put["path"], put["json"]) == (
        "PUT",
        f"/api/v1/sessions/{code}",
        {"state": "closed"},
    )
    assert teamviewer.states() == {code: "closed"}
    api.close_session("s99-999-999")  # unknown at TeamViewer: nothing left to close


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "API-Token ab: er ist abgelaufen"),
        (403, "darf keine Sitzungen verwalten"),
        (429, "zu viele Anfragen). Bitte in 30 Sekunden erneut versuchen"),
        (500, "TeamViewer ist gestört (HTTP 500)"),
        (503, "TeamViewer ist gestört (HTTP 503)"),
    ],
)
def test_refusals_in_german(teamviewer: TeamViewerStub, status: int, words: str) -> None:
    teamviewer.status = status
    with pytest.raises(TeamViewerError) as refused:
        create(client(teamviewer))
    assert words in str(refused.value)
    assert refused.value.status == status
    assert teamviewer.sessions == {}


def test_a_wrong_token_is_refused_by_the_standin(teamviewer: TeamViewerStub) -> None:
    with pytest.raises(TeamViewerError, match="API-Token ab"):
        create(client(teamviewer, token="abgelaufen"))


def test_missing_group_names_the_group_and_the_setting(teamviewer: TeamViewerStub) -> None:
    with pytest.raises(TeamViewerError) as refused:
        create(client(teamviewer, group="Kassen-Hotlien"))
    assert "Gruppe »Kassen-Hotlien« gibt es nicht" in str(refused.value)
    assert "remote.groupname" in str(refused.value)


def test_timeout_in_german(teamviewer: TeamViewerStub) -> None:
    teamviewer.delay = TIMEOUT_SECONDS + 1.5
    with pytest.raises(TeamViewerError, match=r"antwortet nicht \(nach 3 Sekunden abgebrochen\)"):
        create(client(teamviewer))


def test_unreachable_in_german() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = TeamViewerApi(f"http://127.0.0.1:{port}", TOKEN, 1, GROUP)
    with pytest.raises(TeamViewerError, match="nicht erreichbar"):
        create(api)


def test_token_is_not_in_repr(teamviewer: TeamViewerStub) -> None:
    assert TOKEN not in repr(client(teamviewer))


def test_a_session_answered_without_its_link_is_closed_again(teamviewer: TeamViewerStub) -> None:
    teamviewer.omit = "end_customer_link"
    with pytest.raises(TeamViewerError, match="ohne »end_customer_link«"):
        create(client(teamviewer))
    assert teamviewer.states() == {"s12-345-678": "closed"}
