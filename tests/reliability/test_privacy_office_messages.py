"""Messages for the office are personal data: exported, erased, and forgotten like the
callers' problem recordings once a supervisor marked them done."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from callback.daily import clean_up
from hotline.models import OfficeMessage
from hotline.office_messages import mark_done
from hotline.runtime import Runtime
from tests.factories import make_agent, make_customer
from tests.ivr.conftest import Phone

STATION = "+49304412345"


@pytest.fixture
def message(phone: Phone, session: Session) -> OfficeMessage:
    """A caller whose contract has ended left a spoken message for the office."""
    make_customer(session, stations={"1": [STATION]}, cancellation_received=date(2025, 6, 1))
    phone.call(STATION, ["1", "Bitte melden Sie sich wegen eines neuen Vertrags"])
    found = session.scalars(select(OfficeMessage)).one()
    assert found.recording_url
    return found


def test_export_and_erase_include_the_message_for_the_office(
    runner: FlaskCliRunner, message: OfficeMessage, session: Session
) -> None:
    recording = message.recording_url
    exported = runner.invoke(args=["privacy", "export", "030 4412345"])
    assert exported.exit_code == 0, exported.output
    document = json.loads(exported.output)
    assert [m["phone"] for m in document["office_messages"]] == [STATION]
    assert document["office_messages"][0]["recording_url"] == recording
    assert recording in document["recordings"]

    erased = runner.invoke(args=["privacy", "erase", STATION, "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "1 office messages" in erased.output
    session.expire_all()
    row = session.scalars(select(OfficeMessage)).one()  # kept: when, which contract
    assert (row.phone, row.recording_url, row.recording_seconds) == ("", None, None)
    assert row.contract_id is not None


def test_retention_forgets_recordings_and_numbers_of_done_messages_only(
    message: OfficeMessage, session: Session, rt: Runtime
) -> None:
    now = rt.clock.now()
    later = now + timedelta(days=rt.settings.retention_recordings_days + 1)
    clean_up(session, rt.settings, later)
    session.commit()
    session.expire_all()
    open_one = session.scalars(select(OfficeMessage)).one()
    assert open_one.recording_url and open_one.phone == STATION  # open: never touched

    supervisor = make_agent(session, "Sven", "+4915122222222")
    mark_done(session, open_one.id, supervisor.id, now)
    session.commit()
    assert clean_up(session, rt.settings, later)["office_messages"] == 1
    session.commit()
    session.expire_all()
    done = session.scalars(select(OfficeMessage)).one()
    assert done.recording_url is None and done.phone == STATION
    much_later = now + timedelta(days=rt.settings.retention_call_details_days + 1)
    assert clean_up(session, rt.settings, much_later)["office_messages"] == 1
    session.commit()
    session.expire_all()
    assert session.scalars(select(OfficeMessage)).one().phone == ""
    assert clean_up(session, rt.settings, much_later)["office_messages"] == 0  # idempotent
