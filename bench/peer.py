"""Trove beside another tool on the same folder: ``python -m bench.peer FOLDER [--peer CMD] [--runs N]``.

Indexes FOLDER with ``trove index`` (each run into a copy of a data folder that holds the sample library
and its ONNX query copies, written once beforehand and not timed, as in every start but a library's very
first; CLIP with seeded random weights as in every benchmark) and runs CMD, alternating, and prints one JSON object:
each tool's wall time and peak RSS (``wait4`` on the command, through the small launcher bench/startup.py
uses, so neither inherits this process's memory), best of the runs, and the ratios. CMD is a shell-style
command run in FOLDER with ``{folder}`` replaced by its path and ``{scratch}`` by an empty folder of its own
for each run; without ``--peer`` it is rclip (``rclip -n -t 1 photo`` indexes the folder it runs in, then
searches) when ``rclip`` is on PATH, else only Trove's figures are printed. A peer that downloads its model
on first run needs that done beforehand (this machine reaches no model hub).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.startup import _LAUNCHER

REPO = Path(__file__).resolve().parents[1]
RCLIP = "rclip -n -t 1 photo"


def run_measured(args: list[str], cwd: Path, env: dict[str, str], scratch: Path, label: str) -> dict[str, Any]:
    """Wall seconds and peak RSS (MiB) of ``args`` run in ``cwd``."""
    result = scratch / f"{label}.json"
    with open(scratch / f"{label}.err", "wb") as err:
        proc = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, str(result), *args], cwd=cwd, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, timeout=3600,
                              check=False)
    try:
        res = json.loads(result.read_text())
    except (OSError, ValueError):
        res = {"exit": f"none (launcher status {proc.returncode})"}
    if res["exit"] != 0:
        tail = (scratch / f"{label}.err").read_text(errors="replace")[-1500:]
        raise RuntimeError(f"{label}: exit status {res['exit']}: {tail}")
    return {"seconds": round(float(res["seconds"]), 2), "peak_rss_mb": round(float(res["maxrss_kib"]) / 1024, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--peer", help=f"the other tool's command (default: {RCLIP!r} where rclip is installed)")
    parser.add_argument("--runs", type=int, default=2, help="runs of each, alternating (best counts)")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    if not folder.is_dir():
        parser.error(f"{folder}: no such folder")
    peer = args.peer or (RCLIP if shutil.which("rclip") else None)
    trove = shutil.which("trove", path=str(Path(sys.executable).parent)) or "trove"
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    runs: dict[str, list[dict[str, Any]]] = {"trove": [], "peer": []}
    with tempfile.TemporaryDirectory(prefix="trove-peer-") as tmp_name:
        tmp = Path(tmp_name)
        prepared = tmp / "prepared"
        print("peer bench: preparing a data folder with the query copies (not timed)", file=sys.stderr)
        from resources import sample_library

        env = dict(os.environ, TROVE_CLIP_WEIGHTS="random", TROVE_DATA_DIR=str(prepared))
        run_measured([trove, "index", str(sample_library())], REPO, env, tmp, "prepare")
        for i in range(args.runs):
            data = tmp / f"data-{i}"
            shutil.copytree(prepared, data)
            env = dict(os.environ, TROVE_CLIP_WEIGHTS="random", TROVE_DATA_DIR=str(data))
            print(f"peer bench: trove index, run {i + 1}", file=sys.stderr)
            runs["trove"].append(run_measured([trove, "index", str(folder)], REPO, env, tmp, f"trove-{i}"))
            if peer:
                scratch = tmp / f"peer-{i}"
                scratch.mkdir()
                cmd = [part.replace("{folder}", str(folder)).replace("{scratch}", str(scratch))
                       for part in shlex.split(peer)]
                exe = shutil.which(cmd[0]) or cmd[0]
                env = dict(os.environ, HOME=str(scratch), XDG_DATA_HOME=str(scratch / "data"))
                print(f"peer bench: {peer}, run {i + 1}", file=sys.stderr)
                runs["peer"].append(run_measured([exe, *cmd[1:]], folder, env, tmp, f"peer-{i}"))
    best = {name: min(r, key=lambda x: x["seconds"]) for name, r in runs.items() if r}
    out: dict[str, Any] = {"folder": str(folder), "files": files, "peer_command": peer, "runs": runs,
                           "trove_index_s": best["trove"]["seconds"],
                           "trove_index_peak_rss_mb": min(x["peak_rss_mb"] for x in runs["trove"])}
    if "peer" in best:
        out.update(peer_index_s=best["peer"]["seconds"],
                   peer_index_peak_rss_mb=min(x["peak_rss_mb"] for x in runs["peer"]),
                   trove_vs_peer_speed=round(best["peer"]["seconds"] / best["trove"]["seconds"], 3),
                   trove_vs_peer_rss=round(out["trove_index_peak_rss_mb"] / min(x["peak_rss_mb"] for x in runs["peer"]),
                                           3))
    else:
        out["peer"] = "none: rclip is not installed and no --peer was given"
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
