"""The live queue's webhooks (DESIGN "The live queue"): thin, the domain is callback/queue.

- wait (`<Enqueue waitUrl>`): the position when the caller joins and then at most every
  60 s, the expected wait once known, the hold sound (or a pause), key 1 for a callback;
- key: the key pressed while waiting (1 → `<Leave>`);
- left (`<Enqueue action>`): QueueResult leave → the callback offer keeping the place,
  hangup → abandoned, queue-full/error → the callback offer;
- connect (the `Url` of the REST dequeue): dials the one agent reserved for the caller;
- connected (its `<Dial action>`): goodbye, or back into the queue at the same place.

Each wait loop's URL carries its number (`n`, and `r` for a caller queued again), so a
retried request gets the same answer from the step store and a new loop a new one.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from callback.queue import presence, waiting
from hotline.categories import DEFAULT as DEFAULT_CATEGORY
from hotline.runtime import Runtime
from ivr_flows.callback_flow import offer_callback
from ivr_flows.registry import step
from ivr_flows.state import Step, new_response, prompts_of, voice_of
from ivr_flows.twiml import GATHER_TIMEOUT, dial, redirect, say, xml
from ivr_flows.whisper import whisper

QUEUE_NAME = "hotline"
# Seconds of silence between announcements when no hold sound is set.
HOLD_PAUSE_SECONDS = 20


def before_ringing(
    step: Step, response: VoiceResponse, category: str, phones: list[str]
) -> VoiceResponse | None:
    """Open: `phones`, the agents free for a new caller (none while callers wait), are rung
    (None: the caller rings them); none free but agents on duty → the queue; nobody on
    duty → None, the callback offer."""
    call = step.call
    if not phones and presence.on_duty(step.conn) == 0:
        return None
    step.offer_to_agents(category, queued=not phones)
    if phones:
        return None
    call.outcome = "queued"
    say(response, step.voice, step.text("queue_join"))
    return enqueue(step, response, 1)


def enqueue(step: Step, response: VoiceResponse, round_: int) -> VoiceResponse:
    """`<Enqueue>` into the hotline's queue; round 1 uses the bare wait URL."""
    wait_url = step.url(wait, r=round_ if round_ > 1 else None)
    response.enqueue(
        QUEUE_NAME,
        wait_url=wait_url,
        wait_url_method="POST",
        action=step.url(left, r=round_),
        method="POST",
    )
    return response


def wait_fallback(rt: Runtime) -> str:
    """The wait URL's answer when the database fails: the apology, then `<Leave>` (the
    wait TwiML may not dial or record); the action URL then rings the fallback numbers."""
    response = VoiceResponse()
    say(response, voice_of(rt), prompts_of(rt).text("fallback_sorry"))
    response.leave()
    return xml(response)


@step("/queue/wait", on_failure=wait_fallback)
def wait(step: Step) -> VoiceResponse:
    """POST /voice/queue/wait[?r=R&n=N]: one loop of the hold music."""
    loop, round_ = step.tries("n"), step.tries("r")
    state = waiting.on_wait(step.conn, step.call.call_sid, step.form.get("QueueSid", ""), step.now)
    texts: list[str] = []
    if state.position is not None:
        texts.append(step.text("queue_position", position=state.position))
        if state.expected_seconds is not None:
            minutes = max(1, round(state.expected_seconds / 60))
            texts.append(
                step.text("queue_expected_one")
                if minutes == 1
                else step.text("queue_expected", minutes=minutes)
            )
    texts.append(step.text("queue_offer"))
    response = new_response()
    g = response.gather(
        input="dtmf",
        action=step.url(key, r=round_, n=loop),
        method="POST",
        num_digits=1,
        timeout=GATHER_TIMEOUT,
        language=step.voice.language,
    )
    say(g, step.voice, *texts)
    sound = step.rt.settings.queue.hold_sound_url
    if sound:
        g.play(sound)
    else:
        g.pause(length=HOLD_PAUSE_SECONDS)
    redirect(response, step.url(wait, r=round_, n=loop + 1))
    return response


