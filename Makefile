# The two commands of the README: `make demo` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.yecai-installed

.PHONY: demo test install clean

demo: $(STAMP)
	$(BIN)/yecai demo

test: $(STAMP)
	$(BIN)/pytest

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $(STAMP)

clean:
	rm -rf $(VENV) data target logs
