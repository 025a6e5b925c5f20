# The two set-up commands on a fresh machine are `make run` and `make test`; both create the
# virtual environment and install what they need on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The main job: check the shipped law data, then show where the Convention stands today.
run: $(STAMP)
	$(BIN)/rogatory rules validate
	$(BIN)/rogatory parties status
	$(BIN)/rogatory parties eif
	$(BIN)/rogatory check examples/requests --instruments examples/what-if-ratifications.csv

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_parties.py
	$(BIN)/python benchmarks/bench_screening.py
	$(BIN)/python benchmarks/bench_audit.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
