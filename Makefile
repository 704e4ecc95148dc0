# Parley: `make run` serves the forum with the demo thread; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run worker beat test lint format clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# With REDIS_URL set, a Celery worker and beat run beside the web server (stopped with
# it); without it, tasks run in-process and the start-up log says so.
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) install_default_rules
	$(MANAGE) load_demo
	$(MANAGE) ensure_local_admin
	@if [ -n "$$REDIS_URL" ]; then \
		trap 'kill 0' EXIT INT TERM; \
		$(BIN)/celery -A forum worker --loglevel=INFO --concurrency=2 & \
		$(BIN)/celery -A forum beat --loglevel=INFO --schedule=var/celerybeat-schedule & \
		$(MANAGE) runserver $(HOST):$(PORT) --noreload; \
	else \
		$(MANAGE) runserver $(HOST):$(PORT); \
	fi

worker: install
	$(BIN)/celery -A forum worker --loglevel=INFO

beat: install
	$(BIN)/celery -A forum beat --loglevel=INFO --schedule=var/celerybeat-schedule

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts

# Benchmarks (see docs/benchmarks.md). QUICK=1 for a short run; SOAK=1 adds the 10-minute soak.
bench: install
	$(BIN)/python -m benchmarks.run $(if $(QUICK),--quick,)
	$(if $(SOAK),$(BIN)/python -m benchmarks.soak --minutes 10,)
