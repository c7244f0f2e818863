# Two entry points that work on a fresh machine (see README):
#   make demo   - create .venv, install, run the seed's solar LSTM on the bundled data (DEMO_ARGS="--epochs 2")
#   make test   - create .venv, install, run the test suite
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

.PHONY: setup test demo conformance
setup: $(VENV)/.installed

test: setup
	$(PY) -m pytest tests

demo: setup
	$(PY) -m pip install -q -e ".[pandas,plot]" || echo "(matplotlib unavailable: the demo runs without its plot)"
	$(PY) examples/solar_lstm.py $(DEMO_ARGS)

conformance: setup
	bash ../shared/conformance/run.sh $(PY)
