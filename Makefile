# Two commands do everything: `make run` (set up, prepare the demo, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VALIDATOR := tools/fhir-validator/node_modules/.package-lock.json

.PHONY: run test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,fhir]"
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

test: lint $(VALIDATOR)
	$(BIN)/pytest -q

# The independent FHIR validator the tests run (Node.js); skipped with a note where npm is absent.
$(VALIDATOR): tools/fhir-validator/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tools/fhir-validator --no-audit --no-fund; \
	else echo "npm not found: the FHIR validator tests will skip"; fi

bench: install
	$(BIN)/python benchmarks/plan.py
	PYTHONPATH=. $(BIN)/python benchmarks/records.py

clean:
	rm -rf $(VENV) tools/fhir-validator/node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
