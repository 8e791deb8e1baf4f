"""How small a fault does posecheck still catch? A sweep of injected fault sizes.

For each (exercise, fault, view) case it renders synthetic clips with the fault at several
magnitudes (the rest of the clip clean), runs the real model and the shipped spec, and
reports whether the fault's cue was flagged in the injected window, plus the value the
cue's metric measured there. Clips are rendered into a scratch folder and deleted.

The cases come from the motion files (``exercise_specs/motions/*.toml``): one for every
``[faults.*]`` table and every camera view the motion's ``[[samples]]`` film that fault
from (with the seed, so subject and scene, of that sample); a fault no sample shows is
filmed from the motion's default view with seed 7. A cue limited to some views is filmed
only from those (when no sample films it from one: from the first of them the exercise is
filmed from too, else the first, with the sample's seed). Rep exercises get the fault on rep 2 of
3 (``@reps=2``), holds from 2 to 5 s into a 7 s hold (``@t=2-5``), except faults the samples
inject on every rep or the whole hold, which are swept that way; sizes above the fault's
``max_deg`` are reported as n/a.

    python benchmarks/fault_sweep.py [--sizes 5,10,15,20] [--exercise squat] [--case squat.insufficient_depth]
        [--model full] [--seed N] [--trace-cache DIR | --from-traces DIR] [--jsonl results.jsonl] [--truth] [--list]

``--truth`` scores the renderer's exact landmarks of the same clips instead (no pixels, no
model): what the spec catches on a perfect pose, to tell a threshold that needs a larger
fault from a model that reads the movement smaller.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from posecheck.analyze import Analysis, AnalyzeOptions, analyze_video
from posecheck.batch import ClipLabel, score_clip
from posecheck.pose.trace import PoseTrace
from posecheck.report import SourceInfo
from posecheck.specs.loader import load_spec
from posecheck.synth import SceneOptions, SubjectOptions, SynthRequest, write_clip
from posecheck.synth.camera import VIEWS, view_label
from posecheck.synth.clip import plan_clip, truth_pose_frames
from posecheck.synth.motion_file import load_motion, motion_names

REPS = 3
HOLD_S = 7.0
REP_WINDOW = "@reps=2"
HOLD_WINDOW = "@t=2-5"
DEFAULT_SEED = 7


@dataclass(frozen=True)
class Case:
    name: str  # exercise.fault, plus .view when the samples film the fault from several views
    exercise: str  # the motion rendered
    spec: str  # the spec that judges it (the motion's own, or the one it is a variant of)
    fault: str
    view: str
    limit: str  # "@reps=2", "@t=2-5", or "" (every rep / the whole hold)
    max_deg: float
    seed: int
    sample: str | None  # the sample clip whose view and seed the case follows


def derive_cases() -> tuple[Case, ...]:
    """One case per fault of every motion file and per view its samples film it from."""
    cases = []
    for exercise in motion_names():
        loaded = load_motion(exercise)
        motion, spec = loaded.spec, load_spec(loaded.exercise)
        limit = REP_WINDOW if motion.mode == "reps" else HOLD_WINDOW
        for fault, fdef in motion.faults.items():
            views: dict[str, tuple[int, str | None]] = {}
            whole = []
            for clip in motion.samples:
                shown = [f for f in clip.faults if f.split(":", 1)[0] == fault]
                if shown:
                    views.setdefault(clip.view, (clip.seed, clip.name))
                    whole.append(all("@" not in f for f in shown))
            if not views:
                view = motion.camera.view if motion.camera.view in spec.views else spec.views[0]
                views[view] = (DEFAULT_SEED, None)
            judged_from = spec.cue(fault).views
            if judged_from:
                # filmed only from views the cue is judged from: a level-hips cue limited to the
                # front and rear is swept from the front even where its sample is oblique
                kept = {v: s for v, s in views.items() if view_label(VIEWS[v]) in judged_from}
                best = next((v for v in judged_from if v in spec.views), judged_from[0])
                views = kept or {best: next(iter(views.values()))}
            for view, (seed, sample) in views.items():
                name = f"{exercise}.{fault}" + (f".{view}" if len(views) > 1 else "")
                # a fault the samples inject on every rep or the whole hold (the cat-cow's cow is shared
                # by neighbouring cycles and judged on the highest head of the cycle) is swept that way too
                cases.append(Case(name, exercise, spec.name, fault, view, "" if whole and all(whole) else limit,
                                  fdef.max_deg, seed, sample))
    return tuple(cases)


CASES = derive_cases()


@dataclass
class Result:
    case: str
    view: str
    size: float
    status: str  # yes / no / not judged / n/a
    value: float  # the cue's metric inside the injected window (see _values)
    clean: float  # the same where the clip is clean (other reps at the same phase, the rest of the hold)
    outside: bool  # the cue also fired away from the window while the exercise was done (a false alarm)
    seen: float  # share of the window's frames where the metric could be read (joints visible)
    seconds: float  # render + model + scoring


def _faulty_reps(entry: dict) -> set[int]:
    """Indices of the reps whose extreme lies in (or nearest to) an injected window."""
    peaks = entry["rep_peaks_s"]
    return {min(range(len(peaks)), key=lambda i: abs(peaks[i] - 0.5 * (f["from_s"] + f["to_s"])))
            for f in entry["faults"]} if peaks else set()


def _window_masks(entry: dict, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frames inside the injected window(s), and comparable clean frames of the same clip: the
    same stretch around the extreme of every clean rep, or the clean part of the hold."""
    inside = np.zeros(t.size, bool)
    for f in entry["faults"]:
        inside |= (t >= f["from_s"]) & (t <= f["to_s"])
    clean = np.zeros(t.size, bool)
    if entry["reps"] is not None:
        peaks, faulty = entry["rep_peaks_s"], _faulty_reps(entry)
        for f in entry["faults"]:
            k = min(range(len(peaks)), key=lambda i: abs(peaks[i] - 0.5 * (f["from_s"] + f["to_s"])))
            for j, p in enumerate(peaks):
                if j not in faulty:
                    shift = p - peaks[k]
                    clean |= (t >= f["from_s"] + shift) & (t <= f["to_s"] + shift)
    else:
        for a, b in entry["hold_windows_s"] or []:
            clean |= (t >= a) & (t <= b)
        for f in entry["faults"]:
            clean &= ~((t > f["from_s"] - 0.5) & (t < f["to_s"] + 0.5))
    return inside, clean & ~inside


