"""Every fault's commanded magnitude is exact in the landmark geometry the specs measure.

The specs score lines through ONE side's landmarks (side_shoulder, side_hip, side_knee or
side_ankle), not through body midpoints, so these tests measure exactly those: the 3D angle
and signed bend at the hip, tilts from vertical, height differences. World values must match
to 1e-4 deg; through the spec's own metric code on the projected landmarks, the natural
camera views must agree within a degree.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core.metrics import CompiledMetric
from posecheck.specs.loader import load_spec
from posecheck.synth import SynthRequest, plan_clip
from posecheck.synth.clip import truth_pose_frames
from posecheck.synth.motion import make_exercise
from posecheck.synth.options import SceneOptions, SubjectOptions
from posecheck.synth.samples import SAMPLES
from posecheck.synth.skeleton import Body, angle_deg, body_surface, elevation_deg, forward
from posecheck.synth.solvers import chain_line_deg

EXACT = 1e-4  # degrees; acos near 180 deg loses a few digits
SIDES = ("left", "right")
BODIES = {
    "average": Body(),
    "short_broad_long_legs": Body(height=1.52, build="broad", leg_scale=1.05, arm_scale=0.96),
    "tall_slim_short_legs": Body(height=1.92, build="slim", leg_scale=0.95, arm_scale=1.04),
}


@pytest.fixture(params=list(BODIES), scope="module")
def body(request):
    return BODIES[request.param]


def peak(exercise, body, amounts, side=None):
    pose, truth = make_exercise(exercise, body).pose(1.0, amounts, side)
    return forward(body, pose), truth


def chain(kin, side, joints):
    return [kin.lm(f"{side}_{j}") for j in joints]


def tilt_from_vertical(v):
    return 90.0 - abs(elevation_deg(v))


# --------------------------------------------------------------------------- world geometry


@pytest.mark.parametrize("fault,m,sign", [
    (None, 0.0, 0), ("hips_too_low", 15.0, -1), ("hips_too_low", 30.0, -1), ("lumbar_arch", 15.0, 1),
    ("lumbar_arch", 25.0, 1),
])
def test_bridge_top_is_straight_or_bent_by_the_magnitude(body, fault, m, sign):
    kin, truth = peak("glute_bridge", body, {fault: m} if fault else {})
    for side in SIDES:
        s, h, k = chain(kin, side, ("shoulder", "hip", "knee"))
        assert angle_deg(s, h, k) == pytest.approx(180.0 - m, abs=EXACT)
        assert chain_line_deg(s, h, k) == pytest.approx(sign * m, abs=EXACT)
    assert truth["hip_line_deg"] == pytest.approx(sign * m, abs=EXACT)
    surf = body_surface(body, kin)
    assert abs(surf.lowest(("torso",))) < 2e-3  # upper back on the floor
    assert abs(surf.lowest(("left_leg", "right_leg"))) < 2e-3  # feet on the floor


def test_bridge_feet_stay_planted(body):
    ex = make_exercise("glute_bridge", body)
    ankles = [forward(body, ex.pose(p, {"hips_too_low": 20.0}, None)[0]).lm("left_ankle") for p in (0.0, 0.5, 1.0)]
    ankles += [forward(body, ex.pose(1.0, a, None)[0]).lm("left_ankle") for a in ({}, {"lumbar_arch": 20.0})]
    assert np.ptp(np.array(ankles), axis=0).max() < 1e-9


@pytest.mark.parametrize("fault,m,sign", [
    (None, 0.0, 0), ("hips_sagging", 12.0, -1), ("hips_sagging", 25.0, -1), ("hips_piked", 15.0, 1),
    ("hips_piked", 40.0, 1),
])
def test_plank_shoulder_hip_ankle_line(body, fault, m, sign):
    kin, truth = peak("forearm_plank", body, {fault: m} if fault else {})
    for side in SIDES:
        s, h, k, a, e = chain(kin, side, ("shoulder", "hip", "knee", "ankle", "elbow"))
        assert angle_deg(s, h, a) == pytest.approx(180.0 - m, abs=EXACT)
        assert chain_line_deg(s, h, a) == pytest.approx(sign * m, abs=EXACT)
        assert angle_deg(h, k, a) == pytest.approx(180.0, abs=EXACT)
        assert tilt_from_vertical(e - s) == pytest.approx(0.0, abs=EXACT)  # elbow under the shoulder
        assert e[1] == pytest.approx(body.forearm_radius[0], abs=1e-9)  # forearm on the floor
    assert truth["hip_line_deg"] == pytest.approx(sign * m, abs=EXACT)
    assert abs(body_surface(body, kin).lowest(("left_leg", "right_leg"))) < 1e-6  # toes on the floor
    gap = kin.lm("left_ankle")[0] - kin.lm("right_ankle")[0]
    assert gap > 2.0 * 1.2 * body.shank_radius[1] * 0.85  # the converging feet do not sink into each other


@pytest.mark.parametrize("fault,m,sign", [
    (None, 0.0, 0), ("hips_too_low", 15.0, -1), ("hips_too_low", 30.0, -1), ("hips_too_high", 15.0, 1),
    ("hips_too_high", 30.0, 1), ("elbow_not_under_shoulder", 20.0, 0), ("elbow_not_under_shoulder", 35.0, 0),
])
@pytest.mark.parametrize("support", ["right", "left"])
def test_side_plank_supporting_side_line_and_arm(body, fault, m, sign, support):
    ex = make_exercise("side_plank", body, support)
    pose, truth = ex.pose(1.0, {fault: m} if fault else {}, None)
    kin = forward(body, pose)
    s, h, k, a, e = chain(kin, support, ("shoulder", "hip", "knee", "ankle", "elbow"))
    bend = m if fault in ("hips_too_low", "hips_too_high") else 0.0
    for far in (k, a):
        assert angle_deg(s, h, far) == pytest.approx(180.0 - bend, abs=EXACT)
        assert chain_line_deg(s, h, far) == pytest.approx(sign * bend, abs=EXACT)
    arm = m if fault == "elbow_not_under_shoulder" else 0.0
    assert tilt_from_vertical(e - s) == pytest.approx(arm, abs=EXACT)
    assert truth["hip_line_deg"] == pytest.approx(sign * bend, abs=EXACT)
    assert truth["upper_arm_tilt_deg"] == pytest.approx(arm, abs=EXACT)
    assert kin.lm(f"{support}_ankle")[1] == pytest.approx(1.2 * body.shank_radius[1], abs=1e-9)
    assert s[1] < kin.lm(f"{'left' if support == 'right' else 'right'}_shoulder")[1]  # the supporting side is lower


CLEAN_SQUAT = {"knee": 80.0, "lean": 40.0}


@pytest.mark.parametrize("amounts,knee_add,lean_add", [
    ({}, 0.0, 0.0), ({"insufficient_depth": 30.0}, 30.0, 0.0), ({"insufficient_depth": 55.0}, 55.0, 0.0),
    ({"excessive_forward_lean": 20.0}, 0.0, 20.0), ({"excessive_forward_lean": 20.0, "insufficient_depth": 30.0}, 30.0, 20.0),
])
def test_squat_bottom(body, amounts, knee_add, lean_add):
    kin, truth = peak("squat", body, amounts)
    for side in SIDES:
        s, h, k, a = chain(kin, side, ("shoulder", "hip", "knee", "ankle"))
        assert angle_deg(h, k, a) == pytest.approx(CLEAN_SQUAT["knee"] + knee_add, abs=EXACT)
        assert tilt_from_vertical(s - h) == pytest.approx(CLEAN_SQUAT["lean"] + lean_add, abs=EXACT)
        if not amounts:
            assert 60.0 <= angle_deg(s, h, k) <= 80.0  # a real squat depth
        heel, toe = kin.lm(f"{side}_heel"), kin.lm(f"{side}_foot_index")
        assert heel[1] == pytest.approx(toe[1], abs=1e-9)  # feet flat
    assert truth["knee_angle_deg"] == pytest.approx(CLEAN_SQUAT["knee"] + knee_add, abs=EXACT)
    assert truth["trunk_lean_deg"] == pytest.approx(CLEAN_SQUAT["lean"] + lean_add, abs=EXACT)


def test_squat_feet_stay_planted_and_standing_is_upright(body):
    ex = make_exercise("squat", body)
    kins = [forward(body, ex.pose(p, {}, None)[0]) for p in (0.0, 0.3, 0.7, 1.0)]
    for name in ("left_ankle", "right_ankle"):
        assert np.ptp(np.array([k.lm(name) for k in kins]), axis=0).max() < 1e-9, name
    for name in ("left_foot_index", "right_heel"):  # the sole only rolls a few degrees about its long axis
        assert np.ptp(np.array([k.lm(name) for k in kins]), axis=0).max() < 0.006 * body.height, name
    s, h, k = chain(kins[0], "left", ("shoulder", "hip", "knee"))
    assert angle_deg(s, h, k) > 170.0


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("amounts", [{}, {"leg_too_high": 20.0}, {"leg_too_high": 35.0}, {"hips_not_level": 15.0},
                                     {"hips_not_level": 25.0}, {"leg_too_high": 20.0, "hips_not_level": 15.0}])
def test_bird_dog_leg_and_hip_line(body, side, amounts):
    kin, truth = peak("bird_dog", body, amounts, side)
    other = "right" if side == "left" else "left"
    leg = kin.lm(f"{side}_ankle") - kin.lm(f"{side}_hip")
    arm = kin.lm(f"{other}_wrist") - kin.lm(f"{other}_shoulder")
    hips = kin.lm(f"{side}_hip") - kin.lm(f"{other}_hip")
    assert elevation_deg(leg) == pytest.approx(amounts.get("leg_too_high", 0.0), abs=EXACT)
    assert elevation_deg(arm) == pytest.approx(0.0, abs=EXACT)
    assert elevation_deg(hips) == pytest.approx(amounts.get("hips_not_level", 0.0), abs=EXACT)
    assert truth["pelvis_roll_deg"] == pytest.approx(amounts.get("hips_not_level", 0.0), abs=EXACT)
    shoulders = kin.lm("left_shoulder") - kin.lm("right_shoulder")
    assert abs(elevation_deg(shoulders)) < 1.5  # the chest stays level
    assert kin.lm(f"{other}_knee")[1] == pytest.approx(body.shank_radius[0], abs=1e-6)
    assert kin.lm(f"{side}_wrist")[1] == pytest.approx(body.hand_radius, abs=1e-6)


# --------------------------------------------------------------------------- through the specs


def spec_values(plan, exercise, t, side):
    """The spec's metric values on the ground-truth landmarks of the frame at ``t``."""
    spec = load_spec(exercise)
    frame = truth_pose_frames(plan)[round(t * plan.request.fps)]
    return {name: CompiledMetric.compile(name, m).evaluate(frame, side, 0.0) for name, m in spec.metrics.items()}


