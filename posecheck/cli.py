"""The ``posecheck`` command: a thin typer layer over the library API.

Every error a user can cause ends as one line on stderr and a distinct exit code (see
``docs/exit-codes.md``); reports gathered before an error are still written. Outputs are
checked before any work: writable, and never one of the inputs.

Start-up is kept light (heavy modules are imported inside the commands) and Ctrl-C while
it lasts exits with code 130 without a traceback.
"""

from __future__ import annotations

import os
import signal
import sys

#: Exit code of an interrupted run (the value of posecheck.errors.EXIT_INTERRUPTED).
_INTERRUPTED = 130


def _interrupted_while_starting(signum, frame):  # pragma: no cover - timing dependent
    raise SystemExit(_INTERRUPTED)


try:  # Ctrl-C during the imports below: exit quietly instead of a KeyboardInterrupt traceback
    _STARTUP_GUARD = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if _STARTUP_GUARD:
        signal.signal(signal.SIGINT, _interrupted_while_starting)
except ValueError:  # imported outside the main thread
    _STARTUP_GUARD = False

if not os.environ.get("POSECHECK_DEBUG"):
    # Native libraries log to stderr on their own; posecheck promises one line per error.
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging: warnings and up only
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")  # "[ERROR:0@...] Camera index out of range" and the like
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

from enum import Enum  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Annotated, Optional  # noqa: E402

import typer  # noqa: E402
from typer.core import TyperCommand, TyperGroup  # noqa: E402

from posecheck import __version__  # noqa: E402
from posecheck.errors import (  # noqa: E402
    EXIT_EXPECTATIONS_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NO_PERSON,
    PosecheckError,
    SpecError,
    UsageError,
    VideoNotFoundError,
)

#: The checkout this module runs from (its ``sample_videos/`` backs up the README's commands).
CHECKOUT = Path(__file__).resolve().parents[1]


