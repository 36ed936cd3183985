"""Reading one RFC 5322 message: headers that may be broken, charsets, HTML-only bodies,
attachments, delivery status reports. Plain Python: no database, no Flask."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from email_support.html_text import html_to_text

# Headers a delivery adds on its way; the same mail fetched over IMAP and piped by the
# MTA differs only in these, so they are left out of the content hash.
_TRACE_HEADERS = frozenset(
    {b"received", b"return-path", b"delivered-to", b"x-original-to", b"x-envelope-to"}
)
# Declared Latin-1 is in practice mostly Windows-1252 (curly quotes, €), which is a superset.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252"}
_MSGID = re.compile(r"<[^<>\s]+>")
_FOLD = re.compile(r"\r?\n[ \t]*")
_MESSAGE_HEADERS = ("from", "to", "subject", "date", "message-id")
# Longer header values are parsed every time rather than kept in the memo below.
_MEMO_MAX_CHARS = 1000


class _MemoHeaders(HeaderRegistry):
    """policy.default's header classes, but a (name, value) pair parsed before is not
    parsed again: the MIME walk reads Content-Type and Content-Disposition several times
    per part, and most mails carry the same few of them. The header objects are immutable
    strings, so sharing one between messages is safe."""

    def __init__(self) -> None:
        super().__init__()
        self._memo: dict[tuple[str, str], BaseHeader] = {}

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > _MEMO_MAX_CHARS:
            return super().__call__(name, value)
        key = (name, value)
        header = self._memo.get(key)
        if header is None:
            if len(self._memo) >= 4096:  # bounded: distinct headers of many mails
                self._memo.clear()
            header = self._memo[key] = super().__call__(name, value)
        return header


# The standard library's modern policy, explicitly, with the memo above.
POLICY = policy.default.clone(header_factory=_MemoHeaders())


class NotAMessage(ValueError):
    """The input is not an e-mail message (no header block with From, To, Subject, ...)."""


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Bounce:
    """What a delivery status notification says: who could not be reached, for which mail."""

    recipients: list[str]
    original_message_id: str | None
    diagnostic: str


@dataclass
class ParsedMail:
    raw: bytes
    dedup_key: str
    message_id: str | None
    from_address: str
    from_name: str
    to_address: str
    subject: str
    in_reply_to: list[str]
    references: list[str]
    auto_submitted: str | None
    precedence: str | None
    list_id: str | None
    return_path: str | None
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    attachments_dropped: int = 0
    problems: list[str] = field(default_factory=list)
    bounce: Bounce | None = None

    @property
    def referenced_ids(self) -> list[str]:
        """Message-IDs this mail answers, the most recent first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


def parse_mail(raw: bytes, max_bytes: int) -> ParsedMail:
    """Parse a message; larger than `max_bytes`: its attachments are counted, not kept."""
    if not raw.strip():
        raise NotAMessage("the input is empty")
    if b"\x00" in raw[:4096]:
        raise NotAMessage("the input is binary data, not a message")
    message = BytesParser(policy=POLICY).parsebytes(raw)
    names = {name.lower() for name in message}
    if not names & set(_MESSAGE_HEADERS):
        raise NotAMessage("no message header (From, To, Subject, Date or Message-ID) found")
    problems: list[str] = []
    header = _HeaderReader(message, problems)
    from_name, from_address = header.address("From")
    _, to_address = header.address("To")
    return_path = header.text("Return-Path")
    parsed = ParsedMail(
        raw=raw,
        dedup_key="",
        message_id=_first_id(header.text("Message-ID")),
        from_address=from_address,
        from_name=from_name,
        to_address=to_address,
        subject=" ".join(header.text("Subject").split()),
        in_reply_to=_MSGID.findall(header.text("In-Reply-To")),
        references=_MSGID.findall(header.text("References")),
        auto_submitted=(header.text("Auto-Submitted") or None),
        precedence=(header.text("Precedence").strip().lower() or None),
        list_id=(header.text("List-Id") or None),
        return_path=return_path if "Return-Path" in message else None,
        body="",
        problems=problems,
    )
    parsed.dedup_key = dedup_key(raw, parsed.message_id)
    parsed.body, body_part = _body(message, problems)
    keep = len(raw) <= max_bytes
    parts = message.walk() if message.is_multipart() else iter([message])
    for part in parts:
        if part is body_part or part.is_multipart():
            continue
        if part.get_content_type() in ("message/delivery-status", "text/rfc822-headers"):
            continue
        if not _is_attachment(part):
            continue
        if keep:
            parsed.attachments.append(_attachment(part, problems))
        else:
            parsed.attachments_dropped += 1
    if message.get_content_type() == "multipart/report":
        parsed.bounce = _bounce(message)
    return parsed