def clip(exercise, view, fault, seed=3, **kw):
    return plan_clip(SynthRequest(exercise, reps=1, hold_s=2.0, view=view, faults=(fault,) if fault else (),
                                  fps=10.0, seed=seed, subject=SubjectOptions.sample(seed),
                                  scene=SceneOptions.sample(seed), **kw))


def extreme_t(plan):
    e = plan.labels
    return e["rep_peaks_s"][0] if e["rep_peaks_s"] else 0.5 * sum(e["position_windows_s"][0])


def offset_for(bend_deg, a, b):
    """Spec ``offset`` of a hip bent ``bend_deg`` between segments of lengths a and b."""
    c = math.sqrt(a * a + b * b + 2 * a * b * math.cos(math.radians(bend_deg)))
    return a * b * math.sin(math.radians(bend_deg)) / (c * c)


@pytest.mark.parametrize("fault,m,sign", [(None, 0.0, 0), ("hips_too_low", 20.0, -1), ("lumbar_arch", 15.0, 1)])
def test_bridge_spec_metrics_in_the_side_view(fault, m, sign):
    plan = clip("glute_bridge", "side", f"{fault}:{m:g}" if fault else None)
    v = spec_values(plan, "glute_bridge", extreme_t(plan), "left")
    assert v["hip_angle"] == pytest.approx(180.0 - m, abs=1.0)
    b = plan.body
    expected = sign * offset_for(m, math.hypot(b.trunk_length, b.shoulder_half_width - b.hip_half_width), b.thigh)
    assert v["hip_line"] == pytest.approx(expected, abs=0.004)