class _HelpFlagMixin:
    """``--help`` is a flag: show no ``<bool>`` type for it."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.metavar = ""
        return option


class _Command(_HelpFlagMixin, TyperCommand):
    pass


class _Group(_HelpFlagMixin, TyperGroup):
    pass


app = typer.Typer(
    name="posecheck",
    help="Check exercise form from video: count reps, time holds and flag form faults.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Group,
)
specs_app = typer.Typer(
    help="List, show, validate exercise specs, or print their JSON Schema.", no_args_is_help=True, cls=_Group
)
app.add_typer(specs_app, name="specs")


class Confidence(str, Enum):
    """How sure the person who labelled a clip was (``--min-confidence``)."""

    low = "low"
    medium = "medium"
    high = "high"


class Engine(str, Enum):
    """Where batch analyses the clips."""

    local = "local"
    ray = "ray"


MaxPeopleOpt = Annotated[
    int,
    typer.Option(
        "--max-people", min=1, max=5,
        help="people the model tracks on every frame; 1 costs a fifth less model time (others are still counted once a second)",
    ),
]

PoseWorkersOpt = Annotated[
    Optional[int],
    typer.Option(
        "--pose-workers", min=1, max=4,
        help="pose models side by side, each on every n-th frame \\[default: one per CPU core, up to 4]",
    ),
]

AnalysisFpsOpt = Annotated[
    Optional[float],
    typer.Option("--analysis-fps", min=0.5, max=240.0, help="analyse about this many frames a second \\[default: every frame]"),
]


class SynthView(str, Enum):
    """Named camera views of ``posecheck synth`` (``posecheck.synth.VIEWS``)."""

    side = "side"
    front = "front"
    oblique = "oblique"
    rear = "rear"
    side_right = "side_right"
    oblique_right = "oblique_right"


class HtmlVideo(str, Enum):
    """How ``--html`` shows the annotated video (``posecheck.render.html.VIDEO_CHOICES``)."""

    auto = "auto"
    inline = "inline"
    link = "link"
    none = "none"


#: Flags take no value: an empty metavar keeps typer from showing them as ``<bool>``.
FLAG = ""

ModelOpt = Annotated[
    Optional[str],
    typer.Option(
        "--model", metavar="<lite|full|heavy|FILE>",
        help="pose model: a named bundle or a path to a .task bundle \\[default: $POSECHECK_MODEL or full]",
    ),
]
#: ``--exercise auto``: recognise the exercise from the specs instead of naming it.
AUTO = "auto"

ExerciseOpt = Annotated[
    str,
    typer.Option(
        "--exercise", "-e", metavar="<NAME|FILE>", help="exercise spec name (see 'posecheck specs list') or a .toml path"
    ),
]


MirrorOpt = Annotated[
    bool,
    typer.Option(
        "--mirror", metavar=FLAG,
        help="flip the picture like a mirror (for a front-facing webcam); words and left/right stay correct",
    ),
]
VoiceOpt = Annotated[
    Optional[bool],
    typer.Option(
        "--voice/--no-voice", metavar=FLAG,
        help="speak counts, set-up help and form cues with espeak-ng \\[default: on when espeak-ng and an audio device are there]",
        show_default=False,
    ),
]


def _fail(exc: PosecheckError) -> typer.Exit:
    typer.echo(f"error: {exc.message}", err=True)
    return typer.Exit(exc.exit_code)


def _write_partial(exc: BaseException, report_path: Path | None, extra: _ExtraOutputs | None = None) -> None:
    partial = getattr(exc, "partial_report", None)
    if partial is None:
        return
    if report_path is not None:
        try:
            partial.write_json(report_path)
            typer.echo(f"partial report written to {report_path}", err=True)
        except PosecheckError as write_exc:
            typer.echo(f"error: {write_exc.message}", err=True)
    if extra is not None and extra.wanted:
        try:
            written = extra.write(partial)
            typer.echo(f"partial report written to {', '.join(str(p) for p in written)}", err=True)
        except PosecheckError as write_exc:
            typer.echo(f"error: {write_exc.message}", err=True)


class _ExtraOutputs:
    """``--html`` and ``--csv`` of ``analyze``: their paths (checked with the other outputs), and writing them."""

    def __init__(self, html: Path | None, csv: Path | None, html_video: str = "auto", annotate: Path | None = None):
        self.html, self.csv, self.html_video, self.annotate = html, csv, html_video, annotate

    @property
    def wanted(self) -> bool:
        return self.html is not None or self.csv is not None

    def outputs(self) -> dict[str, tuple[Path | None, str]]:
        out: dict[str, tuple[Path | None, str]] = {"--html": (self.html, "HTML report")}
        if self.csv is not None:
            from posecheck.render.csv_export import csv_paths

            frames, reps = csv_paths(self.csv)
            out["--csv (frames)"] = (frames, "CSV file")
            out["--csv (reps)"] = (reps, "CSV file")
        return out

    def write(self, report) -> list[Path]:
        written: list[Path] = []
        if self.csv is not None:
            from posecheck.render.csv_export import write_csv

            written += write_csv(report, self.csv)
        if self.html is not None:
            from posecheck.render.html import HtmlOptions, write_html

            written.append(write_html(report, self.html, HtmlOptions(annotated=self.annotate, video=self.html_video)))
        return written


def _version(value: bool) -> None:
    if value:
        typer.echo(f"posecheck {__version__}")
        raise typer.Exit()


def find_input(path: Path, kind: str = "video", folder: bool = False) -> Path:
    """``path`` as given, or, for ``sample_videos/...`` not found here, the checkout's copy.

    The README's first commands name ``sample_videos/...``, which only exists in the
    checkout; run from elsewhere they still work, and an installed copy says where the
    samples come from instead of a bare "not found".
    """
    exists = path.is_dir() if folder else path.exists()
    if exists or path.is_absolute() or not path.parts or path.parts[0] != "sample_videos":
        return path
    candidate = CHECKOUT / path
    if candidate.is_dir() if folder else candidate.exists():
        return candidate
    if (CHECKOUT / "sample_videos").is_dir():
        raise VideoNotFoundError(f"{kind} not found: {path} (looked here and in {CHECKOUT / 'sample_videos'})")
    raise VideoNotFoundError(
        f"{kind} not found: {path} (the sample clips are in the sample_videos/ folder of a posecheck "
        "checkout; run from the checkout, pass the full path, or write them with "
        "'posecheck samples --out sample_videos')"
    )


def _model_input(model: str | None) -> list[tuple[str, Path]]:
    """The model bundle as an input that no output may overwrite (when it is a file path)."""
    from posecheck.pose.models import OFFICIAL_MODELS

    chosen = model if model is not None else os.environ.get("POSECHECK_MODEL")
    if chosen and chosen not in OFFICIAL_MODELS:
        return [("the model bundle", Path(chosen).expanduser())]
    return []


def _spec_input(exercise: str) -> list[tuple[str, Path]]:
    """The spec file, when the exercise is given as a path."""
    if exercise.endswith(".toml") or os.sep in exercise or Path(exercise).is_file():
        return [("the spec file", Path(exercise))]
    return []


def check_outputs(outputs: dict[str, tuple[Path | None, str]], inputs: list[tuple[str, Path]]) -> None:
    """Refuse outputs that are inputs (or each other), then check each can be written.

    ``outputs`` maps an option (``--report``) to its path and what it holds (``report``).
    """
    from posecheck.io.paths import check_writable, refuse_overwriting_inputs

    refuse_overwriting_inputs({flag: path for flag, (path, _) in outputs.items()}, inputs)
    for path, kind in outputs.values():
        if path is not None:
            check_writable(path, kind)


def check_cache_folder(trace_cache: Path | None) -> None:
    """``--trace-cache`` must be a folder, or one that can be created."""
    if trace_cache is not None:
        from posecheck.io.paths import check_folder

        check_folder(trace_cache, "--trace-cache folder")


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, metavar=FLAG, help="show the version")
    ] = False,
) -> None:
    """posecheck: form feedback from pose estimation."""


@app.command(cls=_Command)
def analyze(
    video: Annotated[Path, typer.Argument(help="video file to analyse")],
    exercise: Annotated[
        str,
        typer.Option(
            "--exercise", "-e", metavar="<NAME|FILE|auto>",
            help="exercise spec name (see 'posecheck specs list'), a .toml path, or auto: recognise it",
        ),
    ] = "auto",
    report: Annotated[Optional[Path], typer.Option("--report", "-r", help="write the JSON report here")] = None,
    annotate: Annotated[
        Optional[Path], typer.Option("--annotate", "-a", help="write an annotated video here (.mp4/.avi)")
    ] = None,
    html: Annotated[
        Optional[Path],
        typer.Option("--html", help="write a self-contained HTML report here (plots, rep table, worst frames, video)"),
    ] = None,
    html_video: Annotated[
        HtmlVideo,
        typer.Option(
            "--html-video", help="how --html shows the --annotate video: auto embeds it up to 2 MB, links a larger one"
        ),
    ] = HtmlVideo.auto,
    csv: Annotated[
        Optional[Path],
        typer.Option(
            "--csv", metavar="<PREFIX>",
            help="write PREFIX.frames.csv (per frame) and PREFIX.reps.csv (per rep); a trailing .csv is dropped",
        ),
    ] = None,
    model: ModelOpt = None,
    trace_cache: Annotated[Optional[Path], typer.Option("--trace-cache", help="folder to cache pose traces in")] = None,
    analysis_fps: AnalysisFpsOpt = None,
    max_people: MaxPeopleOpt = 2,
    pose_workers: PoseWorkersOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", metavar=FLAG, help="no progress bar")] = False,
) -> None:
    """Analyse a recorded video: print a summary, optionally write JSON, HTML and CSV reports and an annotated video."""
    extra = _ExtraOutputs(html, csv, html_video.value, annotate)
    try:
        video = find_input(video)
        check_outputs(
            {"--report": (report, "report"), "--annotate": (annotate, "annotated video"), **extra.outputs()},
            [("the input video", video), *_model_input(model), *_spec_input(exercise)],
        )
        check_cache_folder(trace_cache)
        from posecheck.analyze import AnalyzeOptions, analyze_video
        from posecheck.specs.loader import load_spec

        spec = None if exercise == AUTO else load_spec(exercise)
        options = AnalyzeOptions(
            model=model, annotate=annotate, trace_cache=trace_cache, analysis_fps=analysis_fps, max_people=max_people,
            pose_workers=pose_workers,
        )
        result = _with_progress(lambda cb: analyze_video(video, spec, options, on_frame=cb), quiet)
    except KeyboardInterrupt as exc:
        _write_partial(exc, report, extra)
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except PosecheckError as exc:
        _write_partial(exc, report, extra)
        raise _fail(exc) from None
    typer.echo(result.summary())
    try:
        if report is not None:
            result.write_json(report)
        extra.write(result)
    except PosecheckError as exc:
        raise _fail(exc) from None
    if not result.person_found:
        raise typer.Exit(EXIT_NO_PERSON)


def _interactive(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def _with_progress(run, quiet: bool):
    """Run ``run(on_frame)`` with a progress bar on an interactive stderr."""
    if not _interactive(quiet):
        return run(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "analysing", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        transient=True, console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("frames", total=None)

        def on_frame(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run(on_frame)


@app.command(cls=_Command)
def live(
    exercise: ExerciseOpt,
    camera: Annotated[int, typer.Option("--camera", "-c", help="camera index")] = 0,
    source: Annotated[
        Optional[Path], typer.Option("--source", "-s", help="replay a video file in real time instead of a camera")
    ] = None,
    mirror: MirrorOpt = False,
    report: Annotated[
        Optional[Path], typer.Option("--report", "-r", help="write the session report here when you stop")
    ] = None,
    model: ModelOpt = None,
    headless: Annotated[
        bool,
        typer.Option(
            "--headless", metavar=FLAG, help="no window: print updates instead (for machines without a display)"
        ),
    ] = False,
    voice: VoiceOpt = None,
) -> None:
    """Live feedback from a camera (or a file played in real time): q or Esc stops, f full screen; Ctrl-C interrupts."""

    def start(source: Path | None, stop):
        if camera < 0:
            raise UsageError(f"--camera must be 0 or more, got {camera}")
        from posecheck.live import LiveOptions, run_live
        from posecheck.specs.loader import load_spec

        spec = load_spec(exercise)
        options = LiveOptions(camera=camera, source=source, mirror=mirror, model=model, headless=headless, voice=voice)
        return run_live(spec, options, stop=stop)

    _live_session(source, report, [*_model_input(model), *_spec_input(exercise)], start)


class _BatchProgress:
    """A rich progress bar over the clips being analysed (interactive stderr only)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self._progress = None
        self._task = None

    def __enter__(self) -> _BatchProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("clips"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("{task.description}"), transient=True, console=Console(stderr=True),
            )
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def start(self, total: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task("", total=total)

    def done(self, row) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, description=f"{row.label.file}: {row.status}")


