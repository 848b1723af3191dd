# Catalog: `make run` sets everything up and serves; `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test install chromium pgbouncer lint format bench bench-search bench-replicas bench-seed fuzz audit clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (tests/e2e/); Playwright drives it, downloads nothing.
chromium:
	@if [ -x $(CHROMIUM) ]; then \
		echo "Chromium: $$($(CHROMIUM) --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	else \
		echo "Cannot install $(CHROMIUM): needs root and apt-get (Debian's chromium)." >&2; \
		exit 1; \
	fi

# Debian's PgBouncer for the scaling tests (tests/scaling/); they skip, saying so, without it.
pgbouncer:
	@if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then \
		echo "PgBouncer: $$(/usr/sbin/pgbouncer --version 2>/dev/null | head -1)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends pgbouncer; \
	else \
		echo "Cannot install pgbouncer: needs root and apt-get (Debian's pgbouncer)." >&2; \
		exit 1; \
	fi

run: $(STAMP)
	$(BIN)/python manage.py bootstrap
	@echo "Serving on http://127.0.0.1:$(PORT)/  (admin: /admin/, API: /api/, docs: /api/docs/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	@$(MAKE) --no-print-directory chromium || echo "The browser tests will skip."
	@$(MAKE) --no-print-directory pgbouncer || echo "The PgBouncer tests will skip."
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

# The load benchmark: seeds 100,000 items into .data/bench once, then measures the API under
# gunicorn with the cache on and off. Needs wrk (installed from the system's packages as root).
# Then list pages at 1,000,000 items (.data/bench-search, seeded once), cache off: a category's
# first page and deep cursor pages, p50/p99 (target: p99 under 50 ms).
bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk; } || \
		{ echo "bench needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python -m bench.cache
	$(BIN)/python -m bench.listing

# Search at scale: 1,000,000 items in .data/bench-search (seeded once), the search engine's
# index rebuilt (timed), p50/p99 by query kind and with facets through the API, the engine's
# share of the answers, against an icontains scan of the same rows; then suggestions and facet
# counts over the same catalog (bench/discovery.py).
bench-search: $(STAMP)
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.discovery

# Read replicas under load: 5,000 items in .data/bench-replicas (seeded once), a streaming replica
# made with the embedded PostgreSQL's pg_basebackup, 4 clients of a 95% read mix, cache on and off,
# the replica 0, 50 and 400 ms behind: the replica's share of the reads, throughput, p99, stale
# reads and read-your-writes violations (target: 80% or more on the replica at 50 ms, none stale).
bench-replicas: $(STAMP)
	$(BIN)/python -m bench.replicas

# seed_items against loaddata of the same items (20,000), in .data/bench-seed.
bench-seed: $(STAMP)
	$(BIN)/python -m bench.seeding

# A longer schema fuzz than the suite's (same seeded tests, many more generated requests).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-300} $(BIN)/python -m pytest tests/system/test_fuzz.py -p no:cacheprovider

# Known vulnerabilities in the pinned dependencies (needs the advisory service: internet).
audit: $(STAMP)
	$(BIN)/pip-audit --skip-editable --progress-spinner off

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
