# scar-evidence: the two commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Embedded defaults: Prefect's local ephemeral API with its home inside the project.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90
export PREFECT_LOGGING_LEVEL ?= WARNING

.DEFAULT_GOAL := check
.PHONY: check demo test lint browser clean

check: test

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## demo: install, run the pipeline on data/raw, print where the report is
demo: $(STAMP)
	$(BIN)/scar-evidence run

## test: lint + the whole test suite (needs Debian chromium for the browser test; installed if missing)
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

browser:
	@command -v chromium >/dev/null 2>&1 || bash scripts/install-chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .prefect reports/*/ data/*.duckdb data/*.duckdb.*
