# Front Door: every set-up step lives here, so a fresh machine needs only
# `make run` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run timers test test-dates test-browser fuzz lint format db demo assets browser bench clean help

help:
	@echo "make run    set up everything and serve on http://127.0.0.1:5000, with the timer worker (development)"
	@echo "make timers the timer worker on its own (flask timers run --loop)"
	@echo "make test   set up everything and run the whole test suite, browser tests included"
	@echo "make test-dates  the suite (without browser tests) at each instant in TEST_DATES"
	@echo "make fuzz   the fuzz test (tests/security/test_fuzz.py) with many more examples (FUZZ_PROFILE=long)"
	@echo "make bench  the real request path under gunicorn, driven by Locust, on SQLite and PostgreSQL"
	@echo "make lint   ruff lint and format check"

# Python dependencies, reinstalled when a requirements file changes.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# npm dependencies, from the lock file.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

ASSET_SOURCES := $(wildcard app/assets/*) scripts/build-assets.mjs
app/static/app.css: node_modules/.installed $(ASSET_SOURCES)
	node scripts/build-assets.mjs

assets: app/static/app.css

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

instance:
	mkdir -p instance

db: $(BIN)/.installed instance
	$(BIN)/flask db upgrade

demo: db
	FRONT_DOOR_ENV=$${FRONT_DOOR_ENV:-development} $(BIN)/flask demo load

# The development server, and beside it the timer worker (a second process, stopped with it),
# so that overdue work escalates while you click about.
run: $(BIN)/.installed assets demo
	@$(BIN)/flask timers run --loop --interval $${TIMER_INTERVAL:-15} & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# The timer worker on its own (production runs it as a separate service: see the README).
timers: $(BIN)/.installed db
	$(BIN)/flask timers run --loop

test: $(BIN)/.installed assets browser
	$(BIN)/pytest

# The load generator in its own virtualenv, so that its dependencies never touch the app's.
.venv-bench/.installed: requirements-bench.txt
	test -x .venv-bench/bin/python || $(PYTHON) -m venv .venv-bench
	.venv-bench/bin/pip install --quiet -r requirements-bench.txt
	touch $@

# gunicorn on SQLite and a scratch PostgreSQL database, driven over loopback (docs/performance.md).
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--db postgresql --clients 20 --background 100000".
bench: $(BIN)/.installed .venv-bench/.installed assets
	$(BIN)/python scripts/bench_http.py $(BENCH_ARGS)

# The instants `make test-dates` starts the clock at: a Tuesday in June; the
# Friday 16:59 before the August bank holiday Monday; Christmas Eve; a leap
# day; and both nights the clocks change in 2026, before and after the change.
TEST_DATES := 2026-06-16T10:00:00+01:00 2026-08-28T16:59:00+01:00 2026-12-24T12:00:00+00:00 \
	2028-02-29T12:00:00+00:00 2026-03-29T00:30:00+00:00 2026-03-29T01:30:00+00:00 \
	2026-10-25T00:30:00+00:00 2026-10-25T01:30:00+00:00

test-dates: $(BIN)/.installed assets
	@failed=""; \
	for instant in $(TEST_DATES); do \
		echo "== the suite with the clock at $$instant =="; \
		$(BIN)/pytest --ignore=tests/browser --base-time=$$instant || failed="$$failed $$instant"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED at:$$failed"; exit 1; fi; \
	echo "Passed at every instant: $(TEST_DATES)"

# The fuzz test with Hypothesis' "long" profile (tests/security/conftest.py): a few hundred
# examples a route instead of the handful `make test` runs. Takes several minutes.
fuzz: $(BIN)/.installed
	FUZZ_PROFILE=$${FUZZ_PROFILE:-long} $(BIN)/pytest tests/security/test_fuzz.py

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules app/static .pytest_cache
