"""PoseTrace transforms: the mirrored clip and the clip at a lower frame rate."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.pose.landmarks import JOINT_INDEX, NUM_JOINTS
from posecheck.pose.trace import PoseTrace


def _trace(n: int = 6) -> PoseTrace:
    rng = np.random.default_rng(1)
    return PoseTrace(
        t=np.arange(n) / 30.0,
        image_xy=rng.uniform(0, 640, (n, NUM_JOINTS, 2)).astype(np.float32),
        world_xyz=rng.normal(0, 0.5, (n, NUM_JOINTS, 3)).astype(np.float32),
        visibility=rng.uniform(0, 1, (n, NUM_JOINTS)).astype(np.float32),
        people=np.ones(n, np.int16),
        fps=30.0,
        image_size=(640, 480),
        frame_count=n,
    )


def test_mirrored_swaps_the_sides_and_flips_x():
    trace = _trace()
    flipped = trace.mirrored()
    left, right, nose = JOINT_INDEX["left_knee"], JOINT_INDEX["right_knee"], JOINT_INDEX["nose"]
    assert np.allclose(flipped.image_xy[:, right, 0], 640 - trace.image_xy[:, left, 0])
    assert np.allclose(flipped.image_xy[:, right, 1], trace.image_xy[:, left, 1])
    assert np.allclose(flipped.world_xyz[:, left], trace.world_xyz[:, right] * [-1, 1, 1])
    assert np.allclose(flipped.visibility[:, left], trace.visibility[:, right])
    assert np.allclose(flipped.world_xyz[:, nose], trace.world_xyz[:, nose] * [-1, 1, 1])
    twice = flipped.mirrored()
    assert np.allclose(twice.image_xy, trace.image_xy) and np.allclose(twice.world_xyz, trace.world_xyz)


def test_every_keeps_every_nth_frame_and_says_the_new_rate():
    half = _trace(7).every(2)
    assert half.t.tolist() == pytest.approx([0, 2 / 30, 4 / 30, 6 / 30])
    assert half.fps == 15.0 and len(half.image_xy) == len(half.people) == 4
    with pytest.raises(ValueError, match="step must be 1 or more, got 0"):
        _trace().every(0)
