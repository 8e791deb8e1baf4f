"""Camera and renderer: projections land on the drawn body, frames are deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.synth import SceneOptions, SubjectOptions, SynthRequest, plan_clip, render_frames, view_label
from posecheck.synth.camera import direction, make_camera
from posecheck.synth.render import Renderer
from posecheck.synth.skeleton import LANDMARK_INDEX, body_surface, forward

SMALL = dict(size=(160, 120), fps=6.0)


def frames(req, start=0, stop=None):
    return list(render_frames(plan_clip(req), start, stop))


def test_camera_projects_the_aim_point_to_the_centre_and_views_have_labels():
    cam = make_camera(np.array([0.0, 0.5, 0.0]), 0.0, 10.0, 3.0, (640, 480), 48.0)
    px, depth = cam.project(np.array([[0.0, 0.5, 0.0]]))
    assert np.allclose(px[0], [319.5, 239.5]) and depth[0] == pytest.approx(3.0)
    assert direction(0.0, 0.0)[0] == pytest.approx(1.0)
    assert direction(90.0, 0.0)[2] == pytest.approx(1.0)
    labels = [view_label(a) for a in (0, 45, 90, -90, 180, 135)]
    assert labels == ["side", "oblique", "front", "rear", "side", "oblique"]


def test_hi_res_rays_match_projection():
    cam = make_camera(np.array([0.0, 0.5, 0.0]), 30.0, 12.0, 3.0, (64, 48), 48.0).scaled(2)
    dx, dy, dz = cam.rays()
    p = cam.position + 2.5 * np.array([dx[17, 40], dy[17, 40], dz[17, 40]])
    px, _ = cam.project(p[None])
    assert np.allclose(px[0], [40, 17], atol=1e-4)


@pytest.mark.parametrize("exercise,view", [("squat", "side"), ("glute_bridge", "side"), ("side_plank", "front"),
                                           ("bird_dog", "oblique"), ("forearm_plank", "side")])
def test_projected_joints_land_on_the_body(exercise, view):
    """Joint centres lie inside the body, so their pixels must show the body."""
    req = SynthRequest(exercise, reps=1, hold_s=1.0, view=view, **SMALL)
    plan = plan_clip(req)
    r = Renderer(plan.camera, req.subject, req.scene, plan.footprint, plan.mat, req.seed)
    k = int(np.argmax([m["progress"] for m in plan.metrics]))
    kin = forward(plan.body, plan.poses[k])
    _, z = r.render(body_surface(plan.body, kin), k)
    hi = plan.camera.scaled(req.scene.supersample)
    core = [f"{s}_{j}" for s in ("left", "right") for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")]
    px, _ = hi.project(np.array([kin.landmarks[LANDMARK_INDEX[n]] for n in core]))
    for name, (x, y) in zip(core, np.round(px).astype(int)):
        assert np.isfinite(z[y, x]), f"{exercise}: {name} projects onto background"
    assert np.isfinite(z).sum() > 200


def test_near_side_joints_are_visible_in_a_side_view():
    (_, truth), = frames(SynthRequest("squat", reps=1, **SMALL), 0, 1)
    for name in ("left_shoulder", "left_hip", "left_knee", "left_ankle", "left_elbow"):
        assert truth.visible[LANDMARK_INDEX[name]], name
    assert truth.joints_px.shape == (33, 2) and truth.joints_world.shape == (33, 3)


def test_same_request_gives_identical_frames_and_seeds_differ():
    req = SynthRequest("forearm_plank", hold_s=1.0, seed=4, **SMALL)
    a = [img for img, _ in frames(req, 10, 14)]
    b = [img for img, _ in frames(req, 10, 14)]
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    c = [img for img, _ in frames(SynthRequest("forearm_plank", hold_s=1.0, seed=5, **SMALL), 10, 14)]
    assert not any(np.array_equal(x, y) for x, y in zip(a, c))


def test_frame_does_not_depend_on_where_rendering_starts():
    req = SynthRequest("glute_bridge", reps=1, **SMALL)
    whole = frames(req, 0, 12)
    alone = frames(req, 11, 12)
    assert np.array_equal(whole[-1][0], alone[0][0])


def test_subject_and_scene_options_change_pixels_not_truth():
    base = SynthRequest("squat", reps=1, **SMALL)
    other = SynthRequest("squat", reps=1, subject=SubjectOptions(skin_tone=6, shirt_color="red"),
                         scene=SceneOptions(wall_color="sage", floor="walnut", noise_sigma=0.0), **SMALL)
    (img_a, ta), = frames(base, 5, 6)
    (img_b, tb), = frames(other, 5, 6)
    assert not np.array_equal(img_a, img_b)
    assert np.allclose(ta.joints_world, tb.joints_world)


def test_sampled_options_are_valid_and_deterministic():
    assert SubjectOptions.sample(3) == SubjectOptions.sample(3)
    assert SceneOptions.sample(3) == SceneOptions.sample(3)
    assert {SubjectOptions.sample(s).skin_tone for s in range(40)} == {1, 2, 3, 4, 5, 6}
