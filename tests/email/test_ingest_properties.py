"""Property test: `hotline mail ingest` fed mutated messages never shows a traceback, exits
0, 65 or 75 only, and every message it accepted (exit 0) can be found afterwards."""

from __future__ import annotations

import re

from flask.testing import FlaskCliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from hotline.models import Mail
from tests.email import corpus
from tests.email.conftest import FLAT, SECOND

SEEDS = [
    corpus.plain(FLAT, "Kasse", "Hilfe"),
    corpus.outlook_reply(FLAT, "[Ticket#100001]", "<x@y>"),
    corpus.out_of_office(FLAT),
    corpus.mailing_list("news@lists.example.de"),
    corpus.bounce("<orig@x>", FLAT),
    corpus.latin1(SECOND),
    corpus.html_only(FLAT),
    corpus.with_attachment(FLAT, 300, "<a@x>"),
]
NASTY = [
    b"\x00",
    b"\xff\xfe",
    b"\r\n\r\n",
    b"=?utf-8?q?=E2=82?=",
    b"=?x-unknown?b?////?=",
    b"Content-Type: multipart/mixed; boundary=\n",
    b'Content-Type: text/plain; charset="no-such-charset"\n',
    b"Content-Transfer-Encoding: base64\n",
    b"From: <@>\n",
    b"Message-ID: <<>>\n",
    b"Subject: [Ticket#999999999999999999999]\n",
    b"\n--\n",
    b"\xc3(",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(raw)))
        action = draw(st.sampled_from(["insert", "delete", "nasty", "truncate"]))
        if action == "insert":
            raw[at:at] = draw(st.binary(max_size=20))
        elif action == "delete":
            del raw[at : at + draw(st.integers(1, 40))]
        elif action == "nasty":
            raw[at:at] = draw(st.sampled_from(NASTY))
        else:
            del raw[at:]
    return bytes(raw)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=mutated())
def test_mutated_messages_are_stored_or_refused_never_crash(
    runner: FlaskCliRunner, session: Session, customers: dict[str, int], raw: bytes
) -> None:
    result = runner.invoke(args=["mail", "ingest"], input=raw)
    assert result.exit_code in (0, 65, 75), result.output
    # The database works here: a 75 would be a bug hidden behind "try again later".
    assert result.exit_code != 75, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if result.exit_code == 0:
        found = re.search(r"mail (\d+)", result.output)
        assert found, result.output
        session.expire_all()
        assert session.get(Mail, int(found.group(1))) is not None
