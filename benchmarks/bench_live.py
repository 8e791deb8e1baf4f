"""Live latency: frame available -> overlay ready, processed frames per second, dropped frames.

Runs the real live loop (:func:`posecheck.live.run_live`: reader thread, pose model,
session, set-up check, form messages, skeleton and HUD) on a clip replayed in real time
with ``--source``, once per model and frame rate. The overlay goes to a function that
drops it instead of a window (drawing is measured, putting it on screen is not). Voice off.

The clip (default ``sample_videos/squat_lean_oblique.mp4``) is scaled to 640x480 and
repeated to about ``--seconds``; ``--fps 30`` re-times the same frames at 30 fps (the
motion plays twice as fast), which is what a webcam delivers.

Reported per run: frames the source delivered, frames processed, dropped (by the replay
when behind, and by the reader when a newer frame replaced one not yet taken), processed
fps, capture-to-overlay latency median and 95th percentile, how long the newest frame
waited for the loop (part of the latency), "stale": frames processed although a newer one
had already arrived (0 means no backlog), and "newer during": how many newer frames arrived
while one frame was processed (its maximum; the overlay on screen is at most that many
frames old).

    flock /tmp/pc/model.lock python benchmarks/bench_live.py [--models lite,full] [--fps 15,30] [--seconds 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = REPO / "sample_videos" / "squat_lean_oblique.mp4"
SIZE = (640, 480)


def make_clip(src: Path, out: Path, fps: float, seconds: float, size: tuple[int, int] = SIZE) -> int:
    """Scale ``src`` to ``size`` and repeat it to about ``seconds`` at ``fps``; returns the frame count."""
    import cv2

    from posecheck.io.video import VideoSink, VideoSource

    with VideoSource(src) as source:
        frames = [cv2.resize(f.image, size, interpolation=cv2.INTER_AREA) for f in source]
    total = max(len(frames), round(seconds * fps))
    with VideoSink(out, fps, size) as sink:
        for i in range(total):
            sink.write(frames[i % len(frames)], i / fps)
    return total


def run_once(clip: Path, model: str, max_people: int) -> dict:
    from posecheck.live import LiveOptions, run_live
    from posecheck.specs.loader import load_spec

    options = LiveOptions(source=clip, model=model, voice=False, max_people=max_people)
    outcome = run_live(load_spec("squat"), options, printer=lambda s: None, display=lambda image: False)
    st = outcome.stats
    return {
        "processed": st.frames,
        "dropped": st.dropped,
        "source_dropped": st.source_dropped,
        "reader_dropped": st.reader_dropped,
        "fps": st.fps,
        "median": statistics.median(st.latency_ms),
        "p95": st.percentile(95),
        "wait": statistics.median(st.wait_ms),
        "stale": st.stale,
        "behind_max": max(st.behind, default=0),
        "behind_0": sum(1 for b in st.behind if b == 0) / max(1, len(st.behind)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clip", default=str(DEFAULT_CLIP))
    ap.add_argument("--models", default="lite,full")
    ap.add_argument("--fps", default="15,30", help="replay frame rates, comma-separated")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--max-people", type=int, default=2, help="as live (default 2)")
    args = ap.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fps in [float(x) for x in args.fps.split(",")]:
            clip = Path(tmp) / f"live_{fps:g}.mp4"
            delivered = make_clip(Path(args.clip), clip, fps, args.seconds)
            for model in args.models.split(","):
                r = run_once(clip, model, args.max_people)
                rows.append((model, fps, delivered, r))
                print(f"{model} {fps:g} fps: {r}", file=sys.stderr)

    print(f"\n{SIZE[0]}x{SIZE[1]}, {Path(args.clip).name} repeated to {args.seconds:g} s, max_people {args.max_people}\n")
    print("| model | source fps | frames delivered | processed | dropped | processed fps "
          "| latency median ms | latency p95 ms | wait median ms | stale | newer during (max) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for model, fps, delivered, r in rows:
        print(f"| {model} | {fps:g} | {delivered} | {r['processed']} | {r['dropped']} | {r['fps']:.1f} "
              f"| {r['median']:.1f} | {r['p95']:.1f} | {r['wait']:.1f} | {r['stale']} | {r['behind_max']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