def dedup_key(raw: bytes, message_id: str | None) -> str:
    """Message-ID plus a hash of the content without trace headers and line-end style."""
    digest = hashlib.sha256()
    digest.update((message_id or "").encode("utf-8", "replace") + b"\x00")
    head, sep, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    kept: list[bytes] = []
    skipping = False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.split(b":", 1)[0].strip().lower() in _TRACE_HEADERS
        if not skipping:
            kept.append(line)
    digest.update(b"\n".join(kept) + sep + body)
    return digest.hexdigest()


class _HeaderReader:
    """Header values that never raise: a header that cannot be decoded is kept raw.

    Values come from the parsed message's raw header lines, unfolded, and only encoded
    words (RFC 2047) are decoded: building policy.default's header objects for every
    header read was most of a mail's parsing time. The policy's own parser is the
    second try for encoded words, the raw value the last."""

    def __init__(self, message: Message, problems: list[str]) -> None:
        self.message = message
        self.problems = problems
        self.raw: dict[str, str] = {}
        for key, value in message.raw_items():
            self.raw.setdefault(key.lower(), str(value))

    def text(self, name: str) -> str:
        raw = _unescape(_FOLD.sub(" ", self.raw.get(name.lower(), "")).strip())
        if "=?" not in raw:
            return raw
        try:
            return str(make_header(decode_header(raw)))
        except Exception:  # noqa: BLE001 - unknown charsets, broken base64, ...
            pass
        try:
            value = self.message.get(name)
            return "" if value is None else str(value)
        except Exception:  # noqa: BLE001 - CPython's header parser raises many kinds
            self.problems.append(f"Kopfzeile {name} nicht lesbar, unverändert übernommen")
            return raw.encode("utf-8", "replace").decode("utf-8")

    def address(self, name: str) -> tuple[str, str]:
        value = self.text(name)
        try:
            pairs = getaddresses([value])
        except Exception:  # noqa: BLE001
            pairs = [parseaddr(value)]
        for display, address in pairs:
            if "@" in address:
                return display.strip(), address.strip().lower()
        return "", ""


def _unescape(value: str) -> str:
    """Raw 8-bit header bytes (kept by the parser as surrogate escapes) as text: UTF-8 as
    most senders use it, else Windows-1252."""
    if value.isascii() or not any("\udc80" <= c <= "\udcff" for c in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _first_id(value: str) -> str | None:
    found = _MSGID.search(value)
    if found:
        return found.group(0)
    stripped = value.strip()
    return f"<{stripped}>" if stripped and " " not in stripped else None


def _text_of(part: Message, problems: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    charset = (part.get_content_charset() or "us-ascii").lower()
    charset = _CHARSET_ALIASES.get(charset, charset)
    try:
        return payload.decode(charset)
    except LookupError:
        problems.append(f"unbekannter Zeichensatz {charset!r}, als Windows-1252 gelesen")
    except UnicodeDecodeError:
        problems.append(f"Text passt nicht zum Zeichensatz {charset!r}, ersetzt")
        return payload.decode(charset, errors="replace")
    return payload.decode("cp1252", errors="replace")


def _body(message: Message, problems: list[str]) -> tuple[str, Message | None]:
    part: Message | None = None
    if isinstance(message, EmailMessage):
        try:
            part = message.get_body(preferencelist=("plain", "html"))
        except Exception:  # noqa: BLE001 - a broken MIME structure: fall back to the walk
            part = None
    if part is None:
        for candidate in message.walk():
            if candidate.get_content_maintype() == "text" and not _is_attachment(candidate):
                part = candidate
                break
    if part is None:
        return "", None
    text = _text_of(part, problems)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n").strip(), part


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    return part.get_content_maintype() not in ("text", "multipart") or bool(part.get_filename())


def _attachment(part: Message, problems: list[str]) -> Attachment:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        data = str(part.get_payload()).encode("utf-8", "replace")
    try:
        filename = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        filename = ""
        problems.append("Dateiname eines Anhangs nicht lesbar")
    return Attachment(filename=filename[:500], content_type=part.get_content_type(), data=data)


def _bounce(message: Message) -> Bounce | None:
    recipients: list[str] = []
    diagnostic = ""
    original: str | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if not isinstance(block, Message):
                    continue
                action = str(block.get("Action", "")).strip().lower()
                final = str(block.get("Final-Recipient", "") or block.get("Original-Recipient", ""))
                address = final.split(";", 1)[-1].strip().strip("<>").lower()
                if address and action in ("failed", ""):
                    recipients.append(address)
                diagnostic = diagnostic or str(block.get("Diagnostic-Code", "")).strip()
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _original_id(part)
    if not recipients:
        return None
    return Bounce(recipients=recipients, original_message_id=original, diagnostic=diagnostic)


def _original_id(part: Message) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _first_id(str(payload[0].get("Message-ID", "")))
    text = part.get_payload(decode=True)
    if isinstance(text, bytes):
        found = re.search(rb"(?im)^message-id:\s*(<[^<>\s]+>)", text)
        return found.group(1).decode("ascii", "replace") if found else None
    return None
