# Reverie: `make demo` and `make test` install what is missing (Debian packages, a .venv with the
# CPU build of torch pinned first), then run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
export MUJOCO_GL ?= egl
export PYTHONUNBUFFERED := 1

.PHONY: install demo test test-all lint bench proto clean

$(STAMP): pyproject.toml constraints.txt scripts/install_system_deps.sh
	bash scripts/install_system_deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, from the pinned CPU wheel: an unpinned torch would pull GBs of CUDA packages.
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# `reverie demo` exits 1 when the chore was not done (reported beside the ground truth): the
# demo itself still ran, so only other failures fail the target.
demo: install
	$(BIN)/reverie demo || [ $$? -eq 1 ]

# The layers contract is checked first: a wrong import arrow fails CI like a failing test.
test: install
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2 -m "not slow" --timeout 600

test-all: install
	$(BIN)/python -m pytest -q -n 2 --timeout 1800

# lint-imports checks the layers contract in pyproject.toml ([tool.importlinter]).
lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

bench: install
	$(BIN)/python benchmarks/sim_speed.py
	$(BIN)/python benchmarks/bridge_latency.py
	$(BIN)/python benchmarks/voice.py
	$(BIN)/python benchmarks/console.py

# Regenerate the gRPC stubs in robot_bridge/_generated/ after editing proto/.
proto: install
	$(BIN)/python robot_bridge/generate_stubs.py

clean:
	rm -rf $(VENV) runs .pytest_cache
