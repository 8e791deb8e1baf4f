"""Do the real clips still pass when filmed the other way round, or analysed at a lower frame rate?

Unseen clips differ from the labelled ones in ways that should not change a verdict: the
person faces the other way, the camera runs at 15 fps, the analysis skips frames to keep up
live. This re-scores every labelled clip from its stored pose trace after such a change and
prints which clips still pass (the model runs once per clip, only for clips without a trace):

* ``mirrored``: the clip flipped left to right (the labels' per-side counts swapped);
* ``half-rate``, ``third-rate``: every 2nd or 3rd frame (30 fps clips at 15 and 10 fps);
* ``dropped``: a random fifth of the frames missing, as from a webcam or a phone that drops
  frames under load (the gaps are uneven);
* ``jittered``: every landmark moved by random noise of 1 cm in 3D and 2 px in the picture,
  on top of the model's own (a worse camera, a smaller person in the picture).

Random variants are seeded from the trace's timestamps and length, so a run repeats exactly.

    python benchmarks/robustness.py --clips ../shared/clips --trace-cache .cache/traces
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from labelled import add_clip_arguments, labelled_clips  # a sibling script

from posecheck.analyze import Analysis, AnalyzeOptions, analyze_video
from posecheck.batch import ClipLabel, ClipScore, score_clip
from posecheck.pose.models import resolve_model
from posecheck.pose.trace import PoseTrace, cache_key, cache_path
from posecheck.report import SourceInfo
from posecheck.specs.loader import load_spec_file


def _rng(trace: PoseTrace) -> np.random.Generator:
    """Seeded from the trace's contents, so a clip's variant is the same on every run."""
    return np.random.default_rng(zlib.crc32(np.ascontiguousarray(trace.t).tobytes()) + len(trace))


def dropped(trace: PoseTrace, share: float = 0.2) -> PoseTrace:
    """The trace with a random ``share`` of its frames missing (never the first)."""
    keep = _rng(trace).random(len(trace)) >= share
    keep[:1] = True
    return replace(trace, t=trace.t[keep], image_xy=trace.image_xy[keep], world_xyz=trace.world_xyz[keep],
                   visibility=trace.visibility[keep], people=trace.people[keep])


def jittered(trace: PoseTrace, world_m: float = 0.01, image_px: float = 2.0) -> PoseTrace:
    """Every landmark moved by Gaussian noise (``world_m`` metres in 3D, ``image_px`` pixels)."""
    rng = _rng(trace)
    return replace(trace, world_xyz=trace.world_xyz + rng.normal(0.0, world_m, trace.world_xyz.shape).astype(np.float32),
                   image_xy=trace.image_xy + rng.normal(0.0, image_px, trace.image_xy.shape).astype(np.float32))


def _swap_sides(label: ClipLabel) -> ClipLabel:
    sides = label.per_side
    return label.model_copy(update={"per_side": {"left": sides["right"], "right": sides["left"]} if sides else None})


#: name -> (how the trace changes, how the label changes)
VARIANTS: dict[str, tuple[Callable[[PoseTrace], PoseTrace], Callable[[ClipLabel], ClipLabel]]] = {
    "original": (lambda trace: trace, lambda label: label),
    "mirrored": (PoseTrace.mirrored, _swap_sides),
    "half-rate": (lambda trace: trace.every(2), lambda label: label),
    "third-rate": (lambda trace: trace.every(3), lambda label: label),
    "dropped": (dropped, lambda label: label),
    "jittered": (jittered, lambda label: label),
}


def score_variant(trace: PoseTrace, label: ClipLabel, video: Path, spec_path: Path, model, vocabulary: set[str],
                  variant: str) -> ClipScore:
    change_trace, change_label = VARIANTS[variant]
    changed = change_trace(trace)
    analysis = Analysis(load_spec_file(spec_path))
    for frame in changed.frames():
        analysis.update(frame)
    width, height = changed.image_size
    report = analysis.report(SourceInfo(str(video), changed.fps, changed.frame_count, len(changed), width, height), model)
    return score_clip(change_label(label), report, vocabulary)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_clip_arguments(ap)
    ap.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of: {', '.join(VARIANTS)}")
    args = ap.parse_args(argv)
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        ap.error(f"unknown variant {unknown[0]!r}; valid: {', '.join(VARIANTS)}")

    runnable, vocabulary = labelled_clips(args)
    model = resolve_model(args.model)
    options = AnalyzeOptions(model=args.model, trace_cache=Path(args.trace_cache))
    passed = {v: 0 for v in variants}
    print(f"{'clip':32} " + " ".join(f"{v:>11}" for v in variants))
    for label, video, spec_path in runnable:
        key = cache_key(video, model.sha256, options.max_people, options.workers())
        trace = PoseTrace.load(cache_path(args.trace_cache, video), key)
        if trace is None:  # run the model once; the trace is stored for the next run
            analyze_video(video, load_spec_file(spec_path), options)
            trace = PoseTrace.load(cache_path(args.trace_cache, video), key)
        scores = {v: score_variant(trace, label, video, spec_path, model, vocabulary, v) for v in variants}
        for v, score in scores.items():
            passed[v] += score.status == "pass"
        cells = " ".join(f"{'pass' if s.status == 'pass' else 'FAIL':>11}" for s in scores.values())
        reasons = "; ".join(f"{v}: {s.reason}" for v, s in scores.items() if s.status != "pass")
        print(f"{label.file.removesuffix('.mp4'):32} {cells}  {reasons}", flush=True)
    print(f"{'passed':32} " + " ".join(f"{f'{passed[v]}/{len(runnable)}':>11}" for v in variants))
    return 0


if __name__ == "__main__":
    sys.exit(main())
