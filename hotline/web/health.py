"""GET /healthz: is the web app up and can it reach its database."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from hotline.db import ping
from hotline.runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    rt = runtime()
    try:
        ping(rt.engine)
    except SQLAlchemyError as exc:
        # The kind of failure, not its message: that may carry the URL and password.
        reason = type(getattr(exc, "orig", None) or exc).__name__
        return jsonify(status="error", database="unreachable", reason=reason), 503
    return jsonify(status="ok", database="ok", now=rt.clock.now().isoformat())
