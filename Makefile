# scar-evidence: the two commands are `make demo` and `make test` (see README.md).
VENV   := .venv
BIN    := $(VENV)/bin

# The Python that builds .venv: PYTHON=... when given, else the newest of python3.13,
# python3.12 and python3.11 that runs (scripts/find-python.sh prints "X.Y /path/to/python",
# or the one line that says what is needed). The stamp names the version, so a change of
# interpreter rebuilds .venv.
FOUND      := $(shell bash scripts/find-python.sh $(PYTHON) 2>&1)
NO_PYTHON  := $(if $(filter scar-evidence,$(firstword $(FOUND))),$(FOUND))
PY_VERSION := $(if $(NO_PYTHON),none,$(firstword $(FOUND)))
PY         := $(wordlist 2,$(words $(FOUND)),$(FOUND))
STAMP      := $(VENV)/.installed-$(PY_VERSION)

# Embedded defaults: Prefect's local ephemeral API with its home inside the project.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 90
export PREFECT_LOGGING_LEVEL ?= WARNING

.DEFAULT_GOAL := check
.PHONY: check demo test matrix lint browser clean

check: test

$(STAMP): pyproject.toml constraints.txt
	$(if $(NO_PYTHON),$(error $(NO_PYTHON)))
	@echo "Python $(PY_VERSION) ($(PY)) builds $(VENV)"
	$(PY) -m venv --clear $(VENV)
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

## matrix: on every other supported Python found here, a fresh .venv-X.Y, the shipped run
## (its summary must equal this .venv's) and the tests that need no browser, Prefect server or
## tens of seconds; an absent version is skipped
matrix: $(STAMP)
	$(BIN)/python scripts/python_matrix.py

browser:
	@command -v chromium >/dev/null 2>&1 || bash scripts/install-chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) .venv-*/ .matrix .prefect reports/*/ data/*.duckdb data/*.duckdb.*
