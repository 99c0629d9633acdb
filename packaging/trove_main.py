"""The bundle's programs, `trove` (the command line) and `trove-desktop` (the app): see entry.py."""

import sys

from entry import run

run(sys.executable)
