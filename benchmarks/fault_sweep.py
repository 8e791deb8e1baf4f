"""How small a fault does posecheck still catch? A sweep of injected fault sizes.

For each (exercise, fault, view) case it renders synthetic clips with the fault at several
magnitudes (the rest of the clip clean), runs the real model and the shipped spec, and
reports whether the fault's cue was flagged in the injected window, plus the value the
cue's metric measured there. Clips are rendered into a scratch folder and deleted.

    python benchmarks/fault_sweep.py [--sizes 5,8,10,12,15,20] [--case plank_sag] [--model full]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecheck.analyze import AnalyzeOptions, analyze_video
from posecheck.batch import ClipLabel, score_clip
from posecheck.specs.loader import load_spec
from posecheck.synth import SceneOptions, SubjectOptions, SynthRequest, write_clip


@dataclass(frozen=True)
class Case:
    name: str
    exercise: str
    fault: str
    view: str
    limit: str  # "@reps=2" or "@t=2-5"


CASES = (
    Case("bridge_low", "glute_bridge", "hips_too_low", "side", "@reps=2"),
    Case("bridge_arch", "glute_bridge", "lumbar_arch", "side", "@reps=2"),
    Case("plank_sag", "forearm_plank", "hips_sagging", "side", "@t=2-5"),
    Case("plank_pike", "forearm_plank", "hips_piked", "side", "@t=2-5"),
    Case("sideplank_low", "side_plank", "hips_too_low", "front", "@t=2-5"),
    Case("sideplank_high", "side_plank", "hips_too_high", "front", "@t=2-5"),
    Case("squat_lean", "squat", "excessive_forward_lean", "side", "@reps=2"),
    Case("squat_shallow", "squat", "insufficient_depth", "side", "@reps=2"),
    Case("birddog_leg", "bird_dog", "leg_too_high", "side", "@reps=2"),
    Case("birddog_roll", "bird_dog", "hips_not_level", "oblique", "@reps=1"),
)


def measure(case: Case, size: float, folder: Path, model: str | None, seed: int) -> tuple[bool, float, bool]:
    """Render one clip; return (flagged in its window, metric value there, clean part unflagged)."""
    request = SynthRequest(
        case.exercise, reps=3, hold_s=7.0, faults=(f"{case.fault}:{size:g}{case.limit}",), view=case.view,
        subject=SubjectOptions.sample(seed), scene=SceneOptions.sample(seed), fps=15.0, seed=seed,
    )
    video = folder / f"{case.name}_{size:g}.mp4"
    entry = write_clip(request, video)
    spec = load_spec(case.exercise)
    report = analyze_video(video, spec, AnalyzeOptions(model=model))
    label = ClipLabel.model_validate(entry)
    score = score_clip(label, report, {case.fault})
    cue = spec.cue(case.fault)
    values = report.result.metrics[cue.metric]
    t = report.result.t
    inside = np.zeros(t.size, bool)
    for f in entry["faults"]:
        inside |= (t >= f["from_s"]) & (t <= f["to_s"])
    measured = float(np.nanmedian(values[inside])) if inside.any() else float("nan")
    windows = report.cues[case.fault].windows_s
    outside = [w for w in windows if not any(w[0] < f["to_s"] + 1 and w[1] > f["from_s"] - 1 for f in entry["faults"])]
    return case.fault in score.faults_flagged, measured, not outside


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5,8,10,12,15,20", help="fault magnitudes in degrees")
    ap.add_argument("--case", action="append", choices=[c.name for c in CASES], help="only these cases")
    ap.add_argument("--model", default=None)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",")]
    cases = [c for c in CASES if not args.case or c.name in args.case]
    print(f"{'case':16} {'view':8} " + " ".join(f"{s:>14g}" for s in sizes))
    print(f"{'':16} {'':8} " + " ".join(f"{'flag / value':>14}" for _ in sizes))
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            cells = []
            for size in sizes:
                try:
                    flagged, value, clean_ok = measure(case, size, Path(tmp), args.model, args.seed)
                except ValueError as exc:  # a size the renderer does not do (above the fault's maximum)
                    cells.append("n/a")
                    print(f"  {case.name} {size:g}: {exc}", file=sys.stderr)
                    continue
                mark = ("yes" if flagged else "no") + ("" if clean_ok else "*")
                cells.append(f"{mark:>5} {value:8.3f}")
            print(f"{case.name:16} {case.view:8} " + " ".join(f"{c:>14}" for c in cells), flush=True)
    print("value: median of the cue's metric inside the injected window; * = also flagged outside it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
