"""Keyframed motions: the landmarks show the commanded joint angles at every keyframe, with
and without faults, on both sides; the body rests on the floor, the anchor stays put, and
the right side is the exact mirror image of the left.

The motions are the keyframed files of exercise_specs/motions/ and the test motions in
tests/synth/motions/ (exercises without a spec yet), which cover the bases, sides, modes,
intermediate keyframes, offsets and anchors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecheck.synth import SynthRequest, plan_clip
from posecheck.synth.keyframed import BASES, PELVIS_ANGLES, mirror_pose, resolve_channel, resolve_landmark
from posecheck.synth.motion import Exercise, make_exercise
from posecheck.synth.motion_file import KeyframedMotion, Motion, load_motion_file
from posecheck.synth.skeleton import (
    ANGLE_NAMES,
    LANDMARK_INDEX,
    LANDMARK_NAMES,
    Body,
    Pose,
    angle_deg,
    body_surface,
    forward,
    frame_from_axes,
    limb_angles,
    rot_x,
    rot_y,
)

REPO = Path(__file__).resolve().parents[2]
TEST_MOTIONS = Path(__file__).resolve().parent / "motions"
FILES = sorted(TEST_MOTIONS.glob("*.toml")) + sorted((REPO / "exercise_specs" / "motions").glob("*.toml"))
MOTIONS = [m for m in (load_motion_file(p) for p in FILES) if isinstance(m.spec, KeyframedMotion)]
BODIES = [Body(), Body(height=1.52, build="broad", leg_scale=1.05, arm_scale=0.96),
          Body(height=1.92, build="slim", leg_scale=0.95, arm_scale=1.04)]
EXACT = 1e-9  # degrees, commanded angles
MEASURED = 1e-4  # degrees, measured back from landmarks (acos near 180 deg loses a few digits)
SPINE = ("spine_flex", "spine_side", "spine_rot")


def sides_of(motion: Motion) -> list[str | None]:
    return [None] if motion.spec.sides == "symmetric" else ["left", "right"]


def swap_sides(name: str) -> str:
    """``left_x`` <-> ``right_x``; other names unchanged."""
    if name.startswith("left_"):
        return "right_" + name.removeprefix("left_")
    if name.startswith("right_"):
        return "left_" + name.removeprefix("right_")
    return name


def mirrored(channel: str, value: float, side: str | None) -> tuple[str, float]:
    """A left-side channel and value as done on ``side``: sides swap, sideways leans and
    turns change sign."""
    if side != "right":
        return channel, value
    flips = channel.endswith(("_side", "_rot")) and not channel.startswith(("left_", "right_"))
    return swap_sides(channel), -value if flips else value


def expected_channels(motion: Motion, body: Body, index: int) -> dict[str, float]:
    """What keyframe ``index`` commands (left-side names)."""
    spec = motion.spec
    _, rest = BASES[spec.base].posture(body)
    out: dict[str, float] = {}
    for table, name, value in spec.keyframes[index].channels():
        for channel in resolve_channel(name, spec.sides):
            out[channel] = value + (rest.get(channel, 0.0) if table == "offsets" else 0.0)
    return out


def commanded(pose: Pose, truth: dict[str, float]) -> dict[str, float]:
    """Every channel a pose was built from: its joint angles and the pelvis angles."""
    return dict(pose.angles, **{name: truth[f"{name}_deg"] for name in PELVIS_ANGLES})


def lm(kin, name):
    return kin.landmarks[LANDMARK_INDEX[name]]


def fault_cases(motion: Motion) -> list[dict[str, float]]:
    return [{}] + [{name: fault.default_deg} for name, fault in motion.spec.faults.items()]


@pytest.mark.parametrize("motion", MOTIONS, ids=lambda m: m.name)
@pytest.mark.parametrize("body", BODIES, ids=["average", "short_broad", "tall_slim"])
def test_keyframes_hit_their_commanded_angles(motion, body):
    """At each keyframe: the keyframe's channels exactly; each fault adds exactly its change
    times magnitude times progress and changes nothing else; the landmarks show the angles."""
    spec = motion.spec
    for side in sides_of(motion):
        ex = make_exercise(motion, body, side)
        for index, key in enumerate(spec.keyframes):
            clean_pose, clean_truth = ex.pose(key.at, {}, side)
            clean = commanded(clean_pose, clean_truth)
            for channel, value in expected_channels(motion, body, index).items():
                name, want = mirrored(channel, value, side)
                assert clean.get(name, 0.0) == pytest.approx(want, abs=EXACT), (motion.name, side, index, name)
            assert_landmarks_show(forward(body, clean_pose), clean)
            for fault_name, fault in spec.faults.items():
                pose, truth = ex.pose(key.at, {fault_name: fault.default_deg}, side)
                got, want = commanded(pose, truth), dict(clean)
                for name, per_degree in fault.change.items():
                    for channel in resolve_channel(name, spec.sides):
                        channel, delta = mirrored(channel, per_degree * fault.default_deg * key.at, side)
                        want[channel] = want.get(channel, 0.0) + delta
                for name in set(got) | set(want):
                    assert got.get(name, 0.0) == pytest.approx(want.get(name, 0.0), abs=EXACT), (fault_name, name)
                assert_landmarks_show(forward(body, pose), got)


def assert_landmarks_show(kin, commanded: dict[str, float]) -> None:
    """Knee and elbow angles always; hip and shoulder flexion and abduction against the
    trunk when the spine is straight (the trunk axis is then the mid-hip to mid-shoulder line)."""
    straight = all(abs(commanded.get(name, 0.0)) < 1e-12 for name in SPINE)
    mid = {j: 0.5 * (lm(kin, f"left_{j}") + lm(kin, f"right_{j}")) for j in ("hip", "shoulder")}
    trunk = frame_from_axes(lm(kin, "left_hip") - lm(kin, "right_hip"), mid["shoulder"] - mid["hip"])
    for s in ("left", "right"):
        knee = angle_deg(lm(kin, f"{s}_hip"), lm(kin, f"{s}_knee"), lm(kin, f"{s}_ankle"))
        elbow = angle_deg(lm(kin, f"{s}_shoulder"), lm(kin, f"{s}_elbow"), lm(kin, f"{s}_wrist"))
        assert knee == pytest.approx(180.0 - abs(commanded.get(f"{s}_knee_flex", 0.0)), abs=MEASURED)
        assert elbow == pytest.approx(180.0 - abs(commanded.get(f"{s}_elbow_flex", 0.0)), abs=MEASURED)
        if straight:
            for limb, a, b in (("hip", "hip", "knee"), ("shoulder", "shoulder", "elbow")):
                flex, abd = limb_angles(trunk, lm(kin, f"{s}_{b}") - lm(kin, f"{s}_{a}"), s)
                assert flex == pytest.approx(commanded.get(f"{s}_{limb}_flex", 0.0), abs=MEASURED)
                assert abd == pytest.approx(commanded.get(f"{s}_{limb}_abd", 0.0), abs=MEASURED)


@pytest.mark.parametrize("motion", MOTIONS, ids=lambda m: m.name)
def test_every_frame_rests_on_the_floor_and_the_anchor_stays(motion):
    spec = motion.spec
    body = BODIES[1]
    for side in sides_of(motion):
        ex = make_exercise(motion, body, side)
        anchor = resolve_landmark(spec.anchor, spec.sides) if spec.anchor else None
        if anchor and side == "right":
            anchor = swap_sides(anchor)
        places = []
        for p in np.linspace(0.0, 1.0, 9):
            for amounts in fault_cases(motion):
                pose, _ = ex.pose(float(p), amounts, side)
                kin = forward(body, pose)
                assert body_surface(body, kin).extremes()[:, 1].min() == pytest.approx(0.0, abs=1e-9)
                if anchor:
                    places.append(lm(kin, anchor)[[0, 2]])
        if anchor:
            assert np.ptp(np.array(places), axis=0).max() < 1e-9


#: Landmark order with left and right swapped (``mouth_left`` <-> ``mouth_right`` too).
SWAP = [LANDMARK_INDEX[n.replace("left", "#").replace("right", "left").replace("#", "right")] for n in LANDMARK_NAMES]
MIRROR_X = np.array([-1.0, 1.0, 1.0])


def test_forward_kinematics_is_mirror_symmetric():
    """mirror_pose's landmarks are the mirrored landmarks with left and right swapped."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        angles = {n: float(rng.uniform(-60, 60)) for n in ANGLE_NAMES}
        pose = Pose(rng.normal(size=3), rot_y(rng.uniform(-180, 180)) @ rot_x(rng.uniform(-90, 90)), angles)
        body = BODIES[int(rng.integers(len(BODIES)))]
        mirror = forward(body, mirror_pose(pose)).landmarks
        expected = forward(body, pose).landmarks[SWAP] * MIRROR_X
        assert np.allclose(mirror, expected, atol=1e-12)


