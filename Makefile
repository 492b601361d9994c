# Two commands do all set-up: `make dev` runs the platform, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: dev test lint bench schema install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Flowplane needs Python >= 3.11"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

dev: install  ## run API, worker, scheduler and sync (embedded PostgreSQL/Redis unless URLs set)
	$(BIN)/flowplane dev

test: install  ## the whole suite, on embedded servers unless DATABASE_URL / REDIS_URL are set
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench

schema: install  ## regenerate schema.graphql and possibleTypes.json from the code
	$(BIN)/flowplane graphql-schema > schema.graphql
	$(BIN)/flowplane graphql-schema --possible-types > possibleTypes.json

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
