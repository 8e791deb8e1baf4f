"""Sweep spec thresholds over labelled clips, re-using cached pose traces.

One spec setting has to serve every clip, so thresholds are chosen from biomechanics
and then checked with a sweep like this one: it re-scores all clips of an exercise for
each combination of values and prints how many pass each check. The model runs once
per clip (traces are cached in --trace-cache); each extra combination costs
milliseconds per clip.

    python benchmarks/sweep.py squat reps.rest=140,145,150 reps.peak=120,125,130 \\
        --clips ../shared/clips --trace-cache .cache/traces
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from labelled import add_clip_arguments, labelled_clips  # a sibling script

from posecheck.analyze import AnalyzeOptions, analyze_video
from posecheck.batch import score_clip
from posecheck.specs.loader import load_spec
from posecheck.specs.schema import ExerciseSpec


def with_value(spec: ExerciseSpec, dotted: str, value: float | str) -> ExerciseSpec:
    """A copy of ``spec`` with one setting changed, e.g. ``reps.rest`` or ``cues.hips_sagging.min``
    or ``hold.require.trunk_tilt.enter``."""
    return with_values(spec, {dotted: value})


def with_values(spec: ExerciseSpec, settings: dict[str, float | str]) -> ExerciseSpec:
    """A copy of ``spec`` with several settings changed at once (a condition's enter and exit
    move together: changed one at a time, they could cross and fail validation)."""
    data = spec.model_dump()
    for dotted, value in settings.items():
        parts = dotted.split(".")
        node = data
        for i, key in enumerate(parts[:-1]):
            if isinstance(node, list):
                ident = {"cues": "id", "require": "metric", "states": "name"}[parts[i - 1]]
                node = next(item for item in node if item[ident] == key)
            else:
                node = node[key]
        node[parts[-1]] = value
    return ExerciseSpec.model_validate(data)


def _value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("exercise")
    ap.add_argument("settings", nargs="*", help="dotted.path=v1,v2,... (numbers, or words such as image,world)")
    add_clip_arguments(ap)
    ap.add_argument("--verbose", "-v", action="store_true", help="print each failing clip")
    args = ap.parse_args(argv)

    runnable, vocab = labelled_clips(args, [args.exercise])
    base = load_spec(args.exercise)
    grid = [(s.split("=")[0], [_value(v) for v in s.split("=")[1].split(",")]) for s in args.settings]
    names = [g[0] for g in grid]
    print(f"{len(runnable)} clips of {args.exercise}; sweeping {', '.join(names) or '(nothing: current spec)'}")
    print(" ".join(f"{n:>22}" for n in names) + "   clips  reps  hold  faults  clean  failing")
    for values in itertools.product(*[g[1] for g in grid]):
        spec = base
        for name, value in zip(names, values, strict=True):
            spec = with_value(spec, name, value)
        rows = []
        for label, video, _ in runnable:
            report = analyze_video(video, spec, AnalyzeOptions(model=args.model, trace_cache=Path(args.trace_cache)))
            rows.append(score_clip(label, report, vocab))
        reps = [r for r in rows if r.reps_ok is not None]
        holds = [r for r in rows if r.hold_ok is not None]
        faults = [r for r in rows if r.faults_flagged or r.faults_missed]
        clean = [r for r in rows if not r.label.faults]
        failing = [r.label.file.removesuffix(".mp4") for r in rows if r.status != "pass"]
        print(
            " ".join(f"{v:>22}" for v in values)
            + f"   {sum(r.status == 'pass' for r in rows):>2}/{len(rows):<2}"
            + f"  {sum(bool(r.reps_ok) for r in reps)}/{len(reps)}"
            + f"  {sum(bool(r.hold_ok) for r in holds)}/{len(holds)}"
            + f"  {sum(not r.faults_missed for r in faults)}/{len(faults)}"
            + f"  {sum(not any(v > 0.1 for v in r.false_alarms.values()) for r in clean)}/{len(clean)}"
            + f"  {' '.join(failing)}"
        )
        if args.verbose:
            for r in rows:
                if r.status != "pass":
                    print(f"      {r.label.file}: {r.reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