@app.command(cls=_Command)
def batch(
    folder: Annotated[Path, typer.Argument(help="folder with the clips named in the labels file")],
    labels: Annotated[
        Optional[Path], typer.Option("--labels", "-l", help="expectations file \\[default: FOLDER/labels.json]")
    ] = None,
    report: Annotated[
        Optional[Path], typer.Option("--report", "-r", help="write the per-clip results as JSON here")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="clips analysed in parallel")] = 1,
    model: ModelOpt = None,
    min_confidence: Annotated[
        Confidence, typer.Option("--min-confidence", help="skip clips labelled with less confidence")
    ] = Confidence.low,
    exercise: Annotated[
        Optional[list[str]],
        typer.Option("--exercise", "-e", metavar="<NAME>", help="only clips of this exercise (repeatable)"),
    ] = None,
    trace_cache: Annotated[
        Optional[Path], typer.Option("--trace-cache", help="folder to cache pose traces in (re-runs skip the model)")
    ] = None,
    html: Annotated[
        Optional[Path],
        typer.Option(
            "--html", help="write the table as an HTML page here, and a report page per clip next to it (PAGE.CLIP.html)"
        ),
    ] = None,
    csv: Annotated[
        Optional[Path], typer.Option("--csv", help="write the per-clip results as CSV here (one row a clip)")
    ] = None,
    analysis_fps: AnalysisFpsOpt = None,
    pose_workers: Annotated[
        Optional[int],
        typer.Option(
            "--pose-workers", min=1, max=4,
            help="pose models side by side on each clip's frames \\[default: the CPU cores shared among the jobs, up to 4; 1 on Ray]",
        ),
    ] = None,
    auto: Annotated[
        bool, typer.Option("--auto", metavar=FLAG, help="recognise each clip's exercise instead of reading it from the label, and score that too")
    ] = False,
    engine: Annotated[Engine, typer.Option("--engine", help="local processes, or a Ray cluster")] = Engine.local,
    address: Annotated[
        Optional[str], typer.Option("--address", help="Ray cluster address (with --engine ray) \\[default: start a local Ray]")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", metavar=FLAG, help="no progress bar")] = False,
) -> None:
    """Run every labelled clip, compare with the expectations, print a table; exit 4 if any fails."""
    from posecheck.batch import ClipScore, load_labels, run_batch

    gathered: list[ClipScore] = []
    clips: list = []
    try:
        folder = find_input(folder, "clip folder", folder=True)
        if folder.is_file():
            raise UsageError(f"batch takes a folder of clips with their labels, and {folder} is a file "
                             "(for one video: posecheck analyze VIDEO -e EXERCISE)")
        labels = labels or folder / "labels.json"
        model_input = _model_input(model)
        outputs = {"--report": (report, "report"), "--html": (html, "HTML report"), "--csv": (csv, "CSV file")}
        check_outputs(outputs, [("the labels file", labels), *model_input])
        check_cache_folder(trace_cache)
        clips = load_labels(labels)
        check_outputs({**outputs, **_clip_pages(html, clips)}, [(f"the clip {c.file}", folder / c.file) for c in clips])
        with _BatchProgress(_interactive(quiet)) as progress:

            def on_done(row: ClipScore) -> None:
                gathered.append(row)
                progress.done(row)

            scores = run_batch(
                folder, clips, model=model, jobs=jobs, trace_cache=trace_cache,
                min_confidence=min_confidence.value, exercises=exercise, on_done=on_done, on_start=progress.start,
                analysis_fps=analysis_fps, engine=engine.value, address=address, auto=auto, pose_workers=pose_workers,
            )
    except KeyboardInterrupt:
        order = {c.file: i for i, c in enumerate(clips)}
        rows = sorted(gathered, key=lambda r: order.get(r.label.file, 0))
        _finish_batch(rows, report, error="interrupted by the user (Ctrl-C)", html=html, csv=csv)
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except PosecheckError as exc:
        raise _fail(exc) from None
    summary = _finish_batch(scores, report, html=html, csv=csv)
    if summary["failed"] or summary["errors"]:
        raise typer.Exit(EXIT_EXPECTATIONS_FAILED)


