# ReviewDesk: `make run` serves the demo on http://127.0.0.1:8700; `make test` runs lint and the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8700
STAMP := $(VENV)/.installed

.PHONY: run test lint bench fuzz fuzz-explore clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reviewdesk demo
	$(BIN)/reviewdesk serve --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test: lint
	$(BIN)/pytest -n 2 --dist loadfile -q

# Schemathesis over the whole OpenAPI document, on SQLite and PostgreSQL (about 4 minutes each).
# `fuzz` replays the same seeded cases every run (CI gates on it); `fuzz-explore` draws new ones.
FUZZ_SEED ?= 20261206
fuzz: $(STAMP)
	$(BIN)/python .ci/fuzz_api.py --seconds 200 --seed $(FUZZ_SEED) --max-examples 30

fuzz-explore: $(STAMP)
	$(BIN)/python .ci/fuzz_api.py --seconds 200

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) reviewdesk-data .pytest_cache .ruff_cache
