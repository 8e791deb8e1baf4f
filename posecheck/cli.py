"""The ``posecheck`` command: a thin typer layer over the library API.

Every error a user can cause ends as one line on stderr and a distinct exit code (see
``docs/exit-codes.md``); reports gathered before an error are still written.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging: warnings and up only
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import typer  # noqa: E402

from posecheck import __version__  # noqa: E402
from posecheck.errors import (  # noqa: E402
    EXIT_EXPECTATIONS_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NO_PERSON,
    PosecheckError,
    SpecError,
)

app = typer.Typer(
    name="posecheck",
    help="Check exercise form from video: count reps, time holds and flag form faults.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
specs_app = typer.Typer(help="List, show, validate exercise specs, or print their JSON Schema.", no_args_is_help=True)
app.add_typer(specs_app, name="specs")

ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", help="lite, full, heavy, or a path to a .task bundle [default: $POSECHECK_MODEL or full]"),
]
ExerciseOpt = Annotated[str, typer.Option("--exercise", "-e", help="exercise spec name (see 'posecheck specs list') or a .toml path")]


def _fail(exc: PosecheckError) -> typer.Exit:
    typer.echo(f"error: {exc.message}", err=True)
    return typer.Exit(exc.exit_code)


def _write_partial(exc: BaseException, report_path: Path | None) -> None:
    partial = getattr(exc, "partial_report", None)
    if partial is not None and report_path is not None:
        try:
            partial.write_json(report_path)
            typer.echo(f"partial report written to {report_path}", err=True)
        except PosecheckError as write_exc:
            typer.echo(f"error: {write_exc.message}", err=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"posecheck {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="show the version")] = False,
) -> None:
    """posecheck: form feedback from pose estimation."""


@app.command()
def analyze(
    video: Annotated[Path, typer.Argument(help="video file to analyse")],
    exercise: ExerciseOpt,
    report: Annotated[Optional[Path], typer.Option("--report", "-r", help="write the JSON report here")] = None,
    annotate: Annotated[Optional[Path], typer.Option("--annotate", "-a", help="write an annotated video here (.mp4/.avi)")] = None,
    model: ModelOpt = None,
    trace_cache: Annotated[Optional[Path], typer.Option("--trace-cache", help="folder to cache pose traces in")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Analyse a recorded video: print a summary, optionally write a JSON report and an annotated video."""
    from posecheck.analyze import AnalyzeOptions, analyze_video
    from posecheck.io.video import check_writable
    from posecheck.specs.loader import load_spec

    try:
        spec = load_spec(exercise)
        if report is not None:
            check_writable(report)
        options = AnalyzeOptions(model=model, annotate=annotate, trace_cache=trace_cache)
        result = _with_progress(lambda cb: analyze_video(video, spec, options, on_frame=cb), quiet)
    except KeyboardInterrupt as exc:
        _write_partial(exc, report)
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except PosecheckError as exc:
        _write_partial(exc, report)
        raise _fail(exc) from None
    typer.echo(result.summary())
    if report is not None:
        try:
            result.write_json(report)
        except PosecheckError as exc:
            raise _fail(exc) from None
    if not result.person_found:
        raise typer.Exit(EXIT_NO_PERSON)


