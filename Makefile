# Azaion Admin. `make run` and `make test` set up everything they need (virtualenv, pip packages and, as root on
# Debian, the system packages the tests use).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test bench lint system-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV) || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[sandbox]'
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev,sandbox]'
	touch $@ $(RUN_STAMP)

system-deps:
	@sh scripts/install-system-deps.sh

run: $(RUN_STAMP)
	$(BIN)/azaion sandbox

test: $(DEV_STAMP) system-deps
	KEYRING_SESSION_TIMEOUT=4800 sh scripts/with-keyring.sh $(PY) -m pytest $(PYTEST_ARGS)

bench: $(DEV_STAMP) system-deps
	$(PY) -m bench $(BENCH_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check core gui sandbox tests bench

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
