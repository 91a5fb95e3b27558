# One entry point for setting up, running the demo and testing. See README.md.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DIR ?= demo_output

.PHONY: setup system-packages demo demo-pipeline test lint bench clean

setup: system-packages $(STAMP)

system-packages:
	bash scripts/install_system_packages.sh

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## demo: set everything up, build the demo study on first run, and open the reading workstation
## (readers R1 / PIN 1111 and R2 / PIN 2222; without a display: xvfb-run -a make demo)
demo: setup
	$(BIN)/cesm-reader app --demo

## demo-pipeline: the command-line pipeline on generated data (cohort, validation,
## preprocessing, simulated reader study, analysis report) in $(DEMO_DIR)
demo-pipeline: setup
	$(BIN)/cesm-reader demo --out $(DEMO_DIR)

## lint: ruff (format + check), the layering contracts (import-linter) and types (mypy)
lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## test: set everything up, lint, and run the test suite (GUI tests offscreen) under a throwaway
## PostgreSQL cluster (Debian's pg_virtualenv sets PGHOST etc.), so the study store is tested on
## SQLite and PostgreSQL alike; -t keeps the cluster in a temporary folder even as root, so two
## test runs on one machine do not collide
test: lint
	pg_virtualenv -t -- env QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: setup
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_DIR) demo_study .pytest_cache .ruff_cache .mypy_cache build *.egg-info
