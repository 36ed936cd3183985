"""Voice webhooks (built by the IVR issue)."""

from flask import Blueprint

bp = Blueprint("voice", __name__, url_prefix="/voice")
