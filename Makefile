# Tessera: `make run` starts the whole storefront, `make test` runs every test.
# Both set up what they need first and skip whatever is already done.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint format setup browser lock bench clean mutation

run: setup
	$(PY) manage.py up

test: setup browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

setup: $(STAMP)

# The virtualenv is rebuilt only when the dependency files change.
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# Playwright drives Debian's Chromium (browsers cannot be downloaded here), with a Korean
# font so the Korean storefront's screenshots and layout checks see real glyphs.
browser:
	@command -v chromium >/dev/null 2>&1 && dpkg -s fonts-nanum >/dev/null 2>&1 || { \
	  echo "installing Chromium and a Korean font from Debian's packages"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-nanum; }

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Re-pin every dependency (run after changing pyproject.toml's dependencies).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install --quiet --disable-pip-version-check '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^tessera' > requirements.lock
	rm -rf .lockenv

# Mutation testing (not part of `make test`: it takes a long while): mutmut changes the
# engine, the gateway and the registry's validators one small mutation at a time and runs the
# unit tests that cover each (tests/shell, tests/registry); a mutant no test fails survived.
# It works on a staged copy, never on this tree: there the registry package sits at
# `registry/`, the module path the tests import it by ([tool.mutmut] in pyproject.toml).
MUTATION_DIR ?= /tmp/tessera-mutation
MUTATION_JOBS ?= 2

mutation: setup
	rm -rf $(MUTATION_DIR) && mkdir -p $(MUTATION_DIR)
	cp -r shell tests conftest.py pyproject.toml $(MUTATION_DIR)/
	cp -r fragment-registry/registry $(MUTATION_DIR)/registry
	find $(MUTATION_DIR) -name __pycache__ -prune -exec rm -rf {} +
	cd $(MUTATION_DIR) && $(CURDIR)/$(VENV)/bin/mutmut run --max-children $(MUTATION_JOBS)
	@echo "survivors per module:"
	@cd $(MUTATION_DIR) && $(CURDIR)/$(VENV)/bin/mutmut results \
	  | sed -nE 's/^ *([A-Za-z0-9_.]+)\.x[_ǁ].*: survived$$/\1/p' | sort | uniq -c

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .ruff_cache
