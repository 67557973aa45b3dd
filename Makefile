# trialflow: `make run` builds the trial database from seeds/, `make test` proves it.
# Each target creates .venv and installs the pinned project into it when missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
UI_PORT ?= 3000
BENCH_SIZES ?= 1000,10000,100000

.PHONY: run test ui fuzz bench clean check-defs

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(INSTALLED)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p "$(DAGSTER_HOME)"
	cp dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"

run: $(INSTALLED) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster asset materialize --select '*' -m pipeline.definitions

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
