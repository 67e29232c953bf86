# Moviedraft: `make run` serves the demo league; `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint format bench bench-live bench-markdown bench-import bench-search lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps make a second `make run` skip the install when the lock file has not changed.
$(VENV)/.installed-run: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# The worker (pick clock, mail) runs beside the development server and stops with it.
run: $(VENV)/.installed-run
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

# Each page's req/s as a share of a one-query Django floor, under gunicorn and wrk, on a fresh
# PostgreSQL database (see bench/run.py; BENCH_ARGS=--quick for a look in 2 minutes).
# BENCH_LIVE=1 (or BENCH_ARGS=--live): live mode, with the worker running, a pick every 2 s and a
# chat line every second on the bench's board while wrk measures (bench/activity.py).
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# A pick reaching 1,000 open boards through the production server (gunicorn, uvicorn workers),
# 10,000 streams held for a minute, memory per stream (see bench/live.py; BENCH_LIVE_ARGS=--quick).
bench-live: $(VENV)/.installed-dev
	$(BIN)/python -m bench.live $(BENCH_LIVE_ARGS)

# Renders pathological writeups and comments of the largest allowed size; fails over 100 ms.
bench-markdown: $(VENV)/.installed-dev
	$(BIN)/python bench/markdown.py

# The pick panel's search, a keystroke at a time, on a generated catalog of 1,000,000 films, on
# PostgreSQL and SQLite; fails when p95 passes 30 ms (PostgreSQL) or 100 ms (SQLite). About 5
# minutes (see bench/search.py; BENCH_SEARCH_ARGS="--films 100000" for a quick look).
bench-search: $(VENV)/.installed-dev
	$(BIN)/python -m bench.search $(BENCH_SEARCH_ARGS)

# The catalog import on a generated title.basics of 1,000,000 feature films: a first import, the
# same file again, a revision; time, CPU and peak memory of each (see bench/importing.py;
# BENCH_IMPORT_ARGS="--mix imdb --rows 11500000" for a file shaped like all of IMDb's).
bench-import: $(VENV)/.installed-dev
	$(BIN)/python -m bench.importing $(BENCH_IMPORT_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Rewrites both lock files from pyproject.toml (needs the network to reach PyPI).
lock: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --generate-hashes --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
