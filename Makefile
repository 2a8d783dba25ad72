# e-USP — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
WEB_WORKERS ?= 2
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/eusp

.PHONY: run test test-sqlite test-postgres lint install install-test messages clean-venv help

help:
	@echo "make run   — installe, migre, charge la ville de démonstration et démarre e-USP sur http://$(HOST):$(PORT)"
	@echo "make test  — lance toute la suite de tests (SQLite, puis PostgreSQL s'il répond)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "e-USP demande Python 3.11 ou plus récent.")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.installed-test: requirements/test.txt requirements/base.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements/test.txt
	@touch $@ $(VENV)/.installed-base

install: $(VENV)/.installed-base
install-test: $(VENV)/.installed-test

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_demo_city --if-empty
	@PORT=$(PORT) HOST=$(HOST) WEB_WORKERS=$(WEB_WORKERS) scripts/serve.sh

test: install-test
	scripts/ensure-chromium.sh
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(MAKE) --no-print-directory test-sqlite
	@if DATABASE_URL="$${DATABASE_URL:-$(PG_TEST_URL)}" $(PY) scripts/postgres_available.py; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL ne répond pas : suite PostgreSQL non lancée."; fi

test-sqlite: install-test
	@echo "== Suite de tests sur SQLite =="
	env -u DATABASE_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: install-test
	@echo "== Suite de tests sur PostgreSQL =="
	DATABASE_URL="$${DATABASE_URL:-$(PG_TEST_URL)}" $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .

messages: install
	$(PY) manage.py makemessages -l en --no-location --ignore=.venv
	$(PY) manage.py compilemessages --ignore=.venv

clean-venv:
	rm -rf $(VENV)