def _rep_spans(request: SynthRequest, report, t: np.ndarray) -> list[np.ndarray]:
    """Frames of each rep the renderer made: the rep the report counted around its extreme (what a
    cue judged per rep looked at), else the renderer's rep from its way out to the end of its way back."""
    counted = [(i.start_s, i.end_s) for i in report.reps.items if i.start_s is not None and i.end_s is not None] \
        if report.reps is not None else []
    spans = []
    for r in plan_clip(request).timeline.reps:
        peak = 0.5 * (r.t1 + r.t2)
        a, b = next(((a, b) for a, b in counted if a <= peak <= b), (r.t0, r.t3))
        spans.append((t >= a) & (t <= b))
    return spans


def _values(cue, entry: dict, request: SynthRequest, report) -> tuple[float, float, float]:
    """(value in the window, clean value, share of the window's frames with the metric readable).

    Frame cues and rep cues judged at the extreme: the median inside the injected window(s)
    and over the same stretch of the clean reps or the clean hold. Rep cues judged on the
    largest or smallest value of the rep (``judge = "max"/"min"``: the cow's highest head in a
    cat-cow cycle, a knee drifting at any moment): that value per rep, the median over the
    faulty reps and over the clean ones."""
    t, values = report.result.t, report.result.metrics[cue.metric]
    inside, clean = _window_masks(entry, t)
    seen = round(float(np.isfinite(values[inside]).mean()), 2) if inside.any() else 0.0

    def median(mask: np.ndarray) -> float:
        v = values[mask]
        return float(np.nanmedian(v)) if mask.any() and np.isfinite(v).any() else float("nan")

    if getattr(cue, "kind", None) != "rep" or cue.judge == "extreme" or entry["reps"] is None:
        return median(inside), median(clean), seen
    pick = np.nanmax if cue.judge == "max" else np.nanmin
    per_rep = [float(pick(values[m])) if np.isfinite(values[m]).any() else float("nan")
               for m in _rep_spans(request, report, t)]
    faulty = _faulty_reps(entry)
    bad = [v for i, v in enumerate(per_rep) if i in faulty and np.isfinite(v)]
    good = [v for i, v in enumerate(per_rep) if i not in faulty and np.isfinite(v)]
    return (float(np.median(bad)) if bad else float("nan"), float(np.median(good)) if good else float("nan"), seen)


