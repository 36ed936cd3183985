"""The shipped deployment files, run for real on 127.0.0.1: the nginx site (rendered for
test ports and a self-signed certificate made at test time), `hotline serve` in
production (gunicorn with the packaged configuration) and the systemd units.

Missing tools (nginx, openssl, systemd-analyze) skip with the reason; `make test` as root
installs them, and .ci/run fails when they are still missing.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from tests.callbacks.conftest import AUTH_TOKEN, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
HOTLINE = str(Path(sys.executable).parent / "hotline")
HOTLINE_NUMBER = "+4930120045670"


def tool(name: str) -> str:
    """The path of a command-line tool, or skip the test saying which is missing."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path is None:
        pytest.skip(f"{name} is not installed (make test installs it when run as root)")
    return path


def replace_once(text: str, old: str, new: str, where: str) -> str:
    """`text` with `old` replaced; fails when the shipped file no longer holds `old`."""
    assert text.count(old) == 1, f"{where}: expected {old!r} exactly once"
    return text.replace(old, new)


@dataclass
class Certificate:
    cert: Path
    key: Path

    def client_context(self) -> ssl.SSLContext:
        """A client that trusts this certificate only, and checks the host name."""
        return ssl.create_default_context(cafile=str(self.cert))


def self_signed(directory: Path) -> Certificate:
    """A certificate for 127.0.0.1 and localhost, made with openssl now."""
    openssl = tool("openssl")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return Certificate(cert, key)


def render_site(
    upstreams: list[str], http_port: int, https_port: int, cert: Certificate, logs: Path
) -> str:
    """deploy/nginx/hotline.conf with the test's ports, certificate, upstreams and log."""
    where = "deploy/nginx/hotline.conf"
    site = (DEPLOY / "nginx" / "hotline.conf").read_text()
    site = replace_once(site, "    listen [::]:80;\n", "", where)
    site = replace_once(site, "    listen [::]:443 ssl;\n", "", where)
    site = replace_once(site, "listen 80;", f"listen 127.0.0.1:{http_port};", where)
    site = replace_once(site, "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;", where)
    site = replace_once(
        site,
        "/etc/letsencrypt/live/hotline.example.de/fullchain.pem",
        str(cert.cert),
        where,
    )
    site = replace_once(
        site, "/etc/letsencrypt/live/hotline.example.de/privkey.pem", str(cert.key), where
    )
    site = replace_once(
        site,
        "    server 127.0.0.1:8000;\n",
        "".join(f"    server {upstream};\n" for upstream in upstreams),
        where,
    )
    return site.replace("/var/log/nginx/hotline.access.log", str(logs))


@dataclass
class Nginx:
    """The shipped site under a throw-away nginx main configuration in `directory`."""

    directory: Path
    upstreams: list[str]
    certificate: Certificate
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def public_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def conf(self) -> Path:
        return self.directory / "nginx.conf"

    @property
    def access_log(self) -> Path:
        return self.directory / "hotline.access.log"

    def write(self) -> None:
        d = self.directory
        site = render_site(
            self.upstreams, self.http_port, self.https_port, self.certificate, self.access_log
        )
        (d / "hotline.conf").write_text(site)
        for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (d / temp).mkdir(exist_ok=True)
        # As root nginx would hand its workers to `nobody`, who cannot enter pytest's
        # private temporary directories.
        user = "user root;\n" if os.geteuid() == 0 else ""
        self.conf.write_text(
            f"{user}worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n  access_log off;\n  client_body_temp_path {d}/client_body;\n"
            f"  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n"
            f"  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n"
            f"  include {d}/hotline.conf;\n}}\n"
        )

    def command(self, *args: str) -> list[str]:
        return [
            tool("nginx"), "-p", str(self.directory), "-e", str(self.directory / "startup.log"),
            "-c", str(self.conf), *args,
        ]  # fmt: skip

    def test_config(self) -> subprocess.CompletedProcess[str]:
        """`nginx -t` on the configuration."""
        self.write()
        return subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)

    def start(self) -> None:
        checked = self.test_config()
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(
            self.command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_listening(self.https_port, self.process)

    def stop(self) -> None:
        stop(self.process, signal.SIGQUIT)  # nginx's graceful stop


def stop(process: subprocess.Popen[bytes] | None, graceful: signal.Signals) -> None:
    """Stop a process this test started: gracefully, else with SIGKILL after 30 s."""
    if process is not None and process.poll() is None:
        process.send_signal(graceful)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the process listening on {port} ended early"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def production_env(database_url: str, public_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production hotline process (no HOTLINE_NOW: it is ignored)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(
        HOTLINE_ENV="production",
        HOTLINE_DATABASE_URL=database_url,
        HOTLINE_SECRET_KEY=secrets.token_hex(16),
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        HOTLINE_PUBLIC_URL=public_url,
        HOTLINE_NUMBER=HOTLINE_NUMBER,
        WEB_CONCURRENCY="2",
    )
    env.update(extra)
    return env


@dataclass
class WebServer:
    """`hotline serve` in production, as the systemd unit starts it: gunicorn on a port."""

    directory: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.directory / f"web-{self.port}.log"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [HOTLINE, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=self.directory,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(f"http://{self.address}/healthz", timeout=3) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("hotline serve did not answer /healthz:\n" + self.log.read_text())

    def requests_logged(self) -> list[str]:
        """The access log lines gunicorn wrote (one per request)."""
        return [line for line in self.log.read_text().splitlines() if '"POST ' in line]

    def stop(self) -> None:
        stop(self.process, signal.SIGTERM)  # gunicorn's graceful stop


@dataclass
class Reply:
    status: int
    body: str
    headers: list[tuple[str, str]]

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


class TlsTransport:
    """Posts as Twilio does, over TLS that is verified, signed with the real SDK for the URL."""

    def __init__(self, context: ssl.SSLContext, token: str = AUTH_TOKEN) -> None:
        self.context = context
        self.validator = RequestValidator(token)
        self.replies: list[Reply] = []

    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        reply = self.send(url, params, self.validator.compute_signature(url, params))
        return reply.status, reply.body

    def send(self, url: str, params: dict[str, str], signature: str | None) -> Reply:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode(params).encode(), headers=headers, method="POST"
        )
        reply = fetch(request, self.context)
        self.replies.append(reply)
        return reply


def fetch(request: urllib.request.Request | str, context: ssl.SSLContext) -> Reply:
    """One request without following redirects; the status, body and headers."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect())
    try:
        with opener.open(request, timeout=20) as answer:
            return Reply(answer.status, answer.read().decode(), list(answer.headers.items()))
    except urllib.error.HTTPError as error:
        return Reply(
            error.code, error.read().decode("utf-8", "replace"), list(error.headers.items())
        )


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    return self_signed(tmp_path)
