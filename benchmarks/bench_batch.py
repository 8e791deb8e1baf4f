"""Batch throughput: the same clips one at a time, on 2 local processes, and on a local Ray.

    python benchmarks/bench_batch.py [FOLDER] [--clips N] [--rounds 2] [--model lite] [--rates 15,10]
                                     [--ways seq1,seq2,jobs2,ray,ray-standing]

Each way runs as a whole ``posecheck batch`` process (start-up, model loading and all),
the ways alternate round by round, and the table gives median seconds, clips per minute,
the clips that passed and the speed-up over the baseline: one clip at a time with one pose
model, the loop a user would write. ``--rates`` adds one-at-a-time runs at those
``--analysis-fps`` (pass counts show what the lower rate costs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _start_standing_ray() -> None:
    """A local Ray head with this machine's cores, started before the timed runs (as a cluster stands)."""
    cpus = str(os.cpu_count() or 1)
    subprocess.run(
        [str(Path(sys.executable).parent / "ray"), "start", "--head", "--num-cpus", cpus, "--include-dashboard", "false"],
        capture_output=True, check=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(REPO / "sample_videos"))
    ap.add_argument("--clips", type=int, default=17, help="the first N labelled clips (1-500)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds (1-10)")
    ap.add_argument("--model", default="lite")
    ap.add_argument("--rates", default="", help="comma-separated --analysis-fps values to add")
    ap.add_argument(
        "--ways", default="seq1,seq2,jobs2,ray",
        help="comma-separated: seq1 (baseline, always run), seq2 (two pose workers), jobs2, ray (a local Ray the "
        "command starts), ray-standing (a local Ray started beforehand, as a cluster would be)",
    )
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
    every_way = {
        "seq1": ("one at a time, 1 pose worker", [*base, "--pose-workers", "1"]),
        "seq2": ("one at a time (pose workers 2)", [*base, "--pose-workers", "2"]),
        "jobs2": ("--jobs 2", [*base, "--jobs", "2"]),
        "ray": ("--engine ray (starts a local Ray)", [*base, "--engine", "ray"]),
        "ray-standing": ("--engine ray --address (standing)", [*base, "--engine", "ray", "--address", "auto"]),
    }
    chosen = ["seq1", *[w for w in args.ways.split(",") if w and w != "seq1"]]
    unknown = [w for w in chosen if w not in every_way]
    if unknown:
        ap.error(f"unknown ways {unknown}; choose from {', '.join(every_way)}")
    ways = dict(every_way[w] for w in chosen)
    if "ray-standing" in chosen:
        _start_standing_ray()
    for rate in filter(None, args.rates.split(",")):
        ways[f"one at a time, --analysis-fps {rate}"] = [*base, "--pose-workers", "1", "--analysis-fps", rate]
    seconds: dict[str, list[float]] = {k: [] for k in ways}
    passed: dict[str, str] = {}
    for _ in range(args.rounds):
        for name, cmd in ways.items():
            start = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            seconds[name].append(time.perf_counter() - start)
            found = re.search(r"(\d+) passed, (\d+) failed, (\d+) errors", done.stdout)
            passed[name] = f"{found.group(1)}/{int(found.group(1)) + int(found.group(2)) + int(found.group(3))}" if found else "?"
    if "ray-standing" in chosen:
        subprocess.run([str(Path(sys.executable).parent / "ray"), "stop"], capture_output=True, check=False)
    n = len(data["clips"])
    baseline = statistics.median(seconds["one at a time, 1 pose worker"])
    print(f"{n} clips from {folder}, model {args.model}, {args.rounds} rounds, {os.cpu_count()} cores")
    print(f"{'way':36} {'median s':>9} {'clips/min':>10} {'passed':>7} {'speed-up':>9}")
    for name in ways:
        med = statistics.median(seconds[name])
        print(f"{name:36} {med:9.1f} {60 * n / med:10.1f} {passed[name]:>7} {baseline / med:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
