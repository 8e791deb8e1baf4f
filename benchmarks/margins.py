"""How far can each spec's thresholds move before a labelled real clip changes its verdict?

One spec setting has to serve clips nobody here has seen. A threshold that every labelled
clip passes only inside a narrow band fits these clips, not the exercise: the next person
to lift a leg a little less, or kick a little faster, falls outside it. This moves every
threshold of each spec the real clips are scored with, one at a time, and prints the
smallest move at which a clip that passes stops passing:

* rep rules: ``rest`` and ``peak``, each made harder (further from the other threshold) and
  easier (nearer to it) by 10, 20 and 30% of the gap between them;
* hold and sequence conditions: ``enter`` and ``exit`` together, harder and easier by half,
  one and two times their hysteresis (the gap between the two);
* cues: each ``min`` and ``max``, harder (flagging more: a clean clip may fail) and easier
  (flagging less: a labelled fault may be missed) by 5 and 10 deg, or 0.05 and 0.1 for
  lengths and ratios;
* ``min_rep_s``: the shortest counted rep of any clip, as a multiple of the limit (a rep
  shorter than the limit is not counted; under 1.25 a slightly brisker person loses reps).

"ok" means no clip changed within the largest move tried. The model runs once per clip,
only for clips without a trace:

    python benchmarks/margins.py --clips ../shared/clips --trace-cache .cache/traces
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from posecheck.analyze import AnalyzeOptions, analyze_video
from posecheck.batch import ClipLabel, score_clip
from posecheck.specs.loader import load_spec_file, resolve_posture
from posecheck.specs.schema import Condition, ExerciseSpec, FrameCue, RepCue

sys.path.insert(0, str(Path(__file__).parent))
from labelled import add_clip_arguments, labelled_clips  # sibling scripts, not a package
from sweep import with_values

REP_SHARES = (0.1, 0.2, 0.3)
CONDITION_WIDTHS = (0.5, 1.0, 2.0)
BRISK = 1.25
DEGREE_KINDS = {"angle", "tilt", "elevation", "lean", "facing", "rise", "roll", "segment_angle"}


Move = tuple[str, str, list[tuple[dict[str, float], str]]]
"""(threshold, "harder" or "easier", [(settings, step name) from the smallest move up])."""


def rep_moves(spec: ExerciseSpec) -> Iterator[Move]:
    """Moves of the rep rule's two thresholds, as shares of the gap between them."""
    rule = spec.reps
    gap = rule.peak - rule.rest  # signed: the way the metric moves during a rep
    for name, value, away in (("peak", rule.peak, gap), ("rest", rule.rest, -gap)):
        for way, sign in (("harder", 1), ("easier", -1)):
            steps = [({f"reps.{name}": value + sign * share * away}, f"{share:.0%}") for share in REP_SHARES]
            yield f"reps.{name} {value:g}", way, steps


def condition_moves(spec: ExerciseSpec, held: bool) -> Iterator[Move]:
    """Moves of every sequence condition, and of the hold's when a clip is ``held``; enter and
    exit move together, in widths of their hysteresis."""
    groups: list[tuple[str, str, list[Condition]]] = []
    if spec.hold is not None and held:
        groups.append(("hold", "hold.require", spec.hold.require))
    if spec.sequence is not None:
        groups += [(f"state {s.name}", f"sequence.states.{s.name}.require", s.require) for s in spec.sequence.states]
    for where, prefix, conditions in groups:
        for c in conditions:
            tighter = 1 if c.direction == "up" else -1  # "up": the metric must rise past enter
            for way, sign in (("harder", 1), ("easier", -1)):
                steps = []
                for k in CONDITION_WIDTHS:
                    shift = sign * tighter * k * abs(c.enter - c.exit)
                    steps.append(({f"{prefix}.{c.metric}.enter": c.enter + shift,
                                   f"{prefix}.{c.metric}.exit": c.exit + shift}, f"{k:g}x"))
                yield f"{where}: {c.metric} {c.enter:g}/{c.exit:g}", way, steps


