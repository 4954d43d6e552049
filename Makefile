# Two commands on a fresh machine: `make synth` and `make test`.
# Everything is installed locally (.venv, node_modules); no AWS credentials are needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Node 22 from node_modules first: the jsii runtime warns loudly on the machine's Node 20.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
CDK := node_modules/.bin/cdk
# The image-processing Lambda's Python (its Pillow wheels are built for it) and its layer folder.
LAMBDA_PYTHON := 3.12
PILLOW_INPUT := mesh_constructs/handlers/image_ingestion/requirements.txt
PILLOW_LOCK := mesh_constructs/handlers/image_ingestion/requirements.lock
PILLOW_LAYER := build/lambda/pillow
# The console's browser tests drive Debian's Chromium: Playwright cannot download browsers here.
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: synth test lint schemas docs bench clean install plan screenshots serve lock

install: $(VENV)/.installed $(VENV)/.compiled node_modules/.installed $(PILLOW_LAYER).built

# Every Python package, dependencies included, comes from requirements-dev.lock, pinned with its
# hashes: pip refuses anything else (--require-hashes). The requirements*.txt files are the inputs of
# `make lock`. The editable install builds with the locked setuptools (no build isolation, which
# would fetch an unhashed one).
$(VENV)/.installed: requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	# The project itself, editable and without dependencies: .venv/bin/datamesh (the CLI).
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# cdk.json runs the app with `python -O`, which reads *.opt-1.pyc files, and pip writes only the
# plain ones: without these, every synth compiles aws_cdk's sources again (11 s of CPU for the
# example where PYTHONDONTWRITEBYTECODE is set, as in many CI images and containers).
$(VENV)/.compiled: $(VENV)/.installed
	$(PY) -m compileall -q -o 1 -j 0 $(VENV)/lib > /dev/null
	touch $@

# `npm ci` installs exactly package-lock.json (integrity-checked); .npmrc forbids install scripts.
node_modules/.installed: package.json package-lock.json .npmrc
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Regenerate the hashed locks after editing requirements*.txt (the versions there are the contract).
LOCK := $(VENV)/bin/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 --custom-compile-command "make lock"
lock: $(VENV)/.installed
	$(LOCK) requirements-dev.txt -o requirements-dev.lock
	$(LOCK) scripts/requirements.txt -o scripts/requirements.lock
	$(VENV)/bin/uv pip compile --quiet --generate-hashes --python-platform x86_64-manylinux_2_28 \
		--python-version $(LAMBDA_PYTHON) --custom-compile-command "make lock" $(PILLOW_INPUT) -o $(PILLOW_LOCK)

# The image-processing Lambda's Pillow as a layer folder (python/ inside, Lambda's layout), built
# without Docker: the locked manylinux wheels for Lambda's Python on x86_64, hash-checked, unpacked
# (a wheel is a zip: nothing of it runs here). Pillow 12.3 and later publish manylinux_2_28 wheels
# only; Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34), which those fit.
$(PILLOW_LAYER).built: $(PILLOW_LOCK) | $(VENV)/.installed
	rm -rf $(PILLOW_LAYER) build/lambda/wheels
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes --only-binary=:all: \
		--implementation cp --python-version $(LAMBDA_PYTHON) --platform manylinux_2_28_x86_64 \
		--platform manylinux2014_x86_64 -r $(PILLOW_LOCK) -d build/lambda/wheels
	for wheel in build/lambda/wheels/*.whl; do $(PY) -m zipfile -e "$$wheel" $(PILLOW_LAYER)/python; done
	touch $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The mesh folder of synth and plan (and serve, through the environment): make synth MESH_DIR=my-mesh.
# Unset: MESH_DIR from the environment, else cdk.json's context.mesh_dir (mesh_config/mesh_dir.py).
MESH_DIR ?=

synth: install
	$(CDK) synth --quiet $(if $(MESH_DIR),-c mesh_dir=$(MESH_DIR))
	$(PY) scripts/synth_summary.py cdk.out

test: install $(CHROMIUM)
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

schemas: install
	$(PY) -m mesh_config.schema schemas

# The JSON Schemas and the configuration reference, both generated from the models.
docs: schemas
	$(PY) -m mesh_config.reference docs/reference/configuration-reference.md

# The synth benchmark reports a failed case and exits non-zero; the console benchmark runs anyway.
bench: install
	$(PY) benchmark/synth_benchmark.py; status=$$?; $(PY) benchmark/console_benchmark.py && exit $$status

clean:
	rm -rf cdk.out .pytest_cache test-artifacts

# The README's console screenshots, taken by the browser tests against stubbed AWS answers.
screenshots: install $(CHROMIUM)
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/test_console_browser.py

# The API and console on 127.0.0.1 with your AWS profile: make serve PROFILE=tools-admin
serve: install
	$(VENV)/bin/datamesh $(if $(PROFILE),--profile $(PROFILE)) serve

# The change plan: the working tree against the merge base with main (BASELINE=git:REV, deployed, or a folder),
# of the mesh folder MESH_DIR.
BASELINE ?= git
plan: install
	$(PY) -m mesh_plan --baseline $(BASELINE) $(if $(MESH_DIR),--mesh-dir $(MESH_DIR))
