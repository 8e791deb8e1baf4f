"""Reports for the render tests without the pose model.

The curated sample clips were rendered by posecheck's own synthesiser, which knows every
frame's exact landmarks: fed to the analysis they give a real :class:`Report` (with its
per-frame session data) in well under a second, and the clip itself is there for the
thumbnails and the embedded video.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from posecheck.analyze import Analysis
from posecheck.report import Report, SourceInfo
from posecheck.specs.loader import load_spec
from posecheck.synth.clip import plan_clip, truth_pose_frames
from posecheck.synth.samples import FPS, SAMPLES
from tests.conftest import REPO

SAMPLE_DIR = REPO / "sample_videos"


class TruthModel:
    name = "truth"
    sha256 = "0" * 64


@cache
def truth_frames(name: str) -> tuple:
    sample = next(s for s in SAMPLES if s.name == name)
    return tuple(truth_pose_frames(plan_clip(sample.request())))


def truth_report(name: str, exercise: str, path: str | Path | None = None) -> Report:
    """The report of sample ``name`` analysed with ``exercise`` on its exact landmarks;
    ``source.path`` is the sample clip (or ``path``)."""
    frames = truth_frames(name)
    analysis = Analysis(load_spec(exercise))
    for frame in frames:
        analysis.update(frame)
    video = str(path if path is not None else SAMPLE_DIR / f"{name}.mp4")
    return analysis.report(SourceInfo(video, FPS, len(frames), len(frames), 640, 480), TruthModel())


def sample_clip(name: str) -> Path:
    import pytest

    clip = SAMPLE_DIR / f"{name}.mp4"
    if not clip.is_file():
        pytest.skip(f"sample clip {clip} not present (posecheck samples --out sample_videos)")
    return clip
