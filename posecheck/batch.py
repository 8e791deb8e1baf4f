"""Batch scoring: run every labelled clip and compare what posecheck measured with the labels.

The labels file is posecheck's *expectations format* (``docs/labels.md``), the same as
``shared/clips/labels.json``: one entry per clip with the reps a coach would count, the
seconds held in good form, and the form faults with their time windows.

A clip passes when every expectation that the exercise's spec can measure is met:

* reps: ``reps - tol <= measured <= reps + partial_reps + tol``;
* hold: ``|good-form seconds - hold_s| <= hold_tolerance_s``;
* each labelled fault that the spec has a cue for is flagged in a window overlapping the
  labelled one (within ``FAULT_SLACK_S``);
* on a clip labelled clean (no faults), no cue named like a labelled fault fails for more
  than ``FALSE_ALARM_SHARE`` of the clip's active time. (On clips with a labelled fault the
  onset is often gradual, so flags just outside the labelled window are not held against it.)
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from posecheck.report import Report
from posecheck.errors import LabelsError, PosecheckError, UnknownExerciseError, UsageError
from posecheck.pose.landmarks import edit_distance, suggest
from posecheck.specs.loader import spec_files
from posecheck.specs.schema import View

FAULT_SLACK_S = 1.0
#: A label's views that a cue can be limited to ("mixed" and unknown views limit nothing).
VIEW_WORDS = frozenset(get_args(View))
FALSE_ALARM_SHARE = 0.10
CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}


class FaultLabel(BaseModel):
    model_config = ConfigDict(extra="allow")
    fault: str
    from_s: float
    to_s: float
    evidence: str = ""


class ClipLabel(BaseModel):
    """One clip's expectations; fields posecheck does not score are kept but not required."""

    model_config = ConfigDict(extra="allow")
    file: str
    exercise: str
    mode: Literal["reps", "hold", "mixed"]
    view: str | None = None
    reps: int | None = None
    partial_reps: int | None = 0
    reps_tolerance: int | None = 0
    rep_peaks_s: list[float] = Field(default_factory=list)
    per_side: dict[str, int] | None = None
    hold_s: float | None = None
    hold_tolerance_s: float | None = None
    active_windows_s: list[tuple[float, float]] = Field(default_factory=list)
    faults: list[FaultLabel] = Field(default_factory=list)
    confidence: Literal["high", "medium", "low"] = "high"
    #: where this entry was read from, for messages: ``labels.json: clips[3] (clip.mp4)``
    _where: str | None = PrivateAttr(default=None)

    @property
    def where(self) -> str:
        return self._where or f"label of {self.file!r}"


class LabelsFile(BaseModel):
    model_config = ConfigDict(extra="allow")
    schema_: int | None = Field(None, alias="schema")
    clips: list[ClipLabel]


