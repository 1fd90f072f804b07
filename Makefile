# flowgap: `make demo` and `make test` are the only set-up steps on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLOWGAP := $(VENV)/bin/flowgap
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-output
PORT ?= 8050
# pytest workers for `make test` (pytest-xdist); each test file stays on one worker
TEST_WORKERS ?= 2

.PHONY: demo test lint bench system-deps install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "flowgap needs Python >= 3.11 (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip uv
	$(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(PY) -e '.[test,spark,deploy]'
	@# Bytecode for flowgap itself too (the editable install is not compiled by uv): without it
	@# every process compiles each module anew when PYTHONDONTWRITEBYTECODE is set.
	$(PY) -m compileall -q src
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests need: Chromium for the browser tests, a Java runtime for Spark,
# Graphviz for the static process map of the HTML report.
# Installed only when running as root and missing; otherwise those tests skip with a reason.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "not root: skipping apt-get for$$missing (those tests will be skipped)"; \
		fi; \
	fi

test: $(STAMP) system-deps
	$(PY) -m ruff check src tests
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(PY) -m ruff check src tests
	$(PY) -m ruff format --check src tests

bench: $(STAMP)
	$(PY) -m pytest tests/benchmarks -s -p no:cacheprovider

# The story log: one item with five days of touch that took four months, among ~150 others.
DEMO_LOG ?= sample_logs/story.jira.ndjson.gz
DEMO_CONFIG ?= sample_logs/story.jira.flowgap.toml

demo: $(STAMP)
	$(FLOWGAP) analyze $(DEMO_LOG) -c $(DEMO_CONFIG) -o $(DEMO_DIR)/report
	@echo "reports written to $(DEMO_DIR)/report (open report.html in a browser)"
	@echo "serving the dashboard on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	$(FLOWGAP) serve $(DEMO_LOG) -c $(DEMO_CONFIG) --host 127.0.0.1 --port $(PORT)

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .ruff_cache build dist
