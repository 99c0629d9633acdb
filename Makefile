# The two set-up commands: `make run` and `make test`. Each builds .venv by itself when it is missing
# or older than pyproject.toml; a second run installs nothing.
PY ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run demo test bench lint system-deps system-deps-app clean-venv

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "error: $(PY) not found; install Python 3.11 or run 'make PY=python3.12 ...'" >&2; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# System packages (Debian): Qt's runtime libraries, and espeak-ng, which speaks the tests' voice queries.
# Installed with apt when run as root; otherwise the exact apt-get command is printed.
system-deps:
	@bash packaging/system-deps.sh test

system-deps-app:
	@bash packaging/system-deps.sh run

# The desktop app on its default library (the first run offers to add folders or the sample library).
run: $(STAMP) system-deps-app
	$(BIN)/python -m desktop.app

# Without a display: index the sample library and run example searches in the terminal.
demo: $(STAMP)
	$(BIN)/python -m core.cli demo

test: $(STAMP) system-deps lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check core desktop tests bench resources --output-format concise
	$(BIN)/mypy

clean-venv:
	rm -rf $(VENV)
