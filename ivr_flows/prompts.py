"""The caller-facing texts from config/prompts.<lang>.toml (German by default)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("de", "en")


@cache
def _table(language: str) -> dict[str, Any]:
    if language not in LANGUAGES:
        raise ValueError(f"no prompts for language {language!r}")
    text = resources.files("config").joinpath(f"prompts.{language}.toml").read_text("utf-8")
    return tomllib.loads(text)


class Prompts:
    """One language's prompt texts; `text(key, **values)` fills the placeholders."""

    def __init__(self, language: str = "de") -> None:
        self.language = language
        self._texts = _table(language)

    def text(self, key: str, **values: Any) -> str:
        template = self._texts[key]
        if not isinstance(template, str):
            raise TypeError(f"prompt {key!r} is not a text")
        return template.format(**values)

    def words(self, key: str) -> list[str]:
        value = self._texts[key]
        if not isinstance(value, list):
            raise TypeError(f"prompt {key!r} is not a list of words")
        return [str(v) for v in value]
