"""A private dovecot IMAP server for tests and benchmarks: its own configuration, base
directory, mail store and one test user, on 127.0.0.1 and a free port. The system-wide
dovecot service is neither used nor touched. Needs Debian's dovecot-imapd (2.3)."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "hotline-test"
PASSWORD = "imap-test-passwort"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
instance_name = hotline-test-{port}
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
first_valid_uid = 0
mail_location = maildir:{base}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class Dovecot:
    host: str
    port: int
    user: str
    password: str
    base: Path


def available() -> bool:
    """Whether dovecot is installed here."""
    return Path(DOVECOT).exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def dovecot() -> Iterator[Dovecot]:
    """Run a private dovecot in the foreground in a directory of its own; stopped and
    removed on exit."""
    base = Path(tempfile.mkdtemp(prefix="hotline-dovecot-"))
    try:
        with _running(base) as server:
            yield server
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def _running(base: Path) -> Iterator[Dovecot]:
    me = pwd.getpwuid(os.getuid())
    # Dovecot refuses uid 0 for mail: as root the mail belongs to its own "dovecot" user,
    # which must be able to reach the directory.
    mail_user = pwd.getpwnam("dovecot") if me.pw_uid == 0 else me
    base.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (base / sub).mkdir(exist_ok=True)
        if sub in ("mail", "home"):
            os.chown(base / sub, mail_user.pw_uid, mail_user.pw_gid)
    users = base / "users"
    users.write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    users.chmod(0o644)  # read by dovecot's auth process; a test password only
    port = _free_port()
    config = base / "dovecot.conf"
    # As root, dovecot's login and helper processes must run as its own unprivileged users
    # (the package creates them); the mail itself stays with the calling user.
    helper = ("dovenull", "dovecot") if me.pw_uid == 0 else (me.pw_name, _group_name(me.pw_gid))
    config.write_text(
        CONFIG.format(
            base=base,
            port=port,
            uid=mail_user.pw_uid,
            gid=mail_user.pw_gid,
            login_user=helper[0],
            user="dovecot" if me.pw_uid == 0 else me.pw_name,
            group=helper[1],
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_for(port, process, base)
        yield Dovecot("127.0.0.1", port, USER, PASSWORD, base)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def _wait_for(port: int, process: subprocess.Popen[bytes], base: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            log = (base / "dovecot.log").read_text() if (base / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot did not start: {error}{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                if conn.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dovecot did not answer on 127.0.0.1:{port}")
