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

.PHONY: install files-deps browser demo test check bench clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(STAMP): pyproject.toml uv.lock | $(UV) files-deps
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: files-deps $(STAMP)

# Files from reporters are cleaned by mat2, which runs on Debian's GObject introspection
# (GdkPixbuf for images, Poppler and cairo for PDFs, librsvg), exiftool and libmagic; uv builds
# PyGObject and pycairo against the -dev packages. Install whichever of them is missing.
FILES_DEBS := gir1.2-gdkpixbuf-2.0 gir1.2-poppler-0.18 gir1.2-rsvg-2.0 libimage-exiftool-perl \
	libmagic1 libgirepository1.0-dev libcairo2-dev pkg-config gcc
files-deps:
	@missing=$$(for p in $(FILES_DEBS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ ! -f "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("include"))')/Python.h" ]; then \
		missing="$$missing $$(basename $$(readlink -f $$(command -v $(PYTHON))))-dev"; \
	fi; \
	if [ -n "$$(echo $$missing)" ]; then \
		if [ "$$(id -u)" -eq 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

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
# trail's guard); pytest-django makes and drops its own test_custodes_gwN databases there.
# Two workers (pytest-xdist), each test file whole on one, so its module fixtures are made once.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/custodes
TEST_WORKERS ?= 2
test: install browser
	DATABASE_URL= $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile tests/web

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
