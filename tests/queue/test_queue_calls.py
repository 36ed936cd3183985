"""Whole calls through the live queue, with callers that wait and talk at the same time."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from callback.lifecycle import in_list_order
from callback.requests import request_callback
from hotline.models import Agent, Callback, QueueEntry
from ivr_flows.walker import Walker
from tests.queue.conftest import ANNA, BEN, PUBLIC_URL, Line, checked
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN

QUEUE_SID = "QU" + "5" * 32


def entry(session: Session, walker) -> QueueEntry:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(
        select(QueueEntry).where(QueueEntry.call_sid == walker.walk.call_sid)
    ).one()


def agent(session: Session, phone: str) -> Agent:
    session.expire_all()
    return session.scalars(select(Agent).where(Agent.phone == phone)).one()


def both_agents_talking(line: Line) -> list[Walker]:
    """Two callers on stations 1 and 2, each talking to one of the two agents."""
    talking = [line.caller(s, ["2"], stay=True) for s in ("1", "2")]
    for walker in talking:
        walker.run()
    return talking


def test_busy_agents_are_not_rung_callers_wait_and_an_outage_is_taken_first(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    first = line.caller("1", ["2"], stay=True)
    first.run()
    assert first.walk.dialed == [[ANNA, BEN]]
    assert agent(session, ANNA).busy_call_sid == first.walk.call_sid  # Anna answered

    second = line.caller("2", ["2"], stay=True)
    second.run()
    assert second.walk.dialed == [[BEN]]  # Anna is talking: only Ben rings
    assert agent(session, BEN).busy_call_sid == second.walk.call_sid

    third = line.caller("3", ["2"], wait_loops=1)
    third.run()
    assert third.walk.dialed == []
    assert "Alle Mitarbeiter sind gerade im Gespräch." in third.walk.heard()
    assert "Sie sind an Position 1 der Warteschlange." in third.walk.heard()
    assert "Sie behalten Ihren Platz in der Warteschlange." in third.walk.heard()
    line.rt.clock.advance(seconds=30)  # type: ignore[attr-defined]

    outage = line.caller("4", ["1"], wait_loops=1)
    outage.run()
    assert "Sie sind an Position 1 der Warteschlange." in outage.walk.heard()
    line.rt.clock.advance(seconds=40)  # type: ignore[attr-defined]
    third.resume(wait_loops=1)
    assert "Sie sind an Position 2 der Warteschlange." in third.walk.heard()
    assert line.dispatch().taken == []  # nobody free: nothing is taken out
    assert line.stub.requests == []

    first.hang_up()  # Anna's call ends: she is free
    assert agent(session, ANNA).busy_call_sid is None
    taken = line.dispatch().taken
    assert [c.call_sid for c in taken] == [outage.walk.call_sid]
    [request] = line.stub.requests
    assert request["method"] == "POST"
    assert request["path"] == (
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Queues/{QUEUE_SID}/Members/{outage.walk.call_sid}.json"
    )
    assert (request["user"], request["password"]) == (ACCOUNT_SID, AUTH_TOKEN)
    url = urlsplit(request["form"]["Url"])
    assert request["form"]["Method"] == "POST"
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{PUBLIC_URL}/voice/queue/connect"
    assert parse_qs(url.query)["agent"] == [str(agent(session, ANNA).id)]
    assert agent(session, ANNA).reserved_for == outage.walk.call_sid
    assert line.dispatch().taken == []  # taken once: Anna is reserved, Ben busy

    outage.resume()  # Twilio fetches the Url: only Anna rings, with the whisper
    checked(outage)
    assert outage.walk.dialed == [[ANNA]]
    assert "Ansage für den Agenten: Hotline-Anruf von Bäckerei Müller" in outage.walk.transcript
    assert outage.walk.ended_by == "hangup"
    done = entry(session, outage)
    assert (done.status, done.agent_id, done.queued) == ("answered", agent(session, ANNA).id, True)
    assert done.answered_at is not None and done.ended_at is not None
    assert agent(session, ANNA).busy_call_sid is None  # the call ended: free again
    assert entry(session, third).status == "waiting"
    for walker in (first, second, third):
        checked(walker)


def test_new_callers_join_the_queue_while_others_wait(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    talking = both_agents_talking(line)
    waiting = line.caller("3", ["2"], wait_loops=1)
    waiting.run()
    talking[0].hang_up()  # Anna is free, but a caller waits: the newcomer queues too
    newcomer = line.caller("4", ["2"], wait_loops=1)
    newcomer.run()
    assert newcomer.walk.dialed == []
    assert "Sie sind an Position 2 der Warteschlange." in newcomer.walk.heard()
    assert [c.call_sid for c in line.dispatch().taken] == [waiting.walk.call_sid]


def test_key_1_while_waiting_leaves_a_callback_at_the_callers_place(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    for s in ("1", "2"):
        line.caller(s, ["2"], stay=True).run()
    rt = line.rt
    clock = rt.clock
    earlier = _callback(line, "+49301111111", minutes=-5)
    joined = clock.now()
    leaver = line.caller("3", ["2"], wait_loops=1)
    leaver.run()
    clock.advance(seconds=30)  # type: ignore[attr-defined]
    later_request = _callback(line, "+49302222222", minutes=0)
    later = line.caller("5", ["2"], wait_loops=1)
    later.run()
    assert "Sie sind an Position 2 der Warteschlange." in later.walk.heard()
    clock.advance(seconds=40)  # type: ignore[attr-defined]
    assert leaver.keys is not None
    leaver.keys += ["1", "1", ""]  # key 1 while waiting, own number, no recording
    leaver.resume()
    checked(leaver)
    heard = leaver.walk.heard()
    assert "Wenn wir Sie unter der Nummer zurückrufen sollen" in heard
    assert "Vielen Dank. Ihre Ticketnummer ist" in heard
    session.expire_all()
    callback = session.scalars(select(Callback).where(Callback.phone == "+493044123403")).one()
    assert callback.requested_at == joined  # the time the caller joined the queue
    assert (callback.category, callback.status) == ("technical", "due")
    assert (entry(session, leaver).status, entry(session, leaver).callback_id) == (
        "left",
        callback.id,
    )
    listed = session.scalars(in_list_order(select(Callback))).all()
    assert [c.id for c in listed] == [earlier, callback.id, later_request]
    # The callback keeps its place ahead of the caller who joined after it.
    clock.advance(seconds=30)  # type: ignore[attr-defined]
    later.resume(wait_loops=1)
    assert later.walk.heard().count("Sie sind an Position 2 der Warteschlange.") == 2


def _callback(line: Line, phone: str, *, minutes: int) -> int:
    rt = line.rt
    with rt.sessions() as s, s.begin():
        return request_callback(
            s,
            now=rt.clock.now() + timedelta(minutes=minutes),
            calendar=rt.calendar,
            phone=phone,
            category="technical",
            contract_id=None,
        ).id


def test_a_free_agent_serves_the_callback_that_kept_its_place_first(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    talking = both_agents_talking(line)
    leaver = line.caller("3", ["2", "1", "1", ""])
    leaver.run()
    line.rt.clock.advance(seconds=5)  # type: ignore[attr-defined]
    waiter = line.caller("4", ["2"], wait_loops=1)
    waiter.run()
    talking[0].hang_up()
    assert line.dispatch().taken == []  # Anna is for the callback ahead ("jetzt dran")
    talking[1].hang_up()
    assert [c.call_sid for c in line.dispatch().taken] == [waiter.walk.call_sid]


def test_hanging_up_while_waiting_is_abandoned_and_called_back_after_a_minute(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    for s in ("1", "2"):
        line.caller(s, ["2"], stay=True).run()
    short = line.caller("3", ["2"], wait_loops=1)
    short.run()
    short.hang_up()
    assert entry(session, short).status == "abandoned"
    assert session.scalars(select(Callback)).all() == []

    long = line.caller("4", ["1"], wait_loops=1)
    long.run()
    joined = line.rt.clock.now()
    line.rt.clock.advance(seconds=61)  # type: ignore[attr-defined]
    long.hang_up()
    checked(long)
    session.expire_all()
    callback = session.scalars(select(Callback)).one()
    assert (callback.requested_at, callback.category, callback.priority) == (joined, "outage", 0)
    assert callback.phone == "+493044123404"
    assert entry(session, long).status == "abandoned"


def test_nobody_on_duty_is_still_the_callback_offer(line: Line, session: Session) -> None:
    caller = line.caller("1", ["2", ""])
    caller.run()
    assert "Leider ist gerade niemand frei." in caller.walk.heard()
    assert session.scalars(select(QueueEntry)).all() == []


def test_an_agent_who_does_not_answer_a_queued_caller_goes_off_duty_and_the_caller_keeps_the_place(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    talking = both_agents_talking(line)
    waiter = line.caller("3", ["2"], wait_loops=1, dial_result="no-answer")
    waiter.run()
    joined = entry(session, waiter).offered_at
    talking[0].hang_up()
    assert len(line.dispatch().taken) == 1
    waiter.resume(wait_loops=1)
    checked(waiter)
    assert waiter.walk.dialed == [[ANNA]]
    assert "Ihr Platz in der Warteschlange bleibt erhalten." in waiter.walk.heard()
    back = entry(session, waiter)
    assert (back.status, back.offered_at) == ("waiting", joined)
    anna = agent(session, ANNA)
    assert (anna.available, anna.reserved_for) == (False, None)


def test_a_caller_who_switched_to_english_stays_english_when_taken_out_of_the_queue(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    talking = both_agents_talking(line)
    english = line.caller("3", ["9", "2"], wait_loops=1)
    english.run()
    assert "All our agents are busy at the moment." in english.walk.heard()
    assert entry(session, english).language is not None

    talking[0].hang_up()  # Anna is free: the English caller is taken out for her
    assert [c.call_sid for c in line.dispatch().taken] == [english.walk.call_sid]
    [request] = line.stub.requests
    connect = parse_qs(urlsplit(request["form"]["Url"]).query)
    waited = parse_qs(urlsplit(english.walk.exchanges[-1].url).query)
    assert connect["lang"] == waited["lang"]  # the language the caller chose, signed along

    english.resume()
    checked(english)
    assert english.walk.dialed == [[ANNA]]
    heard = english.walk.heard()
    assert heard.endswith("Thank you for calling. Goodbye.")
    assert "Auf Wiederhören" not in heard
    for walker in (talking[1], english):
        checked(walker)


def test_a_caller_who_kept_german_is_taken_out_without_a_language(
    line: Line, two_agents: list[Agent], session: Session
) -> None:
    talking = both_agents_talking(line)
    german = line.caller("3", ["2"], wait_loops=1)
    german.run()
    assert entry(session, german).language is None
    talking[0].hang_up()
    assert [c.call_sid for c in line.dispatch().taken] == [german.walk.call_sid]
    [request] = line.stub.requests
    assert "lang" not in parse_qs(urlsplit(request["form"]["Url"]).query)
    german.resume()
    assert german.walk.heard().endswith("Vielen Dank für Ihren Anruf. Auf Wiederhören.")
