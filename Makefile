# Entry points that work on a fresh machine (see README):
#   make demo   - create .venv, install, run the seed's solar LSTM on the bundled data (DEMO_ARGS="--epochs 2")
#   make test   - create .venv, install, run the test suite
#   make docs   - create .venv, install the docs tools, build the documentation site into site/ (warnings fail)
#   make conformance - run CNTK 2.7's own test suite against this package and print the totals
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
# CI installs the CPU build of torch 2.13.0 that lies on its disk; elsewhere pip picks your platform's build.
TORCH  ?= torch==2.13.0

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)" || $(PY) -m pip install -q "torch>=2.4"
	$(PY) -m pip install -q -e ".[test]"
	touch $@

.PHONY: setup test demo conformance docs
setup: $(VENV)/.installed

test: setup
	$(PY) -m pytest tests

demo: setup
	$(PY) -m pip install -q -e ".[pandas,plot]" || echo "(matplotlib unavailable: the demo runs without its plot)"
	$(PY) examples/solar_lstm.py $(DEMO_ARGS)

docs: setup
	$(PY) -m pip install -q -e ".[docs]"
	$(PY) -m mkdocs build --strict -d site

# CNTK 2.7's own test suite (downloads the cntk==2.7.post2 wheel for its tests), then the totals against
# tests/conformance_expected_failures.txt; fails on a failure that list does not name.
CONFORMANCE_DIR ?= build/conformance
conformance: setup
	rm -rf $(CONFORMANCE_DIR)
	CONFORMANCE_WORKDIR=$(abspath $(CONFORMANCE_DIR)) bash tools/conformance/run.sh $(abspath $(PY)) || true
	$(PY) tools/conformance/report.py $(CONFORMANCE_DIR) tests/conformance_expected_failures.txt
