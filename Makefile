# Flight School. Quick start: `make run` (serve the app), `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test test-kind lint fmt lock system-deps toolchain clean bench

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip sync --quiet --compile-bytecode -p $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet -p $(BIN)/python --no-deps --config-settings editable_mode=compat -e .
	$(BIN)/python -m compileall -q flightschool tests
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/flightschool app --port 8501

system-deps:
	@bash scripts/system-deps.sh

toolchain: $(STAMP)
	$(BIN)/flightschool cluster toolchain

# The whole suite, real containers included: a Docker engine of our own (scripts/docker.sh),
# the air-gapped image kit, then every test; the engine is stopped whatever happens.
# `make test KIND=0` leaves out the kind tests on purpose (a machine without Docker).
KIND ?= 1
test: $(STAMP) system-deps toolchain
ifeq ($(KIND),0)
	$(BIN)/pytest -m "not kind" $(PYTEST_ARGS)
else
	bash scripts/docker.sh start
	eval "$$(bash scripts/docker.sh env)" && $(BIN)/flightschool images build \
		&& $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; bash scripts/docker.sh stop; exit $$rc
endif

# Only the kind tests (real containers), with the same engine and image kit.
test-kind:
	$(MAKE) test PYTEST_ARGS='-m kind $(PYTEST_ARGS)'

lint: $(STAMP)
	$(BIN)/ruff check flightschool tests benchmarks app.py
	$(BIN)/ruff format --check flightschool tests benchmarks app.py
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/flightschool content validate

fmt: $(STAMP)
	$(BIN)/ruff format flightschool tests benchmarks app.py
	$(BIN)/ruff check --fix flightschool tests benchmarks app.py

lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --quiet -o requirements.lock
	@sed -i '1,2c# Pinned environment for Flight School (regenerate: make lock).' requirements.lock

bench: $(STAMP) toolchain
	$(BIN)/python benchmarks/app.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts
