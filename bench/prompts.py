"""Seconds of speech a caller hears on every path of the call flow, until the agents'
phones ring or the call ends.

Each path is played in-process against the real webhooks (the demo data on a fresh
SQLite file, the clock pinned), the way `hotline call` plays it; every <Say> on the
way is synthesised with espeak-ng (Debian's, in the voice of the <Say>'s language: the
greeting's "For English press 9." in English) and its length read from the WAV
header. Two figures per path:

- "whole": the caller listens to every prompt before pressing a key;
- "early": the caller presses the key as soon as the sentence offering it has been
  said (Twilio stops a <Gather>'s prompt at the first key), e.g. 1 right after
  "Bei einer Störung … drücken Sie die 1."; a number (PIN, customer number) as soon as
  it is asked for, before the offer of the other language that follows the question.

    .venv/bin/python bench/prompts.py [--language de|en] [--markdown]

Exits 1 when a path does not end as it should (ring or hang-up) or espeak-ng fails;
never because of the figures (they are in bench/README.md and the README).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import wave
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from hotline.app import create_app  # noqa: E402
from hotline.clock import FixedClock  # noqa: E402
from hotline.db import make_engine, migrate, transaction  # noqa: E402
from hotline.demo import load_demo  # noqa: E402
from hotline.models import Agent  # noqa: E402
from hotline.runtime import Runtime, build_runtime  # noqa: E402
from hotline.settings import load_settings  # noqa: E402
from ivr_flows.walker import Exchange, FlaskTransport, Walk, Walker  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
ESPEAK_VOICES = {"de": "de", "en": "en-us"}
TWILIO_LANGUAGES = {"de": "de-DE", "en": "en-US"}
Said = tuple[tuple[str, str], ...]  # (prompt language "de"/"en", text) per <Say>
UNKNOWN = "+4930555000111"


@dataclass(frozen=True)
class CallPath:
    name: str
    caller: str
    at: datetime
    keys: tuple[str, ...]
    ends: str  # "ring" or "hang-up"
    agents_free: bool = True


def _berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def _callback(name: str, at: datetime, *, agents_free: bool = True) -> CallPath:
    """The Flat caller asks for a callback: outage, the own number, no message."""
    return CallPath(name, "030 4412345", at, ("1", "1", ""), "hang-up", agents_free)


OPEN = _berlin(2026, 11, 30, 10, 0)  # a Monday morning
PATHS = (
    CallPath("Flat, known number, key 1", "030 4412345", OPEN, ("1",), "ring"),
    CallPath("Flat, known number, no key (twice)", "030 4412345", OPEN, ("", ""), "ring"),
    CallPath("unknown number, customer number", UNKNOWN, OPEN, ("10001#", "1"), "ring"),
    CallPath("unknown number, 3 stations", UNKNOWN, OPEN, ("10003#", "2#", "1"), "ring"),
    CallPath("shared line, customer number", "040 66969300", OPEN, ("10007#", "1"), "ring"),
    CallPath("Second Level admin, key 1", "0172 9980752", OPEN, ("1",), "ring"),
    CallPath("Second Level cashier, admin PIN", "040 66969501", OPEN, ("4711#", "1"), "ring"),
    CallPath("Second Level cashier, no PIN", "040 66969501", OPEN, ("",), "hang-up"),
    CallPath("contract ended", "089 99998450", OPEN, (), "hang-up"),
    _callback("open, nobody free: callback", OPEN, agents_free=False),
    _callback("after hours (Mon 19:30): callback", _berlin(2026, 11, 30, 19, 30)),
    _callback("holiday (25 Dec): callback", _berlin(2026, 12, 25, 10, 0)),
    _callback(
        "short day (24 Dec, 10:00), nobody free", _berlin(2026, 12, 24, 10, 0), agents_free=False
    ),
    _callback("before opening (Tue 07:30): callback", _berlin(2026, 12, 1, 7, 30)),
    _callback("short day (24 Dec, 15:00): callback", _berlin(2026, 12, 24, 15, 0)),
)


@dataclass(frozen=True)
class Heard:
    whole: Said  # the prompt as said
    early: Said  # as far as a caller who presses the offered key at once hears it

    @property
    def text(self) -> str:
        return " ".join(text for _, text in self.whole)


def _said(say: ET.Element) -> tuple[str, str]:
    return (say.get("language") or "de").partition("-")[0], (say.text or "").strip()


def heard_until_ring(walk: Walk) -> tuple[list[Heard], str]:
    """What the caller hears, prompt by prompt, until the first <Dial> or the end."""
    posts = [e for e in walk.exchanges if _caller_leg(e)]
    heard: list[Heard] = []
    for index, exchange in enumerate(posts):
        following = posts[index + 1] if index + 1 < len(posts) else None
        for verb in ET.fromstring(exchange.body):
            if verb.tag == "Say":
                said = (_said(verb),)
                heard.append(Heard(said, said))
            elif verb.tag == "Gather":
                said = tuple(_said(c) for c in verb if c.tag == "Say")
                key = _key_pressed(following)
                if key is None:
                    heard.append(Heard(said, said))
                    continue
                if verb.get("numDigits") == "1":
                    early = _until_offered(said, key)
                else:
                    early = _until_other_language(said)
                heard.append(Heard(said, early))
                break
            elif verb.tag == "Dial":
                return heard, "ring"
            elif verb.tag in ("Hangup", "Reject"):
                return heard, "hang-up"
            elif verb.tag == "Redirect":
                break
    return heard, "end"


def _caller_leg(exchange: Exchange) -> bool:
    return exchange.params.get("Direction") == "inbound" and not exchange.url.endswith(
        "/voice/status"
    )


def _key_pressed(following: Exchange | None) -> str | None:
    if following is None or "RecordingUrl" in following.params:
        return None
    return following.params.get("Digits")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _until_offered(prompt: Said, key: str) -> Said:
    """The prompt up to the end of the first sentence that names `key`."""
    heard: list[tuple[str, str]] = []
    for language, text in prompt:
        said: list[str] = []
        for sentence in _SENTENCE_END.split(text):
            said.append(sentence)
            if re.search(rf"(?<!\d){re.escape(key)}(?!\d)", sentence):
                return (*heard, (language, " ".join(said)))
        heard.append((language, text))
    return tuple(heard)


def _until_other_language(prompt: Said) -> Said:
    """A prompt for a number (PIN, customer number) without the other language's offer at
    its end: a caller who knows the number types it once asked, Twilio stops the prompt."""
    said = list(prompt)
    while len(said) > 1 and said[-1][0] != said[0][0]:
        said.pop()
    return tuple(said)


class Speech:
    """espeak-ng's length of what is said, in seconds (cached: the same prompt recurs)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cache: dict[tuple[str, str], float] = {}

    def seconds(self, said: Said) -> float:
        return sum(self._seconds(language, text) for language, text in said if text)

    def _seconds(self, language: str, text: str) -> float:
        if (language, text) not in self.cache:
            wav = self.folder / f"{len(self.cache)}.wav"
            voice = ESPEAK_VOICES.get(language, ESPEAK_VOICES["de"])
            subprocess.run(
                ["espeak-ng", "-v", voice, "-w", str(wav), text],
                check=True,
                capture_output=True,
                timeout=60,
            )
            with wave.open(str(wav)) as audio:
                self.cache[language, text] = audio.getnframes() / audio.getframerate()
        return self.cache[language, text]


def _runtime(folder: Path, language: str) -> Runtime:
    url = f"sqlite:///{folder / 'prompts.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    settings = load_settings(
        environ={
            "HOTLINE_ENV": "test",
            "HOTLINE_DATABASE_URL": url,
            "HOTLINE_INSTANCE_PATH": str(folder),
            "HOTLINE_NUMBER": "+4930120045670",
        },
        # The voices' languages as an operator of that language would set them.
        overrides={
            "hotline.prompts": language,
            "voice.language": TWILIO_LANGUAGES[language],
            "ivr.other_voice_language": TWILIO_LANGUAGES["en" if language == "de" else "de"],
        },
    )
    rt = build_runtime(settings, FixedClock(OPEN))
    with transaction(rt.sessions) as session:
        load_demo(session, now=OPEN, calendar=rt.calendar)
    return rt


def _agents_free(rt: Runtime, free: bool) -> None:
    with transaction(rt.sessions) as session:
        session.execute(update(Agent).where(Agent.active).values(available=free))


def measure(language: str) -> list[tuple[CallPath, str, float, float, list[Heard]]]:
    """Play every path; (path, how it ended, seconds whole, seconds early, what was said)."""
    if shutil.which("espeak-ng") is None:
        raise SystemExit("bench/prompts.py needs espeak-ng (apt-get install -y espeak-ng)")
    results = []
    with tempfile.TemporaryDirectory(prefix="hotline-prompts-") as tmp:
        folder = Path(tmp)
        rt = _runtime(folder, language)
        speech = Speech(folder)
        app = create_app(runtime=rt)
        try:
            for path in PATHS:
                assert isinstance(rt.clock, FixedClock)
                rt.clock.set(path.at)
                if not path.agents_free:
                    _agents_free(rt, False)
                walk = Walker(
                    FlaskTransport(app, None), "http://localhost", path.caller, keys=list(path.keys)
                ).run()
                if not path.agents_free:
                    _agents_free(rt, True)
                heard, ended = heard_until_ring(walk)
                whole = sum(speech.seconds(h.whole) for h in heard)
                early = sum(speech.seconds(h.early) for h in heard)
                results.append((path, ended, whole, early, heard))
        finally:
            rt.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=sorted(ESPEAK_VOICES), default="de")
    parser.add_argument("--markdown", action="store_true", help="the table for the README")
    parser.add_argument("--texts", action="store_true", help="also print what each path says")
    args = parser.parse_args()
    results = measure(args.language)
    failed = [(p.name, p.ends, ended) for p, ended, *_ in results if ended != p.ends]
    voice = ESPEAK_VOICES[args.language]
    if args.markdown:
        print(
            f"| path (prompts {args.language}, espeak-ng -v {voice}) | ends in | "
            "listens to all (s) | presses at once (s) |"
        )
        print("| --- | --- | ---: | ---: |")
    else:
        print(
            f"prompts {args.language}, espeak-ng -v {voice}: seconds of speech until the "
            "ring or the hang-up"
        )
        print(f"{'path':<40} {'ends in':<8} {'whole':>6} {'early':>6}")
    for path, ended, whole, early, heard in results:
        if args.markdown:
            print(f"| {path.name} | {ended} | {whole:.1f} | {early:.1f} |")
        else:
            print(f"{path.name:<40} {ended:<8} {whole:6.1f} {early:6.1f}")
        if args.texts:
            for h in heard:
                print(f"    {h.text}")
    for name, wanted, ended in failed:
        print(f"FAILED: {name}: ended in {ended}, expected {wanted}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
