"""The baseline of bench/webhooks.py: the fastest possible Flask webhook on this machine.

Every request (any path, any method) gets the same fixed TwiML document, about the size
of one of the hotline's answers. Run under exactly the same gunicorn settings as the hotline:
    gunicorn --pythonpath bench 'static_twiml:app'
"""

from __future__ import annotations

from flask import Flask, Response

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="http://127.0.0.1/voice/menu/choice?t=1" input="dtmf" language="de-DE" '
    'numDigits="1" timeout="6"><Say language="de-DE" voice="Polly.Vicki-Neural">'
    "Guten Tag. Bei einer Störung Ihrer Kasse drücken Sie die 1. Bei anderen technischen "
    "Problemen drücken Sie die 2. Bei Fragen zu gesetzlichen Änderungen drücken Sie die 3."
    "</Say></Gather><Redirect>http://127.0.0.1/voice/menu?t=2</Redirect></Response>"
)

app = Flask("static_twiml")


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def answer(path: str) -> Response:
    return Response(TWIML, mimetype="text/xml")
