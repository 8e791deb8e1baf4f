"""The library entry points: run a spec over a video (or any frame source) and report.

Frames flow as a generator from the source through the pose model and the analysis
session to optional sinks (annotated video, live window)::

    VideoSource ─► PoseEstimator ─► ExerciseSession ─► (annotator ─► VideoSink)

Errors the user can cause are :mod:`posecheck.errors` exceptions. When one happens after
frames were analysed (a truncated file, Ctrl-C), the report of what was gathered is
attached to the exception as ``partial_report`` so callers can still write it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from posecheck.core.posture import PostureSurvey
from posecheck.core.session import ExerciseSession, FrameState
from posecheck.errors import PosecheckError, UsageError
from posecheck.io.pipeline import Lanes, WriteBehind, at_rate
from posecheck.io.video import Frame, VideoInfo, VideoSink, VideoSource, check_writable
from posecheck.pose.landmarks import PoseFrame
from posecheck.pose.models import ModelFile
from posecheck.pose.trace import PoseTrace, cache_key, cache_path
from posecheck.report import Report, SourceInfo, build_report, video_seconds
from posecheck.specs.loader import load_posture_file, load_spec_file, posture_files, spec_files
from posecheck.specs.schema import ExerciseSpec

T = TypeVar("T")

#: Most pose models run side by side on one video (each holds its own copy of the model).
MAX_POSE_WORKERS = 4
#: A posture seen at least this long is worth naming when the spec's own is never found.
POSTURE_SEEN_MIN_S = 1.0
#: The posture survey looks at a frame this often (seconds).
SURVEY_EVERY_S = 0.2


@dataclass(frozen=True)
class AnalyzeOptions:
    """How to analyse a video.

    Attributes:
        model: ``lite``, ``full``, ``heavy`` or a path to a ``.task`` bundle (default: full).
        max_people: people the model tracks. 2 (the default) keeps MediaPipe's person
            detector running on every frame; 1 costs a fifth less model time (other people
            are still counted once a second, see :class:`~posecheck.pose.estimator.EstimatorOptions`)
            but tracks from frame to frame, and on the real clips that read 5 of 29 clips
            worse (docs/speed.md), so it is not the default.
        annotate: write an annotated copy of the video here (``.mp4`` or ``.avi``).
        trace_cache: folder where pose traces are cached, keyed by video and model, so
            re-scoring a clip with a changed spec skips the model.
        analysis_fps: analyse about this many frames a second (None: every frame); batch
            work on 30 or 60 fps clips rarely needs every frame.
        pipelined: decode ahead and draw/encode behind the model on their own threads.
        pose_workers: pose models run side by side, each on every n-th frame (MediaPipe
            runs one model on one core). None: one per CPU core, up to
            :data:`MAX_POSE_WORKERS`. With ``max_people`` 2 every frame is detected afresh,
            so the poses are the same whatever the count (measured: identical landmarks);
            with 1, each worker tracks its own frames.
    """

    model: str | None = None
    max_people: int = 2
    annotate: Path | None = None
    trace_cache: Path | None = None
    analysis_fps: float | None = None
    pipelined: bool = True
    pose_workers: int | None = None

    def __post_init__(self) -> None:
        if self.analysis_fps is not None and not 0 < self.analysis_fps <= 240:
            raise UsageError(f"--analysis-fps must be between 0 and 240 frames per second, got {self.analysis_fps:g}")
        if self.pose_workers is not None and not 1 <= self.pose_workers <= MAX_POSE_WORKERS:
            raise UsageError(f"--pose-workers must be between 1 and {MAX_POSE_WORKERS}, got {self.pose_workers}")

    def workers(self) -> int:
        """How many pose models run side by side (1 when the stages are not pipelined)."""
        if not self.pipelined:
            return 1
        if self.pose_workers is not None:
            return self.pose_workers
        return max(1, min(os.cpu_count() or 1, MAX_POSE_WORKERS))


class Analysis:
    """One spec's session plus a survey of the library's postures, fed the same frames.

    The survey costs a few metrics per frame; when the spec's posture is never found it
    names the position the video does show and the specs done in it.
    """

    def __init__(self, spec: ExerciseSpec):
        self.session = ExerciseSession(spec)
        self.survey = PostureSurvey(_every_that_loads(posture_files(), load_posture_file), spec.min_visibility)
        self._surveyed_t = float("-inf")

    def update(self, pose: PoseFrame) -> FrameState:
        if pose.t - self._surveyed_t >= SURVEY_EVERY_S:  # positions change slowly: a few looks a second
            self._surveyed_t = pose.t
            self.survey.update(pose)
        return self.session.update(pose)

    def spec_now(self) -> ExerciseSpec:
        return self.session.spec

    def report(self, source: SourceInfo, model: ModelFile, error: str | None = None) -> Report:
        """Close the session and build its report."""
        result = self.session.result()
        seen = {k: v for k, v in self.survey.finish().items() if v >= POSTURE_SEEN_MIN_S}
        suggestions = [] if result.posture_found else specs_done_in(max(seen, key=seen.get)) if seen else []
        return build_report(result, source, model.name, model.sha256, error=error, posture_seen=seen,
                            suggestions=[s for s in suggestions if s != result.spec.name])


class RecognisingAnalysis:
    """Auto mode: every spec of the library runs side by side; the report is the one of the
    exercise recognised for most of the video, with every segment listed."""

    def __init__(self, specs: list[ExerciseSpec] | None = None):
        from posecheck.recognize import Recogniser

        self.recogniser = Recogniser(specs if specs is not None else load_all_specs())

    def update(self, pose: PoseFrame) -> FrameState:
        return self.recogniser.update(pose)

    def spec_now(self) -> ExerciseSpec:
        """The exercise the live view should show now (the causal leader)."""
        return self.recogniser.specs[self.recogniser.leading]

    def report(self, source: SourceInfo, model: ModelFile, error: str | None = None) -> Report:
        from posecheck.recognize import dominant
        from posecheck.report import RecognitionPart, segment_part

        segments = self.recogniser.segments()
        main = dominant(segments)
        result = main.result if main is not None else self.recogniser.sessions[self.recogniser.leading].result()
        warnings = []
        for seg in segments:
            spec = next((s for s in self.recogniser.specs if s.name == seg.exercise), None)
            if spec is not None and spec.avoid is not None:
                warnings.append(
                    f"{spec.title} recognised at {seg.start_s:.1f}-{seg.end_s:.1f} s: {spec.avoid.reason} "
                    f"Safer instead: {', '.join(spec.avoid.alternatives)}."
                )
        report = build_report(result, source, model.name, model.sha256, warnings=warnings, error=error)
        # The body of the report is the recognised segment's; the source is the whole video.
        frames = self.recogniser.frames
        report.source.duration_s = round(video_seconds([frame.t for frame in frames]), 2)
        report.frames_with_pose = sum(frame.detected for frame in frames)
        report.person_found = report.frames_with_pose > 0
        report._segments = segments
        report.recognition = RecognitionPart(
            exercise=main.exercise if main is not None else None,
            confidence=main.confidence if main is not None else 0.0,
            segments=[segment_part(s.start_s, s.end_s, s.exercise, s.confidence, s.result) for s in segments],
        )
        return report


def load_all_specs() -> list[ExerciseSpec]:
    """Every spec that loads (a broken one is left out of recognition, not fatal)."""
    return _every_that_loads(spec_files(), load_spec_file)


def _every_that_loads(files: dict[str, Path], load: Callable[[Path], T]) -> list[T]:
    """``load`` of every file, leaving out those that do not load (``specs validate`` names them)."""
    out = []
    for path in files.values():
        try:
            out.append(load(path))
        except PosecheckError:
            continue
    return out


def specs_done_in(posture: str) -> list[str]:
    """Names of the specs whose posture is ``posture`` (specs that fail to load are left out)."""
    out = []
    for name, path in spec_files().items():
        try:
            if load_spec_file(path).posture_name == posture:
                out.append(name)
        except PosecheckError:
            continue
    return out


def analyze_frames(
    frames: Iterable[Frame], estimator, analysis: Analysis | ExerciseSession
) -> Iterator[tuple[Frame, PoseFrame, FrameState]]:
    """Estimate and analyse each frame in turn; yields (frame, pose, live state)."""
    for frame in frames:
        pose = estimator.process(frame.image, frame.t)
        yield frame, pose, analysis.update(pose)


def _estimate_with(estimator) -> Callable[[Frame], PoseFrame]:
    """One lane's work: this estimator's pose for a frame."""
    return lambda frame: estimator.process(frame.image, frame.t)


def _report(
    analysis: Analysis, path: str | os.PathLike[str], info: VideoInfo, frames: int, model: ModelFile,
    error: str | None = None,
) -> Report:
    """Close the analysis and build the report of ``frames`` analysed frames of ``path``."""
    source = SourceInfo(str(path), info.fps, info.frame_count, frames, info.width, info.height)
    return analysis.report(source, model, error)


def refuse_overwriting_input(path: str | os.PathLike[str], options: AnalyzeOptions) -> None:
    """Raise :class:`~posecheck.errors.OutputError` when the annotated video would overwrite the input."""
    from posecheck.io.paths import refuse_overwriting_inputs

    refuse_overwriting_inputs({"the annotated video": options.annotate}, {"the input video": path})


def analyze_video(
    path: str | os.PathLike[str],
    spec: ExerciseSpec | None,
    options: AnalyzeOptions | None = None,
    on_frame: Callable[[int, int], None] | None = None,
    candidates: list[ExerciseSpec] | None = None,
) -> Report:
    """Analyse one video file with one exercise spec, or recognise the exercise (``spec`` None)
    among ``candidates`` (default: every spec).

    ``on_frame(done, total)`` is called after each frame (for progress bars). Raises
    :class:`posecheck.errors.PosecheckError` subclasses for bad input; see the module
    docstring for partial reports.
    """
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator
    from posecheck.pose.models import resolve_model

    options = options or AnalyzeOptions()
    refuse_overwriting_input(path, options)
    if options.annotate is not None:
        check_writable(options.annotate)
    analysis = Analysis(spec) if spec is not None else RecognisingAnalysis(candidates)
    with VideoSource(path) as src:
        info = src.info
        model = resolve_model(options.model)
        trace_file = key = None
        if options.trace_cache is not None:
            Path(options.trace_cache).mkdir(parents=True, exist_ok=True)
            trace_file = cache_path(options.trace_cache, path)
            key = cache_key(path, model.sha256, options.max_people, options.workers())
            trace = PoseTrace.load(trace_file, key) if options.annotate is None else None
            if trace is not None:
                count = 0
                for count, pose in enumerate(at_rate(trace.frames(), options.analysis_fps), start=1):
                    analysis.update(pose)
                    if on_frame:
                        on_frame(count, info.frame_count)
                return _report(analysis, path, info, count, model)
            if options.analysis_fps is not None:
                trace_file = None  # only full-rate traces are cached; they serve every rate

        poses: list[PoseFrame] = []
        analysed = 0
        with ExitStack() as stack:
            estimator_options = EstimatorOptions(model=str(model.path), max_people=options.max_people)
            estimators = [stack.enter_context(PoseEstimator(estimator_options)) for _ in range(options.workers())]
            frames = at_rate(src, options.analysis_fps)
            if options.pipelined:
                posed = stack.enter_context(Lanes(frames, [_estimate_with(e) for e in estimators]))
            else:
                posed = ((frame, estimators[0].process(frame.image, frame.t)) for frame in frames)
            draw = None
            if options.annotate is not None:
                from posecheck.render.annotate import Annotator

                sink = stack.enter_context(VideoSink(options.annotate, info.fps, (info.width, info.height)))
                annotators: dict[str, Annotator] = {}

                def write(job: tuple[Frame, PoseFrame, FrameState, ExerciseSpec]) -> None:
                    frame, pose, state, shown = job
                    annotator = annotators.setdefault(shown.name, Annotator(shown))
                    sink.write(annotator.draw(frame.image, pose, state), frame.t)

                draw = stack.enter_context(WriteBehind(write)).submit if options.pipelined else write
            try:
                for frame, pose in posed:
                    state = analysis.update(pose)
                    analysed += 1
                    if trace_file is not None:
                        poses.append(pose)
                    if draw is not None:
                        draw((frame, pose, state, analysis.spec_now()))
                    if on_frame:
                        on_frame(frame.index + 1, info.frame_count)
            except (PosecheckError, KeyboardInterrupt) as exc:
                message = str(exc) if isinstance(exc, PosecheckError) else "interrupted by the user"
                exc.partial_report = _report(analysis, path, info, analysed, model, message)  # type: ignore[attr-defined]
                raise
        if trace_file is not None and key is not None:
            PoseTrace.from_frames(poses, info.fps, info.frame_count, model.sha256).save(trace_file, key)
        return _report(analysis, path, info, analysed, model)


def analyze_routine_video(
    path: str | os.PathLike[str],
    routine,
    options: AnalyzeOptions | None = None,
    on_frame: Callable[[int, int], None] | None = None,
):
    """Score a recorded routine: recognise the routine's exercises (and any move the sources
    advise against) segment by segment, then match them to the routine's sets in order."""
    from posecheck.routines import done_from_segments, planned_sets, routine_report

    names = {p.exercise for p in planned_sets(routine)}
    candidates = [s for s in load_all_specs() if s.name in names or s.avoid is not None]
    try:
        report = analyze_video(path, None, options, on_frame, candidates=candidates)
    except (PosecheckError, KeyboardInterrupt) as exc:
        partial = getattr(exc, "partial_report", None)
        done = done_from_segments(partial.segments) if partial is not None else []
        message = str(exc) if isinstance(exc, PosecheckError) else "interrupted by the user"
        exc.partial_report = routine_report(routine, str(path), done, error=message)  # type: ignore[attr-defined]
        raise
    return routine_report(routine, str(path), done_from_segments(report.segments)), report
