"""Batch throughput: the same clips sequentially, on 2 local processes, and on a local Ray.

    python benchmarks/bench_batch.py [FOLDER] [--clips N] [--rounds 2] [--model lite]

Each way runs as a whole ``posecheck batch`` process (start-up, model loading and all),
the ways alternate round by round, and the table gives median seconds, clips per minute
and the speed-up over the sequential run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(REPO / "sample_videos"))
    ap.add_argument("--clips", type=int, default=17, help="the first N labelled clips (1-500)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds (1-10)")
    ap.add_argument("--model", default="lite")
    args = ap.parse_args(argv)
    if not 1 <= args.clips <= 500 or not 1 <= args.rounds <= 10:
        ap.error("--clips must be 1..500 and --rounds 1..10")
    folder = Path(args.folder)
    data = json.loads((folder / "labels.json").read_text())
    data["clips"] = data["clips"][: args.clips]
    work = Path(tempfile.mkdtemp(prefix="posecheck-bench-batch-"))
    labels = work / "labels.json"
    labels.write_text(json.dumps(data))
    base = [sys.executable, "-m", "posecheck.cli", "batch", str(folder), "--labels", str(labels), "--model", args.model, "-q"]
    ways = {
        "sequential": base,
        "--jobs 2": [*base, "--jobs", "2"],
        "--engine ray (local)": [*base, "--engine", "ray"],
    }
    seconds: dict[str, list[float]] = {k: [] for k in ways}
    for _ in range(args.rounds):
        for name, cmd in ways.items():
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            seconds[name].append(time.perf_counter() - start)
    n = len(data["clips"])
    seq = statistics.median(seconds["sequential"])
    print(f"{n} clips from {folder}, model {args.model}, {args.rounds} rounds, {os.cpu_count()} cores")
    print(f"{'way':30} {'median s':>9} {'clips/min':>10} {'speed-up':>9}")
    for name in ways:
        med = statistics.median(seconds[name])
        print(f"{name:30} {med:9.1f} {60 * n / med:10.1f} {seq / med:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
