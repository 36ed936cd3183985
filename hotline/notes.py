"""What agents may write as a note (callback outcome, ticket, remote maintenance): at most
2,000 characters, so no single note can make every agent's callback list heavy."""

from __future__ import annotations

MAX_NOTE_CHARS = 2000


class NoteTooLong(ValueError):
    """A note over the limit; the message is German and says by how much."""

    def __init__(self, length: int) -> None:
        super().__init__(
            f"Die Notiz ist zu lang: {length} Zeichen, erlaubt sind höchstens "
            f"{MAX_NOTE_CHARS}. Bitte kürzen Sie sie; nichts wurde gespeichert."
        )
        self.length = length


def checked_note(text: str | None) -> str:
    """The note without surrounding blanks, or NoteTooLong when it exceeds the limit."""
    note = (text or "").strip()
    if len(note) > MAX_NOTE_CHARS:
        raise NoteTooLong(len(note))
    return note
