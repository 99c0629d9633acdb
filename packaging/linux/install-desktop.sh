#!/usr/bin/env bash
# Register (or remove) Trove's launcher for the current user: the .desktop entry, the hicolor icons and
# the AppStream metainfo under ${XDG_DATA_HOME:-~/.local/share}. Nothing is written outside it.
#
#   install-desktop.sh install     (make install-desktop)
#   install-desktop.sh uninstall   (make uninstall-desktop)
#
# The entry runs `trove-desktop` when it is on PATH (pipx, pip --user, a system package). Otherwise it
# runs this checkout's .venv/bin/trove-desktop, or the one next to this script in an unpacked bundle,
# by its absolute path. TROVE_DESKTOP_EXEC=/path/to/trove-desktop chooses it explicitly.
set -euo pipefail

APP_ID=io.github.trove.Trove
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
APPS="$DATA/applications"
ICONS="$DATA/icons/hicolor"
META="$DATA/metainfo"

refresh() {
  if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$APPS" || true
  fi
  # A user-level icon cache is only kept current, never created: an icon-theme.cache that later goes
  # stale would hide other applications' icons from GTK. Touching the folder tells GTK to look again.
  touch "$ICONS" 2>/dev/null || true
  if [ -f "$ICONS/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t -f "$ICONS" || true
  fi
}

find_exec() {
  if [ -n "${TROVE_DESKTOP_EXEC:-}" ]; then echo "$TROVE_DESKTOP_EXEC"; return; fi
  if command -v trove-desktop >/dev/null 2>&1; then echo trove-desktop; return; fi
  for candidate in "$HERE/../../.venv/bin/trove-desktop" "$HERE/../trove-desktop"; do
    if [ -x "$candidate" ]; then (cd "$(dirname "$candidate")" && echo "$PWD/trove-desktop"); return; fi
  done
  echo "warning: trove-desktop is not on PATH and no .venv or bundle was found; the launcher runs" \
       "'trove-desktop' and works once it is installed (or set TROVE_DESKTOP_EXEC)" >&2
  echo trove-desktop
}

case "${1:-}" in
  install)
    exec_path="$(find_exec)"
    mkdir -p "$APPS" "$META"
    # Quote the path for the Exec key when it has spaces (the desktop entry spec's quoting rules).
    case "$exec_path" in *" "*) exec_value="\"$exec_path\"" ;; *) exec_value="$exec_path" ;; esac
    sed "s|^Exec=.*|Exec=$exec_value|" "$HERE/$APP_ID.desktop" > "$APPS/$APP_ID.desktop"
    chmod 0644 "$APPS/$APP_ID.desktop"
    install -m 0644 "$HERE/$APP_ID.metainfo.xml" "$META/$APP_ID.metainfo.xml"
    (cd "$HERE/icons/hicolor" && for icon in */apps/"$APP_ID".*; do
       install -D -m 0644 "$icon" "$ICONS/$icon"
     done)
    refresh
    echo "installed the Trove launcher in $DATA (runs: $exec_path)"
    ;;
  uninstall)
    rm -f "$APPS/$APP_ID.desktop" "$META/$APP_ID.metainfo.xml"
    rm -f "$ICONS"/*/apps/"$APP_ID".png "$ICONS"/scalable/apps/"$APP_ID".svg
    [ -d "$ICONS" ] && refresh
    echo "removed the Trove launcher from $DATA"
    ;;
  *) echo "usage: $0 install|uninstall" >&2; exit 2 ;;
esac
