"""Shared by the library tests: analyse frames with one spec, mark a far knee hidden, and the cached
real-clip traces."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from posecheck.analyze import Analysis
from posecheck.batch import ClipLabel
from posecheck.pose.landmarks import JOINT_INDEX
from posecheck.report import SourceInfo
from posecheck.specs.loader import load_spec
from posecheck.synth.samples import FPS

REPO = Path(__file__).resolve().parents[2]
#: Pose traces of the real clips, cached by ``posecheck batch --trace-cache .cache/traces``
#: (CI has none: the real-clip tests skip there, and the real-model tests run the clips).
TRACES = REPO / ".cache" / "traces"


class TruthModel:
    """Stands in for the pose model in reports built from exact or cached landmarks."""

    name = "truth"
    sha256 = "0" * 64


def analyse(frames, exercise: str, name: str = "clip", fps: float = FPS):
    """The report of one spec on a list of pose frames."""
    analysis = Analysis(load_spec(exercise))
    for frame in frames:
        analysis.update(frame)
    return analysis.report(SourceInfo(f"{name}.mp4", fps, len(frames), len(frames), 640, 480), TruthModel())


def far_knee_marked(frames, visibility: float, when: Callable[[np.ndarray, str], bool] = lambda world, far: True):
    """The frames with the knee farther from the camera marked ``visibility`` (on the frames
    where ``when(world_xyz, far_side)`` holds), as the model marks a knee hidden behind the
    other leg while still placing it well."""
    out = []
    for frame in frames:
        far = max(("left", "right"), key=lambda side: frame.world_xyz[JOINT_INDEX[f"{side}_knee"], 2])
        seen = frame.visibility.copy()
        if when(frame.world_xyz, far):
            seen[JOINT_INDEX[f"{far}_knee"]] = visibility
        out.append(replace(frame, visibility=seen))
    return out


@cache
def real_labels() -> dict[str, ClipLabel]:
    from tests.conftest import CLIPS

    path = CLIPS / "labels.json"
    if not path.is_file():
        pytest.skip(f"clip labels not found at {path} (set POSECHECK_CLIPS)")
    return {c["file"]: ClipLabel.model_validate(c) for c in json.loads(path.read_text())["clips"]}


def cached_frames(clip: str):
    """A real clip's cached pose frames; skips the test when the cache is not there."""
    from posecheck.pose.trace import PoseTrace

    path = TRACES / f"{Path(clip).stem}.trace.npz"
    if not path.is_file():
        pytest.skip(f"no cached pose trace {path} (fill it with posecheck batch --trace-cache .cache/traces)")
    return list(PoseTrace.load(path).frames())


def real_clip_score(clip: str, exercise: str):
    """A real clip's cached trace scored against its label with ``exercise``'s spec."""
    from posecheck.batch import score_clip

    labels = real_labels()
    report = analyse(cached_frames(clip), exercise, clip)
    return score_clip(labels[clip], report, {f.fault for lab in labels.values() for f in lab.faults})
