# chorusflow developer commands. `make demo` and `make test` are the Quick start.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.chorusflow-installed
export CHORUSFLOW_HOME ?= $(CURDIR)/.chorusflow
export AIRFLOW_HOME ?= $(CURDIR)/.airflow

.PHONY: install demo test lint typecheck pytest bench reliability airflow scale sandbox clean chromium

install: $(STAMP)

$(STAMP): pyproject.toml devtools/pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "chorusflow needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]" -e ./devtools
	@touch $(STAMP)

demo: install
	$(BIN)/python -m chorusflow_dev.demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check include devtools dags plugins tests

typecheck: install
	$(BIN)/mypy

# `make test` leaves out the full-size reliability runs (`make reliability` runs them).
PYTEST_MARKERS ?= not reliability_long

pytest: install chromium
	$(BIN)/python -m pytest -m "$(PYTEST_MARKERS)" $(PYTEST_ARGS)

# Debian's Chromium for the browser test (tests/e2e/test_browser.py); never a downloaded browser.
# Installed only when missing and running as root with apt-get; otherwise that test is skipped.
chromium:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian's chromium for the browser test …"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
			>/dev/null) || echo "chromium: apt-get install failed; the browser test will be skipped"; \
	else \
		echo "chromium: not installed and not root; the browser test will be skipped (as root: make chromium)"; \
	fi

test: lint typecheck pytest

# Benchmarks print figures measured in one run (docs/performance.md); they assert no time.
bench: install
	@echo "== Validation (bench/validation.py) =="
	$(BIN)/python bench/validation.py
	@echo "== Command line (bench/cli.py) =="
	$(BIN)/python bench/cli.py
	@echo "== Invoice PDF rendering (bench/rendering.py) =="
	$(BIN)/python bench/rendering.py
	@echo "== Submission (bench/submission.py) =="
	$(BIN)/python bench/submission.py
	@echo "== Submission, facturx channel (bench/submission.py --channel facturx) =="
	$(BIN)/python bench/submission.py --channel facturx
	@echo "== Flux size (bench/flux.py) =="
	$(BIN)/python bench/flux.py
	@echo "== Invoice desk, 100,000 invoices on SQLite and PostgreSQL (bench/desk.py) =="
	$(BIN)/python bench/desk.py
	@echo "== Recording 20,000 verdicts in the ledger, SQLite and PostgreSQL (bench/ledger.py) =="
	$(BIN)/python bench/ledger.py
	@echo "== Factur-X build and conformance (bench/conformance.py) =="
	$(BIN)/python bench/conformance.py
	@echo "== Status sync (bench/status_sync.py) =="
	$(BIN)/python bench/status_sync.py
	@echo "== Scale: one PISTE quota, two Celery workers (bench/scale.py; about 40 minutes) =="
	$(BIN)/python bench/scale.py

# Every reliability section at full size (about 25 minutes on 2 cores), then the property tests with
# thousands of examples (Hypothesis profile "reliability", docs/testing.md), then one line per section.
reliability: install
	@summary=$$(mktemp); \
	CHORUSFLOW_RELIABILITY_SUMMARY=$$summary $(BIN)/python -m pytest tests/reliability -m "" $(PYTEST_ARGS); \
	status=$$?; \
	CHORUSFLOW_HYPOTHESIS_PROFILE=reliability CHORUSFLOW_RELIABILITY_SUMMARY=$$summary \
		$(BIN)/python -m pytest tests/properties -m "" $(PYTEST_ARGS) || status=$$?; \
	echo; echo "== reliability summary =="; cat $$summary; rm -f $$summary; exit $$status

sandbox: install
	$(BIN)/chorusflow sandbox

airflow: install
	$(BIN)/python -m chorusflow_dev.airflow.local

# CeleryExecutor: API server, scheduler, DAG processor and two Celery workers that share only
# PostgreSQL (local, trust), Redis and a shared storage folder (docs/deployment.md).
scale: install
	$(BIN)/python -m chorusflow_dev.airflow.scale

clean:
	rm -rf $(VENV) .airflow .chorusflow .mypy_cache .ruff_cache .pytest_cache
