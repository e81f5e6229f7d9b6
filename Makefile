# chorusflow developer commands. `make demo` and `make test` are the Quick start.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.chorusflow-installed
export CHORUSFLOW_HOME ?= $(CURDIR)/.chorusflow
export AIRFLOW_HOME ?= $(CURDIR)/.airflow

.PHONY: install demo test lint typecheck pytest bench reliability airflow sandbox clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "chorusflow needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

demo: install
	$(BIN)/python -m chorusflow.demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check include dags plugins tests

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install
	$(BIN)/python -m chorusflow.bench

sandbox: install
	$(BIN)/chorusflow sandbox

airflow: install
	$(BIN)/python -m chorusflow.airflow.local

clean:
	rm -rf $(VENV) .airflow .chorusflow .mypy_cache .ruff_cache .pytest_cache
