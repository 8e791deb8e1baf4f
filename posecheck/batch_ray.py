"""Batch analysis on a Ray cluster: one task per clip, actors that load the model once.

``posecheck batch … --engine ray [--address ADDR]`` sends every clip to a pool of
:class:`ClipAnalyzer` actors on an existing cluster (or a local Ray started on this
machine when no address is given). The model bundle travels once through Ray's object
store, so worker nodes need no model files of their own; the clips must be readable at
the same path on every node (shared storage). Each actor returns the report as JSON; the
labels are scored on the driver, exactly as in a local run.

Ray is an optional extra: ``pip install 'posecheck[ray]'``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError, UsageError


@dataclass(frozen=True)
class RayClip:
    """One clip to analyse: the video, the spec file and how to analyse it."""

    key: str
    video: str
    spec_path: str
    analysis_fps: float | None = None
    auto: bool = False
    pose_workers: int = 1  #: an actor holds one CPU: one pose model


def _import_ray():
    try:
        import ray
    except ImportError:
        raise UsageError("--engine ray needs Ray: pip install 'posecheck[ray]'") from None
    return ray


class ClipAnalyzer:
    """A Ray actor: writes the model bundle it was given to a private file once, then
    analyses one clip per call with a fresh landmarker (VIDEO mode needs one per stream)."""

    def __init__(self, model_name: str, model_bytes: bytes):
        folder = Path(tempfile.mkdtemp(prefix="posecheck-model-"))
        self.model_path = folder / f"{model_name}.task"
        self.model_path.write_bytes(model_bytes)

    def analyze(self, clip: RayClip) -> tuple[str, dict[str, Any] | None, str | None]:
        """``(key, report JSON, None)`` or ``(key, None, error message)``; never raises for bad input."""
        from posecheck.analyze import AnalyzeOptions, analyze_video
        from posecheck.specs.loader import load_spec_file

        try:
            spec = load_spec_file(clip.spec_path)
            options = AnalyzeOptions(model=str(self.model_path), analysis_fps=clip.analysis_fps, pose_workers=clip.pose_workers)
            report = analyze_video(clip.video, None if clip.auto else spec, options)
        except PosecheckError as exc:
            return clip.key, None, str(exc)
        return clip.key, report.to_dict(), None


def analyze_on_ray(
    clips: Sequence[RayClip], model_path: str, *, address: str | None = None, actors: int | None = None
) -> Iterator[tuple[str, dict[str, Any] | None, str | None]]:
    """Analyse ``clips`` on Ray; yields ``(key, report JSON or None, error or None)`` as they finish."""
    ray = _import_ray()
    if not clips:
        return
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = address or "a local Ray"
            raise UsageError(f"cannot connect to {where}: {str(exc).strip().splitlines()[0]}") from None
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = max(1, min(len(clips), actors or cpus))
        model_ref = ray.put(Path(model_path).read_bytes())
        remote = ray.remote(num_cpus=1)(ClipAnalyzer)
        pool = ray.util.ActorPool([remote.remote(Path(model_path).stem, model_ref) for _ in range(count)])
        yield from pool.map_unordered(lambda actor, clip: actor.analyze.remote(clip), list(clips))
    finally:
        if started_here:
            ray.shutdown()