def cue_moves(spec: ExerciseSpec) -> Iterator[Move]:
    """Moves of every bounded cue's ``min`` and ``max``: harder flags more (the bound moves in),
    easier flags less; by 5 and 10 deg, or 0.05 and 0.1 for lengths and ratios."""
    for cue in spec.cues:
        if not isinstance(cue, FrameCue | RepCue):
            continue
        unit = 5.0 if spec.metrics[cue.metric].kind in DEGREE_KINDS else 0.05
        for bound, value, inward in (("min", cue.min, 1), ("max", cue.max, -1)):
            if value is None:
                continue
            for way, sign in (("harder", 1), ("easier", -1)):
                steps = [({f"cues.{cue.id}.{bound}": value + sign * inward * k * unit}, f"{k * unit:g}") for k in (1, 2)]
                yield f"cue {cue.id} {bound} {value:g}", way, steps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_clip_arguments(ap)
    ap.add_argument("--exercise", action="append", help="only these specs (repeatable)")
    args = ap.parse_args(argv)

    runnable, vocabulary = labelled_clips(args, args.exercise)
    options = AnalyzeOptions(model=args.model, trace_cache=Path(args.trace_cache))
    by_spec: dict[str, tuple[ExerciseSpec, list[tuple[ClipLabel, Path]]]] = {}
    for label, video, spec_path in runnable:
        spec = resolve_posture(load_spec_file(spec_path))
        by_spec.setdefault(spec.name, (spec, []))[1].append((label, video))

    def failing(spec: ExerciseSpec, clips: list[tuple[ClipLabel, Path]]) -> list[str]:
        return [label.file.removesuffix(".mp4") for label, video in clips
                if score_clip(label, analyze_video(video, spec, options), vocabulary).status != "pass"]

    print(f"{'spec':22} {'threshold':44} {'harder':>24} {'easier':>24}")
    for name, (spec, clips) in sorted(by_spec.items()):
        reports = {label.file: analyze_video(video, spec, options) for label, video in clips}
        passing = [(label, video) for label, video in clips
                   if score_clip(label, reports[label.file], vocabulary).status == "pass"]
        failing_as_shipped = [label.file.removesuffix(".mp4") for label, video in clips if (label, video) not in passing]
        print(f"{name:22} {len(passing)} of {len(clips)} clips pass as shipped"
              + (f" (not moved: {', '.join(failing_as_shipped)})" if failing_as_shipped else ""))
        if not passing:
            continue
        moves: dict[str, dict[str, str]] = {}
        counted = spec.reps is not None and any(label.reps is not None for label, _ in passing)
        plan = list(rep_moves(spec)) if counted else []
        plan += list(condition_moves(spec, any(label.hold_s is not None for label, _ in passing))) + list(cue_moves(spec))
        for what, way, steps in plan:
            cell = "ok"
            for settings, step in steps:
                lost = failing(with_values(spec, settings), passing)
                if lost:
                    cell = f"{step}: {lost[0]}" + (f" +{len(lost) - 1}" if len(lost) > 1 else "")
                    break
            moves.setdefault(what, {})[way] = cell
        for what, cells in moves.items():
            print(f"{'':22} {what:44} {cells['harder']:>24} {cells['easier']:>24}")
        if counted:
            shortest = [(item.duration_s, label.file) for label, _ in passing if reports[label.file].reps
                        for item in reports[label.file].reps.items if item.duration_s]
            if shortest:
                seconds, file = min(shortest)
                ratio = seconds / spec.reps.min_rep_s if spec.reps.min_rep_s else float("inf")
                print(f"{'':22} {f'reps.min_rep_s {spec.reps.min_rep_s:g}':44} "
                      f"{f'shortest rep {seconds:.2f} s = {ratio:.2f}x':>24} "
                      f"{('BRISK ' if ratio < BRISK else '') + file.removesuffix('.mp4'):>24}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
