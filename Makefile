# Azaion Admin. `make run` and `make test` set up everything they need (virtualenv, pip packages and, as root on
# Debian, the system packages the tests use).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed
PKG_STAMP := $(VENV)/.package-installed

.PHONY: run test test-compat bench lint system-deps clean package package-test build-deps

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

# The release bundle's dependencies come from the hashed lock (docs/development.md, "Dependencies and the lock file").
$(PKG_STAMP): pyproject.toml packaging/requirements.lock | $(PY)
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "packaging/requirements.lock is for CPython 3.11")'
	$(PY) -m pip install -q --require-hashes -r packaging/requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

system-deps:
	@sh scripts/install-system-deps.sh

build-deps:
	@sh packaging/install-build-deps.sh

run: $(RUN_STAMP)
	$(BIN)/azaion-admin --sandbox

test: $(DEV_STAMP) system-deps
	@sh scripts/check-disk.sh 2500 "the test suite"
	KEYRING_SESSION_TIMEOUT=4800 sh scripts/with-keyring.sh $(PY) -m pytest $(PYTEST_ARGS)

# Only the compatibility suite against a real Ceph RADOS Gateway (tests/compat/; `make test` runs it too).
test-compat: $(DEV_STAMP) system-deps
	KEYRING_SESSION_TIMEOUT=1200 AZAION_REQUIRE_COMPAT=1 sh scripts/with-keyring.sh $(PY) -m pytest tests/compat $(PYTEST_ARGS)

bench: $(DEV_STAMP) system-deps
	$(PY) -m bench $(BENCH_ARGS)

# ruff over everything; mypy over the client library and the CLI (settings in pyproject.toml, [tool.mypy])
lint: $(DEV_STAMP)
	$(BIN)/ruff check core cli gui sandbox tests bench
	$(BIN)/mypy

# Release packages (docs/development.md, "Building a release"): the PyInstaller bundle, dist/azaion-admin_<version>_amd64.deb and,
# given a Windows bundle (WIN_BUNDLE=<folder holding azaion-admin.exe>, e.g. the windows-release workflow's
# artifact), dist/AzaionAdmin-Setup-<version>.exe; without one the NSIS script is only compile-checked.
package: $(PKG_STAMP) system-deps build-deps
	$(PY) packaging/build_release.py bundle deb nsis $(if $(WIN_BUNDLE),--win-bundle "$(WIN_BUNDLE)")

# Build, install the .deb, smoke-test the installed frozen app (inside scripts/with-keyring.sh), measure, remove;
# run the Windows installer under Wine (a fresh WINEPREFIX is ~0.7 GB in $TMPDIR while it runs).
package-test: $(PKG_STAMP) system-deps build-deps
	@sh scripts/check-disk.sh 2200 "the package test"
	$(PY) packaging/package_test.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
