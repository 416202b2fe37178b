# The two commands of the README: `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
export FLASK_APP := wsgi.py
# Python keeps what it compiles of each module (__pycache__, ignored by git) for the next process.
# A machine whose environment sets PYTHONDONTWRITEBYTECODE makes every process compile every module
# it imports again: about 6 of the 10 s a test process, a worker or `python -m matching` took to start
# (tests/integration/test_job_queue.py and the other tests that start processes: 121 s -> 78 s).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test test-sqlite test-postgresql bench clean translations messages

# --no-compile: Python compiles a module when it is first imported, so only the modules used are
# compiled (compiling every installed module took about half of a 29 s install).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e ".[test]"
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## Compile the Spanish (and any other) catalog: translations/<lang>/LC_MESSAGES/messages.po -> .mo
CATALOGS := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations: $(CATALOGS)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

## After adding or changing strings: extract them and merge into each .po, then translate the new ones
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-wrap -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --no-wrap

## Serve the app with demo data on SQLite at http://127.0.0.1:5000, with a job-queue worker beside it
run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo ""
	@echo "MentorMatch is starting at http://127.0.0.1:5000 — log in with a demo account above."
	@echo "A worker runs the e-mail, matching runs and reminders beside it (Ctrl-C stops both)."
	@echo ""
	$(BIN)/huey_consumer mentormatch.jobs.huey --workers 2 --worker-type thread --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## The whole suite: unit, integration and browser tests on SQLite, and the integration tests on
## PostgreSQL, side by side; then branch coverage of the SQLite run, failing below its floor.
## (The job-queue tests start their own Redis, workers and web servers.)
# Test processes per run, four in all while both run: the tests wait on SQLite, PostgreSQL,
# Chromium and sockets as well as compute, which leaves room for more processes than cores.
# (A third for the longer SQLite run finished no sooner on 2 cores: 11 min 52 s either way.)
SQLITE_PROCESSES ?= 2
POSTGRESQL_PROCESSES ?= 2
# Test databases, servers' folders and browser profiles go to memory where the machine has
# /dev/shm with room (2 GB free): the tests write, copy and delete thousands of small database
# files, and on a disk each commit and delete waits for it.
TEST_TMPDIR := $(shell test -d /dev/shm -a -w /dev/shm && test "$$(df -Pk /dev/shm | awk 'NR==2 {print $$4}')" -ge 2097152 && echo /dev/shm || echo $${TMPDIR:-/tmp})
COVERAGE_DATA := $(CURDIR)/test-artifacts/coverage
PYTEST := $(BIN)/pytest -p no:cacheprovider --dist worksteal
# Coverage is measured on the SQLite run, which holds every test: tracing slows a test by about
# half again, and the PostgreSQL run repeats the integration tests on the other database.
COVERAGE := --cov --cov-report= --cov-fail-under=0

test: $(STAMP) translations
	bash scripts/ensure-test-tools.sh
	rm -rf $(COVERAGE_DATA)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql
	$(BIN)/python scripts/coverage_summary.py --data-file=$(COVERAGE_DATA)/sqlite

test-sqlite: translations
	@mkdir -p $(COVERAGE_DATA)
	TMPDIR=$(TEST_TMPDIR) COVERAGE_FILE=$(COVERAGE_DATA)/sqlite $(PYTEST) -n $(SQLITE_PROCESSES) $(COVERAGE)

test-postgresql: translations
	TMPDIR=$(TEST_TMPDIR) $(PYTEST) -n $(POSTGRESQL_PROCESSES) tests/integration --db postgresql

## Matching-engine benchmarks (print figures; not part of the test run)
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test,bench]"
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) instance/mentormatch.db
