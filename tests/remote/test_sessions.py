"""The life cycle on the ticket, on both databases, against the TeamViewer and Twilio
stand-ins: start (SMS to a mobile, none to a landline), nothing half-stored, end with
note and duration, closing with the ticket, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callback.sms import twilio_sms_sender
from hotline.clock import FixedClock
from hotline.models import RemoteSession, Ticket
from hotline.remote.sessions import (
    AlreadyRunning,
    RemoteError,
    Started,
    close_at_teamviewer,
    close_open_sessions,
    end_session,
    is_expired,
    record_by_hand,
    start_session,
)
from hotline.remote.teamviewer import TeamViewerApi, TeamViewerError, teamviewer_api
from hotline.runtime import Runtime
from tests.remote.conftest import LANDLINE, MOBILE, SMS_SENDER, remote_settings, ticket_of_caller
from tests.teamviewer_standin import TeamViewerStub
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStub


@pytest.fixture
def settings_overrides(teamviewer: TeamViewerStub, twilio_stub: TwilioStub) -> dict[str, object]:
    return remote_settings(teamviewer, twilio_stub)


@pytest.fixture
def api(rt: Runtime) -> TeamViewerApi:
    client = teamviewer_api(rt.settings)
    assert client is not None
    return client


def start(
    rt: Runtime, session: Session, api: TeamViewerApi, ticket: Ticket, phone: str | None = None
) -> Started:
    return start_session(
        session,
        ticket,
        api=api,
        agent_id=None,
        now=rt.clock.now(),
        phone=phone,
        sms=twilio_sms_sender(rt.settings),
    )


def stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RemoteSession)) or 0


def test_mobile_caller_gets_the_link_by_sms(
    rt: Runtime,
    session: Session,
    clock: FixedClock,
    api: TeamViewerApi,
    teamviewer: TeamViewerStub,
    twilio_stub: TwilioStub,
) -> None:
    ticket = ticket_of_caller(session, clock, MOBILE)
    started = start(rt, session, api, ticket)
    assert started.sms_sent
    remote = started.remote
    assert (remote.code, remote.state, remote.sms_status, remote.sms_to) == (
        "s12-345-678",
        "open",
        "sent",
        MOBILE,
    )
    assert remote.end_customer_link == "https://get.teamviewer.com/s12345678"
    assert remote.valid_until == clock.now() + timedelta(hours=24)
    created = teamviewer.requests[0]["json"]
    assert created["description"] == f"Ticket {ticket.number}, Kasse 1 (Kasse vorne)"
    assert created["end_customer"] == {"name": "Bäckerei Krause, Kasse 1"}
    (sms,) = twilio_stub.requests
    assert sms["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert (sms["user"], sms["password"]) == (ACCOUNT_SID, AUTH_TOKEN)
    assert sms["form"]["To"] == MOBILE and sms["form"]["From"] == SMS_SENDER
    body = sms["form"]["Body"]
    assert "https://get.teamviewer.com/s12345678" in body and len(body) <= 160
    assert "start.teamviewer.com" not in body  # never the supporter's link
    assert remote.sms_sid and remote.sms_sid.startswith("SM")


def test_landline_caller_gets_no_sms(
    rt: Runtime, session: Session, clock: FixedClock, api: TeamViewerApi, twilio_stub: TwilioStub
) -> None:
    started = start(rt, session, api, ticket_of_caller(session, clock, LANDLINE))
    assert not started.sms_sent and started.remote.sms_status == "landline"
    assert twilio_stub.requests == []


def test_the_number_the_agent_enters_wins(
    rt: Runtime, session: Session, clock: FixedClock, api: TeamViewerApi, twilio_stub: TwilioStub
) -> None:
    started = start(rt, session, api, ticket_of_caller(session, clock, LANDLINE), MOBILE)
    assert started.sms_sent and twilio_stub.requests[0]["form"]["To"] == MOBILE


def test_a_refused_sms_is_recorded_and_the_session_kept(
    rt: Runtime, session: Session, clock: FixedClock, api: TeamViewerApi, twilio_stub: TwilioStub
) -> None:
    twilio_stub.mode = "refuse"
    started = start(rt, session, api, ticket_of_caller(session, clock, MOBILE))
    assert not started.sms_sent and started.remote.sms_status == "failed"
    assert "Twilio hat die SMS abgelehnt" in (started.remote.sms_error or "")
    assert "21614" in (started.remote.sms_error or "")
    assert stored(session) == 1


@pytest.mark.parametrize("status", [401, 429, 500])
def test_refused_by_teamviewer_nothing_stored(
    rt: Runtime,
    session: Session,
    clock: FixedClock,
    api: TeamViewerApi,
    teamviewer: TeamViewerStub,
    twilio_stub: TwilioStub,
    status: int,
) -> None:
    ticket = ticket_of_caller(session, clock, MOBILE)
    teamviewer.status = status
    with pytest.raises(TeamViewerError):
        start(rt, session, api, ticket)
    assert stored(session) == 0 and twilio_stub.requests == []


def test_a_session_the_database_cannot_keep_is_closed_again(
    rt: Runtime,
    session: Session,
    clock: FixedClock,
    api: TeamViewerApi,
    teamviewer: TeamViewerStub,
    twilio_stub: TwilioStub,
) -> None:
    first = start(rt, session, api, ticket_of_caller(session, clock, LANDLINE)).remote
    # TeamViewer hands out a code the table already holds: the INSERT fails.
    teamviewer.reuse_code = first.code
    other = ticket_of_caller(session, clock, MOBILE, customer_number="2002")
    with pytest.raises(RemoteError, match="wieder geschlossen"):
        start(rt, session, api, other)
    assert teamviewer.requests[-1]["method"] == "PUT"
    assert teamviewer.requests[-1]["json"] == {"state": "closed"}
    assert stored(session) == 1 and twilio_stub.requests == []


def test_end_closes_at_teamviewer_and_records_note_and_duration(
    rt: Runtime,
    session: Session,
    clock: FixedClock,
    api: TeamViewerApi,
    teamviewer: TeamViewerStub,
) -> None:
    remote = start(rt, session, api, ticket_of_caller(session, clock, LANDLINE)).remote
    clock.advance(minutes=17)
    end_session(session, remote, note="  Bondrucker neu eingerichtet ", now=clock.now(), api=api)
    session.expire_all()
    assert remote.note == "Bondrucker neu eingerichtet"
    assert remote.ended_at - remote.started_at == timedelta(minutes=17)  # type: ignore[operator]
    assert remote.state == "closed" and teamviewer.states() == {remote.code: "closed"}
    with pytest.raises(RemoteError, match="schon beendet"):
        end_session(session, remote, note="", now=clock.now(), api=api)


def test_a_refused_close_keeps_end_and_note_and_can_be_retried(
    rt: Runtime,
    session: Session,
    clock: FixedClock,
    api: TeamViewerApi,
    teamviewer: TeamViewerStub,
) -> None:
    remote = start(rt, session, api, ticket_of_caller(session, clock, LANDLINE)).remote
    teamviewer.close_status = 429
    end_session(session, remote, note="Kasse läuft wieder", now=clock.now(), api=api)
    session.expire_all()
    assert remote.ended_at is not None and remote.note == "Kasse läuft wieder"
    assert remote.state == "open" and "zu viele Anfragen" in (remote.close_error or "")
    with pytest.raises(RemoteError):
        close_at_teamviewer(session, remote, api)
    teamviewer.close_status = 0
    close_at_teamviewer(session, remote, api)
    assert remote.state == "closed" and remote.close_error is None
    assert teamviewer.states() == {remote.code: "closed"}


def test_closing_the_ticket_closes_its_open_sessions(
    rt: Runtime,
    session: Session,
    clock: FixedClock,
    api: TeamViewerApi,
    teamviewer: TeamViewerStub,
) -> None:
    ticket = ticket_of_caller(session, clock, LANDLINE)
    remote = start(rt, session, api, ticket).remote
    clock.advance(minutes=5)
    assert close_open_sessions(session, ticket, now=clock.now(), api=api) == []
    assert remote.ended_at == clock.now() and remote.state == "closed"
    assert teamviewer.states() == {remote.code: "closed"}


def test_without_api_the_ticket_close_reports_what_stays_open(
    rt: Runtime, session: Session, clock: FixedClock, api: TeamViewerApi
) -> None:
    ticket = ticket_of_caller(session, clock, LANDLINE)
    remote = start(rt, session, api, ticket).remote
    (problem,) = close_open_sessions(session, ticket, now=clock.now(), api=None)
    assert remote.code in problem and "TEAMVIEWER_API_TOKEN fehlt" in problem
    assert remote.ended_at is not None and remote.state == "open"


def test_expired_after_valid_until(
    rt: Runtime, session: Session, clock: FixedClock, api: TeamViewerApi
) -> None:
    remote = start(rt, session, api, ticket_of_caller(session, clock, LANDLINE)).remote
    assert not is_expired(remote, clock.now())
    assert is_expired(remote, clock.now() + timedelta(hours=24))


def test_a_second_start_while_one_runs_is_refused_before_teamviewer(
    rt: Runtime,
    session: Session,
    clock: FixedClock,
    api: TeamViewerApi,
    teamviewer: TeamViewerStub,
) -> None:
    ticket = ticket_of_caller(session, clock, LANDLINE)
    first = start(rt, session, api, ticket).remote
    with pytest.raises(AlreadyRunning, match=f"Sitzung {first.code}"):
        start(rt, session, api, ticket)
    with pytest.raises(AlreadyRunning):
        record_by_hand(session, ticket, None, clock.now())
    assert len(teamviewer.sessions) == 1 and stored(session) == 1
    end_session(session, first, note="", now=clock.now(), api=api)
    assert start(rt, session, api, ticket).remote.code != first.code
