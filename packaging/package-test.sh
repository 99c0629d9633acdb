#!/usr/bin/env bash
# Smoke test of a built bundle (make package-test): run it as a user would, with a clean environment
# (PATH=/usr/bin:/bin, no virtual environment, no PYTHONPATH, a fresh HOME), over the sample library.
#
#   package-test.sh dist/trove
#
# Checks: `trove --version` is pyproject's version; the sample library indexes into a temporary data dir
# with all 15 files and none failed; a text search and a voice search (--json) find the dentist
# recording; the `-m core.worker` re-entry that the app and `trove watch` use works in the frozen
# program; `trove-desktop --screenshot` offscreen writes a picture of the window with results.
# Prints the time of each step. Needs python3 from the system only to read the JSON answers.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="$(cd "${1:-$REPO/dist/trove}" 2>/dev/null && pwd)" || {
  echo "error: no bundle at ${1:-dist/trove}; build it with 'make package'" >&2; exit 1; }
[ -x "$BUNDLE/trove" ] && [ -x "$BUNDLE/trove-desktop" ] || {
  echo "error: $BUNDLE has no trove and trove-desktop programs; build it with 'make package'" >&2; exit 1; }
CHECK=/usr/bin/python3
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/pyproject.toml")"
SAMPLE="$REPO/resources/sample-library"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DATA="$WORK/data"
mkdir -p "$WORK/home"

clean() {  # run a command in the clean environment
  env -i HOME="$WORK/home" PATH=/usr/bin:/bin LANG=C.UTF-8 TROVE_CLIP_WEIGHTS=random "$@"
}
step() {  # step NAME COMMAND...: run it, print its time
  local name=$1; shift
  local start; start=$(date +%s.%N)
  "$@"
  printf '  %-10s %6.1f s\n' "$name" "$(echo "$(date +%s.%N) - $start" | bc)" >&2
}

version() {
  local out; out="$(clean "$BUNDLE/trove" --version)"
  [ "$out" = "trove $VERSION" ] || { echo "FAIL: trove --version printed '$out', want 'trove $VERSION'" >&2; exit 1; }
}
index() {
  clean "$BUNDLE/trove" --data-dir "$DATA" index "$SAMPLE" --json > "$WORK/index.json"
  $CHECK - "$WORK/index.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["added"] == 15 and out["failed"] == 0, f"FAIL: index: {out}"
PY
}
search() {  # search NAME ARGS...: the dentist recording is the first result
  local name=$1; shift
  clean "$BUNDLE/trove" --data-dir "$DATA" search "$@" --json > "$WORK/$name.json"
  $CHECK - "$WORK/$name.json" "$name" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
first = out["results"][0] if out["results"] else {}
assert first.get("path", "").endswith("dentist-reminder.wav") and first.get("matched"), \
    f"FAIL: {sys.argv[2]} search: {out['results'][:2]}"
if sys.argv[2] == "voice":
    assert "dentist" in (out["query"].get("transcript") or "").lower(), f"FAIL: transcript: {out['query']}"
PY
}
worker() {
  clean "$BUNDLE/trove" -m core.worker --help | grep -q -- "--report-fd" \
    || { echo "FAIL: the frozen trove does not run 'trove -m core.worker' (core/worker.py's child)" >&2; exit 1; }
}
screenshot() {
  clean QT_QPA_PLATFORM=offscreen "$BUNDLE/trove-desktop" --data-dir "$DATA" --query dentist \
    --size 1000x700 --screenshot "$WORK/shot.png"
  $CHECK - "$WORK/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "FAIL: the screenshot is not a PNG"
width, height = struct.unpack(">II", data[16:24])
# A window with a result list, text and a preview compresses far worse than an empty one (about 5 KB).
assert width >= 800 and height >= 600 and len(data) > 30_000, f"FAIL: screenshot {width}x{height}, {len(data)} bytes"
PY
  cp "$WORK/shot.png" "$REPO/dist/package-test-screenshot.png" 2>/dev/null || true
}

echo "smoke test of $BUNDLE ($(du -sh "$BUNDLE" | cut -f1)):" >&2
step version version
step worker worker
step index index
step text search text "dentist appointment"
step voice search voice --voice "$SAMPLE/recordings/dentist-reminder.wav"
step screenshot screenshot
echo "package-test: all checks passed (screenshot: dist/package-test-screenshot.png)" >&2
