# phuthang's commands. From a fresh clone, with Python 3.11+ and make:
#   make run    serve the demo ward at http://127.0.0.1:$(PORT)   (PORT=8000 unless set)
#   make test   run the whole test suite against PostgreSQL
#   make lint   ruff check, ruff format --check, mypy (also alone: make mypy), makemigrations --check
#   make stop-db   stop the embedded PostgreSQL (fast: it disconnects whoever is connected)
#   make backup    dump the database into .data/backups/ (BACKUP=file for another place)
#   make restore BACKUP=file   restore a dump into the configured database, which must be empty
#   make bench  the key pages' p50/p95 and queries over HTTP at ward and province scale (bench/pages.sh)
#   make load   the load test (bench/load.sh): gunicorn + locust, 50 users for 5 minutes; needs DATABASE_URL
# With DATABASE_URL unset, settings start an embedded PostgreSQL whose data lives in .data/pg.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTEST_ARGS ?=
# mypy's Django plugin imports the settings: a database URL that is never connected to keeps the embedded
# server from starting, and an in-memory broker keeps the filesystem one from making its folders.
MYPY := DEBUG=1 DATABASE_URL=postgres://mypy@127.0.0.1:1/not-connected DATABASE_OWNER_URL= CELERY_BROKER_URL=memory:// \
	$(VENV)/bin/mypy

# Installed once, and again only when the declared or the pinned dependencies change.
STAMP := $(VENV)/.installed
# The browser checks' tools from the npm registry (axe-core, vnu-jar), at the versions of package-lock.json.
NODE_STAMP := node_modules/.installed

# Processes that run beside the web server during `make run`, each ending in " &" (the Celery worker and
# beat belong here). They are stopped when the web server stops.
# The reminders: one Celery worker with beat embedded (-B; django-celery-beat's database scheduler) on the
# filesystem broker of settings (no CELERY_BROKER_URL), emails printed to its log, .data/celery.log.
RUN_BACKGROUND := mkdir -p .data/broker/queue .data/broker/processed; \
	DEBUG=1 EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend} \
	$(VENV)/bin/celery -A phuthang worker -B --concurrency 1 --loglevel INFO --logfile .data/celery.log &

.PHONY: run test lint mypy install database constraints stop-db backup restore load bench
PGDATA_DIR ?= .data/pg

run: database
	@echo
	@echo "phuthang: http://127.0.0.1:$(PORT)/"
	@echo "Demo accounts (password demo-phucthang): vanphong, bithu, phobithu, ubkt, ubkt2,"
	@echo "  uyvien01…uyvien11, chibo01…chibo22, dangvien"
	@echo
	@trap 'kill $$(jobs -p) 2>/dev/null || true' EXIT INT TERM; \
	$(RUN_BACKGROUND) \
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	PHUTHANG_TESTING=1 $(VENV)/bin/pytest $(PYTEST_ARGS)

# lint and mypy need only the Python packages (npm ci would empty a node_modules shared by worktrees).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MYPY)
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

mypy: $(STAMP)
	$(MYPY)

install: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "phuthang needs Python 3.11 or newer; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# Some machines' pip configuration names package folders that do not exist: pip warns about each one.
	set -o pipefail; $(PY) -m pip install --quiet -c constraints.txt '.[test]' 2>&1 \
		| { grep -v "is neither a file nor a directory" || true; }
	touch $@

# --ignore-scripts: vnu-jar's install script would download a Java runtime; the machine's Java runs vnu.jar.
$(NODE_STAMP): package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
		echo "no npm: the browser crawl will skip (apt-get install -y npm to run it)" >&2; \
		if [ -n "$$CI" ]; then exit 1; fi; \
	else \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel error && touch $@; \
	fi

# Migrate (as the owner), grant the application role its privileges (db_roles: the embedded server's
# phuthang_app, created if missing), then load the demo ward only into a database that holds no cells yet.
database: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py db_roles
	@set -e; \
	cells=$$(DEBUG=1 $(PY) manage.py shell --no-imports -v 0 \
		-c 'from cells.models import Cell; print(Cell.objects.count())'); \
	if [ "$$cells" = 0 ]; then DEBUG=1 $(PY) manage.py seed_demo; \
	else echo "The database already holds $$cells cells: demo data not loaded again."; fi

# After adding a dependency to pyproject.toml: install it beside the pinned versions, then pin it too.
constraints: install
	{ sed -n '/^#/p' constraints.txt; $(PY) -m pip freeze --exclude phuthang; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

# The embedded server, stopped by its own pg_ctl in fast mode: a plain kill asks for a smart shutdown,
# which waits for every client (runserver, the Celery worker, a shell) to disconnect first. As root,
# pgserver runs the server as its own system user, and pg_ctl must run as that user too.
stop-db:
	@if [ ! -f $(PGDATA_DIR)/postmaster.pid ]; then echo "no embedded PostgreSQL running in $(PGDATA_DIR)"; exit 0; fi; \
	bin=$$($(PY) -c 'import importlib.util, pathlib; \
		print(pathlib.Path(importlib.util.find_spec("pgserver").origin).parent / "pginstall" / "bin")'); \
	owner=$$(stat -c %U $(PGDATA_DIR)); \
	if [ "$$(id -un)" != "$$owner" ]; then as="runuser -u $$owner --"; else as=""; fi; \
	$$as $$bin/pg_ctl stop -D $(PGDATA_DIR) -m fast

backup: install
	DEBUG=1 $(PY) manage.py backup $(BACKUP)

restore: install
	@test -n "$(BACKUP)" || { echo "make restore BACKUP=path/to/file.dump" >&2; exit 1; }
	DEBUG=1 $(PY) manage.py restore $(BACKUP)

# The load test against gunicorn with production settings (docs/operations.md): DATABASE_URL must name a
# database of its own, seeded on first use; LOAD_USERS, LOAD_DURATION, LOAD_PORT, LOAD_OUT change the run.
load: install
	bash bench/load.sh

bench: install
	bash bench/pages.sh
