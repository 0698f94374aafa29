# The two commands of the README: `make demo` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.yecai-installed
# A DuckDB 1.x client, for the test that the published BI database opens in one.
DUCKDB1 := $(VENV)/duckdb1
# Apache Superset in its own venv (it pins SQLAlchemy 1.4), for the BI-tool test.
SUPERSET_VENV  ?= .venv-superset
SUPERSET_STAMP := $(SUPERSET_VENV)/.yecai-installed
SPARK_STAMP    := $(VENV)/.yecai-spark-installed

.PHONY: demo test test-fast lint install browser superset spark clean

demo: $(STAMP)
	$(BIN)/yecai demo

# Two workers (pytest-xdist): the warehouses' tests on one, the main job on Spark and its longest runs on the other (tests/python/conftest.py).
test: $(STAMP) browser superset spark
	$(BIN)/pytest -n 2 --dist loadgroup --durations=5

# Chromium and CJK fonts from Debian, for the test that opens the docs site headless.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; }

# Apache Superset (requirements-superset.lock), for the test that a BI tool reads the published file.
superset: $(SUPERSET_STAMP)

$(SUPERSET_STAMP): requirements-superset.lock
	$(PYTHON) -m venv $(SUPERSET_VENV)
	$(SUPERSET_VENV)/bin/pip install --quiet --upgrade pip
	$(SUPERSET_VENV)/bin/pip install --quiet -r requirements-superset.lock
	touch $(SUPERSET_STAMP)

# dbt-spark and pyspark, and Java 17 from Debian, for the spark target of profiles.yml (README,
# "Moving to Spark") and the test that compares the main job on Spark with DuckDB's.
spark: $(SPARK_STAMP)

$(SPARK_STAMP): $(STAMP)
	@command -v java >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; }
	$(BIN)/pip install --quiet -c requirements.lock -e '.[spark]'
	touch $(SPARK_STAMP)

# The tests that need no built warehouse (under 2 minutes).
test-fast: $(STAMP)
	$(BIN)/pytest -n 2 -m "not slow"

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
	rm -rf $(VENV) $(SUPERSET_VENV) data target logs