def load_labels(path: str | os.PathLike[str]) -> list[ClipLabel]:
    """Read and validate a labels file; one-line :class:`LabelsError` on problems."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabelsError(f"labels file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsError(f"cannot read labels file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise LabelsError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    try:
        clips = LabelsFile.model_validate(data).clips
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise LabelsError(f"{path}: {loc}: {err['msg']} ({len(exc.errors())} problem(s) in all)") from None
    first_entry: dict[str, int] = {}
    for i, clip in enumerate(clips):
        clip._where = f"{path}: clips[{i}] ({clip.file})"
        key = os.path.normpath(clip.file)
        if key in first_entry:
            raise LabelsError(
                f"{path}: clip {clip.file!r} is labelled twice, in clips[{first_entry[key]}] and clips[{i}]; "
                "keep one entry per clip"
            )
        first_entry[key] = i
    return clips


def misspelt_spec_name(name: str, spec_names: list[str] | tuple[str, ...]) -> str | None:
    """The spec name ``name`` looks like a misspelling of, or None.

    The rule (``docs/exit-codes.md``): a name that is not a spec name is a misspelling when it is
    within a small edit distance of one (one edit for names up to 7 letters, two for longer
    ones; a swap of neighbouring letters counts as one). Real exercises without a spec yet
    (``clamshell``, ``side_plank_hip_dip``, ``bird_dog_crunch``) are further away than that
    from every spec name, so they stay *skipped*.
    """
    if name in spec_names or not spec_names:
        return None
    best = min(spec_names, key=lambda s: (edit_distance(name, s), s))
    allowed = 1 if len(best) < 8 else 2
    return best if edit_distance(name, best) <= allowed else None


def _spec_aliases() -> dict[str, str]:
    """Other names specs give their exercise (``aliases`` in a spec), mapped to the spec name."""
    from posecheck.specs import loader

    aliases = getattr(loader, "spec_aliases", None)  # absent from loaders without aliases
    return dict(aliases()) if aliases is not None else {}


def check_exercise_names(labels: list[ClipLabel], exercises: list[str] | None = None) -> None:
    """Refuse misspelt exercise names, in the labels and in ``--exercise``, before any work.

    * a label whose exercise is a near miss of a spec name (``glute_brige``) is an error,
      while an exercise with no spec yet (``clamshell``) is fine: its clips are skipped;
    * every ``--exercise`` value must be a spec name or the exercise of some label;
      otherwise nothing could match it.

    Raises :class:`UnknownExerciseError` with a did-you-mean.
    """
    specs = sorted(spec_files())
    names = specs + sorted(_spec_aliases())  # other names a spec declares for its exercise
    for label in labels:
        near = misspelt_spec_name(label.exercise, names)
        if near is not None:
            raise UnknownExerciseError(
                f"{label.where}: unknown exercise {label.exercise!r} (did you mean {near!r}?); "
                f"exercises with a spec: {', '.join(specs)}"
            )
    labelled = sorted({label.exercise for label in labels})
    for name in exercises or []:
        if name not in names and name not in labelled:
            hint = suggest(name, specs) or suggest(name, [n for n in labelled if n not in specs])
            raise UnknownExerciseError(
                f"--exercise {name!r} names no spec and no labelled clip{hint}; "
                f"exercises with a spec: {', '.join(specs) or '(none found)'}"
            )


@dataclass
class ClipScore:
    """The comparison for one clip. ``status`` is pass, fail, skipped or error."""

    label: ClipLabel
    status: str
    reason: str = ""
    reps: int | None = None
    partial: int | None = None
    reps_ok: bool | None = None
    hold_s: float | None = None
    good_form_s: float | None = None
    hold_ok: bool | None = None
    faults_expected: list[str] = field(default_factory=list)
    faults_flagged: list[str] = field(default_factory=list)
    faults_missed: list[str] = field(default_factory=list)
    false_alarms: dict[str, float] = field(default_factory=dict)
    not_checked: list[str] = field(default_factory=list)
    recognised: str | None = None
    recognised_ok: bool | None = None
    report: Report | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.label.file,
            "exercise": self.label.exercise,
            "confidence": self.label.confidence,
            "status": self.status,
            "reason": self.reason,
            "reps": {"expected": self.label.reps, "partial_allowed": self.label.partial_reps,
                     "tolerance": self.label.reps_tolerance, "measured": self.reps,
                     "measured_partial": self.partial, "ok": self.reps_ok},
            "hold": {"expected_s": self.label.hold_s, "tolerance_s": self.label.hold_tolerance_s,
                     "measured_good_form_s": self.good_form_s, "measured_position_s": self.hold_s, "ok": self.hold_ok},
            "faults": {"expected": self.faults_expected, "flagged": self.faults_flagged,
                       "missed": self.faults_missed,
                       "false_alarm_share": {k: round(v, 3) for k, v in self.false_alarms.items()},
                       "not_checked": self.not_checked},
            "recognition": {"recognised": self.recognised, "ok": self.recognised_ok},
        }


def _overlap(a: tuple[float, float], b: tuple[float, float], slack: float = 0.0) -> float:
    return max(0.0, min(a[1], b[1] + slack) - max(a[0], b[0] - slack))


def score_clip(label: ClipLabel, report: Report, fault_vocabulary: set[str]) -> ClipScore:
    """Compare one report with its label (pure: no video, no model)."""
    score = ClipScore(label=label, status="pass", report=report)
    problems: list[str] = []
    if report.reps is not None:
        score.reps = report.reps.total
        score.partial = report.reps.partial
    if report.hold is not None:
        score.hold_s = report.hold.seconds
        score.good_form_s = report.hold.good_form_seconds

    if label.reps is not None:
        if score.reps is None:
            score.not_checked.append("reps")
        else:
            tol = label.reps_tolerance or 0
            lo, hi = label.reps - tol, label.reps + (label.partial_reps or 0) + tol
            score.reps_ok = lo <= score.reps <= hi
            if not score.reps_ok:
                problems.append(f"reps {score.reps} not in {lo}..{hi}")
    if label.hold_s is not None:
        if score.good_form_s is None:
            score.not_checked.append("hold")
        else:
            tol = label.hold_tolerance_s if label.hold_tolerance_s is not None else 1.0
            score.hold_ok = abs(score.good_form_s - label.hold_s) <= tol
            if not score.hold_ok:
                problems.append(f"hold {score.good_form_s:.1f} s not within {label.hold_s}±{tol} s")

    cues = report.cues
    active = label.active_windows_s or [(0.0, report.source.duration_s or 0.0)]
    active_total = sum(b - a for a, b in active) or 1.0
    expected: dict[str, list[tuple[float, float]]] = {}
    for f in label.faults:
        expected.setdefault(f.fault, []).append((f.from_s, f.to_s))
    for fault, windows in expected.items():
        score.faults_expected.append(fault)
        if fault not in cues:
            score.not_checked.append(fault)
            continue
        views = cues[fault].views
        if label.view in VIEW_WORDS and views and label.view not in views:
            score.not_checked.append(f"{fault} (judged from {' or '.join(views)} only; this clip is {label.view})")
            continue
        if cues[fault].evaluated_frames == 0:
            score.not_checked.append(f"{fault} (never judged: camera view or joint visibility)")
            continue
        flagged = [tuple(w) for w in cues[fault].windows_s]
        if all(any(_overlap(w, f, FAULT_SLACK_S) > 0 for f in flagged) for w in windows):
            score.faults_flagged.append(fault)
        else:
            score.faults_missed.append(fault)
            problems.append(f"{fault} not flagged")
    for cue_id, cue in cues.items():
        if cue_id not in fault_vocabulary or label.faults:
            continue
        allowed = expected.get(cue_id, [])
        wrong = 0.0
        for w in cue.windows_s:
            inside_active = sum(_overlap(tuple(w), a) for a in active)
            excused = sum(_overlap(tuple(w), e, FAULT_SLACK_S) for e in allowed)
            wrong += max(0.0, inside_active - excused)
        share = wrong / active_total
        if share > 0:
            score.false_alarms[cue_id] = share
        if share > FALSE_ALARM_SHARE:
            problems.append(f"{cue_id} flagged for {100 * share:.0f}% of active time without a label")
    if report.recognition is not None:
        from posecheck.specs.loader import canonical_exercise

        score.recognised = report.recognition.exercise
        score.recognised_ok = score.recognised == canonical_exercise(label.exercise)
        if not score.recognised_ok:
            problems.append(f"recognised {score.recognised or 'nothing'}")
    if problems:
        score.status = "fail"
        score.reason = "; ".join(problems)
    return score


@dataclass(frozen=True)
class BatchJob:
    video: str
    label: ClipLabel
    spec_path: str
    model: str | None
    trace_cache: str | None
    fault_vocabulary: frozenset[str]
    analysis_fps: float | None = None
    auto: bool = False
    pose_workers: int = 1


def _ignore_interrupts() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers start from a fresh interpreter, never as forks of this process: a caller that has
    already run the pose model (its thread pool), or Ray, would hand a fork locks held by threads
    that do not exist there, and the worker hangs (seen in the test session: a clip never ended)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel queued clips and end the workers now instead of after their current clip.

    The workers are taken before ``shutdown``, which forgets them: after it nothing was left
    to end, and an interrupted batch left its workers running on.
    """
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+: also shuts down
    if terminate is not None:
        terminate()
        return
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        process.terminate()
    for process in workers:
        process.join(timeout=5)


