# The two set-up commands of the README: `make demo` and `make test` (import contracts, then the tests). Both install what they need first.
# `make demo DATA_DIR=DIR` runs the demo on CIFAR-10 from DIR (cifar-10-batches-py inside it).
.PHONY: demo test install demo-data browser

install:
	bash scripts/bootstrap.sh

# Without a data directory the demo uses Fashion-MNIST from Debian's dataset-fashion-mnist package.
demo-data:
	@if [ -z "$(DATA_DIR)" ] && [ -z "$$ARCHRANK_DATA" ] && [ ! -d /usr/share/datasets/fashion-mnist ]; then \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist) >/dev/null \
	    || echo "make: could not install dataset-fashion-mnist; pass DATA_DIR=... with CIFAR-10" >&2; \
	  else echo "make: run 'sudo apt-get install dataset-fashion-mnist' or pass DATA_DIR=..." >&2; fi; fi

# The demo scores 200 NB201 architectures with five cheap heuristics, correlates them with the packaged
# 200-epoch table, runs heuristic-guided search against REA, prints the answer and writes the HTML report
# to ./archrank-demo-report (REPORT=DIR to change it). Offline; about three minutes on two idle cores.
demo: install demo-data
	.venv/bin/archrank demo $(if $(DATA_DIR),--data-dir $(DATA_DIR),) $(if $(REPORT),--report $(REPORT),)

# The report's browser test needs headless Chromium (Debian's chromium package); installed here where missing.
# Without it (not root, no network) the test skips and says so.
browser:
	@if [ -z "$$ARCHRANK_CHROMIUM" ] && ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null \
	    || echo "make: could not install chromium; the report's browser test will be skipped" >&2; \
	  else echo "make: run 'sudo apt-get install chromium' for the report's browser test (skipped without it)" >&2; fi; fi

# The import-linter contracts of pyproject.toml (layers, no cycles) and ruff first, then the test suite.
test: install browser
	.venv/bin/lint-imports
	.venv/bin/ruff check src tests benchmarks
	.venv/bin/python -m pytest