@pytest.mark.parametrize("view", ["side", "oblique"])
@pytest.mark.parametrize("fault,m,sign", [(None, 0.0, 0), ("hips_sagging", 12.0, -1), ("hips_piked", 15.0, 1)])
def test_plank_spec_metrics_in_world_space(view, fault, m, sign):
    plan = clip("forearm_plank", view, f"{fault}:{m:g}" if fault else None)
    for side in SIDES:
        v = spec_values(plan, "forearm_plank", extreme_t(plan), side)
        b = plan.body
        expected = sign * offset_for(m, math.hypot(b.trunk_length, b.shoulder_half_width - b.hip_half_width),
                                     b.leg_length)
        assert v["body_line"] == pytest.approx(expected, abs=0.002)
        assert v["upper_arm"] == pytest.approx(0.0, abs=1e-3)
        assert v["knee_angle"] == pytest.approx(180.0, abs=1e-3)


@pytest.mark.parametrize("fault,m", [(None, 0.0), ("hips_too_low", 15.0), ("hips_too_high", 15.0),
                                     ("elbow_not_under_shoulder", 35.0)])
def test_side_plank_spec_metrics_in_the_front_view(fault, m):
    plan = clip("side_plank", "front", f"{fault}:{m:g}" if fault else None)
    v = spec_values(plan, "side_plank", extreme_t(plan), "right")
    bend = m if fault in ("hips_too_low", "hips_too_high") else 0.0
    sign = {"hips_too_low": -1, "hips_too_high": 1}.get(fault, 0)
    b = plan.body
    expected = sign * offset_for(bend, math.hypot(b.trunk_length, b.shoulder_half_width - b.hip_half_width), b.thigh)
    assert v["body_line"] == pytest.approx(expected, abs=0.004)
    arm = m if fault == "elbow_not_under_shoulder" else 0.0
    assert v["upper_arm"] == pytest.approx(arm, abs=1.5)  # image space: a little perspective


