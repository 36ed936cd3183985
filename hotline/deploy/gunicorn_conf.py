"""gunicorn's settings for the hotline in production; `hotline serve` runs gunicorn with them.

    gunicorn --config python:hotline.deploy.gunicorn_conf

Twilio waits 15 s for a webhook and then asks the fallback URL: a worker that is silent
for `timeout` is killed well before that, so the caller hears the fallback instead of
Twilio's application error.
"""

from __future__ import annotations

import os

wsgi_app = "hotline.deploy.wsgi:create_production_app()"
# `hotline serve --host --port` passes its own; the proxy's upstream otherwise.
bind = "127.0.0.1:8000"
proc_name = "hotline-web"


def worker_count(environ: dict[str, str] | None = None) -> int:
    """Two sync workers per CPU this process may run on, or `WEB_CONCURRENCY` when set."""
    environ = dict(os.environ if environ is None else environ)
    configured = environ.get("WEB_CONCURRENCY", "").strip()
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ValueError(f"WEB_CONCURRENCY: {configured!r} is not a whole number of 1 or more")
        return int(configured)
    # The CPUs of this process (a container's cpuset), not the machine's.
    return 2 * len(os.sched_getaffinity(0))


workers = worker_count()
# Sync workers: each request has a process; the webhooks keep one connection per worker.
worker_class = "sync"
timeout = 10
graceful_timeout = 10
# Behind nginx's keep-alive upstream connections.
keepalive = 5
# Never preload: the app's connection pools must not be shared across fork(), and
# APScheduler must not start in the master (the scheduler is its own process).
preload_app = False

accesslog = "-"
errorlog = "-"
# %(U)s is the path without its query string: webhook URLs carry call state and
# phone numbers there. No Referer (%(f)s) either, it carries the page's query.
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