@pytest.mark.parametrize("motion", [m for m in MOTIONS if m.spec.sides != "symmetric"], ids=lambda m: m.name)
def test_the_right_side_is_the_mirror_image_of_the_left(motion):
    body = BODIES[0]
    left, right = make_exercise(motion, body, "left"), make_exercise(motion, body, "right")
    for p in (0.0, 0.4, 1.0):
        for amounts in fault_cases(motion):
            a = forward(body, left.pose(p, amounts, "left")[0]).landmarks
            b = forward(body, right.pose(p, amounts, "right")[0]).landmarks
            assert np.allclose(b, a[SWAP] * MIRROR_X, atol=1e-12)


def minimal_motion(base: str) -> Motion:
    """A hold that stays in the base posture."""
    data = dict(schema_version=1, mode="hold", sides="one_side" if BASES[base].sided else "symmetric",
                body="keyframed", base=base, tempo=dict(lift_s=1.0, lower_s=1.0),
                camera=dict(view="side", elevation_deg=5.0), text=dict(variant="v", rest="r", position="p"),
                keyframes=[dict(at=1.0, angles={"spine_flex": 0.0})])
    if BASES[base].sided:
        data["default_side"] = "left"
    return Motion(base, Path(f"{base}.toml"), KeyframedMotion.model_validate(data))


