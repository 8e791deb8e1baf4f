"""posecheck against the loop people write, as whole processes: seconds, ratios and peak memory.

For each model, these commands run in turn, round after round (alternating, so a machine
that speeds up or slows down affects all alike), each as its own process:

    naive loop        python benchmarks/naive_loop.py CLIP            (decode, convert, infer; one person)
    inference only    python benchmarks/naive_loop.py CLIP --inference-only   (the model's own seconds)
    analyze --report  posecheck analyze CLIP -e squat --report r.json
    analyze --report, 1 pose worker   the same with --pose-workers 1 (one model, one core)
    analyze --annotate posecheck analyze CLIP -e squat --report r.json --annotate a.mp4

and the table gives the median wall seconds (start-up, model loading and all), each
command's median ratio to the naive loop of the same round, and its peak RSS. Targets:
``analyze --report`` <= 0.95 x the naive loop; ``analyze --annotate`` <= 1.15 x ``--report``.

    python benchmarks/bench_pipeline.py [CLIP] [--rounds 4] [--models full,lite]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = Path(os.environ.get("POSECHECK_CLIPS", REPO.parent / "shared" / "clips")) / "squat_yy.mp4"


def run(cmd: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one command, measured from outside."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 4):  # 4: analyze finished and a cue failed, still a full run
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024, out


def commands(clip: str, model: str, work: Path, max_people: int) -> dict[str, list[str]]:
    py = sys.executable
    cli = [py, "-m", "posecheck.cli", "analyze", clip, "-e", "squat", "--model", model, "-q", "--max-people", str(max_people)]
    return {
        "naive loop": [py, str(REPO / "benchmarks" / "naive_loop.py"), clip, "--model", model],
        "inference only": [py, str(REPO / "benchmarks" / "naive_loop.py"), clip, "--model", model, "--inference-only"],
        "analyze --report": [*cli, "--report", str(work / f"r_{model}.json")],
        "analyze --report, 1 pose worker": [*cli, "--report", str(work / f"r1_{model}.json"), "--pose-workers", "1"],
        "analyze --annotate": [*cli, "--report", str(work / f"r_{model}.json"), "--annotate", str(work / f"a_{model}.mp4")],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--rounds", type=int, default=4, help="alternating rounds (1-20)")
    ap.add_argument("--models", default="full,lite", help="comma-separated: full, lite, heavy or .task paths")
    ap.add_argument("--max-people", type=int, default=2, help="posecheck's --max-people (the naive loop tracks 1)")
    args = ap.parse_args(argv)
    if not 1 <= args.rounds <= 20:
        ap.error("--rounds must be 1..20")
    if not Path(args.clip).is_file():
        ap.error(f"clip not found: {args.clip}")

    work = Path(tempfile.mkdtemp(prefix="posecheck-bench-"))
    print(f"clip {args.clip}, {args.rounds} alternating rounds, {os.cpu_count()} cores, "
          f"posecheck --max-people {args.max_people}; whole processes")
    for model in args.models.split(","):
        cmds = commands(args.clip, model, work, args.max_people)
        wall: dict[str, list[float]] = {k: [] for k in cmds}
        rss: dict[str, list[float]] = {k: [] for k in cmds}
        infer: list[float] = []
        for _ in range(args.rounds):
            for name, cmd in cmds.items():
                seconds, peak, out = run(cmd)
                wall[name].append(seconds)
                rss[name].append(peak)
                found = re.search(r"inference ([0-9.]+) s", out)
                if found:
                    infer.append(float(found.group(1)))
        base = wall["naive loop"]
        print(f"\nmodel {model}")
        print(f"{'command':32} {'median s':>9} {'x naive':>8} {'peak RSS MB':>12}")
        for name in cmds:
            ratio = statistics.median(a / b for a, b in zip(wall[name], base, strict=True))
            shown = statistics.median(infer) if name == "inference only" else statistics.median(wall[name])
            label = name + (" (model time)" if name == "inference only" else "")
            print(f"{label:32} {shown:9.2f} {ratio if name != 'inference only' else shown / statistics.median(base):8.2f} "
                  f"{max(rss[name]):12.0f}")
        report_ratio = statistics.median(a / b for a, b in zip(wall["analyze --report"], base, strict=True))
        annotate_ratio = statistics.median(
            a / b for a, b in zip(wall["analyze --annotate"], wall["analyze --report"], strict=True)
        )
        print(f"analyze --report / naive loop = {report_ratio:.3f} (target <= 0.95)")
        print(f"analyze --annotate / analyze --report = {annotate_ratio:.3f} (target <= 1.15)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
