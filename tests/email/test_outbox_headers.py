"""The outbox writes its mails' headers with a shortcut for plain short lines: the bytes
must be exactly what the standard library's compat32 policy writes."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.mime.text import MIMEText
from email.policy import Compat32, compat32

from hypothesis import example, given, settings
from hypothesis import strategies as st

from email_support.outbox import OUTBOX_POLICY

NAMES = st.sampled_from(["Subject", "To", "References", "In-Reply-To", "X-Auto-Response-Suppress"])
# Printable ASCII with tabs, line breaks and non-ASCII mixed in: short values take the
# shortcut, the others (long, multi-line, non-ASCII) compat32's own folding.
_CHARS = st.sampled_from([*map(chr, range(32, 127)), "\t", "\n", "\r", "ä", "€"])
VALUES = st.text(alphabet=_CHARS, max_size=40) | st.text(alphabet=_CHARS, min_size=60, max_size=160)


@settings(deadline=None)  # a shared machine: no timing in tests
@given(NAMES, VALUES)
@example("Subject", "x" * 70)  # one character past the line length: folded
@example("References", "<a@kunde.example> " * 6)
def test_a_header_line_is_what_compat32_writes(name: str, value: str) -> None:
    assert _folded(OUTBOX_POLICY, name, value) == _folded(compat32, name, value)


def _folded(policy: Compat32, name: str, value: str) -> bytes | str:
    """The header line, or the error (compat32 refuses a value that hides a header)."""
    try:
        return policy.fold_binary(name, value)
    except HeaderParseError as exc:
        return f"HeaderParseError: {exc}"


@settings(deadline=None)
@given(st.text(max_size=200), VALUES.filter(lambda v: "\n" not in v and "\r" not in v))
def test_a_whole_message_is_what_compat32_writes(body: str, subject: str) -> None:
    message = MIMEText(body or "-", "plain", "utf-8")
    message["From"] = "Kassen-Support <support@kassen-hotline.example>"
    message["To"] = "kasse1001@example.de"
    message["Subject"] = subject
    message["References"] = " ".join(f"<ref{i}@kunde.example>" for i in range(6))
    message["Auto-Submitted"] = "auto-replied"
    assert message.as_bytes(policy=OUTBOX_POLICY) == message.as_bytes()
