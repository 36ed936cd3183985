"""A whole signed call through the shipped nginx site (TLS on 127.0.0.1) to `hotline serve`
in production (gunicorn with the packaged configuration), on each test database.

Production uses the wall clock, so whether the hotline is open depends on when the test
runs; with no agent on duty the caller is offered a callback either way.
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.deploy.wsgi import STRICT_TRANSPORT_SECURITY
from hotline.models import Call, Callback, Ticket
from ivr_flows.walker import Walker
from tests.deploy.conftest import (
    HOTLINE_NUMBER,
    Certificate,
    Nginx,
    TlsTransport,
    WebServer,
    fetch,
    production_env,
)
from tests.factories import make_customer
from tests.ivr.conftest import check_twiml

STATION = "+49304412345"


@dataclass
class Stack:
    nginx: Nginx
    web: WebServer
    certificate: Certificate

    @property
    def public_url(self) -> str:
        return self.nginx.public_url


@pytest.fixture
def stack(database_url: str, tmp_path: Path, certificate: Certificate) -> Iterator[Stack]:
    nginx = Nginx(tmp_path, [], certificate)
    web = WebServer(tmp_path / "web", production_env(database_url, nginx.public_url))
    nginx.upstreams.append(web.address)
    try:
        web.start()
        nginx.start()
        yield Stack(nginx, web, certificate)
    finally:
        nginx.stop()
        web.stop()


def test_a_signed_call_through_nginx_and_gunicorn(stack: Stack, session: Session) -> None:
    make_customer(session, stations={"1": [STATION]})
    transport = TlsTransport(stack.certificate.client_context())
    walk = Walker(
        transport, stack.public_url, STATION, to=HOTLINE_NUMBER, keys=["1", "1", "Kasse tot"]
    ).run()

    for exchange in walk.exchanges[:-1]:
        assert exchange.status == 200, (exchange.url, exchange.status, exchange.body)
        check_twiml(exchange.body)
    assert walk.exchanges[-1].status in (200, 204), walk.exchanges[-1]  # the status callback
    assert "Ticketnummer" in walk.heard() or "Vorgangsnummer" in walk.heard(), walk.transcript
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Call)) == 1
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    callback = session.scalars(select(Callback)).one()
    assert callback.phone == STATION
    assert callback.recording_url and callback.recording_url.startswith("https://api.twilio.com/")

    # What a browser and Twilio see of the stack: one HSTS header, no versions.
    for reply in transport.replies:
        assert reply.header_values("Strict-Transport-Security") == [STRICT_TRANSPORT_SECURITY]
        assert reply.header_values("Server") == ["nginx"]
    # Query strings (call state) reached the app but neither access log.
    queried = [e.url for e in walk.exchanges if "?" in e.url]
    assert queried, "no step carried a query string: the log check below would prove nothing"
    gunicorn_log = stack.web.log.read_text()
    nginx_log = stack.nginx.access_log.read_text()
    for url in queried:
        path, query = url.split(stack.public_url, 1)[1].split("?", 1)
        assert f" {path} " in gunicorn_log and f" {path} " in nginx_log
        assert query not in gunicorn_log and query not in nginx_log
    assert not re.search(r"Werkzeug|Python/", gunicorn_log)


def test_the_signature_is_checked_for_the_public_https_url(stack: Stack, session: Session) -> None:
    make_customer(session, stations={"1": [STATION]})
    transport = TlsTransport(stack.certificate.client_context())
    url = stack.public_url + "/voice/incoming"
    params = {"CallSid": "CA" + "1" * 32, "From": STATION, "To": HOTLINE_NUMBER}
    # Signed for the URL gunicorn is reached at, not the one Twilio calls: refused.
    inner = f"http://{stack.web.address}/voice/incoming"
    assert (
        transport.send(url, params, transport.validator.compute_signature(inner, params)).status
        == 403
    )
    assert transport.send(url, params, None).status == 403
    assert transport.send(url, params, "x" * 28).status == 403
    assert (
        transport.send(url, params, transport.validator.compute_signature(url, params)).status
        == 200
    )
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Call)) == 1  # only the signed one


def test_nginx_redirects_to_https_and_limits_the_request_size(stack: Stack) -> None:
    plain = http.client.HTTPConnection("127.0.0.1", stack.nginx.http_port, timeout=10)
    plain.request("GET", "/login?next=/callbacks")
    reply = plain.getresponse()
    assert reply.status == 301
    assert reply.getheader("Location") == "https://127.0.0.1/login?next=/callbacks"
    assert reply.getheader("Server") == "nginx"
    plain.close()

    tls = http.client.HTTPSConnection(
        "127.0.0.1",
        stack.nginx.https_port,
        context=stack.certificate.client_context(),
        timeout=10,
    )
    # The header alone decides: nginx answers 413 before the body is sent.
    tls.putrequest("POST", "/import")
    tls.putheader("Content-Length", str(11 * 1024 * 1024))
    tls.endheaders()
    reply = tls.getresponse()
    assert reply.status == 413
    assert reply.getheader("Strict-Transport-Security") == STRICT_TRANSPORT_SECURITY
    tls.close()

    page = fetch(stack.public_url + "/login", stack.certificate.client_context())
    assert page.status == 200
    assert page.header_values("Strict-Transport-Security") == [STRICT_TRANSPORT_SECURITY]
    cookie = " ".join(page.header_values("Set-Cookie"))
    assert "Secure" in cookie and "HttpOnly" in cookie
