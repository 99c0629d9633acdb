# The two set-up commands: `make run` and `make test`. Each builds .venv by itself when it is missing
# or older than pyproject.toml; a second run installs nothing.
PY ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run demo test bench lint system-deps system-deps-app clean-venv install-desktop uninstall-desktop icons \
	package package-test

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "error: $(PY) not found; install Python 3.11 or run 'make PY=python3.12 ...'" >&2; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# System packages (Debian): Qt's runtime libraries; for the tests also espeak-ng, which speaks the voice queries,
# and desktop-file-utils and appstream, which validate the launcher entry and the AppStream metainfo.
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

# The launcher for the current user (~/.local/share: applications, icons/hicolor, metainfo). It runs
# trove-desktop from PATH, else this checkout's .venv (TROVE_DESKTOP_EXEC=PATH chooses). No root needed.
install-desktop:
	@bash packaging/linux/install-desktop.sh install

uninstall-desktop:
	@bash packaging/linux/install-desktop.sh uninstall

# Render resources/icons/trove.svg again into packaging/linux/icons (the PNGs are committed).
icons: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/linux/render_icons.py

# A self-contained one-folder bundle (PyInstaller) in dist/trove/ and dist/trove-VERSION-linux-x86_64.tar.gz.
# Takes minutes and gigabytes (see packaging/README.md); not part of `make test`.
VERSION = $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
BUNDLE_TGZ := dist/trove-$(VERSION)-linux-x86_64.tar.gz

package: $(STAMP)
	test -x $(BIN)/pyinstaller || $(BIN)/python -m pip install --quiet 'pyinstaller>=6.10'
	$(BIN)/pyinstaller --noconfirm --log-level WARN packaging/trove.spec --distpath dist --workpath build/pyinstaller
	mkdir -p dist/trove/share-linux
	cp -r packaging/linux/install-desktop.sh packaging/linux/io.github.trove.Trove.* packaging/linux/icons \
		dist/trove/share-linux/
	tar -C dist -czf $(BUNDLE_TGZ) trove
	@du -sh dist/trove $(BUNDLE_TGZ)

# Smoke test of the built bundle with a clean PATH and no virtual environment (see packaging/package-test.sh).
package-test:
	bash packaging/package-test.sh dist/trove
