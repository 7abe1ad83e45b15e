# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
DATA ?= civwatch-data
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BIN := $(VENV)/bin

LOCALE := src/civwatch/locale
.PHONY: run test test-sqlite test-postgres lint typecheck bench clean-data catalogues extract

$(BIN)/civwatch: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("civwatch needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## Compile the message catalogues (.po -> .mo; the .mo files are never committed)
catalogues: $(BIN)/civwatch
	$(BIN)/pybabel compile --statistics -D civwatch -d $(LOCALE)

## Extract every marked string and merge it into each language's catalogue
extract: $(BIN)/civwatch
	PYTHONPATH=src $(BIN)/pybabel extract -F pyproject.toml -o $(LOCALE)/civwatch.pot --project civwatch \
	  --sort-by-file --add-comments TRANSLATORS: --no-wrap src/civwatch
	$(BIN)/pybabel update -D civwatch -i $(LOCALE)/civwatch.pot -d $(LOCALE) --no-wrap --previous

## Serve civwatch with the demo data set on http://127.0.0.1:8000
run: $(BIN)/civwatch catalogues
	scripts/system-deps run
	$(BIN)/civwatch init --data-dir $(DATA)
	$(BIN)/civwatch demo load --data-dir $(DATA)
	@# When it answers, the server prints where to go, the demo accounts and the command
	@# line's data folder (export CIVWATCH_TOKEN=... from above acts as a demo account).
	@# The demo desk opens with the synthetic passphrase of the demo credentials (demo data
	@# folders only; a real desk's key never lies beside its database).
	passphrase=$$(sed -n 's/^protection_passphrase: //p' $(DATA)/demo-credentials.txt 2>/dev/null); \
	  if [ -n "$$passphrase" ]; then export CIVWATCH_PROTECTION_PASSPHRASE="$$passphrase"; fi; \
	  exec $(BIN)/civwatch serve --data-dir $(DATA) --host $(HOST) --port $(PORT)

## The whole test suite: on SQLite, then the database tests again on PostgreSQL
test: $(BIN)/civwatch catalogues
	scripts/system-deps test
	$(MAKE) --no-print-directory lint typecheck test-sqlite test-postgres

# Two workers; one that runs out of tests takes half of what the other has left (worksteal):
# the slow tests run first (tests/conftest.py), so no long test is left for one worker at the end.
XDIST := -n 2 --dist worksteal

test-sqlite:
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

test-postgres:
	CIVWATCH_DATABASE_URL=$$(scripts/pg-test-server start) $(BIN)/pytest $(XDIST) -m "db and not browser" $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

clean-data:
	rm -rf $(DATA)