@dataclass(frozen=True)
class _Source:
    """Stands in for the model file in reports not made by running the model here."""

    name: str
    sha256: str = "0" * 64


def _analyse(request: SynthRequest, spec, stem: str, folder: Path, model: str | None, trace_cache: Path | None,
             truth: bool, from_traces: Path | None) -> tuple[dict, object]:
    """The clip's labels entry and its report: rendered and run through the model, or from the
    exact landmarks (``truth``), or replayed from a stored trace (``from_traces``; a clip with no
    stored trace there is run through the model when ``trace_cache`` is given, else skipped)."""
    stored = from_traces is not None and (from_traces / f"{stem}.trace.npz").is_file()
    if from_traces is not None and not stored and trace_cache is None:
        raise FileNotFoundError(f"no stored trace {stem}.trace.npz in {from_traces}")
    if truth or stored:
        plan = plan_clip(request)
        entry = {**plan.labels, "file": f"{stem}.mp4"}
        analysis = Analysis(spec)
        if truth:
            frames, source = truth_pose_frames(plan), _Source("exact landmarks")
        else:
            trace = PoseTrace.load(from_traces / f"{stem}.trace.npz")
            if trace is None:
                raise FileNotFoundError(f"unreadable stored trace {stem}.trace.npz in {from_traces}")
            frames, source = trace.frames(), _Source("stored trace", trace.model_sha256 or "0" * 64)
        for frame in frames:
            analysis.update(frame)
        w, h = request.size
        return entry, analysis.report(SourceInfo(entry["file"], request.fps, plan.n_frames, plan.n_frames, w, h), source)
    video = folder / f"{stem}.mp4"
    entry = write_clip(request, video)
    report = analyze_video(video, spec, AnalyzeOptions(model=model, trace_cache=trace_cache))
    video.unlink()
    return entry, report


def _request(case: Case, seed: int, faults: tuple[str, ...], reps: int = REPS) -> SynthRequest:
    return SynthRequest(
        case.exercise, reps=reps, hold_s=HOLD_S, faults=faults, view=case.view,
        subject=SubjectOptions.sample(seed), scene=SceneOptions.sample(seed), fps=15.0, seed=seed,
    )


def _fired(windows_s, entry: dict, faults: list[dict]) -> bool:
    """The cue failed while the exercise was done (not while getting into position), away from ``faults``."""
    return any(
        any(w[0] < b and w[1] > a for a, b in entry["active_windows_s"])
        and not any(w[0] < f["to_s"] + 1 and w[1] > f["from_s"] - 1 for f in faults)
        for w in windows_s
    )


