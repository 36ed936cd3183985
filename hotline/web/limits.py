"""Limits every request meets before a view runs: body size, JSON depth, id range, note length.

Each turns input the app cannot use into a 4xx with a German explanation (JSON under
/api/) instead of a 500: ids beyond what the id columns hold, JSON nested deeper
than the parser's recursion, bodies larger than any form or API call needs.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

from hotline.models.base import MAX_ID
from hotline.notes import NoteTooLong
from hotline.web.import_pages import MAX_UPLOAD

# Forms and JSON calls stay far below this; only the customer import uploads more.
MAX_BODY_BYTES = 1024 * 1024
# The import's own limit plus room for the multipart framing.
MAX_UPLOAD_BODY_BYTES = MAX_UPLOAD + 64 * 1024
_UPLOAD_ENDPOINTS = frozenset({"import_pages.import_preview"})


class DatabaseId(IntegerConverter):
    """`<int:…>` limited to the ids the tables can hold: a larger one matches no route (404)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID if max is None else max, signed)


class _JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # A ValueError is what Flask turns into "400 Bad Request" (or None when silent).
            raise ValueError("JSON ist zu tief verschachtelt") from None


def init_limits(app: Flask) -> None:
    """Install the limits; call before any blueprint is registered (the id converter)."""
    app.url_map.converters["int"] = DatabaseId
    app.json = _JSONProvider(app)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.before_request(_allow_uploads)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(NoteTooLong, _note_too_long)


def _allow_uploads() -> None:
    if request.endpoint in _UPLOAD_ENDPOINTS:
        request.max_content_length = MAX_UPLOAD_BODY_BYTES


def _too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    limit = request.max_content_length or MAX_BODY_BYTES
    text = f"Die Anfrage ist zu groß: höchstens {limit // 1024} KB sind erlaubt."
    return _refusal("Anfrage zu groß", text, 413)


def _note_too_long(error: NoteTooLong) -> ResponseReturnValue:
    return _refusal("Notiz zu lang", str(error), 400)


def _refusal(title: str, text: str, status: int) -> ResponseReturnValue:
    if request.path.startswith(("/api/", "/voice/")):
        response: Response = jsonify(error=text)
        return response, status
    return render_template("error.html", title=title, text=text, status=status), status