def _clip_pages(html: Path | None, clips: list) -> dict[str, tuple[Path, str]]:
    """The per-clip pages of ``batch --html``, as outputs to check before any work."""
    if html is None:
        return {}
    from posecheck.render.html import clip_pages

    pages = clip_pages(html, [c.file for c in clips])
    return {f"--html page of {f}": (page, "HTML report") for f, page in pages.items()}


def _finish_batch(
    scores: list, report: Path | None, error: str | None = None, html: Path | None = None, csv: Path | None = None
) -> dict:
    """Print the table and write the JSON, HTML and CSV reports; ``error`` marks the results incomplete."""
    from posecheck.batch import summarize
    from posecheck.cli_table import print_batch_table

    print_batch_table(scores)
    summary = summarize(scores)
    if report is not None:
        from posecheck.report import write_json

        data = {"summary": summary, "clips": [s.as_dict() for s in scores], "complete": error is None}
        if error is not None:
            data["error"] = error
        try:
            write_json(data, report)
        except PosecheckError as exc:
            raise _fail(exc) from None
        if error is not None:
            typer.echo(f"partial report written to {report}", err=True)
    if csv is not None:
        from posecheck.render.csv_export import write_batch_csv

        try:
            write_batch_csv(scores, csv)
        except PosecheckError as exc:
            raise _fail(exc) from None
    if html is not None:
        from posecheck.cli_table import HTML_COLUMNS, html_rows, summary_line
        from posecheck.render.html import write_batch_html

        try:
            write_batch_html(html_rows(scores), [h for h, _ in HTML_COLUMNS], html, summary_line(summary), error)
        except PosecheckError as exc:
            raise _fail(exc) from None
        if error is not None:
            typer.echo(f"partial report written to {html}", err=True)
    return summary