@pytest.mark.parametrize("view", ["side", "front", "oblique"])
def test_squat_spec_metrics_in_world_space(view):
    for fault, knee, lean in [(None, 80.0, 40.0), ("insufficient_depth:30", 110.0, 40.0),
                              ("excessive_forward_lean:20", 80.0, 60.0)]:
        plan = clip("squat", view, fault)
        v = spec_values(plan, "squat", extreme_t(plan), "left")
        assert v["knee_angle"] == pytest.approx(knee, abs=1e-3)
        assert v["trunk_lean"] == pytest.approx(lean, abs=1e-3)
        assert v["hip_angle"] < 105.0  # the rep counts
        standing = spec_values(plan, "squat", 0.0, "left")
        assert standing["hip_angle"] > 170.0 and standing["knee_angle"] == pytest.approx(180.0, abs=1e-3)


@pytest.mark.parametrize("m", [15.0, 25.0])
def test_bird_dog_hip_level_in_world_space(m):
    plan = clip("bird_dog", "oblique", f"hips_not_level:{m:g}@reps=1")
    t = extreme_t(plan)
    v = spec_values(plan, "bird_dog", t, "left")
    j = plan.joints_world[round(t * plan.request.fps)]
    torso = np.linalg.norm(0.5 * (j[11] + j[12]) - 0.5 * (j[23] + j[24]))
    assert v["hip_level"] == pytest.approx(-2 * plan.body.hip_half_width * math.sin(math.radians(m)) / torso, abs=1e-6)


