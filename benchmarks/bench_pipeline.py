"""Where the time goes: ms per frame and peak memory of four ways to process one clip.

    (a) the inference call alone (frames decoded and converted beforehand, model loaded);
    (b) a naive loop: load the model, decode, convert BGR->RGB, infer;
    (c) posecheck's analyze with a JSON report only;
    (d) posecheck's analyze with an annotated video.

Each mode runs in its own process (so peak RSS is that mode's own), the modes are
interleaved over several rounds, and the median per mode is reported together with the
ratios to (b). The target is (c) <= 1.10 x (b): everything posecheck adds on top of the
model — conversion, metrics, counting, cues, the report — costs at most 10%.

    python benchmarks/bench_pipeline.py [CLIP] [--frames 300] [--rounds 3] [--model full]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CLIP = Path(os.environ.get("POSECHECK_CLIPS", REPO.parent / "shared" / "clips")) / "squat_yy.mp4"
MODES = ("a", "b", "c", "d")
LABELS = {
    "a": "(a) inference call only",
    "b": "(b) naive decode+convert+infer",
    "c": "(c) analyze, report only",
    "d": "(d) analyze + annotated video",
}


def _landmarker(model_path: str, max_people: int):
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    opts = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=model_path), running_mode=RunningMode.VIDEO, num_poses=max_people
    )
    return PoseLandmarker.create_from_options(opts)


def _first_frames(clip: str, n: int) -> tuple[str, int]:
    """Cut the first ``n`` frames into a temporary file so every mode sees the same input."""
    import cv2

    cap = cv2.VideoCapture(clip)
    fps = cap.get(cv2.CAP_PROP_FPS)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    out_path = Path(tempfile.mkdtemp()) / "bench.avi"
    out = cv2.VideoWriter(str(out_path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    count = 0
    while count < n:
        ok, img = cap.read()
        if not ok:
            break
        out.write(img)
        count += 1
    out.release()
    return str(out_path), count


def run_mode(mode: str, clip: str, model: str, max_people: int) -> dict:
    """Process the clip once in this process; return seconds, frames and peak RSS."""
    import cv2
    import mediapipe as mp

    from posecheck.analyze import AnalyzeOptions, analyze_video
    from posecheck.pose.models import resolve_model
    from posecheck.specs.loader import load_spec

    frames = 0
    if mode in ("a", "b"):
        start = time.perf_counter()  # (b) and (c)/(d) alike include loading the model and opening the clip
        model_file = resolve_model(model)
        with _landmarker(str(model_file.path), max_people) as lm:
            cap = cv2.VideoCapture(clip)
            fps = cap.get(cv2.CAP_PROP_FPS)
            if mode == "a":
                images = []
                while True:
                    ok, bgr = cap.read()
                    if not ok:
                        break
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                    images.append(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
                start = time.perf_counter()
                for i, image in enumerate(images):
                    lm.detect_for_video(image, int(i * 1000 / fps))
                elapsed = time.perf_counter() - start
                frames = len(images)
            else:
                while True:
                    ok, bgr = cap.read()
                    if not ok:
                        break
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                    lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(frames * 1000 / fps))
                    frames += 1
                elapsed = time.perf_counter() - start
    else:
        spec = load_spec("squat")
        annotate = Path(tempfile.mkdtemp()) / "annotated.mp4" if mode == "d" else None
        options = AnalyzeOptions(model=model, max_people=max_people, annotate=annotate)
        start = time.perf_counter()
        report = analyze_video(clip, spec, options)
        elapsed = time.perf_counter() - start
        frames = report.source.frames_decoded
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"mode": mode, "seconds": elapsed, "frames": frames, "peak_rss_mb": peak_kb / 1024}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clip", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--frames", type=int, default=300, help="frames from the start of the clip (1-100000)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds per mode (1-20)")
    ap.add_argument("--model", default="full")
    ap.add_argument("--max-people", type=int, default=2)
    ap.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(run_mode(args.child, args.clip, args.model, args.max_people)))
        return 0
    if not 1 <= args.frames <= 100000 or not 1 <= args.rounds <= 20:
        ap.error("--frames must be 1..100000 and --rounds 1..20")
    if not Path(args.clip).is_file():
        ap.error(f"clip not found: {args.clip}")

    clip, n = _first_frames(args.clip, args.frames)
    print(f"clip {args.clip}: first {n} frames, model {args.model}, max_people {args.max_people}, "
          f"{args.rounds} interleaved rounds, {os.cpu_count()} cores")
    results: dict[str, list[dict]] = {m: [] for m in MODES}
    env = dict(os.environ, GLOG_minloglevel="2")
    for _ in range(args.rounds):
        for mode in MODES:
            cmd = [sys.executable, __file__, clip, "--child", mode, "--model", args.model,
                   "--max-people", str(args.max_people)]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
            results[mode].append(json.loads(out.strip().splitlines()[-1]))

    ms = {m: statistics.median(r["seconds"] / r["frames"] * 1000 for r in results[m]) for m in MODES}
    rss = {m: max(r["peak_rss_mb"] for r in results[m]) for m in MODES}
    print(f"{'mode':34} {'ms/frame':>9} {'x (b)':>7} {'peak RSS MB':>12}")
    for m in MODES:
        print(f"{LABELS[m]:34} {ms[m]:9.1f} {ms[m] / ms['b']:7.2f} {rss[m]:12.0f}")
    ratio = ms["c"] / ms["b"]
    print(f"(c)/(b) = {ratio:.3f} (target <= 1.10): {'ok' if ratio <= 1.10 else 'OVER TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
