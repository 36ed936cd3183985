"""The call walker inside Twilio's queue: `<Enqueue>`, the wait URL's loops, `<Leave>`.

As Twilio does it: the wait URL is requested when the caller joins and again whenever its
TwiML runs out (a `<Redirect>` goes where it points); the `<Enqueue action>` gets
`QueueResult` (leave, hangup); a REST dequeue (`Queues/{QueueSid}/Members/{CallSid}`
with a `Url`) takes the caller out to that URL. A walk can pause while the caller waits
or talks to an agent, so that tests and `hotline call` can play several callers at once.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

# Twilio's SID of the queue "hotline" as this walker reports it.
QUEUE_SID = "QU" + "5" * 32
# Seconds one wait loop lasts when its TwiML does not say (Twilio plays the hold music).
LOOP_SECONDS = 30

Dequeued = Callable[[str], str | None]
"""The URL Twilio was told (by REST) to take this CallSid out of the queue to, if any."""


@dataclass
class Waiting:
    wait_url: str
    action: str
    next_url: str
    joined_at_seconds: int
    loops: int = 0


@dataclass
class OnCall:
    action: str | None
    params: dict[str, str]


class QueueFollower:
    """The walker's part for the queue (mixed into ivr_flows.walker.Walker)."""

    wait_loops: int | None  # pause after this many loops (None: wait until dequeued)
    dequeued: Dequeued | None
    paused: Waiting | OnCall | None
    _seconds: int

    # -- provided by the walker -------------------------------------------------------------
    def _params(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        raise NotImplementedError

    def _post(self, url: str, params: dict[str, str]) -> ET.Element | None:
        raise NotImplementedError

    def _absolute(self, current: str, target: str) -> str:
        raise NotImplementedError

    def _print(self, line: str) -> None:
        raise NotImplementedError

    def _say(self, element: ET.Element) -> None:
        raise NotImplementedError

    def _gather(self, url: str, verb: ET.Element) -> tuple[str, dict[str, str]] | None:
        raise NotImplementedError

    def _call_sid(self) -> str:
        raise NotImplementedError

    # -- the queue ----------------------------------------------------------------------------
    def _enqueue(self, url: str, verb: ET.Element) -> tuple[str, dict[str, str]] | None:
        wait_url = self._absolute(url, verb.get("waitUrl", ""))
        action = self._absolute(url, verb.get("action", ""))
        self._print(f"  [Warteschlange {(verb.text or '').strip()}]")
        state = Waiting(wait_url, action, wait_url, self._seconds)
        return self._wait(state)

    def _queue_params(self, state: Waiting, extra: dict[str, str] | None = None) -> dict[str, str]:
        waited = str(self._seconds - state.joined_at_seconds)
        params = {"QueueSid": QUEUE_SID, "QueueTime": waited, "QueuePosition": "1"}
        params |= {"AvgQueueTime": waited, "CurrentQueueSize": "1", "MaxQueueSize": "100"}
        return self._params(params | (extra or {}))

    def _wait(self, state: Waiting) -> tuple[str, dict[str, str]] | None:
        """Loop the wait URL until dequeued, `<Leave>`, a hangup, or the pause."""
        while True:
            taken = self.dequeued(self._call_sid()) if self.dequeued else None
            if taken:
                self._print("  [aus der Warteschlange geholt]")
                return self._absolute(state.wait_url, taken), self._params()
            if self.wait_loops is not None and state.loops >= self.wait_loops:
                self.paused = state
                self._print("  [wartet]")
                return None
            state.loops += 1
            document = self._post(state.next_url, self._queue_params(state))
            if document is None:
                return None
            played = self._play_wait(state, document)
            if not isinstance(played, str):  # "loop": the next request of the wait URL
                return played

    def _play_wait(
        self, state: Waiting, document: ET.Element
    ) -> tuple[str, dict[str, str]] | None | str:
        """One wait document: "loop" to request the next, else what follows the queue."""
        current = state.next_url
        state.next_url = state.wait_url  # the TwiML ran out: Twilio asks the wait URL again
        start = self._seconds
        for verb in document:
            if verb.tag == "Say":
                self._say(verb)
            elif verb.tag == "Play":
                self._print(f"  [Wartemusik: {(verb.text or '').strip()}]")
            elif verb.tag == "Pause":
                self._seconds += int(verb.get("length", "1"))
            elif verb.tag == "Gather":
                for child in verb:
                    if child.tag == "Play":
                        self._print(f"  [Wartemusik: {(child.text or '').strip()}]")
                    elif child.tag == "Pause":
                        self._seconds += int(child.get("length", "1"))
                pressed = self._gather(current, verb)
                if pressed is not None:
                    answer = self._post(*pressed)
                    if answer is None:
                        return None
                    return self._play_wait(state, answer)
            elif verb.tag == "Redirect":
                state.next_url = self._absolute(current, verb.text or "")
                break
            elif verb.tag == "Leave":
                self._print("  [verlässt die Warteschlange]")
                return state.action, self._queue_params(state, {"QueueResult": "leave"})
            elif verb.tag == "Hangup":
                self._print("  [aufgelegt]")
                return None
            else:
                self._print(f"  [in der Warteschlange nicht erlaubt: {verb.tag}]")
        self._seconds = max(self._seconds, start + 1)
        return "loop"