def _with_progress(run, quiet: bool):
    """Run ``run(on_frame)`` with a progress bar on an interactive stderr."""
    if quiet or not sys.stderr.isatty():
        return run(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress("analysing", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), transient=True) as progress:
        task = progress.add_task("frames", total=None)

        def on_frame(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run(on_frame)


@app.command()
def live(
    exercise: ExerciseOpt,
    camera: Annotated[int, typer.Option("--camera", "-c", help="camera index")] = 0,
    source: Annotated[Optional[Path], typer.Option("--source", "-s", help="replay a video file in real time instead of a camera")] = None,
    mirror: Annotated[bool, typer.Option("--mirror", help="flip the picture like a mirror")] = False,
    report: Annotated[Optional[Path], typer.Option("--report", "-r", help="write the session report here when you stop")] = None,
    model: ModelOpt = None,
    headless: Annotated[bool, typer.Option("--headless", help="no window: print updates instead (for machines without a display)")] = False,
) -> None:
    """Live feedback from a camera (or a file played in real time): q, Esc or Ctrl-C stops."""
    from posecheck.errors import UsageError
    from posecheck.io.video import check_writable
    from posecheck.live import LiveOptions, run_live
    from posecheck.specs.loader import load_spec

    try:
        if camera < 0:
            raise UsageError(f"--camera must be 0 or more, got {camera}")
        spec = load_spec(exercise)
        if report is not None:
            check_writable(report)
        outcome = run_live(spec, LiveOptions(camera=camera, source=source, mirror=mirror, model=model, headless=headless))
    except PosecheckError as exc:
        _write_partial(exc, report)
        raise _fail(exc) from None
    typer.echo(outcome.report.summary())
    if outcome.dropped:
        typer.echo(f"dropped {outcome.dropped} frames to keep up with real time", err=True)
    if report is not None:
        try:
            outcome.report.write_json(report)
        except PosecheckError as exc:
            raise _fail(exc) from None
    if outcome.interrupted:
        raise typer.Exit(EXIT_INTERRUPTED)


@app.command()
def batch(
    folder: Annotated[Path, typer.Argument(help="folder with the clips named in the labels file")],
    labels: Annotated[Optional[Path], typer.Option("--labels", "-l", help="expectations file [default: FOLDER/labels.json]")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", "-r", help="write the per-clip results as JSON here")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="clips analysed in parallel")] = 1,
    model: ModelOpt = None,
    min_confidence: Annotated[str, typer.Option("--min-confidence", help="skip clips labelled with less confidence: low, medium, high")] = "low",
    exercise: Annotated[Optional[list[str]], typer.Option("--exercise", "-e", help="only clips of this exercise (repeatable)")] = None,
    trace_cache: Annotated[Optional[Path], typer.Option("--trace-cache", help="folder to cache pose traces in (re-runs skip the model)")] = None,
) -> None:
    """Run every labelled clip, compare with the expectations, print a table; exit 4 if any fails."""
    from posecheck.batch import load_labels, run_batch, summarize
    from posecheck.io.video import check_writable
    from posecheck.render.table import print_batch_table

    labels = labels or folder / "labels.json"
    scores = []
    try:
        if report is not None:
            check_writable(report)
        clips = load_labels(labels)
        try:
            scores = run_batch(
                folder, clips, model=model, jobs=jobs, trace_cache=trace_cache,
                min_confidence=min_confidence, exercises=exercise,
            )
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
    except PosecheckError as exc:
        raise _fail(exc) from None
    print_batch_table(scores)
    summary = summarize(scores)
    if report is not None:
        from posecheck.report import write_json

        try:
            write_json({"summary": summary, "clips": [s.as_dict() for s in scores]}, report)
        except PosecheckError as exc:
            raise _fail(exc) from None
    if summary["failed"] or summary["errors"]:
        raise typer.Exit(EXIT_EXPECTATIONS_FAILED)


@app.command()
def synth(
    exercise: Annotated[str, typer.Argument(help="glute_bridge, bird_dog, forearm_plank, side_plank or squat")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output .mp4")],
    reps: Annotated[int, typer.Option("--reps", help="reps (rep exercises)")] = 5,
    hold: Annotated[float, typer.Option("--hold", help="seconds in the held position (holds)")] = 10.0,
    fault: Annotated[Optional[list[str]], typer.Option("--fault", help="name:degrees[@reps=1,3][@t=2-6], repeatable")] = None,
    view: Annotated[Optional[str], typer.Option("--view", help="side, front, oblique, rear, side_right, oblique_right")] = None,
    seed: Annotated[int, typer.Option("--seed", help="everything random is drawn from this")] = 0,
    vary: Annotated[bool, typer.Option("--vary", help="draw subject (build, skin tone, clothes) and room from the seed")] = False,
    fps: Annotated[float, typer.Option("--fps")] = 24.0,
    labels: Annotated[Optional[Path], typer.Option("--labels", help="add the clip's expectations to this labels file")] = None,
) -> None:
    """Render a synthetic clip with exact ground truth (reps, hold, injected faults) to test specs."""
    from posecheck.errors import UsageError
    from posecheck.io.video import check_writable
    from posecheck.synth import SceneOptions, SubjectOptions, SynthRequest, write_clip
    from posecheck.synth.clip import add_to_labels

    try:
        check_writable(out)
        if labels is not None:
            check_writable(labels)
        try:
            request = SynthRequest(
                exercise, reps=reps, hold_s=hold, faults=tuple(fault or ()), view=view, seed=seed, fps=fps,
                subject=SubjectOptions.sample(seed) if vary else SubjectOptions(),
                scene=SceneOptions.sample(seed) if vary else SceneOptions(),
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        entry = write_clip(request, out)
        if labels is not None:
            add_to_labels(labels, entry)
    except PosecheckError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(entry, indent=1))


@app.command()
def samples(
    out: Annotated[Path, typer.Option("--out", help="folder to (re)write")] = Path("sample_videos"),
    only: Annotated[Optional[list[str]], typer.Option("--only", help="just this sample (repeatable)")] = None,
) -> None:
    """Regenerate the curated sample clips and their labels.json (deterministic)."""
    from posecheck.errors import UsageError
    from posecheck.synth.samples import SAMPLES, regenerate

    names = [s.name for s in SAMPLES]
    for name in only or []:
        if name not in names:
            from posecheck.pose.landmarks import suggest

            raise _fail(UsageError(f"unknown sample {name!r}{suggest(name, names)}; samples: {', '.join(names)}"))
    regenerate(out, only, on_clip=lambda s, e: typer.echo(f"wrote {out / (s.name + '.mp4')}"))


@specs_app.command("list")
def specs_list() -> None:
    """List the exercise specs found, with mode, views and where they come from."""
    from posecheck.specs.loader import load_spec_file, spec_files

    for name, path in spec_files().items():
        try:
            spec = load_spec_file(path)
            typer.echo(f"{name:16} {spec.mode:5} {', '.join(spec.views):22} {spec.title}")
        except SpecError as exc:
            typer.echo(f"{name:16} INVALID  {exc.message.splitlines()[0]}")


@specs_app.command("show")
def specs_show(name: Annotated[str, typer.Argument(help="exercise name or .toml path")]) -> None:
    """Print a spec as the tool understood it: metrics, rules, cues, dosage and safety notes."""
    from posecheck.specs.loader import load_spec

    try:
        spec = load_spec(name)
    except PosecheckError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(spec.model_dump(mode="json", exclude_none=True), indent=2))


@specs_app.command("validate")
def specs_validate(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="spec files or folders [default: every spec found]")] = None,
) -> None:
    """Validate spec files strictly; every problem names the file and the field."""
    from posecheck.specs.loader import load_spec_file, spec_files

    files: list[Path] = []
    for p in paths or []:
        files += sorted(p.glob("*.toml")) if p.is_dir() else [p]
    if not paths:
        files = list(spec_files().values())
    bad = 0
    for f in files:
        try:
            load_spec_file(f)
            typer.echo(f"ok       {f}")
        except SpecError as exc:
            bad += 1
            typer.echo(exc.message, err=True)
    if not files:
        typer.echo("error: no spec files found", err=True)
        raise typer.Exit(SpecError.exit_code)
    if bad:
        raise typer.Exit(SpecError.exit_code)


@specs_app.command("schema")
def specs_schema() -> None:
    """Print the JSON Schema of the spec format (for editors and other tools)."""
    from posecheck.specs.schema import ExerciseSpec

    typer.echo(json.dumps(ExerciseSpec.model_json_schema(), indent=2))


def run() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    run()