@app.command(cls=_Command)
def synth(
    exercise: Annotated[
        Optional[str],
        typer.Argument(
            metavar="<NAME>",
            help="exercise to render: one with a motion file, such as squat or forearm_plank (a wrong name lists "
            "them); leave it out with --routine",
            show_default=False,
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="output .mp4")] = ...,
    reps: Annotated[
        Optional[int], typer.Option("--reps", help="reps (rep exercises) \\[default: 5]", show_default=False)
    ] = None,
    hold: Annotated[
        Optional[float],
        typer.Option("--hold", help="seconds in the held position (holds) \\[default: 10]", show_default=False),
    ] = None,
    fault: Annotated[
        Optional[list[str]],
        typer.Option("--fault", metavar="<NAME:DEGREES>", help="name:degrees\\[@reps=1,3]\\[@t=2-6], repeatable"),
    ] = None,
    tempo: Annotated[
        Optional[float],
        typer.Option("--tempo", metavar="<SECONDS>", help="seconds per rep, rest included (a rushed or a slow set; "
                     "holds: scales getting into and out of the position) \\[default: the motion file's]",
                     show_default=False),
    ] = None,
    rest_between: Annotated[
        Optional[float],
        typer.Option("--rest-between", metavar="<SECONDS>", help="rest between two reps \\[default: scaled with "
                     "--tempo]", show_default=False),
    ] = None,
    timing_fault: Annotated[
        Optional[list[str]],
        typer.Option("--timing-fault", metavar="<CUE>", help="a timing cue the --tempo trips (too_fast ...): the "
                     "labels expect it on every rep; repeatable"),
    ] = None,
    routine: Annotated[
        Optional[str],
        typer.Option(
            "--routine", metavar="<SEGMENTS>",
            help="render a routine instead of one exercise: comma-separated segments "
            "exercise\\[:reps=N|:hold=S]\\[:fault=name:degrees...]\\[:view=V]\\[:side=S]\\[:tempo=S], e.g. "
            "'glute_bridge:reps=3,dead_bug:reps=4,forearm_plank:hold=8,squat:reps=3' (docs/labels.md)",
        ),
    ] = None,
    transition: Annotated[
        Optional[float],
        typer.Option("--transition", help="--routine: seconds between two segments \\[default: 2]", show_default=False),
    ] = None,
    rest: Annotated[
        float, typer.Option("--rest", help="seconds of rest before and after the set (each segment of a routine)")
    ] = 1.0,
    view: Annotated[
        Optional[SynthView],
        typer.Option("--view", help="camera view \\[default: the exercise's usual view; a routine: each segment's]"),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="everything random is drawn from this")] = 0,
    vary: Annotated[
        bool,
        typer.Option("--vary", metavar=FLAG, help="draw subject (build, skin tone, clothes) and room from the seed"),
    ] = False,
    fps: Annotated[float, typer.Option("--fps", help="frames per second")] = 24.0,
    labels: Annotated[
        Optional[Path], typer.Option("--labels", help="add the clip's expectations to this labels file")
    ] = None,
) -> None:
    """Render a synthetic clip with exact ground truth (reps, hold, injected faults) to test specs; or, with
    --routine, several exercises with transitions in one clip (labels with segments)."""
    try:
        check_outputs({"--out": (out, "clip"), "--labels": (labels, "labels file")}, [])
        if labels is not None and labels.exists():
            from posecheck.batch import load_labels

            load_labels(labels)  # an existing file must be a labels file: it is rewritten with the new entry
        from posecheck.synth import RoutineRequest, SceneOptions, SubjectOptions, SynthRequest, write_clip
        from posecheck.synth.clip import add_to_labels

        shared = dict(
            view=view.value if view is not None else None, seed=seed, fps=fps,
            subject=SubjectOptions.sample(seed) if vary else SubjectOptions(),
            scene=SceneOptions.sample(seed) if vary else SceneOptions(),
        )
        if routine is None and exercise is None:
            raise UsageError("name the exercise to render (posecheck synth squat --out clip.mp4) or give --routine")
        if routine is not None:
            if exercise is not None:
                raise UsageError(f"give an exercise ({exercise!r}) or --routine, not both; put it in the routine: "
                                 f"--routine '{exercise}:reps=3,...'")
            given = [name for name, value in (("--reps", reps), ("--hold", hold), ("--fault", fault),
                                              ("--tempo", tempo)) if value]
            if given:
                raise UsageError(f"with --routine give {', '.join(given)} per segment, e.g. "
                                 "'glute_bridge:reps=3:fault=hips_too_low:15,forearm_plank:hold=8,squat:tempo=2'")
            alone = [name for name, value in (("--rest-between", rest_between), ("--timing-fault", timing_fault))
                     if value]
            if alone:
                raise UsageError(f"{', '.join(alone)}: for one exercise's clip, not a routine")
        elif transition is not None:
            raise UsageError("--transition is for --routine (the time between two segments)")
        try:
            if routine is not None:
                request = RoutineRequest(routine, rest_s=rest,
                                         transition_s=transition if transition is not None else 2.0, **shared)
            else:
                request = SynthRequest(exercise, reps=reps if reps is not None else 5,
                                       hold_s=hold if hold is not None else 10.0, faults=tuple(fault or ()),
                                       lead_s=rest, tempo_s=tempo, rest_between_s=rest_between,
                                       timing_faults=tuple(timing_fault or ()), **shared)
        except ValueError as exc:
            if isinstance(exc, PosecheckError):  # a broken motion file, not a bad option
                raise
            raise UsageError(str(exc)) from None
        entry = write_clip(request, out)
        if labels is not None:
            add_to_labels(labels, entry)
    except PosecheckError as exc:
        raise _fail(exc) from None
    import json

    typer.echo(json.dumps(entry, indent=1))