def _run_pooled(
    batch: list[BatchJob], jobs: int, done: Callable[[ClipScore], None], work: Callable[[BatchJob], ClipScore] | None = None,
) -> None:
    """Score ``batch`` on ``jobs`` worker processes, passing each row to ``done`` as it ends.

    A worker killed mid-clip (out of memory, say) breaks the whole pool: the clips it took
    down with it run again, each alone, so the clip that kills its worker becomes an error
    row and every other clip is still scored.
    """
    work = work or run_job
    for job in _in_pool(batch, jobs, done, work):
        if _in_pool([job], 1, done, work):
            done(ClipScore(label=job.label, status="error",
                           reason="the process analysing this clip was killed twice (out of memory?)"))


def _in_pool(batch: list[BatchJob], jobs: int, done: Callable[[ClipScore], None],
             work: Callable[[BatchJob], ClipScore]) -> list[BatchJob]:
    """Run ``batch`` on a pool of ``jobs`` processes; returns the jobs lost with a dead worker."""
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts, mp_context=_worker_context())
    lost = []
    try:
        futures = {pool.submit(work, job): job for job in batch}
        for future in as_completed(futures):
            try:
                done(future.result())
            except BrokenProcessPool:
                lost.append(futures[future])
    except BaseException:
        _stop_workers(pool)
        raise
    pool.shutdown()
    return lost


