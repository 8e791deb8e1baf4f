"""Soak test: does memory stay flat over a long video?

Makes a long video by looping a sample clip (packets copied with PyAV, no re-encoding:
the loop takes seconds) and a short one cut from the same clip, then runs the full
command on each in its own process::

    posecheck analyze VIDEO -e EXERCISE --annotate A.mp4 --report R.json --html R.html --csv R

and compares the peak resident memory of the two processes (``os.wait4``'s
``ru_maxrss``). Memory is also sampled from ``/proc`` every second, so the table shows
whether it still grows late in the long run (it should not: frames are streamed, and
what the session keeps per frame is a few numbers).

    python benchmarks/soak.py [--clip sample_videos/bridge_low_side.mp4] [-e glute_bridge]
                              [--minutes 10] [--short-s 10] [--model full] [--out DIR]

It runs the pose model for a few minutes: on a shared machine, run it under the model
lock (``flock /tmp/pc/model.lock python benchmarks/soak.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import av

REPO = Path(__file__).resolve().parents[1]


def loop_clip(clip: Path, out: Path, seconds: float) -> int:
    """Write ``seconds`` of ``clip`` played in a loop (or its first ``seconds``); returns the frame count.

    Packets are copied, not re-encoded: each pass re-reads the clip and shifts its
    timestamps by the clip's length. The cut at the end is a cut in decode order, fine
    for streams without B-frames (the sample clips).
    """
    with av.open(str(clip)) as probe:
        stream = probe.streams.video[0]
        tb = stream.time_base
        pts = [p.pts for p in probe.demux(stream) if p.pts is not None]
        step = int(round(1 / (float(stream.average_rate) * tb)))
        period = max(pts) + step - min(pts)
        start = min(pts)
    limit = int(seconds / tb)
    frames = 0
    with av.open(str(out), "w") as dst:
        out_stream = None
        shift = 0
        while shift < limit:
            with av.open(str(clip)) as src:
                in_stream = src.streams.video[0]
                if out_stream is None:
                    out_stream = dst.add_stream_from_template(in_stream)
                for packet in src.demux(in_stream):
                    if packet.pts is None:  # the flush packet at the end of the stream
                        continue
                    at = packet.pts - start + shift
                    if at >= limit:
                        break
                    packet.pts = at
                    packet.dts = (packet.dts - start + shift) if packet.dts is not None else at
                    packet.stream = out_stream
                    dst.mux(packet)
                    frames += 1
            shift += period
    return frames


@dataclass
class Run:
    video: Path
    seconds: float
    frames: int
    wall_s: float = 0.0
    peak_rss_kb: int = 0
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, RSS kB)
    returncode: int = 0
    html_bytes: int = 0

    def rss_at(self, share: float) -> float:
        """RSS (MB) sampled closest to ``share`` of the run."""
        if not self.samples:
            return float("nan")
        target = share * self.wall_s
        return min(self.samples, key=lambda s: abs(s[0] - target))[1] / 1024


def _rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def analyse(run: Run, exercise: str, model: str, out: Path) -> Run:
    stem = out / run.video.stem
    cmd = [
        sys.executable, "-m", "posecheck.cli", "analyze", str(run.video), "-e", exercise, "--model", model,
        "--annotate", f"{stem}_annotated.mp4", "--report", f"{stem}.json", "--html", f"{stem}.html",
        "--csv", str(stem), "-q",
    ]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            kb = _rss_kb(proc.pid)
            if kb is not None:
                run.samples.append((time.monotonic() - start, kb))
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    run.wall_s = time.monotonic() - start
    run.peak_rss_kb = usage.ru_maxrss  # kilobytes on Linux
    run.returncode = proc.returncode
    err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
    if run.returncode != 0:
        raise SystemExit(f"analyze failed on {run.video} (exit {run.returncode}): {err}")
    html = Path(f"{stem}.html")
    run.html_bytes = html.stat().st_size if html.exists() else 0
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=REPO / "sample_videos" / "bridge_low_side.mp4")
    parser.add_argument("-e", "--exercise", default="glute_bridge")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the long video")
    parser.add_argument("--short-s", type=float, default=10.0, help="length of the short video")
    parser.add_argument("--model", default="full")
    parser.add_argument("--out", type=Path, help="keep the videos and outputs here (default: a temporary folder)")
    args = parser.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="posecheck-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        runs = []
        for seconds, name in ((args.short_s, "short"), (args.minutes * 60, "long")):
            video = out / f"soak_{name}.mp4"
            t0 = time.monotonic()
            frames = loop_clip(args.clip, video, seconds)
            print(f"made {video.name}: {seconds:.0f} s, {frames} frames ({time.monotonic() - t0:.1f} s)", flush=True)
            runs.append(Run(video, seconds, frames))
        for run in runs:
            analyse(run, args.exercise, args.model, out)
            print(f"analysed {run.video.name} in {run.wall_s:.0f} s", flush=True)

        short, long = runs
        print()
        print(f"clip {args.clip.name}, spec {args.exercise}, model {args.model}; "
              "analyze with --annotate, --report, --html and --csv")
        print("| video | frames | wall s | ms/frame | peak RSS MB | RSS MB at 1/3, 2/3, end | HTML KB |")
        print("|---|---:|---:|---:|---:|---|---:|")
        for run in runs:
            rss = ", ".join(f"{run.rss_at(s):.0f}" for s in (1 / 3, 2 / 3, 0.98))
            print(f"| {run.seconds:.0f} s | {run.frames} | {run.wall_s:.0f} | {1000 * run.wall_s / run.frames:.1f} "
                  f"| {run.peak_rss_kb / 1024:.0f} | {rss} | {run.html_bytes / 1024:.0f} |")
        print(f"\npeak RSS ratio {long.seconds / 60:.0f} min / {short.seconds:.0f} s: "
              f"{long.peak_rss_kb / short.peak_rss_kb:.2f}")
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
