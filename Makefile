# Front Door: every set-up step lives here, so a fresh machine needs only
# `make run` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test test-browser lint format db demo assets browser clean help

help:
	@echo "make run    set up everything and serve on http://127.0.0.1:5000 (development)"
	@echo "make test   set up everything and run the whole test suite, browser tests included"
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

run: $(BIN)/.installed assets demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: $(BIN)/.installed assets browser
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules app/static .pytest_cache
