# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make build      creates .venv, installs flows and its pinned dependencies, builds the package
#   make test       the same set-up, then the whole test suite (drift check included); what CI runs
#   make test-fast  the suite without the trust trials and other tests marked slow or perf
#                   (pyproject.toml), under a minute on two cores, for each edit
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test test-fast test-long check clean-venv

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "flows needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

build: $(STAMP)
	$(BIN)/flows build
	$(BIN)/flows check

test: $(STAMP)
	$(BIN)/python -m pytest

# Every test but those marked slow (the trust trials: corpora of hostile or faulty input, each
# case refused, of which test-fast keeps one plain case each; killed and concurrent builds; whole
# releases) or perf, spread over the machine's cores (pytest-xdist), a test file to a worker: a
# module's fixtures (imports, builds, releases) are then made once. Python may keep its byte-code
# (PYTHONDONTWRITEBYTECODE emptied): pytest otherwise rewrites every test module's asserts, and
# each worker and flows process compiles src/, anew on every run.
# Its temporary folders are in memory (/dev/shm) when that has 4 GiB free: the tests write and
# delete some 130,000 files of copies of the project, which on disk cost a fifth of the CPU
# (writeback; unlinks on a disk mounted with discard). Elsewhere, or with TEST_TMPDIR= given
# empty, they go where TMPDIR says.
TEST_TMPDIR ?= $(shell $(PYTHON) -c 'import os, shutil; print("/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) and shutil.disk_usage("/dev/shm").free >= 4 << 30 else "")')
test-fast: $(STAMP)
	$(if $(TEST_TMPDIR),TMPDIR=$(TEST_TMPDIR) )PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -m "not slow and not perf" -n auto --dist loadfile

# The trust suites at length: thousands of fuzz examples, 100 killed builds and recoveries,
# 20 pairs of concurrent builds and 20 checks during a build.
test-long: $(STAMP)
	FLOWS_FUZZ_EXAMPLES=2000 FLOWS_KILL_TRIALS=100 FLOWS_CONCURRENT_TRIALS=20 $(BIN)/python -m pytest -s \
		tests/test_build_load.py tests/test_rules_check.py tests/test_publish_release.py tests/test_build_pipeline.py \
		--hypothesis-show-statistics

check: $(STAMP)
	$(BIN)/flows check
	$(BIN)/frictionless validate datapackage.json

clean-venv:
	rm -rf $(VENV)

# Benchmark of build, check and views on synthetic sets (scripts/bench.py): prints a table and
# writes bench/results.md. Run in stages with e.g. `make bench SIZES="10000 100000"`.
SIZES ?= 10000 100000 1000000
.PHONY: bench
bench: $(STAMP)
	$(BIN)/python scripts/bench.py --sizes "$(SIZES)"

# Whole official lists (../shared/fixtures/lists/full) imported, built and checked in a temporary
# copy of the project (scripts/bench_lists.py): seconds, peak memory and sizes, a section of
# bench/results.md of its own.
.PHONY: bench-lists
bench-lists: $(STAMP)
	$(BIN)/python scripts/bench_lists.py
