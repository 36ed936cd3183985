"""The supervisors' page of API tokens: who has one, until when, when it was last used; revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from hotline.accounts.tokens import TokenError, list_tokens, revoke_token
from hotline.runtime import runtime
from hotline.web.ui import db, supervisor_required

bp = Blueprint("tokens_pages", __name__)


@bp.get("/tokens")
@supervisor_required
def tokens() -> ResponseReturnValue:
    return render_template("tokens.html", tokens=list_tokens(db()), now=runtime().clock.now())


@bp.post("/tokens/<int:token_id>/revoke")
@supervisor_required
def revoke(token_id: int) -> ResponseReturnValue:
    s = db()
    try:
        token = revoke_token(s, token_id, runtime().clock.now())
    except TokenError:
        s.rollback()
        flash("Dieses API-Token gibt es nicht.", "error")
        return redirect(url_for("tokens_pages.tokens"))
    s.commit()
    flash(f"Das API-Token {token.id} von {token.agent_name} ist widerrufen.", "success")
    return redirect(url_for("tokens_pages.tokens"))