def measure(case: Case, size: float, folder: Path, model: str | None, seed: int | None,
            trace_cache: Path | None, truth: bool = False, from_traces: Path | None = None) -> Result:
    """Render one clip with the fault at ``size`` degrees, analyse it, score the fault.

    ``truth``: skip the pixels and the model; analyse the exact landmarks of the same clip.
    ``from_traces``: skip the pixels and the model; replay the pose trace an earlier run with
    ``--trace-cache`` stored for this clip (``<case>_<view>_<size><window>_seed<seed>.trace.npz``)."""
    start = time.monotonic()
    seed = case.seed if seed is None else seed
    request = _request(case, seed, (f"{case.fault}:{size:g}{case.limit}",))
    spec = load_spec(case.spec)
    stem = f"{case.name}_{case.view}_{size:g}{case.limit}_seed{seed}"  # names the rendered clip and its stored trace
    entry, report = _analyse(request, spec, stem, folder, model, trace_cache, truth, from_traces)
    label = ClipLabel.model_validate(entry)
    score = score_clip(label, report, {case.fault})
    cue = spec.cue(case.fault)
    value, clean, seen = _values(cue, entry, request, report)
    summary = report.cues[case.fault]
    if case.fault in score.faults_flagged:
        status = "yes"
    elif summary.evaluated_frames == 0:
        status = "not judged"
    else:
        status = "no"
    outside = _fired(summary.windows_s, entry, entry["faults"])
    return Result(case.name, case.view, size, status, value, clean, outside, seen, round(time.monotonic() - start, 1))


_CLEAN: dict[str, tuple[dict, object]] = {}


def clean_reference(case: Case, folder: Path, model: str | None, seed: int | None, trace_cache: Path | None,
                    truth: bool = False, from_traces: Path | None = None) -> tuple[float, bool]:
    """Alternating exercises: the faulty rep 2 is on the other side from reps 1 and 3, so the
    clean value comes from a clean clip of 4 reps, whose reps 2 and 4 are on rep 2's side.
    Returns (the cue's value there, whether the cue fired on that clean clip). One clip per
    exercise, view and seed, shared by its cues."""
    seed = case.seed if seed is None else seed
    request = _request(case, seed, (), reps=4)
    stem = f"{case.exercise}_clean_{case.view}_reps4_seed{seed}"
    key = f"{stem}|{truth}|{from_traces}"
    if key not in _CLEAN:
        _CLEAN[key] = _analyse(request, load_spec(case.spec), stem, folder, model, trace_cache, truth, from_traces)
    entry, report = _CLEAN[key]
    # where reps 2 and 4 are at their extreme: the same clip planned with a fault there (a fault
    # changes the pose, not the timeline)
    marked = plan_clip(_request(case, seed, (f"{case.fault}:1@reps=2,4",), reps=4)).labels
    if marked["rep_peaks_s"] != entry["rep_peaks_s"]:
        raise RuntimeError(f"{case.name}: a fault moved the reps of the clean reference clip")
    cue = load_spec(case.spec).cue(case.fault)
    value, _, _ = _values(cue, {**entry, "faults": marked["faults"]}, request, report)
    return value, _fired(report.cues[case.fault].windows_s, entry, [])


