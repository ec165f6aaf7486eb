# Two commands from a fresh clone: `make demo` and `make test`. Everything else is set up here.
PYTHON ?= python3.11
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= var/demo

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install browser demo test check bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(STAMP)

demo: install
	$(BIN)/custodes demo --out $(DEMO_DIR)

# Browser tests drive Debian's Chromium, never a downloaded one: install it when it is missing.
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
		if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# The whole suite on SQLite, then the web suite again on PostgreSQL (row-level security, the
# trail's guard); pytest-django makes and drops its own test_custodes database there.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/custodes
test: install browser
	DATABASE_URL= $(BIN)/pytest
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest tests/web

check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/synth_scale.py
	$(BIN)/python bench/audit_speed.py --size 10m
	$(BIN)/python bench/audit_quality.py
	$(BIN)/python bench/case_rls.py

clean:
	rm -rf $(VENV) $(TOOLS) var .pytest_cache .mypy_cache .ruff_cache
