# trialflow: `make run` builds the trial database from seeds/, `make test` proves it.
# Each target creates .venv and installs the pinned project into it when missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: run test ui clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(INSTALLED)

run: $(INSTALLED)
	mkdir -p "$(DAGSTER_HOME)"
	$(BIN)/dagster asset materialize --select '*' -m pipeline.definitions

test: $(INSTALLED)
	$(BIN)/python -m pytest

ui: $(INSTALLED)
	mkdir -p "$(DAGSTER_HOME)"
	$(BIN)/dagster dev --host 127.0.0.1 --port 3000 -w workspace.yaml

clean:
	rm -rf data
