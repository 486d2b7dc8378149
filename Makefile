# `make run` installs what is missing (from uv.lock) and serves the API; `make test` runs the whole suite.
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# CI runs every database test on PostgreSQL as well as SQLite, and the rate limits on Redis as in production;
# elsewhere set TEST_POSTGRES_URL and TEST_REDIS_URL (and TEST_POSTGRES_REPLICA_URL) to do the same.
ifeq ($(CI),true)
TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# A streaming replica of that PostgreSQL (.ci/replica start makes it), for the read-replica tests.
TEST_POSTGRES_REPLICA_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5433/postgres
export TEST_POSTGRES_URL TEST_REDIS_URL TEST_POSTGRES_REPLICA_URL
endif

.PHONY: install browser run test test-postgres screenshots lint migrate seed bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

# The console's browser tests drive Debian's chromium (Playwright's own browser download does not work here), with a
# Chinese font so that its pages (and the README's screenshots) show Chinese rather than empty boxes.
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@if ! command -v chromium >/dev/null || [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(BROWSER_PACKAGES); \
	  else echo "the console's browser tests need: sudo apt-get install $(BROWSER_PACKAGES)" >&2; exit 1; fi; fi

run: install
	$(VENV)/bin/svcdir serve

test: install browser
	$(VENV)/bin/pytest

test-postgres: install browser
	TEST_POSTGRES_URL=$${TEST_POSTGRES_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/postgres} \
	TEST_REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/0} $(VENV)/bin/pytest

# The README's pictures of the console, taken by its browser tests.
screenshots: install browser
	CONSOLE_SCREENSHOTS=docs/console $(VENV)/bin/pytest -q -p no:randomly tests/console

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/hadolint Dockerfile

migrate: install
	$(VENV)/bin/svcdir migrate

seed: install
	$(VENV)/bin/svcdir seed

# The load benchmark (bench/README.md): needs wrk and a local PostgreSQL; takes about ten minutes.
bench: install
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(UV) sync --frozen --python $(PYTHON) --group bench
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache
