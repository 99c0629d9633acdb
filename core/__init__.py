"""Trove's engine: everything that is not Qt."""

import os

# torch's OpenMP workers spin while they wait for each other; when anything else wants a core (our own
# decode threads, the GUI, another program) small model calls got 20-30x slower (bench/indexing.py,
# bench/search.py). A short spin costs nothing on a quiet machine. Must be set before torch is imported.
os.environ.setdefault("GOMP_SPINCOUNT", "10000")

from core.config import offline_by_default  # noqa: E402 - after the OpenMP setting, which must come first

offline_by_default()
