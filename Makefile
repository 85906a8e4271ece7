# Two commands do everything: `make run` (set up, prepare the demo, serve) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install install-imaging lint bench bench-imaging clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) install-imaging

# Photo analysis (optional extra): its OpenCV needs the system's libGL and libgthread.
IMAGING_STAMP := $(VENV)/.imaging-installed
$(IMAGING_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,imaging]"
	touch $(IMAGING_STAMP)

install-imaging: $(STAMP)
	@if $(BIN)/python -c "import ctypes; ctypes.CDLL('libGL.so.1'); ctypes.CDLL('libgthread-2.0.so.0')" 2>/dev/null; then \
		$(MAKE) --no-print-directory --silent $(IMAGING_STAMP); \
	else \
		echo "Photo analysis skipped (no libGL): apt-get install libgl1 libglib2.0-0 && $(BIN)/pip install -e '.[imaging]'"; \
	fi

bench-imaging: $(IMAGING_STAMP)
	$(BIN)/python benchmarks/imaging.py

run: install
	$(BIN)/microneedling plan docs/examples/acne-scars-clinic.json
	$(BIN)/microneedling --help
	@echo "The CLI is ready: $(BIN)/microneedling (the web app arrives with the records issue)."

lint: install $(IMAGING_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/plan.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