@pytest.mark.parametrize("m", [0.0, 20.0])
def test_bird_dog_leg_in_the_side_view(m):
    plan = clip("bird_dog", "side", f"leg_too_high:{m:g}" if m else None)
    t = extreme_t(plan)
    px = plan.joints_px[round(t * plan.request.fps)]
    d = px[27] - px[23]  # left hip -> left ankle (the first rep moves the left leg)
    assert math.degrees(math.atan2(-d[1], abs(d[0]))) == pytest.approx(m, abs=1.0)
    v = spec_values(plan, "bird_dog", t, "left")
    assert (abs(v["leg_tilt"]) < 0.03) if not m else (v["leg_tilt"] > 0.5)


# --------------------------------------------------------------------------- the curated samples


def test_every_sample_shows_its_faults_exactly_where_the_labels_say():
    """At each rep peak / inside each hold fault window the truth metric equals the commanded
    magnitude; clean reps and the clean part of holds are clean. (The exact solvers' samples:
    keyframed motions are checked joint by joint in test_keyframed.py.)"""
    metric = {"glute_bridge": ("hip_line_deg", {"hips_too_low": -1, "lumbar_arch": 1}),
              "forearm_plank": ("hip_line_deg", {"hips_sagging": -1, "hips_piked": 1}),
              "side_plank": ("hip_line_deg", {"hips_too_low": -1, "hips_too_high": 1}),
              "bird_dog": ("leg_elevation_deg", {"leg_too_high": 1})}
    for sample in SAMPLES:
        if sample.motion not in metric and sample.motion != "squat":
            continue
        plan = plan_clip(sample.request())
        e = plan.labels
        faults = {f.name: f.magnitude_deg for f in sample.request().faults}
        for k, t in enumerate(plan.times):
            truth = plan.metrics[k]
            if any(abs(t - f[edge]) < 0.25 for f in e["faults"] for edge in ("from_s", "to_s")):
                continue  # hold faults blend in and out around their window edges
            active = {f["fault"] for f in e["faults"] if f["from_s"] <= t <= f["to_s"]}
            at_peak = any(abs(t - p) < 0.5 / plan.request.fps for p in e["rep_peaks_s"])
            in_hold = any(a + 0.25 <= t <= b - 0.25 for a, b in e["position_windows_s"] or [])
            if not (at_peak or in_hold):
                continue
            name, signs = metric.get(sample.motion, (None, {}))
            if sample.motion == "squat":
                assert truth["knee_angle_deg"] == pytest.approx(
                    CLEAN_SQUAT["knee"] + (faults["insufficient_depth"] if "insufficient_depth" in active else 0), abs=0.5)
                assert truth["trunk_lean_deg"] == pytest.approx(
                    CLEAN_SQUAT["lean"] + (faults["excessive_forward_lean"] if "excessive_forward_lean" in active else 0),
                    abs=0.5)
                continue
            want = sum(signs[f] * faults[f] for f in active if f in signs)
            assert truth[name] == pytest.approx(want, abs=0.5), (sample.name, t)
            if sample.motion == "side_plank":
                arm = faults.get("elbow_not_under_shoulder", 0.0) if "elbow_not_under_shoulder" in active else 0.0
                assert truth["upper_arm_tilt_deg"] == pytest.approx(arm, abs=0.5), (sample.name, t)
            if sample.motion == "bird_dog":
                roll = faults["hips_not_level"] if "hips_not_level" in active else 0.0
                assert truth["pelvis_roll_deg"] == pytest.approx(roll, abs=0.5), (sample.name, t)
