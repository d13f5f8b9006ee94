# The two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench fuzz clean

$(STAMP): setup.cfg pyproject.toml
	@echo "Setting up $(VENV) with $(PYTHON) (first run only)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m samples.federated_demo

lint: $(STAMP)
	$(BIN)/ruff check wsbind zeep_wsbind spyne_wsbind samples tests benchmarks
	$(BIN)/mypy

# The npm saml oracle (tests/node) is installed on first use where npm is; without npm (or offline)
# its tests skip with the line to run, except in CI, where .ci/run installs it.
test: lint
	@if command -v npm >/dev/null 2>&1 && [ ! -d tests/node/node_modules/saml ]; then \
	  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error >/dev/null 2>&1 \
	    || echo "npm ci --prefix tests/node failed: the node-saml oracle tests will skip"; fi
	$(BIN)/python -m pytest -q

# The API reference and guides (MkDocs + mkdocstrings), warnings as errors, into build/site.
docs: $(STAMP)
	@$(BIN)/python -c 'import mkdocstrings_handlers.python' 2>/dev/null || $(BIN)/pip install --quiet -e '.[docs]'
	$(BIN)/mkdocs build --strict --quiet
	@echo "API reference and guides: build/site/index.html"

# Every benchmark, ours beside the peers (python3-saml from the bench extra, installed on first use);
# tables on the terminal, build/bench/results.json and build/bench/results.md.
bench: $(STAMP)
	@$(BIN)/python -c 'import onelogin.saml2.utils' 2>/dev/null || $(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.run

# Coverage-guided fuzzing of the verifier (atheris, Linux): FUZZ_SECONDS, extra libFuzzer flags in FUZZ_ARGS.
# A finding is written to build/fuzz-findings/ and makes the target fail; the README says what next.
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	@$(BIN)/python -c 'import atheris' 2>/dev/null || $(BIN)/pip install --quiet -e '.[fuzz]'
	@mkdir -p build
	@echo "Fuzzing MessageVerifier.verify for $(FUZZ_SECONDS) s (log: build/fuzz.log)..."
	@$(BIN)/python -m tests.security.fuzz_verifier -max_total_time=$(FUZZ_SECONDS) $(FUZZ_ARGS) >build/fuzz.log 2>&1; \
	status=$$?; \
	grep -E '^(Done |stat::number_of_executed_units|stat::average_exec_per_sec|wsbind fuzz)' build/fuzz.log; \
	if [ $$status -ne 0 ]; then \
		grep -v '^INFO: Instrumenting' build/fuzz.log | tail -40; \
		echo "FINDING (exit $$status): the input is in build/fuzz-findings/; see README, Fuzzing"; \
	fi; \
	exit $$status

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
