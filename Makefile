# Entry points: make run, make test, make bench, make lint. See README.md.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
TEST_DATABASE_URL ?=
PORT ?= 5000
# Links in e-mails and QR codes made by `make run` point at its own server (another PORT included).
BASE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test pdf-libraries test-sqlite test-postgres lint format bench translations translations-update chromium redis-server pdfsig install clean

# Virtual environment with the app and its dev tools; re-installed when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --disable-pip-version-check --no-warn-script-location --upgrade pip
	$(BIN)/pip install -qq --disable-pip-version-check --no-warn-script-location -e ".[dev]"
	touch $@

install: $(BIN)/.installed translations pdf-libraries

# WeasyPrint (PDF documents) needs Debian's Pango; installed when missing.
pdf-libraries:
	@ldconfig -p | grep -q libpangoft2-1.0 || { \
	  echo "installing Debian's Pango for WeasyPrint"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d app/translations 2>&1 | grep -v "^compiling" || true

# Debian's Chromium for the browser tests (never a downloaded browser build).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's redis-server: the tests of the Redis store (a throw-away server per test module) and the
# verification benchmark start their own; production points RATELIMIT_STORAGE_URI at a real one.
redis-server:
	@command -v redis-server >/dev/null || { \
	  echo "installing Debian's redis-server for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# Debian's poppler-utils: `pdfsig` checks the signatures the tests make independently of pyHanko (NSS).
pdfsig:
	@command -v pdfsig >/dev/null || { \
	  echo "installing Debian's poppler-utils (pdfsig) for the tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }

run: export BASE_URL := $(BASE_URL)
run: install
	APP_CONFIG=development $(FLASK) db upgrade
	APP_CONFIG=development $(FLASK) reference seed
	APP_CONFIG=development $(FLASK) regions import
	APP_CONFIG=development $(FLASK) demo accounts
	@# Development signing keys (a self-signed CA, a PDF signer and a QR statement key per issuer), once.
	APP_CONFIG=development $(FLASK) credentials dev-keys LSPS LSPENSOS SIPPS
	@# One demo person through registration, training, certification, a certificate and a licence (once: later runs print what exists).
	APP_CONFIG=development $(FLASK) demo chain --once
	@# The web server and one job consumer (Procfile.dev); Ctrl+C stops both.
	APP_CONFIG=development BIN=$(BIN) PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# One pytest run per database, each with its own pytest cache and screenshots folder (test-output/<run>/).
PYTEST_SQLITE = APP_CONFIG=testing TEST_DATABASE_URL= TEST_OUTPUT_DIR=test-output/sqlite \
  $(BIN)/pytest -q -o cache_dir=test-output/sqlite/.pytest_cache
PYTEST_POSTGRES = APP_CONFIG=testing TEST_DATABASE_URL="$(TEST_DATABASE_URL)" TEST_OUTPUT_DIR=test-output/postgresql \
  $(BIN)/pytest -q -o cache_dir=test-output/postgresql/.pytest_cache

# With TEST_DATABASE_URL set, the SQLite and PostgreSQL runs go at the same time (one pytest process
# each, after `install` has run once). They share nothing they write: each has its own temporary files
# (tests/conftest.py), live server port (a free one), pytest cache and screenshots folder; their output
# is kept in test-output/<run>.log and printed when both have finished.
test: install chromium redis-server pdfsig lint
	@if [ -z "$(TEST_DATABASE_URL)" ]; then $(PYTEST_SQLITE); exit $$?; fi; \
	mkdir -p test-output; \
	$(PYTEST_SQLITE) > test-output/sqlite.log 2>&1 & sqlite=$$!; \
	$(PYTEST_POSTGRES) > test-output/postgresql.log 2>&1 & postgres=$$!; \
	wait $$sqlite; sqlite_status=$$?; wait $$postgres; postgres_status=$$?; \
	echo "== SQLite (exit $$sqlite_status)"; cat test-output/sqlite.log; \
	echo "== PostgreSQL: $(TEST_DATABASE_URL) (exit $$postgres_status)"; cat test-output/postgresql.log; \
	[ $$sqlite_status -eq 0 ] && [ $$postgres_status -eq 0 ]

test-sqlite: install redis-server pdfsig
	$(PYTEST_SQLITE)

test-postgres: install redis-server pdfsig
	@if [ -n "$(TEST_DATABASE_URL)" ]; then \
	  echo "== PostgreSQL: $(TEST_DATABASE_URL)"; \
	  $(PYTEST_POSTGRES); \
	else echo "== TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

bench: install redis-server
	@# BENCH_DATABASE_URL (optional) adds a PostgreSQL run on a SCRATCH database (its tables are dropped).
	APP_CONFIG=testing $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-output

# After changing UI strings: refresh the catalogue, then translate the new entries in app/translations/en.
translations-update: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations
