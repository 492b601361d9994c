# Two commands do all set-up: `make dev` runs the platform, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Separate stamps: `make dev` installs only what the platform runs on; `make test` (and
# `make install`, `make lint`) add the test and lint tools.
RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP := $(VENV)/.installed-test
PIP := $(BIN)/pip install --disable-pip-version-check

.PHONY: dev test lint bench schema docs install clean

$(RUNTIME_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Flowplane needs Python >= 3.11"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> Installing Flowplane and its runtime dependencies into $(VENV) (the first time takes a few minutes)"
	$(PIP) -e .
	@touch $@

$(TEST_STAMP): $(RUNTIME_STAMP)
	@echo "==> Installing the test and lint tools into $(VENV)"
	$(PIP) -e '.[test]'
	@touch $@

install: $(TEST_STAMP)  ## everything for development: the platform, tests and linters

dev: $(RUNTIME_STAMP)  ## run API, worker, scheduler and sync (embedded PostgreSQL/Redis unless URLs set)
	$(BIN)/flowplane dev

test: $(TEST_STAMP)  ## the whole suite, on embedded servers unless DATABASE_URL / REDIS_URL are set
	$(BIN)/pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(TEST_STAMP)
	$(BIN)/python -m bench

schema: $(RUNTIME_STAMP)  ## regenerate schema.graphql and possibleTypes.json from the code
	$(BIN)/flowplane graphql-schema > schema.graphql
	$(BIN)/flowplane graphql-schema --possible-types > possibleTypes.json

docs: $(RUNTIME_STAMP)  ## regenerate docs/node-types.md from the node-type registry
	$(BIN)/flowplane node-types > docs/node-types.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
