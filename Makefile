# Two commands do all set-up: `make dev` runs the platform, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Separate stamps: `make dev` installs only what the platform runs on; `make test` (and
# `make install`, `make lint`) add the test and lint tools.
RUNTIME_STAMP := $(VENV)/.installed-runtime
TEST_STAMP := $(VENV)/.installed-test
PIP := $(BIN)/pip install --disable-pip-version-check

# The web console (console/, TypeScript + Vite) builds into the Python package. Each step is
# skipped while its inputs are unchanged: npm ci while the lockfile is, the build while the
# sources and schema.graphql are.
CONSOLE_DIST := graphql_api/console_dist
CONSOLE_STAMP := $(CONSOLE_DIST)/.build-stamp
NODE_STAMP := console/node_modules/.ci-stamp
CONSOLE_SOURCES := $(shell find console/src console/public -print 2>/dev/null) \
	$(wildcard console/*.html console/*.ts console/*.json) schema.graphql
# One line that says what is missing when Node.js 20.19+ (which Vite needs) or npm is not there.
NODE_CHECK := node -e 'const [a, b] = process.versions.node.split(".").map(Number); \
	process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null && command -v npm >/dev/null \
	|| { echo "make: the web console needs Node.js 20.19 or newer and npm on PATH (found: $$(node --version 2>/dev/null || echo no node))"; exit 1; }

.PHONY: dev test lint bench schema docs screenshots install console clean

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

$(NODE_STAMP): console/package.json console/package-lock.json
	@$(NODE_CHECK)
	@echo "==> Installing the web console's packages (npm ci)"
	cd console && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(CONSOLE_STAMP): $(NODE_STAMP) $(CONSOLE_SOURCES)
	@$(NODE_CHECK)
	@echo "==> Building the web console and GraphiQL"
	cd console && npm run --silent build -- --logLevel warn
	@touch $@

console: $(CONSOLE_STAMP)  ## build the web console and GraphiQL into graphql_api/console_dist/

dev: $(RUNTIME_STAMP) console  ## run API, worker, scheduler and sync (embedded PostgreSQL/Redis unless URLs set)
	$(BIN)/flowplane dev

test: $(TEST_STAMP) console  ## the whole suite, on embedded servers unless DATABASE_URL / REDIS_URL are set
	cd console && npx vitest run
	@# The suite starts ~200 platform processes: compiled once here, they do not each compile
	@# every module again where PYTHONDONTWRITEBYTECODE is set.
	@$(BIN)/python -m compileall -q -j 0 db deploy domain engine flowplane graphql_api sync telemetry
	$(BIN)/pytest

lint: $(TEST_STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd console && npx tsc --noEmit && npx graphql-codegen --config codegen.ts --check --silent

bench: $(TEST_STAMP)
	$(BIN)/python -m bench

schema: $(RUNTIME_STAMP) $(NODE_STAMP)  ## regenerate schema.graphql, possibleTypes.json and the console's types
	$(BIN)/flowplane graphql-schema > schema.graphql
	$(BIN)/flowplane graphql-schema --possible-types > possibleTypes.json
	cd console && npx graphql-codegen --config codegen.ts --silent

docs: $(RUNTIME_STAMP)  ## regenerate docs/node-types.md from the node-type registry
	$(BIN)/flowplane node-types > docs/node-types.md

screenshots: $(TEST_STAMP) console  ## refresh the README's console pictures in docs/screenshots/
	FLOWPLANE_SCREENSHOTS=update $(BIN)/pytest tests/console -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache console/node_modules $(CONSOLE_DIST)
