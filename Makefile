# Two commands do all set-up on a fresh machine:
#   make serve   - index the sample corpus and serve the app on http://127.0.0.1:8000
#   make test    - run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: serve test test-fast lint format index clean bench

# The environment is rebuilt when what pyproject.toml says about the package and its
# dependencies changes, not merely the file's time: a checkout, rebase or stash
# rewrites the file, and the ruff, mypy and pytest sections change nothing installed;
# either would otherwise reinstall every dependency (about a minute) before
# `make lint` or `make test` could start. The stamp holds the hash of the
# pyproject.toml (without those sections) it was built from.
$(STAMP): pyproject.toml
	@want="$$(awk '/^\[/ { lint = /^\[\[?tool\.(ruff|mypy|pytest)/ } !lint' pyproject.toml | sha256sum | cut -d' ' -f1)"; \
	if [ -x $(BIN)/python ] && [ "$$(cat $@ 2>/dev/null)" = "$$want" ]; then \
		touch $@; \
	else \
		set -e; \
		echo "installing the environment in $(VENV) (pyproject.toml changed)"; \
		$(PYTHON) -m venv $(VENV); \
		$(BIN)/pip install --quiet --upgrade pip; \
		$(BIN)/pip install --quiet -e '.[dev]'; \
		echo "$$want" > $@; \
	fi

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
