# The two commands of the README: `make build` and `make test`. Both set everything up first.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup build test chromium bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

## Set up and build the knowledge graph of the bundled sample corpus into exports/.
build: setup
	$(VENV)/bin/kg build

## Debian's chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## Set up and run the whole test suite.
test: setup chromium
	$(PY) -m pytest

clean:
	rm -rf $(VENV) exports/graph.* exports/mentions.jsonl
