# Set-up is part of every target: a fresh machine needs only Python 3.11+ and make.
#   make demo   build the graph of data/sample and show what is in it
#   make test   run the test suite (what CI runs)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
KG     := $(VENV)/bin/kgbuild
STAMP  := $(VENV)/.kgbuild-installed
DEMO_STORE ?= out/demo-kg
# torch 2.14.1 + torchvision 0.29.1 are pinned: on the project's machines pip takes them from local disk.
TORCH  := torch==2.14.1 torchvision==0.29.1

.PHONY: setup demo test test-fast clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kgbuild needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[vision,server,dev]'
	touch $(STAMP)

demo: setup
	bash scripts/demo.sh $(DEMO_STORE)

test: setup
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

clean:
	rm -rf out .pytest_cache
