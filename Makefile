# Quick start: `make run` (hotline on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint install deploy-tools deploy-check bench-deps

# Re-install whenever the project's dependencies change.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The instance folder (hotline/instance.py): the SQLite database and hotline.env, the
# local settings the `hotline` command reads. `make run` writes HOTLINE_ENV=development
# there once, so the README's commands work in this checkout as written.
INSTANCE := $(or $(HOTLINE_INSTANCE_PATH),instance)

run: $(BIN)/.installed
	@mkdir -p "$(INSTANCE)"
	@[ -f "$(INSTANCE)/hotline.env" ] || { \
		printf '%s\n' \
		  '# Written by make run: settings of the hotline command in this checkout.' \
		  '# The environment wins over this file; delete it to run as production.' \
		  'HOTLINE_ENV=development' > "$(INSTANCE)/hotline.env" \
		&& echo "wrote $(INSTANCE)/hotline.env (HOTLINE_ENV=development)"; }
	$(BIN)/hotline init-db
	$(BIN)/hotline demo
	$(BIN)/hotline serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's chromium (Playwright cannot download browsers
# here); as root we install it, otherwise those tests are skipped with the reason.
test: $(BIN)/.installed deploy-tools
	@[ -x /usr/bin/chromium ] || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
		|| { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| echo "warning: could not install chromium; browser tests will be skipped" >&2
	@# The e-mail tests start a private IMAP server of their own from Debian's dovecot-imapd.
	@[ -x /usr/sbin/dovecot ] || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
		|| { apt-get -o DPkg::Lock::Timeout=600 update -qq \
			&& apt-get -o DPkg::Lock::Timeout=600 install -y -qq dovecot-imapd >/dev/null; } \
		|| echo "warning: could not install dovecot-imapd; IMAP tests will be skipped" >&2
	$(BIN)/pytest

# tests/deploy run the shipped nginx site with a certificate made by openssl and
# `systemd-analyze verify` on the units: as root we install what is missing, otherwise
# those tests are skipped with the reason.
DEPLOY_TOOLS := /usr/sbin/nginx:nginx /usr/bin/systemd-analyze:systemd /usr/bin/openssl:openssl
APT := apt-get -o DPkg::Lock::Timeout=600
deploy-tools:
	@missing=""; for pair in $(DEPLOY_TOOLS); do \
		[ -x "$${pair%%:*}" ] || missing="$$missing $${pair##*:}"; done; \
	[ -z "$$missing" ] || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
		|| { $(APT) update -qq && $(APT) install -y -qq $$missing >/dev/null; } \
		|| echo "warning: could not install$$missing; deployment tests will be skipped" >&2

# The deployment checks alone (systemd units, nginx site, gunicorn, a call through both).
deploy-check: $(BIN)/.installed deploy-tools
	$(BIN)/pytest tests/deploy

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# bench/webhooks.py drives its load with wrk (Debian package); as root we install it.
bench-deps: $(BIN)/.installed
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
		|| { apt-get -o DPkg::Lock::Timeout=600 update -qq \
		&& apt-get -o DPkg::Lock::Timeout=600 install -y -qq wrk >/dev/null; }
	@command -v wrk >/dev/null || { echo "error: wrk is missing (Debian package wrk)" >&2; exit 1; }