@step("/queue/key", on_failure=wait_fallback)
def key(step: Step) -> VoiceResponse:
    """POST /voice/queue/key?r=R&n=N: 1 leaves the queue for the callback offer."""
    response = new_response()
    if step.digits == "1":
        response.leave()
        return response
    say(response, step.voice, step.text("invalid_key"))
    redirect(response, step.url(wait, r=step.tries("r"), n=step.tries("n") + 1))
    return response


@step("/queue/left")
def left(step: Step) -> VoiceResponse:
    """POST /voice/queue/left: Twilio's QueueResult decides (DESIGN "Leaving")."""
    result = step.form.get("QueueResult", "")
    sid, now = step.call.call_sid, step.now
    response = new_response()
    if result == "leave":
        waiting.set_status(step.conn, sid, waiting.LEFT, now)
        return offer_callback(step, response, 1)
    if result == "hangup":
        waiting.set_status(step.conn, sid, waiting.ABANDONED, now)
        step.call.outcome = "abandoned"
        limit = step.rt.settings.queue.callback_after_hangup_seconds
        if step.call.caller_e164 and waiting.waited_longer(step.conn, sid, now, limit):
            step.request_callback(step.call.caller_e164)
        response.hangup()
        return response
    if result in ("bridged", "bridging-in-process", "redirected"):
        return response  # taken out for an agent: the connect URL runs instead
    waiting.set_status(step.conn, sid, waiting.FAILED, now)
    return offer_callback(step, response, 1, step.text("nobody_free"))


@step("/queue/connect")
def connect(step: Step) -> VoiceResponse:
    """POST /voice/queue/connect?agent=A: dial that agent (with the whisper) for the caller."""
    response = new_response()
    agent_id = _agent(step)
    phone = presence.phone_of(step.conn, agent_id)
    if phone is None:  # the agent was deleted meanwhile: back into the queue
        return _queue_again(step, response)
    step.call.outcome = "agent_ringing"
    say(response, step.voice, step.text("connecting"))
    dial(
        response,
        [phone],
        action=step.url(connected, agent=agent_id, r=step.tries("r")),
        timeout=step.rt.settings.ring_timeout_seconds,
        caller_id=step.rt.settings.hotline_number,
        whisper_url=step.url(whisper, parent=step.call.call_sid),
    )
    return response


@step("/queue/connected")
def connected(step: Step) -> VoiceResponse:
    """POST /voice/queue/connected?agent=A: the agent talked → goodbye; else back in the
    queue at the same place, and the agent who did not answer goes off duty (logged)."""
    response = new_response()
    sid = step.call.call_sid
    if step.form.get("DialCallStatus") in ("completed", "answered"):
        call_over(step)
        step.call.outcome = "agent"
        say(response, step.voice, step.text("goodbye"))
        response.hangup()
        return response
    presence.missed(step.conn, _agent(step), sid)
    say(response, step.voice, step.text("queue_keep_place"))
    return _queue_again(step, response)


def _agent(step: Step) -> int:
    value = step.args.get("agent", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else 0


def _queue_again(step: Step, response: VoiceResponse) -> VoiceResponse:
    """Back into Twilio's queue, at the place the caller had (their first offer time)."""
    waiting.offer(
        step.conn,
        call_sid=step.call.call_sid,
        call_id=step.call_id,
        contract_id=step.call.contract_id,
        category=step.call.category or DEFAULT_CATEGORY,
        now=step.now,
        queued=True,
    )
    step.call.outcome = "queued"
    return enqueue(step, response, step.tries("r") + 1)


def call_over(step: Step) -> None:
    """The call's conversation or ring ended (a `<Dial action>`): its agent is free again."""
    step.conversation_over()
