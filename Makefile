# The one front door for developer tasks. README and .ci/run use these targets.
#   make demo   set everything up, then run the main job on the embedded default
#   make test   set everything up, then lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: setup system demo test lint typecheck pytest bench clean

# The modules mypyc compiles (pyproject.toml [tool.narcoscope.compiled]): an edit to one rebuilds, since
# the installed-in-place extension beside it would otherwise go on running the old code.
COMPILED := $(shell sed -n '/^\[tool.narcoscope.compiled\]/,/^]/p' pyproject.toml | grep -o '"[^"]*\.py"' | tr -d '"')

$(STAMP): pyproject.toml setup.py nlp/_tokendata.c $(COMPILED)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# System packages first: gcc among them builds the compiled parts during the install.
setup: system $(STAMP)

# System packages the tests need (a private Tor network): installed when missing and root.
system:
	@scripts/install-system-deps

demo: $(STAMP)
	$(BIN)/narcoscope demo

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: setup lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_crawl.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
