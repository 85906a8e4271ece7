# Two commands do everything: `make run` (set up, prepare the demo, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# `make run` is a local trial: development mode allows a generated secret.
run: export MICRONEEDLING_ENVIRONMENT ?= development
run: install
	$(BIN)/microneedling demo
	@echo "The CLI is ready: $(BIN)/microneedling --help"
	$(BIN)/microneedling serve --host 127.0.0.1 --port 8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/plan.py
	PYTHONPATH=. $(BIN)/python benchmarks/records.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
