# Reflectie: `make run` serves the app with demo data; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 3

.PHONY: run test lint audit format translations extract-messages clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("Reflectie needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@# deduce builds its lookup cache (~1-2 minutes) the first time; do it now, not on a request.
	$(BIN)/reflectie publishing warm
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Compiled message catalogues are build output (not committed).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations --statistics 2>&1 | tail -n 1

run: $(VENV)/.installed translations
	$(BIN)/reflectie init
	$(BIN)/reflectie demo
	@echo "Reflectie draait op http://$(HOST):$(PORT) (stoppen met Ctrl-C)"
	$(BIN)/reflectie serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# SQLite always; PostgreSQL too when REFLECTIE_TEST_POSTGRES_URL is set (CI sets it), browser
# tests included (their server then runs on PostgreSQL with the PostgreSQL search engine).
test: $(VENV)/.installed-test translations lint
	$(BIN)/python -m pytest --durations=10
	@if [ -n "$$REFLECTIE_TEST_POSTGRES_URL" ]; then \
	  echo "== the same suite on PostgreSQL =="; \
	  REFLECTIE_TEST_DATABASE_URL="$$REFLECTIE_TEST_POSTGRES_URL" $(BIN)/python -m pytest; \
	fi

# Known vulnerabilities with a fix in the installed packages (pip-audit, fails on those), and
# the security rules of ruff (flake8-bandit, "S").
audit: $(VENV)/.installed-test
	$(BIN)/ruff check --select S .
	$(BIN)/pip-audit --skip-editable --format json --progress-spinner off | $(BIN)/python scripts/fixable_vulns.py

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After adding user-facing strings: extract, then translate translations/en/LC_MESSAGES/messages.po.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
