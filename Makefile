# Two commands do all set-up on a fresh machine:
#   make serve   - index the sample corpus and serve the app on http://127.0.0.1:8000
#   make test    - run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: serve test index clean bench

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

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --letters 10000 --json benchmarks/results.json

clean:
	rm -rf $(VENV) data .pytest_cache
