# trialflow: `make run` builds the trial database from seeds/, `make test` proves it.
# Each target creates .venv and installs the pinned project into it when missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
UI_PORT ?= 3000
BENCH_SIZES ?= 1000,10000,100000

.PHONY: run sql show test ui fuzz bench clean check-defs

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(INSTALLED)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p "$(DAGSTER_HOME)"
	cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"

# Every asset, headless, on the instance in DAGSTER_HOME; INFO lines, then the run's summary.
# Findings are data (exit 0); STRICT=1 (or TRIALS_STRICT=1) exits 1 on ERROR findings, for CI.
run: $(INSTALLED) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m pipeline run $(if $(filter-out 0,$(STRICT)),--strict)

# A DuckDB shell with a view per published table; piped statements run too:
# echo "select count(*) from studies" | make sql
sql: $(INSTALLED)
	@$(BIN)/python -m pipeline sql

# One trial's card: make show NCT=NCT07203053
show: $(INSTALLED)
	@$(BIN)/python -m pipeline show $(NCT)

test: $(INSTALLED)
	$(BIN)/python -m pytest

check-defs: $(INSTALLED) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dg check defs
	$(BIN)/dg list defs > /dev/null

fuzz: $(INSTALLED)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py -q

ui: $(INSTALLED) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev --host 127.0.0.1 --port $(UI_PORT) -w workspace.yaml

clean:
	rm -rf data

bench: $(INSTALLED)
	$(BIN)/python -m pipeline.bench run --sizes $(BENCH_SIZES)
