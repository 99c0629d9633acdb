"""What the bundle's two programs run. trove_main.py is frozen once and linked twice, as `trove` and
`trove-desktop` (one analysis, half the build time); the program's own file name picks the front end.

A frozen executable is not a Python interpreter: the app and `trove watch` start each index run as
``sys.executable -m core.worker ...`` (core/worker.py), which in the bundle re-enters this file. So
``-m MODULE ARGS`` is served here for Trove's own modules before the front end starts."""

from __future__ import annotations

import importlib
import os
import runpy
import sys

_RUNNABLE = ("core.worker", "core.cli", "desktop.app")


def front_end(executable: str) -> str:
    """The module whose ``main`` a program runs: the app for `trove-desktop`, else the command line."""
    return "desktop.app" if os.path.basename(executable).startswith("trove-desktop") else "core.cli"


def run(executable: str) -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "-m" and sys.argv[2] in _RUNNABLE:
        module = sys.argv[2]
        sys.argv = [module, *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return
    module = importlib.import_module(front_end(executable))
    sys.exit(module.main())
