#!/usr/bin/env bash
# The Debian/Ubuntu packages Trove needs from the system, installed when run as root with apt, else
# listed with the command to install them. Found with ldd on PySide6's libraries and plugins in a
# fresh Debian 12 chroot, removing each library in turn (see the README's "System packages").
#
#   system-deps.sh test   Qt offscreen + multimedia (the desktop tests), espeak-ng (spoken test queries),
#                         desktop-file-utils and appstream (validate the launcher entry and metainfo)
#   system-deps.sh run    the above without espeak-ng, plus the X11 (xcb) platform plugin (the app)
set -euo pipefail

QT="libglib2.0-0 libgl1 libegl1 libx11-6 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 fonts-dejavu-core"
MULTIMEDIA="libpulse0 libxrandr2 libxext6 libdrm2"
XCB="libx11-xcb1 libxkbcommon-x11-0 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-util1 libxcb-image0 \
libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-shm0 libxcb-sync1 \
libxcb-xfixes0 libxcb-xkb1 libxcb-glx0"
TEST_TOOLS="espeak-ng desktop-file-utils appstream"

case "${1:-}" in
  test) wanted="$QT $MULTIMEDIA $TEST_TOOLS" ;;
  run) wanted="$QT $MULTIMEDIA $XCB" ;;
  *) echo "usage: $0 test|run" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "note: not a Debian-like system; make sure Qt 6's runtime libraries (OpenGL/EGL, fontconfig, xcb," \
       "PulseAudio client), and for the tests espeak-ng, desktop-file-utils and appstream, are installed" >&2
  exit 0
fi

missing=""
for pkg in $wanted; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $pkg"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages:$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  exit 0
fi

echo "error: Trove needs these system packages:$missing" >&2
echo "       install them with: sudo apt-get install$missing" >&2
exit 1