def run_job(job: BatchJob) -> ClipScore:
    """Analyse one clip and score it; errors become an ``error`` row, never a crash."""
    from posecheck.analyze import AnalyzeOptions, analyze_video
    from posecheck.specs.loader import load_spec_file

    try:
        spec = load_spec_file(job.spec_path)
        options = AnalyzeOptions(
            model=job.model, trace_cache=Path(job.trace_cache) if job.trace_cache else None, analysis_fps=job.analysis_fps,
            pose_workers=job.pose_workers,
        )
        report = analyze_video(job.video, None if job.auto else spec, options)
    except PosecheckError as exc:
        return ClipScore(label=job.label, status="error", reason=str(exc))
    return score_clip(job.label, report, set(job.fault_vocabulary))


def plan_batch(
    folder: str | os.PathLike[str], labels: list[ClipLabel], min_confidence: str = "low",
    exercises: list[str] | None = None,
) -> tuple[list[tuple[ClipLabel, Path, Path]], list[ClipScore]]:
    """Split labelled clips into runnable (label, video, spec) triples and skipped rows.

    Misspelt exercise names (in the labels or in ``exercises``) raise
    :class:`UnknownExerciseError`; see :func:`check_exercise_names`.
    """
    min_confidence = getattr(min_confidence, "value", min_confidence)
    if min_confidence not in CONFIDENCE_ORDER:
        raise UsageError(f"--min-confidence must be one of low, medium, high; got {min_confidence!r}")
    folder = Path(folder)
    if not folder.is_dir():
        raise LabelsError(f"clip folder not found: {folder}")
    check_exercise_names(labels, exercises)
    specs = spec_files()
    aliases = _spec_aliases()
    wanted = {aliases.get(name, name) for name in exercises or []}
    runnable, skipped = [], []
    for label in labels:
        spec_name = label.exercise if label.exercise in specs else aliases.get(label.exercise)
        if exercises and label.exercise not in exercises and (spec_name or label.exercise) not in wanted:
            continue
        if CONFIDENCE_ORDER[label.confidence] < CONFIDENCE_ORDER[min_confidence]:
            continue
        video = folder / label.file
        if spec_name is None:
            skipped.append(ClipScore(label=label, status="skipped", reason=f"no spec for {label.exercise!r} yet"))
        elif not video.is_file():
            skipped.append(ClipScore(label=label, status="error", reason=f"clip not found: {video}"))
        else:
            runnable.append((label, video, specs[spec_name]))
    return runnable, skipped


