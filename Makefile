# The two commands of the README: `make build` and `make test`. Both set everything up first.
VENV ?= .venv
# The Python the venv is made from: the first of PYTHON_CANDIDATES that is 3.11 or newer and can make a venv. The
# operating system's own python3 comes first: distributions build it with profile-guided and link-time optimisation
# into one static binary, and it runs extraction ~18% faster on this machine than pyenv's default build (shared
# libpython, no PGO) (bench/HISTORY.md). `make PYTHON=...` chooses another.
PYTHON_CANDIDATES ?= /usr/bin/python3 python3
PYTHON ?= $(or $(firstword $(foreach candidate,$(PYTHON_CANDIDATES),$(shell $(candidate) -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo $(candidate)))),python3)
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup compile build test chromium screenshot bench bench-layout bench-queries clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench,compile]'
	touch $@

## Compiled copies of the extraction modules whose source changed (extractors/compiled.py; Cython and a C compiler).
compile: $(VENV)/.installed
	$(PY) -c 'from extractors.compiled import main; raise SystemExit(main())'

setup: compile

## Set up and build the knowledge graph of the bundled sample corpus into exports/.
build: setup
	$(VENV)/bin/kg build

## Debian's chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## Set up and run the whole test suite.
test: setup chromium
	$(PY) -m pytest

## The README's screenshot, taken by the browser test's own setup (docs/screenshot.png).
screenshot: setup chromium
	PAPERKG_SCREENSHOT=$(CURDIR)/docs/screenshot.png $(PY) -m pytest -q tests/test_html_browser.py -k readme_screenshot

## Build benchmark: synthetic 10k and 100k abstracts, 1 and 2 workers (not part of the test suite; ~20 minutes).
## Other sizes: .venv/bin/python bench/run.py --sizes 1000000 --workers 2
bench: setup
	$(PY) bench/run.py

## HTML layout benchmark: seconds and readability of the page's layout against one round over all nodes.
bench-layout: setup
	$(PY) bench/layout.py $(CORPUS)

## Query-latency benchmark, rdflib vs pyoxigraph (not part of the test suite; minutes, and GBs of memory).
bench-queries: setup
	$(PY) bench/query_bench.py

clean:
	rm -rf $(VENV) build/compiled exports/graph.* exports/mentions.jsonl exports/.paperkg exports/.oxigraph
