"""The single MediaPipe converter: pixels, world metres, visibility, and the most prominent person."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from posecheck.core.session import ExerciseSession
from posecheck.pose.estimator import from_mediapipe
from posecheck.pose.landmarks import NUM_JOINTS, joint_index
from posecheck.specs.loader import load_spec


def person(cx: float, cy: float, size: float, vis: float = 0.9):
    """33 normalised landmarks spread over a box of ``size`` around (cx, cy)."""
    rng = np.random.default_rng(0)
    pts = rng.uniform(-0.5, 0.5, (NUM_JOINTS, 2)) * size + (cx, cy)
    image = [SimpleNamespace(x=float(x), y=float(y), z=0.0, visibility=vis) for x, y in pts]
    world = [SimpleNamespace(x=float(x - cx), y=float(y - cy), z=0.1) for x, y in pts]
    return image, world


def result(*people):
    return SimpleNamespace(pose_landmarks=[p[0] for p in people], pose_world_landmarks=[p[1] for p in people])


def test_nobody_gives_an_empty_frame():
    frame = from_mediapipe(result(), t=1.5, image_size=(640, 480))
    assert not frame.detected and frame.people == 0 and frame.t == 1.5
    assert np.isnan(frame.image_xy).all()


def test_pixels_world_and_visibility():
    p = person(0.5, 0.5, 0.4, vis=0.8)
    frame = from_mediapipe(result(p), t=0.0, image_size=(640, 480))
    hip = p[0][joint_index("left_hip")]
    assert frame.xy("left_hip") == pytest.approx([hip.x * 640, hip.y * 480], rel=1e-5)
    assert frame.xyz("left_hip")[2] == pytest.approx(0.1)
    assert frame.vis("left_hip") == pytest.approx(0.8)
    assert frame.image_xy.shape == (33, 2) and frame.world_xyz.shape == (33, 3) and frame.visibility.shape == (33,)


def test_most_prominent_person_is_analysed_and_counted():
    small, big = person(0.2, 0.3, 0.1), person(0.6, 0.5, 0.5)
    frame = from_mediapipe(result(small, big), t=0.0, image_size=(100, 100))
    assert frame.people == 2
    assert frame.xy("nose") == pytest.approx([big[0][0].x * 100, big[0][0].y * 100], rel=1e-5)


def test_session_warns_when_several_people_were_seen():
    frames = [from_mediapipe(result(person(0.2, 0.3, 0.1), person(0.6, 0.5, 0.5)), t=i / 10, image_size=(100, 100))
              for i in range(5)]
    session = ExerciseSession(load_spec("squat"))
    for f in frames:
        session.update(f)
    assert "several people seen in 5 frames; analysed the most prominent one" in session.result().warnings
