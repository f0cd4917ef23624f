# One-command setup: `make demo` runs the pipeline on recorded data, `make test` runs the
# tests (what CI runs), `make dev` starts the Dagster UI. Each creates .venv if needed.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

export MALSTYRNING_DUCKDB ?= data/malstyrning.duckdb
export MALSTYRNING_HTTP_MODE ?= replay
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install demo test dev lock recordings bench bench-national bench-kommuner clean site serve

install: $(VENV)/.installed

# requirements.lock pins every package (transitive ones too); uv installs it in seconds.
$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	# --compile-bytecode: write the .pyc files once here. Where PYTHONDONTWRITEBYTECODE is set
	# (as on this machine), every process would otherwise compile what it imports from source:
	# importing great_expectations took 8.8 s instead of 4.1 s.
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pipelines.demo $(DEMO_ARGS)

test: install
	$(BIN)/dg check defs
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The instance's storage is created before the webserver and the daemon start: on a new
# DAGSTER_HOME both would otherwise create it at once, and one can fail with alembic's
# "more than one head" error (seen in tests/test_dagster_ui.py).
dev: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster instance migrate > /dev/null
	$(BIN)/dagster dev -h 127.0.0.1 -p $(or $(PORT),3000)

# The public web site from the published snapshot (make demo builds it too), and a local
# server for it on http://127.0.0.1:8000 (PORT=8001 make serve for another port).
site: install
	$(BIN)/indikator webb

serve: install
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory $(or $(MALSTYRNING_WEBB),data/webb) $(or $(PORT),8000)

# Regenerate requirements.lock after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

# Rebuild the Kolada, SCB and AF replay recordings from ../shared/fixtures after changing the catalog.
recordings: install
	$(BIN)/python tools/build_kolada_recordings.py
	$(BIN)/python tools/build_scb_recordings.py
	$(BIN)/python tools/build_af_recordings.py

# Long benchmarks, never in CI: the SIE parser on a generated 500,000-#TRANS file, the
# AF pivot-cache reader on a generated 200 MB cache, and the national Kolada benchmark
# (needs ../shared/fixtures/kolada_dump; results in docs/benchmarks.md).
bench: install bench-national
	$(BIN)/python benchmarks/bench_sie.py
	$(BIN)/python benchmarks/bench_af.py

bench-national: install
	$(BIN)/python benchmarks/bench_national.py --runs 3

# Several kommuner on one machine (docs/deployment.md "Limits of one machine"); needs ../shared.
bench-kommuner: install
	$(BIN)/python benchmarks/bench_kommuner.py --kommuner 10

clean:
	rm -rf data .dagster_home .pytest_cache
