# Two commands set everything up on a fresh machine: `make demo` and `make test`.
# Both create .venv (plain venv + pip, versions pinned in constraints.txt) if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# `make <target> SPEC=path/to/twilio_wireless_v1.yaml` points every recipe (codegen, tests,
# regen...) at that spec, exactly as exporting TWILIO_WIRELESS_SPEC would.
ifdef SPEC
export TWILIO_WIRELESS_SPEC := $(abspath $(SPEC))
endif

.PHONY: venv demo test check lint format format-check typecheck codegen codegen-check regen \
	fetch-spec clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	PIP_CONSTRAINT=constraints.txt $(PIP_INSTALL) -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/python -m ruff check --no-cache .

format: $(STAMP)
	$(BIN)/python -m ruff format --no-cache .

format-check: $(STAMP)
	$(BIN)/python -m ruff format --no-cache --check .

typecheck: $(STAMP)
	$(BIN)/python -m mypy
	$(BIN)/python -m mypy --strict examples

codegen: $(STAMP)
	$(BIN)/python codegen.py

codegen-check: $(STAMP)
	$(BIN)/python codegen.py --check

# Move to a new upstream spec: make regen SPEC=path/to/new.yaml COMMIT=<40-hex sha>.
# Writes the pin, openapi/inventory.json, generated/, openapi/CHANGES.md and CHANGELOG.md,
# or nothing at all if a patch or the generator fails.
regen: $(STAMP)
	$(if $(TWILIO_WIRELESS_SPEC),,$(error regen needs SPEC=path/to/new/twilio_wireless_v1.yaml))
	$(if $(COMMIT),,$(error regen needs COMMIT=<the spec's 40-hex upstream commit>))
	$(BIN)/python codegen.py --regen --spec "$(TWILIO_WIRELESS_SPEC)" --commit "$(COMMIT)"

# Download the pinned spec into openapi/.upstream/ (refused unless its sha256 matches).
fetch-spec: $(STAMP)
	$(BIN)/python codegen.py --fetch

check: format-check lint typecheck codegen-check test

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache

# Benchmarks (bench/README.md): the SDK against raw aiohttp, raw httpx, the official twilio
# package and a hand-written floor client. `bench` runs the timings and the instruction
# counts (valgrind cachegrind; the harness installs valgrind with apt-get when run as root)
# and writes BENCHMARKS.md and docs/benchmarks.png (about 5 minutes); `bench-smoke` runs both
# at small sizes into a temp directory (CI, under 2 minutes: it fails only if the harness
# breaks, never on a target). BENCH_ARGS=--no-instructions skips valgrind.
BENCH_STAMP := $(VENV)/.bench-installed-stamp

.PHONY: bench bench-smoke soak soak-smoke

$(BENCH_STAMP): $(STAMP)
	PIP_CONSTRAINT=constraints.txt $(PIP_INSTALL) -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
	$(BIN)/python bench/fleet.py --out BENCHMARKS.md

bench-smoke: $(BENCH_STAMP)
	$(BIN)/python bench/run.py --smoke $(BENCH_ARGS)

# The SDK against the simulator server (its own process) under ~5% faults of every kind:
# fails on a duplicate create, an untyped error, growth, or wire sends != attempts.
# `soak` (50,000 operations, ~2 min) writes the SOAK section of BENCHMARKS.md; CI runs
# `soak-smoke` (3,000).
soak: $(STAMP)
	$(BIN)/python bench/soak.py --ops 50000 --out BENCHMARKS.md

soak-smoke: $(STAMP)
	$(BIN)/python bench/soak.py --ops 3000

# Fleet activation (bench/fleet.py): 10,000 SIMs against the simulator server with Twilio's
# account limit (100 requests in flight, 50 ms each, 2 s settle): the SDK with status
# callbacks and polling, the official twilio package, and two processes sharing a Redis
# cap. `bench-fleet` (~5 min: 3 runs per row, the median reported; `make bench` runs it
# too) writes the FLEET section of BENCHMARKS.md; CI runs `fleet-smoke` (500 SIMs, ~15 s).
# Targets are reported, never enforced: either fails only if the harness breaks.
.PHONY: bench-fleet fleet-smoke

bench-fleet: $(BENCH_STAMP)
	$(BIN)/python bench/fleet.py --out BENCHMARKS.md $(FLEET_ARGS)

fleet-smoke: $(BENCH_STAMP)
	$(BIN)/python bench/fleet.py --smoke $(FLEET_ARGS)

# The documentation site (mkdocs.yml, docs/contributing.md): pages from README.md, BENCHMARKS.md
# and CHANGELOG.md plus an API reference from the docstrings, built into site/ in strict
# mode: a broken link, anchor or cross-reference, a README heading a page names that is
# gone, or a public name missing from the reference fails the build (a few seconds).
DOCS_STAMP := $(VENV)/.docs-installed-stamp

.PHONY: docs

$(DOCS_STAMP): $(STAMP)
	PIP_CONSTRAINT=constraints.txt $(PIP_INSTALL) -e ".[dev,docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --site-dir site
