# Two commands do everything: `make run` (set up, prepare the demo, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VALIDATOR := tools/fhir-validator/node_modules/.package-lock.json

.PHONY: run test install install-imaging lint bench bench-imaging bench-load clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,fhir,documents,bench]"
	touch $(STAMP)

install: $(STAMP) install-imaging

# Photo analysis (optional extra): its OpenCV needs the system's libGL and libgthread. The
# tests also run the second landmark backend, dlib (about 105 MB to download).
IMAGING_STAMP := $(VENV)/.imaging-installed
$(IMAGING_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,imaging,landmarks-dlib]"
	touch $(IMAGING_STAMP)

install-imaging: $(STAMP)
	@if $(BIN)/python -c "import ctypes; ctypes.CDLL('libGL.so.1'); ctypes.CDLL('libgthread-2.0.so.0')" 2>/dev/null; then \
		$(MAKE) --no-print-directory --silent $(IMAGING_STAMP); \
	else \
		echo "Photo analysis skipped (no libGL): apt-get install libgl1 libglib2.0-0 && $(BIN)/pip install -e '.[imaging]'"; \
	fi

# The load test: 1 and 2 workers on a throwaway PostgreSQL, then SQLite (about 8 minutes).
bench-load: install
	$(BIN)/python benchmarks/load.py
	$(BIN)/python benchmarks/clinic_year.py

bench-imaging: $(IMAGING_STAMP)
	$(BIN)/python benchmarks/imaging.py

# `make run` is a local trial: development mode allows a generated secret.
run: export MICRONEEDLING_ENVIRONMENT ?= development
run: install
	$(BIN)/microneedling db upgrade
	$(BIN)/microneedling demo
	@echo "The CLI is ready: $(BIN)/microneedling --help"
	$(BIN)/microneedling serve --host 127.0.0.1 --port 8000

lint: install $(IMAGING_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The date-sensitive tests run again where the machine's day differs from UTC's: a day ahead
# (Auckland) and behind (Los Angeles) at the suite's fixed instant.
test: lint $(VALIDATOR)
	$(BIN)/pytest -q
	TZ=Pacific/Auckland $(BIN)/pytest -q -m dates
	TZ=America/Los_Angeles $(BIN)/pytest -q -m dates

# The test-only Node.js tools (the independent FHIR validator, axe-core for the pages);
# skipped with a note where npm is absent.
$(VALIDATOR): tools/fhir-validator/package-lock.json
	if command -v npm >/dev/null; then npm ci --prefix tools/fhir-validator --no-audit --no-fund; \
	else echo "npm not found: the FHIR validator and axe-core tests will skip"; fi

bench: install
	$(BIN)/python benchmarks/plan.py
	PYTHONPATH=. $(BIN)/python benchmarks/records.py

clean:
	rm -rf $(VENV) tools/fhir-validator/node_modules .pytest_cache .mypy_cache .ruff_cache .hypothesis
