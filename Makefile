# The two commands of the README: `make demo` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.yecai-installed
# A DuckDB 1.x client, for the test that the published BI database opens in one.
DUCKDB1 := $(VENV)/duckdb1

.PHONY: demo test test-fast lint install browser clean

demo: $(STAMP)
	$(BIN)/yecai demo

test: $(STAMP) browser
	$(BIN)/pytest

# Chromium and CJK fonts from Debian, for the test that opens the docs site headless.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; }

# The tests that need no built warehouse (under 2 minutes).
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

# Python (ruff) and SQL (sqlfluff, dbt templater, DuckDB dialect: .sqlfluff) linting.
lint: $(STAMP)
	$(BIN)/ruff check .
	YECAI_DUCKDB_PATH=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests/dbt analyses --processes 2

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps --target $(DUCKDB1) duckdb==1.5.6
	touch $(STAMP)

clean:
	rm -rf $(VENV) data target logs
