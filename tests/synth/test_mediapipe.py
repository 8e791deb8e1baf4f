"""The real pose model finds the synthetic person where the truth says it is."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from posecheck.synth import SynthRequest, plan_clip, render_frames
from posecheck.synth.skeleton import LANDMARK_INDEX

pytestmark = pytest.mark.real_model

MODEL = Path(os.environ.get("POSECHECK_MODEL_DIR", Path(__file__).resolve().parents[3] / "shared" / "models"))
CORE = [LANDMARK_INDEX[f"{s}_{j}"] for s in ("left", "right") for j in ("shoulder", "hip", "knee", "ankle")]


@pytest.fixture(scope="module")
def landmarker():
    path = MODEL / "pose_landmarker_full.task"
    if not path.is_file():
        pytest.skip(f"pose model not found at {path}")
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    opts = PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(path)), running_mode=RunningMode.IMAGE)
    with PoseLandmarker.create_from_options(opts) as lm:
        yield lm


@pytest.mark.parametrize("exercise,view", [("squat", "side"), ("forearm_plank", "side"), ("side_plank", "front")])
def test_detected_landmarks_match_truth(landmarker, exercise, view):
    import mediapipe as mp

    plan = plan_clip(SynthRequest(exercise, reps=1, hold_s=2.0, view=view, fps=8.0))
    picks = set(np.linspace(0, plan.n_frames - 1, 4).round().astype(int).tolist())
    errors = []
    for image, truth in render_frames(plan):
        if truth.index not in picks:
            continue
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB,
                                            data=np.ascontiguousarray(image[:, :, ::-1])))
        assert result.pose_landmarks, f"no person found in frame {truth.index}"
        h, w = image.shape[:2]
        found = np.array([(p.x * w, p.y * h) for p in result.pose_landmarks[0]])
        g = truth.joints_px
        torso = np.linalg.norm(0.5 * (g[11] + g[12]) - 0.5 * (g[23] + g[24]))
        errors.append(np.linalg.norm(found[CORE] - g[CORE], axis=1).mean() / torso)
    assert np.mean(errors) < 0.15
