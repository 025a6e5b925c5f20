# The two set-up commands on a fresh machine are `make run` and `make test`; both create the
# virtual environment and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test-only JavaScript (axe-core, injected into pages by the browser tests).
NODE_STAMP := node_modules/.installed

.PHONY: install run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Without npm the browser tests are skipped (pytest says so in one line at the end).
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else \
	  echo "npm not found: skipping npm ci, so the browser tests will be skipped" \
	    "(install Debian's chromium and npm, or run .ci/run)"; \
	fi

install: $(STAMP)

# The main job: check the shipped law data, migrate the embedded SQLite database, load the
# demo into it if it is empty, list its organisations and people, say how to call the CLI,
# start the notifications worker, and serve the web application on http://127.0.0.1:8000.
run: $(STAMP)
	$(BIN)/rogatory rules validate
	$(BIN)/rogatory db upgrade
	$(BIN)/rogatory demo --if-empty
	$(BIN)/rogatory users list
	@echo "The command line: . $(BIN)/activate, then rogatory --help (or run $(BIN)/rogatory directly)."
	@echo "An API token for a demo user: $(BIN)/rogatory tokens create reviewer@nimbus.example --name me --scope cases:read"
	@echo "Notifications: rogatory worker runs beside the server (email waits in the outbox until ROGATORY_SMTP_HOST is set)."
	$(BIN)/rogatory worker --quiet & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/rogatory serve --demo

# The whole suite: SQLite and a throwaway PostgreSQL, and the browser tests in Debian's
# Chromium (/usr/bin/chromium; .ci/run installs it). Without Chromium or npm the browser
# tests are skipped with one line saying so; ROGATORY_REQUIRE_BROWSER=1 makes that a failure.
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# Files the import benchmark generates and imports into each database (make bench
# BENCH_IMPORT_FILES=5000 for a shorter run).
BENCH_IMPORT_FILES ?= 100000

bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_intake
	$(BIN)/python -m benchmarks.bench_parties
	$(BIN)/python -m benchmarks.bench_screening
	$(BIN)/python -m benchmarks.bench_audit
	$(BIN)/python -m benchmarks.bench_reports
	$(BIN)/python -m benchmarks.bench_import $(BENCH_IMPORT_FILES)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
