# Two commands do all set-up on a fresh machine:
#   make serve   - index the sample corpus and serve the app on http://127.0.0.1:8000
#   make test    - run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: serve test test-fast lint format index clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/imr serve --corpus corpus --index data/index

index: $(STAMP)
	$(BIN)/imr index corpus --index data/index

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite without the end-to-end (browser) and slow tests: for iterating.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not slow" $(PYTEST_ARGS)

# Lint and format check (ruff) and types (mypy, on the library, the web app and the command line); CI runs this before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Format the code (ruff format), and fix what the linter can fix safely (import order).
format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --letters 10000 --json benchmarks/results.json

clean:
	rm -rf $(VENV) data .pytest_cache