@app.command(cls=_Command)
def samples(
    out: Annotated[Path, typer.Option("--out", help="folder to (re)write")] = Path("sample_videos"),
    only: Annotated[
        Optional[list[str]], typer.Option("--only", metavar="<NAME>", help="just this sample (repeatable)")
    ] = None,
) -> None:
    """Regenerate the curated sample clips and their labels.json (deterministic)."""
    try:
        from posecheck.synth.samples import SAMPLES, regenerate

        names = [s.name for s in SAMPLES]
        for name in only or []:
            if name not in names:
                from posecheck.pose.landmarks import suggest

                raise UsageError(f"unknown sample {name!r}{suggest(name, names)}; samples: {', '.join(names)}")
        from posecheck.io.paths import check_folder

        check_folder(out, "--out folder")
        if (out / "labels.json").exists():
            from posecheck.batch import load_labels

            load_labels(out / "labels.json")  # its other clips' entries are kept: it must be a labels file
        regenerate(out, only, on_clip=lambda s, e: typer.echo(f"wrote {out / (s.name + '.mp4')}"))
    except PosecheckError as exc:
        raise _fail(exc) from None


@specs_app.command("list", cls=_Command)
def specs_list(
    long: Annotated[bool, typer.Option("--long", "-l", metavar=FLAG, help="also the dosage and safety notes of each")] = False,
) -> None:
    """List the exercise specs: name, title, mode, posture, views, cues (and with --long, dosage and safety)."""
    from posecheck.specs.loader import load_spec_file, spec_files

    loaded = {}
    for name, path in spec_files().items():
        try:
            loaded[name] = load_spec_file(path)
        except SpecError as exc:
            loaded[name] = exc
    columns = {name: (name, spec.mode + (" (avoid)" if spec.avoid else ""), spec.posture_name, "/".join(spec.views))
               for name, spec in loaded.items() if not isinstance(spec, SpecError)}
    widths = [max([len(name) for name in loaded], default=0)]
    widths += [max((len(row[k]) for row in columns.values()), default=0) for k in (1, 2, 3)]
    indent = " " * widths[0]
    for name, spec in loaded.items():
        if isinstance(spec, SpecError):
            typer.echo(f"{name:{widths[0]}} INVALID  {spec.message.splitlines()[0]}")
            continue
        typer.echo(
            " ".join(f"{cell:{width}}" for cell, width in zip(columns[name], widths, strict=True))
            + f" {spec.title}  [cues: {', '.join(c.id for c in spec.cues) or '-'}]"
        )
        if long:
            d = spec.dosage
            dose = " ".join(
                part for part in (
                    f"{d.sets} sets" if d.sets else "",
                    f"{d.reps[0]}-{d.reps[1]} reps" if d.reps else "",
                    f"{d.hold_s[0]:g}-{d.hold_s[1]:g} s" if d.hold_s else "",
                    "per side" if d.per_side else "",
                ) if part
            )
            typer.echo(f"{indent} dosage: {dose or '-'}{'; ' + d.note if d.note else ''}")
            for note in spec.safety:
                typer.echo(f"{indent} safety: {note}")
            if spec.avoid:
                typer.echo(f"{indent} advised against: {spec.avoid.reason} Instead: {', '.join(spec.avoid.alternatives)}")


@specs_app.command("show", cls=_Command)
def specs_show(
    name: Annotated[str, typer.Argument(help="exercise name or .toml path")],
    source: Annotated[
        bool, typer.Option("--source", metavar=FLAG, help="print the spec's TOML file as written, with its comments")
    ] = False,
) -> None:
    """Print a spec as the tool understood it: metrics, rules, cues, dosage and safety notes (or its file)."""
    import json

    from posecheck.specs.loader import load_spec

    try:
        if source:
            typer.echo(_spec_source(name), nl=False)
            return
        spec = load_spec(name)
    except PosecheckError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(spec.model_dump(mode="json", exclude_none=True), indent=2))


def _spec_source(name: str) -> str:
    """The text of the spec file ``name`` (an exercise name, alias or path), read as is:
    also a spec that does not validate can be looked at."""
    from posecheck.specs.loader import canonical_exercise, load_spec, spec_files

    path = Path(name)
    if not (name.endswith(".toml") or os.sep in name or path.is_file()):
        canonical = canonical_exercise(name)
        if canonical is None:
            load_spec(name)  # raises the unknown-exercise error with its suggestions
        path = spec_files()[canonical]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):
        load_spec(str(path))  # the loader's one-line error for a missing or unreadable file
        raise SpecError(f"{path}: cannot read the spec file") from None
    return text if text.endswith("\n") else text + "\n"


