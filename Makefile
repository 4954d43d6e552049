# Two commands on a fresh machine: `make synth` and `make test`.
# Everything is installed locally (.venv, node_modules); no AWS credentials are needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Node 22 from node_modules first: the jsii runtime warns loudly on the machine's Node 20.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
CDK := node_modules/.bin/cdk

.PHONY: synth test lint schemas bench clean install plan

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt scripts/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	# The project itself, editable and without dependencies: .venv/bin/datamesh (the CLI).
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: install
	$(CDK) synth --quiet

test: install
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

schemas: install
	$(PY) -m mesh_config.schema schemas

bench: install
	$(PY) benchmark/synth_benchmark.py

clean:
	rm -rf cdk.out .pytest_cache

# The change plan: the working tree against the merge base with main (BASELINE=git:REV, deployed, or a folder).
BASELINE ?= git
plan: install
	$(PY) -m mesh_plan --baseline $(BASELINE)