def run_batch(
    folder: str | os.PathLike[str],
    labels: list[ClipLabel],
    *,
    model: str | None = None,
    jobs: int = 1,
    trace_cache: str | os.PathLike[str] | None = None,
    min_confidence: str = "low",
    exercises: list[str] | None = None,
    fault_vocabulary: set[str] | None = None,
    on_done: Callable[[ClipScore], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    analysis_fps: float | None = None,
    engine: str = "local",
    address: str | None = None,
    auto: bool = False,
    pose_workers: int | None = None,
) -> list[ClipScore]:
    """Score every labelled clip in ``folder``; returns rows in label order.

    Everything that would fail for every clip is checked before the first one runs: the
    options, the folder, the exercise names and the model (resolved once, so a missing
    model is one error, not an error row per clip). ``on_start(n)`` is called with the
    number of clips about to be analysed, ``on_done(row)`` after each one, skipped rows
    included (for progress bars, and to keep the rows gathered when interrupted).
    ``auto``: the exercise is recognised, not taken from the label, and the recognition is
    scored too. ``pose_workers``: pose models per clip (default: the cores shared among the
    ``jobs``; one per Ray actor). ``engine = "ray"`` analyses the clips on a Ray cluster (:mod:`posecheck.batch_ray`) at
    ``address`` (a local Ray when None); the labels are scored here either way.
    """
    if engine not in ("local", "ray"):
        raise UsageError(f"--engine must be local or ray, got {engine!r}")
    if not 1 <= jobs <= (os.cpu_count() or 1) * 2:
        raise UsageError(f"--jobs must be between 1 and {(os.cpu_count() or 1) * 2}, got {jobs}")
    runnable, skipped = plan_batch(folder, labels, min_confidence, exercises)
    if runnable:
        from posecheck.pose.models import resolve_model

        model = str(resolve_model(model).path)
    vocab = frozenset(fault_vocabulary if fault_vocabulary is not None else {f.fault for l in labels for f in l.faults})
    if pose_workers is None:
        pose_workers = _pose_workers_per_clip(jobs) if engine == "local" else 1
    batch = [
        BatchJob(
            str(video), label, str(spec), model, str(trace_cache) if trace_cache else None, vocab, analysis_fps, auto,
            pose_workers,
        )
        for label, video, spec in runnable
    ]
    results: dict[str, ClipScore] = {}
    for row in skipped:
        results[row.label.file] = row
        if on_done:
            on_done(row)
    if on_start:
        on_start(len(batch))
    if engine == "ray":
        for score in _run_on_ray(batch, model, address):
            results[score.label.file] = score
            if on_done:
                on_done(score)
    elif jobs == 1 or len(batch) <= 1:
        for job in batch:
            results[job.label.file] = run_job(job)
            if on_done:
                on_done(results[job.label.file])
    else:
        def done(score: ClipScore) -> None:
            results[score.label.file] = score
            if on_done:
                on_done(score)

        _run_pooled(batch, jobs, done)
    order = [l.file for l in labels if l.file in results]
    return [results[f] for f in order]


def _pose_workers_per_clip(jobs: int) -> int:
    """Pose models per clip so that ``jobs`` clips at once keep every core busy, no more."""
    from posecheck.analyze import MAX_POSE_WORKERS

    return max(1, min((os.cpu_count() or 1) // jobs, MAX_POSE_WORKERS))


def _run_on_ray(batch: list[BatchJob], model: str | None, address: str | None) -> Iterator[ClipScore]:
    """Analyse on Ray, score here: the same rows as a local run."""
    from posecheck.batch_ray import RayClip, analyze_on_ray

    by_key = {job.label.file: job for job in batch}
    clips = [RayClip(job.label.file, job.video, job.spec_path, job.analysis_fps, job.auto, job.pose_workers) for job in batch]
    for key, data, error in analyze_on_ray(clips, model or "", address=address):
        job = by_key[key]
        if error is not None:
            yield ClipScore(label=job.label, status="error", reason=error)
        else:
            yield score_clip(job.label, Report.model_validate(data), set(job.fault_vocabulary))


def summarize(scores: list[ClipScore]) -> dict[str, Any]:
    """Pass rates for the rep clips and hold clips that were checked."""
    rep_rows = [s for s in scores if s.reps_ok is not None]
    hold_rows = [s for s in scores if s.hold_ok is not None]
    recognised = [s for s in scores if s.recognised_ok is not None]
    return {
        "clips": len(scores),
        "passed": sum(s.status == "pass" for s in scores),
        "failed": sum(s.status == "fail" for s in scores),
        "errors": sum(s.status == "error" for s in scores),
        "skipped": sum(s.status == "skipped" for s in scores),
        "reps_within_tolerance": [sum(bool(s.reps_ok) for s in rep_rows), len(rep_rows)],
        "holds_within_tolerance": [sum(bool(s.hold_ok) for s in hold_rows), len(hold_rows)],
        "recognised": [sum(bool(s.recognised_ok) for s in recognised), len(recognised)],
    }
