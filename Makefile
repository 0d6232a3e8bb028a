# Kraftd Docs. The two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck unit system-deps npm-deps bench load clean help install

help:
	@echo "make run   - install and start the whole stack on http://127.0.0.1:$${PORT:-8000}"
	@echo "make test  - install what the tests need and run lint, types and the whole suite"
	@echo "make bench - run the benchmarks in bench/ and print their tables"
	@echo "make install - .venv with the pinned requirements and this checkout installed editable"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV) || { scripts/system_deps.sh python3-venv && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

# The pinned requirements, then this checkout installed editable (`kraftd-docs`, pyproject.toml): imports
# resolve from anywhere, scripts and benches need no sys.path edits, and Sentry's release is its version.
$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --editable .
	@touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps --editable .
	@touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime

# Tesseract (OCR of scans and photos) comes from Debian's packages, like redis-server.
OCR_DEPS := tesseract-ocr tesseract-ocr-eng

run: $(VENV)/.runtime
	@scripts/system_deps.sh redis-server $(OCR_DEPS)
	exec scripts/run.sh

system-deps:
	@scripts/system_deps.sh redis-server prometheus nginx $(OCR_DEPS)

npm-deps:
	@if [ -f package.json ]; then scripts/system_deps.sh nodejs npm && \
	  { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; }; fi

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

# headless Chromium for the browser tests (tests/e2e), from Debian's packages
browser-deps:
	@scripts/system_deps.sh chromium

test: $(VENV)/.dev system-deps browser-deps npm-deps lint typecheck
	$(BIN)/python -m pytest

# poppler-utils: pdftotext, one of the extractors bench/extract.py compares.
bench: $(VENV)/.dev system-deps
	@scripts/system_deps.sh poppler-utils
	$(BIN)/python -m bench.run_all

# 60 s of each load scenario (locust) against `make run` on loopback, then a table; see ops/README.md.
load: $(VENV)/.dev system-deps
	$(BIN)/python -m tests.load.run_load --duration $${LOAD_SECONDS:-60}

clean:
	rm -rf $(VENV) node_modules var test-artifacts .mypy_cache .ruff_cache .pytest_cache build *.egg-info