@specs_app.command("validate", cls=_Command)
def specs_validate(
    paths: Annotated[
        Optional[list[Path]], typer.Argument(help="spec files or folders \\[default: every spec found]")
    ] = None,
) -> None:
    """Validate spec files strictly; every problem names the file and the field."""
    from posecheck.specs.loader import load_spec_file, spec_files

    files: list[Path] = []
    for p in paths or []:
        files += sorted(p.glob("*.toml")) if p.is_dir() else [p]
    if not paths:
        files = list(spec_files().values())
    bad = _validate_each(files, load_spec_file)
    if not files:
        where = f" in {', '.join(str(p) for p in paths)}" if paths else ""
        typer.echo(f"error: no spec files (*.toml) found{where}", err=True)
        raise typer.Exit(SpecError.exit_code)
    if bad:
        raise typer.Exit(SpecError.exit_code)


@specs_app.command("schema", cls=_Command)
def specs_schema() -> None:
    """Print the JSON Schema of the spec format (for editors and other tools)."""
    import json

    from posecheck.specs.schema import ExerciseSpec

    typer.echo(json.dumps(ExerciseSpec.model_json_schema(), indent=2))


def _validate_each(files: list[Path], load) -> int:
    """Load every file, print ``ok`` or its error lines; returns how many failed."""
    bad = 0
    for f in files:
        try:
            load(f)
            typer.echo(f"ok       {f}")
        except SpecError as exc:
            bad += 1
            typer.echo(exc.message, err=True)
    return bad


@app.command(cls=_Command)
def routine(
    name: Annotated[str, typer.Argument(metavar="NAME|list|show|validate|schema", help="a routine to run, or what to do with routines")],
    routine_name: Annotated[Optional[str], typer.Argument(metavar="[ROUTINE]", help="with show or validate: which one")] = None,
    source: Annotated[
        Optional[Path],
        typer.Option("--source", "-s", help="a recorded routine video to score (with --live: to replay through the live coach)"),
    ] = None,
    camera: Annotated[Optional[int], typer.Option("--camera", "-c", help="coach live from this camera")] = None,
    live: Annotated[
        bool, typer.Option("--live", metavar=FLAG, help="replay the --source video in real time through the live coach")
    ] = False,
    report: Annotated[Optional[Path], typer.Option("--report", "-r", help="write the session report (JSON) here")] = None,
    model: ModelOpt = None,
    trace_cache: Annotated[Optional[Path], typer.Option("--trace-cache", help="folder to cache pose traces in")] = None,
    headless: Annotated[bool, typer.Option("--headless", metavar=FLAG, help="no window: print updates instead")] = False,
    mirror: MirrorOpt = False,
    voice: VoiceOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", metavar=FLAG, help="no progress bar")] = False,
) -> None:
    """The seeds' routines: list, show, validate, print the schema, or run one: coached live (--camera N,
    or --source FILE --live) or a recorded video scored (--source FILE)."""
    import json

    from posecheck.routines import RoutineSpec, load_routine, load_routine_file, routine_files

    try:
        if name == "list":
            for rname, path in routine_files().items():
                try:
                    r = load_routine_file(path)
                    items = ", ".join(i.exercise for i in r.items)
                    typer.echo(f"{rname:24} {r.rounds}x  {r.title}  [{items}]")
                except SpecError as exc:
                    typer.echo(f"{rname:24} INVALID  {exc.message.splitlines()[0]}")
            return
        if name == "schema":
            typer.echo(json.dumps(RoutineSpec.model_json_schema(), indent=2))
            return
        if name == "show":
            if routine_name is None:
                raise UsageError("routine show needs a routine name (see 'posecheck routine list')")
            typer.echo(json.dumps(load_routine(routine_name).model_dump(mode="json"), indent=2))
            return
        if name == "validate":
            files = [Path(routine_name)] if routine_name else list(routine_files().values())
            if _validate_each(files, load_routine_file) or not files:
                raise typer.Exit(SpecError.exit_code)
            return
        plan = load_routine(name)
        _check_routine_mode(source, camera, live, mirror, voice, trace_cache)
        if camera is not None or live:
            return _routine_live(plan, camera, source, report, model, headless, mirror, voice)
        source = find_input(source)
        check_outputs({"--report": (report, "report")}, [("the routine video", source), *_model_input(model)])
        check_cache_folder(trace_cache)
        from posecheck.analyze import AnalyzeOptions, analyze_routine_video

        options = AnalyzeOptions(model=model, trace_cache=trace_cache)
        session, _ = _with_progress(lambda cb: analyze_routine_video(source, plan, options, on_frame=cb), quiet)
    except KeyboardInterrupt as exc:
        partial = getattr(exc, "partial_report", None)
        if partial is not None and report is not None:
            partial.write_json(report)
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except PosecheckError as exc:
        partial = getattr(exc, "partial_report", None)
        if partial is not None and report is not None and hasattr(partial, "sets"):
            partial.write_json(report)
        raise _fail(exc) from None
    typer.echo(session.summary())
    if report is not None:
        try:
            session.write_json(report)
        except PosecheckError as exc:
            raise _fail(exc) from None