#: What each base rests on: every group of body parts reaches the floor.
CONTACTS = {
    "standing": [("left_leg",), ("right_leg",)], "kneeling": [("left_leg",), ("right_leg",)],
    "seated": [("torso",)], "supine": [("torso",)], "prone": [("torso", "head")],
    "quadruped": [("left_arm",), ("right_arm",), ("left_leg",), ("right_leg",)],
    "side_lying": [("left_arm",)], "side_lying_other": [("right_arm",)],
}


@pytest.mark.parametrize("base", list(BASES))
@pytest.mark.parametrize("body", BODIES, ids=["average", "short_broad", "tall_slim"])
def test_every_base_rests_on_its_contacts(base, body):
    assert set(CONTACTS) == set(BASES)
    ex = Exercise(minimal_motion(base), body, None)
    surface = body_surface(body, forward(body, ex.pose(0.0, {})[0]))
    for parts in CONTACTS[base]:
        assert surface.lowest(parts) == pytest.approx(0.0, abs=1e-9), parts


def test_a_keyframed_clip_plans_reps_sides_faults_and_labels(monkeypatch):
    monkeypatch.setenv("POSECHECK_SPECS", str(TEST_MOTIONS.parent))
    plan = plan_clip(SynthRequest("dead_bug", reps=3, fps=10.0, faults=("back_arching:12@reps=2",)))
    labels = plan.labels
    assert labels["per_side"] == {"left": 2, "right": 1} and labels["mode"] == "reps"
    assert [f["fault"] for f in labels["faults"]] == ["back_arching"]
    assert "low back arched 12 deg" in labels["faults"][0]["evidence"]
    peaks = [(plan.poses[k].angles, side, rep) for k, (progress, side, rep) in enumerate(plan.states) if progress == 1.0]
    assert {rep for _, _, rep in peaks} == {1, 2, 3}
    for angles, side, rep in peaks:
        assert angles[f"{side}_hip_flex"] == pytest.approx(20.0, abs=EXACT)
        assert angles.get("spine_flex", 0.0) == pytest.approx(-12.0 if rep == 2 else 0.0, abs=EXACT)
    hold = plan_clip(SynthRequest("side_leg_raise", hold_s=3.0, fps=10.0, side="right",
                                  faults=("leg_forward:15@t=1-2",)))
    assert hold.labels["per_side"] is None and hold.labels["mode"] == "hold"
    mid = int(round((hold.timeline.position[0] + 1.5) * 10.0))
    assert hold.poses[mid].angles["right_hip_flex"] == pytest.approx(15.0, abs=EXACT)
    assert hold.poses[mid].angles["right_hip_abd"] == pytest.approx(35.0, abs=EXACT)
