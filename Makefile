# Two entry points: `make test` and `make demo`. Needs only python3, git and make; uv is
# bootstrapped with pip when it is not on PATH.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
PYTEST_ARGS ?=
# Parallel workers (pytest-xdist): most tests wait on processes and local servers, so more
# workers than cores pays (on 2 cores: 6 workers 4 min 30 s, 4 workers 5 min 24 s, 8 workers
# 5 min 33 s). A test file runs on one worker, in order: its tests may share state (a
# module-scoped pipeline run, the hostile suites' figures). Files are handed out in the order
# tests/conftest.py sorts them, slow kinds first (--no-loadscope-reorder: by default xdist
# hands out first the files with the most tests, which put the e2e files last).
TEST_WORKERS ?= 6

.PHONY: test demo lint docs clean

# pip's own lines (often about this machine's pip configuration) are shown only if it fails.
# The machine's pip installs uv straight into .tools/ (its binary lands in .tools/bin); where
# that pip is missing or refuses, a venv made there gets a pip of its own (python -m venv runs
# ensurepip, which installs and compiles pip and setuptools: 5.6 s against 2.3 s).
.tools/bin/uv:
	@echo "Installing uv $(UV_VERSION) into .tools/ with this machine's pip"
	@mkdir -p .tools && { $(PYTHON) -m pip install --quiet --disable-pip-version-check \
			--target .tools uv==$(UV_VERSION) || { $(PYTHON) -m venv .tools && \
		.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }; } \
		>.tools/pip.log 2>&1 || { cat .tools/pip.log; exit 1; }

.venv/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --quiet
	touch $@

# One run of every test on TEST_WORKERS workers; the tests that bound time (marked `alone`, the
# fault suite) are handed out last, when the other files are finishing (tests/conftest.py).
# Every temporary file of the run (pytest's folders, act's cache and work folders) goes into one
# folder removed afterwards; pip's package cache stays where it is. uv's is the tree's own
# (.cache/uv, kept between runs),
# with the build backends' bytecode in it (devtools/uv_cache.py), so the hundreds of builds do
# not each compile their backend. Python keeps its bytecode (in the ignored __pycache__ folders
# of the tree and the venv) even where PYTHONDONTWRITEBYTECODE is set: the hundreds of
# processes the run starts then compile each module once, not each time. While uv's cache is
# prepared, one process collects the suite, writing that bytecode (pytest's rewritten tests,
# the project's, the venv's) before the workers start: on a fresh clone, the workers
# collecting at once each compiled it all (7 collections: 48 CPU-s cold, 7 + 15 warmed first).
# When `python3` on PATH is a shim (pyenv's: a shell script run before each interpreter, about
# 0.1 s of CPU per start, several per uv build), the interpreter's own folder goes first on
# PATH for the run.
test: .venv/.synced
	@cache="$${XDG_CACHE_HOME:-$$HOME/.cache}"; tmp=$$(mktemp -d -t release-actions-test.XXXXXX) && \
	export UV_CACHE_DIR="$(CURDIR)/.cache/uv" PIP_CACHE_DIR="$${PIP_CACHE_DIR:-$$cache/pip}" \
		XDG_CACHE_HOME="$$tmp/cache" TMPDIR="$$tmp" && unset PYTHONDONTWRITEBYTECODE && \
	python=$$(.venv/bin/python -c 'import os, sys; print(os.path.realpath(sys._base_executable))') && \
	case "$$(command -v python3)" in "$${python%/*}"/*) ;; *) export PATH="$${python%/*}:$$PATH";; esac && \
	{ .venv/bin/python -m devtools.uv_cache & prepared=$$!; \
	  .venv/bin/pytest --collect-only -q -p no:cacheprovider $(PYTEST_ARGS) >/dev/null 2>&1; \
	  wait $$prepared; } && \
	.venv/bin/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
		--basetemp="$$tmp/pytest" $(PYTEST_ARGS); status=$$?; rm -rf "$$tmp"; exit $$status

demo: .venv/.synced
	.venv/bin/python -m demo

lint: .venv/.synced
	.venv/bin/ruff check src tests bench examples demo devtools
	.venv/bin/mypy

docs: .venv/.synced
	.venv/bin/python -m devtools.actions --write
	.venv/bin/python -m devtools.docs --write
	.venv/bin/python -m devtools.docker_action --write
	.venv/bin/python -m devtools.bootstrap --write

clean:
	rm -rf .venv .tools .cache .pytest_cache .mypy_cache .ruff_cache .hypothesis .demo dist build
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
	find . -name '*.egg-info' -type d -prune -not -path './.git/*' -exec rm -rf {} +