def _check_routine_mode(source: Path | None, camera: int | None, live: bool, mirror: bool, voice: bool | None,
                        trace_cache: Path | None) -> None:
    """``routine NAME`` runs live (``--camera N``, or ``--source FILE --live``) or scores a
    recording (``--source FILE``); options of the other mode are refused, by name."""
    if source is None and camera is None:
        raise UsageError("give --source VIDEO (a recorded routine; add --live to replay it through the live coach) "
                         "or --camera N (live coaching)")
    if source is not None and camera is not None:
        raise UsageError("give --camera N or --source VIDEO, not both")
    if camera is not None and camera < 0:
        raise UsageError(f"--camera must be 0 or more, got {camera}")
    if live and source is None:
        raise UsageError("--live replays a --source VIDEO through the live coach; a camera is always live")
    if camera is not None or live:
        if trace_cache is not None:
            raise UsageError("--trace-cache is for scoring a recorded routine (--source VIDEO without --live)")
        return
    given = [flag for flag, on in (("--mirror", mirror), ("--voice/--no-voice", voice is not None)) if on]
    if given:
        raise UsageError(f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} for live coaching "
                         "(--camera N, or --source VIDEO --live)")


def _routine_live(plan, camera: int | None, source: Path | None, report: Path | None, model: str | None,
                  headless: bool, mirror: bool, voice: bool | None) -> None:
    """Coach ``plan`` live; Ctrl-C, q or Esc keep what was done (the report says why it is incomplete)."""

    def start(source: Path | None, stop):
        from posecheck.live import LiveOptions
        from posecheck.live_routine import run_live_routine

        options = LiveOptions(camera=camera or 0, source=source, mirror=mirror, model=model, headless=headless,
                              voice=voice)
        return run_live_routine(plan, options, stop=stop)

    _live_session(source, report, _model_input(model), start)


def _live_session(source: Path | None, report: Path | None, inputs: list, start) -> None:
    """Around a live session (one exercise or a routine): check the inputs and the report
    path, then ``start(source, stop)``; Ctrl-C from then on asks the session to stop between
    frames (the model is never left half-loaded) and what was seen is still reported."""
    from posecheck.live import StopRequest

    with StopRequest() as stop:
        try:
            if source is not None:
                source = find_input(source)
                inputs = [("the --source video", source), *inputs]
            check_outputs({"--report": (report, "report")}, inputs)
            outcome = start(source, stop)
        except KeyboardInterrupt:  # a second Ctrl-C while something was stuck
            typer.echo("interrupted", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except PosecheckError as exc:
            _write_partial(exc, report)
            raise _fail(exc) from None
        _finish_live(outcome, report)


def _finish_live(outcome, report: Path | None) -> None:
    """After a live session (one exercise or a routine): the summary, the report, and exit
    130 when it was interrupted (what was done is kept either way)."""
    typer.echo(outcome.report.summary())
    if outcome.dropped:
        typer.echo(f"dropped {outcome.dropped} frames to keep up with real time", err=True)
    if report is not None:
        try:
            outcome.report.write_json(report)
        except PosecheckError as exc:
            raise _fail(exc) from None
        if outcome.interrupted or not outcome.report.complete:
            typer.echo(f"partial report written to {report}", err=True)
    if outcome.interrupted:
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


def _usage_error_line(exc: Exception) -> str:
    """typer's boxed usage error (bad choice, missing option) as one ``error:`` line."""
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    message = " ".join(message.replace("Value error, ", "").split())
    message = message[:1].lower() + message[1:].rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return f"error: {message}"


def main_exit_code(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code, printing errors as one line."""
    try:
        code = app(args=argv, prog_name="posecheck", standalone_mode=False)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except typer.Abort:
        return EXIT_INTERRUPTED
    except PosecheckError as exc:  # a command that did not catch its own input error still prints one line
        return _fail(exc).exit_code
    except Exception as exc:
        if not (hasattr(exc, "exit_code") and hasattr(exc, "format_message")):
            raise
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare "posecheck": show the help
            if hasattr(exc, "show") and not _help_already_shown():
                exc.show()
            return int(exc.exit_code)
        typer.echo(_usage_error_line(exc), err=True)
        return int(exc.exit_code)
    return code if isinstance(code, int) else 0


def _help_already_shown() -> bool:
    """With rich installed, typer prints the help while building the NoArgsIsHelpError."""
    try:
        from typer.core import HAS_RICH
    except ImportError:  # pragma: no cover
        return False
    return bool(HAS_RICH)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: exit quietly with 130 on Ctrl-C, one line per error."""
    try:
        code = main_exit_code(argv)
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        # The report is written by now. Skip the interpreter's teardown: native finalizers
        # (a pose model caught half-built by the Ctrl-C) could keep the process alive.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(EXIT_INTERRUPTED)
    sys.exit(code)


if _STARTUP_GUARD and signal.getsignal(signal.SIGINT) is _interrupted_while_starting:
    signal.signal(signal.SIGINT, signal.default_int_handler)

if __name__ == "__main__":
    run()