def smallest_caught(results: list[Result]) -> str:
    """The smallest size flagged, provided every larger size measured is flagged too."""
    caught = None
    for r in sorted(results, key=lambda r: -r.size):
        if r.status in ("n/a", "missing"):
            continue
        if r.status != "yes":
            break
        caught = r.size
    return f"{caught:g}" if caught is not None else "none"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="5,10,15,20", help="fault magnitudes in degrees")
    ap.add_argument("--case", action="append", choices=[c.name for c in CASES], metavar="CASE",
                    help="only these cases (repeatable; --list shows them)")
    ap.add_argument("--exercise", action="append", choices=sorted({c.exercise for c in CASES}), metavar="EXERCISE",
                    help="only the cases of this exercise (repeatable)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--seed", type=int, default=None, help="one seed for every case (default: the sample's)")
    ap.add_argument("--trace-cache", type=Path, default=None, metavar="DIR",
                    help="store the pose traces here (<case>_<view>_<size><window>_seed<seed>.trace.npz) for --from-traces")
    ap.add_argument("--jsonl", type=Path, default=None, help="append one JSON line per clip here")
    ap.add_argument("--truth", action="store_true",
                    help="no model: analyse the renderer's exact landmarks of the same clips (what the spec itself catches)")
    ap.add_argument("--from-traces", type=Path, default=None, metavar="DIR",
                    help="no model: re-score the traces an earlier --trace-cache DIR run stored (after a spec change); "
                    "with --trace-cache too, clips without a stored trace are run through the model")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args(argv)
    sizes = [float(s) for s in args.sizes.split(",")]
    cases = [c for c in CASES if (not args.case or c.name in args.case)
             and (not args.exercise or c.exercise in args.exercise)]
    if args.list:
        for c in cases:
            print(f"{c.name:48} {c.view:8} {c.limit:8} max {c.max_deg:4g}  seed {c.seed:4d}  {c.sample or '-'}")
        return 0
    print(f"{'case':48} {'view':8} {'bound':>12} {'clean':>8}  " + " ".join(f"{s:>14g}" for s in sizes) + "  smallest")
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            cue = load_spec(case.spec).cue(case.fault)
            bound = " ".join(f"{k} {v:g}" for k, v in (("min", cue.min), ("max", cue.max)) if v is not None)
            results, cells, clean, clean_fired = [], [], float("nan"), None
            if load_motion(case.exercise).spec.sides == "alternating":
                try:
                    clean, clean_fired = clean_reference(case, Path(tmp), args.model, args.seed, args.trace_cache,
                                                         args.truth, args.from_traces)
                except FileNotFoundError as exc:
                    print(f"  {exc}", file=sys.stderr)
            for size in sizes:
                if size > case.max_deg:
                    results.append(Result(case.name, case.view, size, "n/a", math.nan, math.nan, False, 0, 0.0))
                    cells.append("n/a")
                    continue
                try:
                    r = measure(case, size, Path(tmp), args.model, args.seed, args.trace_cache, args.truth,
                                args.from_traces)
                except FileNotFoundError as exc:
                    print(f"  {exc}", file=sys.stderr)
                    results.append(Result(case.name, case.view, size, "missing", math.nan, math.nan, False, 0, 0.0))
                    cells.append("missing")
                    continue
                results.append(r)
                if math.isnan(clean) and clean_fired is None:
                    clean = r.clean
                mark = {"yes": "yes", "no": "no", "not judged": "n/j"}[r.status] + ("*" if r.outside else "")
                cells.append(f"{mark:>4} {r.value:9.3f}")
                if args.jsonl:
                    with args.jsonl.open("a", encoding="utf-8") as fh:
                        fh.write(json.dumps({**asdict(r), "bound": bound, "exercise": case.exercise,
                                             "clean_same_side": clean if clean_fired is not None else None,
                                             "clean_clip_flagged": clean_fired,
                                             "fault": case.fault, "seed": case.seed if args.seed is None else args.seed,
                                             "sample": case.sample,
                                             "model": "exact" if args.truth else
                                             f"{args.model or 'full'}{' (stored trace)' if args.from_traces else ''}"}) + "\n")
            print(f"{case.name:48} {case.view:8} {bound:>12} {clean:8.3f}{'!' if clean_fired else ' '}"
                  + " ".join(f"{c:>14}" for c in cells)
                  + f"  {smallest_caught(results)}", flush=True)
    print("value: the cue's metric inside the injected window (median; the rep's max or min for cues judged so); "
          "clean: the same on the clean reps or the clean part of the hold (alternating exercises: the faulty rep's "
          "side in a clean 4-rep clip, ! = the cue fired on that clean clip); n/j = never judged (camera view or "
          "joint visibility); * = also flagged away from the window while the exercise is done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
