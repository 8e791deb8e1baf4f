"""The labels entry: posecheck's expectations format, exact and self-consistent."""

from __future__ import annotations

import itertools
import json

import cv2
import numpy as np
import pytest

from posecheck.synth import SynthRequest, plan_clip, write_clip
from posecheck.synth.motion_file import load_motion
from posecheck.synth.timeline import TEMPO_JITTER

KEYS = {
    "file", "exercise", "variant", "mode", "view", "reps", "partial_reps", "reps_tolerance", "rep_peaks_s",
    "partial_rep_peaks_s", "per_side", "hold_s", "hold_window_s", "hold_windows_s", "hold_tolerance_s",
    "position_s", "position_windows_s", "active_windows_s", "faults", "whole_body_visible", "camera_cuts",
    "confidence", "notes", "duration_s", "synth",
}
FPS = 6.0


def inside(w, windows):
    return any(a - 1e-9 <= w[0] and w[1] <= b + 1e-9 for a, b in windows)


@pytest.mark.parametrize("req", [
    SynthRequest("glute_bridge", reps=4, faults=("hips_too_low:15@reps=2,4",), fps=FPS),
    SynthRequest("squat", reps=3, faults=("insufficient_depth:30", "excessive_forward_lean:20@reps=3"), fps=FPS),
    SynthRequest("bird_dog", reps=5, faults=("leg_too_high:20@reps=1",), fps=FPS),
], ids=lambda r: r.exercise)
def test_rep_entry(req):
    plan = plan_clip(req)
    e = plan.labels
    assert set(e) == KEYS
    assert e["mode"] == "reps" and e["reps"] == req.reps and e["partial_reps"] == 0 and e["reps_tolerance"] == 0
    assert len(e["rep_peaks_s"]) == req.reps and e["rep_peaks_s"] == sorted(e["rep_peaks_s"])
    assert e["hold_s"] is None and e["whole_body_visible"] is True and e["camera_cuts"] is False
    for t in e["rep_peaks_s"]:
        k = int(round(t * FPS))
        assert plan.states[k][0] == pytest.approx(1.0, abs=0.02)
    for f in e["faults"]:
        assert f["from_s"] < f["to_s"] and inside((f["from_s"], f["to_s"]), e["active_windows_s"])
        assert any(f["from_s"] <= t <= f["to_s"] for t in e["rep_peaks_s"])
    if req.exercise == "bird_dog":
        assert e["per_side"] == {"left": 3, "right": 2}
    else:
        assert e["per_side"] is None
    assert json.loads(json.dumps(e)) == e


def test_rep_fault_windows_follow_the_chosen_reps():
    plan = plan_clip(SynthRequest("glute_bridge", reps=4, faults=("hips_too_low:15@reps=2,4",), fps=FPS))
    e = plan.labels
    peaks = e["rep_peaks_s"]
    assert [(f["from_s"] < peaks[i] < f["to_s"]) for f, i in zip(e["faults"], (1, 3))] == [True, True]
    for k, t in enumerate(plan.times):
        progress, _, rep = plan.states[k]
        line = plan.metrics[k]["hip_line_deg"]
        if any(f["from_s"] <= t <= f["to_s"] for f in e["faults"]):
            assert progress >= 0.9 - 1e-9 and line <= -15.0 + 1e-6
        elif progress == 1.0:
            assert rep in (1, 3) and line == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("faults", [(), ("hips_sagging:12@t=2-4",), ("hips_sagging:12@t=0-2", "hips_piked:15@t=4-6"),
                                    ("hips_piked:15",)])
def test_hold_entry_adds_up(faults):
    plan = plan_clip(SynthRequest("forearm_plank", hold_s=6.0, faults=faults, fps=FPS))
    e = plan.labels
    assert set(e) == KEYS
    assert e["mode"] == "hold" and e["reps"] is None and e["rep_peaks_s"] == []
    faulty = sum(f["to_s"] - f["from_s"] for f in e["faults"])
    assert e["position_s"] == pytest.approx(6.0)
    assert e["hold_s"] + faulty == pytest.approx(e["position_s"], abs=1e-6)
    assert sum(b - a for a, b in e["hold_windows_s"]) == pytest.approx(e["hold_s"], abs=1e-6)
    for f in e["faults"]:
        assert inside((f["from_s"], f["to_s"]), e["active_windows_s"])
    if e["hold_windows_s"]:
        assert e["hold_window_s"] in e["hold_windows_s"]
    else:
        assert e["hold_window_s"] is None and e["hold_s"] == 0.0


def test_hold_fault_is_at_half_magnitude_on_the_window_edges():
    req = SynthRequest("side_plank", hold_s=6.0, faults=("hips_too_high:15@t=2-4",), fps=50.0)
    plan = plan_clip(req)
    (f,) = plan.labels["faults"]
    line = np.array([m["hip_line_deg"] for m in plan.metrics])
    for edge in (f["from_s"], f["to_s"]):
        k = int(round(edge * req.fps))
        assert line[k] == pytest.approx(7.5, abs=0.5)
    mid = int(round(0.5 * (f["from_s"] + f["to_s"]) * req.fps))
    assert line[mid] == pytest.approx(15.0, abs=1e-6)


def test_a_rushed_set_labels_its_timing_fault_on_every_rep_and_keeps_the_pause_between():
    req = SynthRequest("sit_up", reps=3, tempo_s=1.4, rest_between_s=0.8, timing_faults=("too_fast",), fps=FPS)
    plan = plan_clip(req)
    e, reps = plan.labels, plan.timeline.reps
    assert [(f["fault"], f["from_s"], f["to_s"]) for f in e["faults"]] == [
        ("too_fast", pytest.approx(r.t0, abs=1e-3), pytest.approx(r.t3, abs=1e-3)) for r in reps]
    go, extreme, back, rest = load_motion("sit_up").spec.phases
    moving_s = 1.4 * (go + extreme + back) / (go + extreme + back + rest)
    assert [r.t3 - r.t0 for r in reps] == [pytest.approx(moving_s, rel=TEMPO_JITTER)] * 3
    assert [b.t0 - a.t3 for a, b in itertools.pairwise(reps)] == [pytest.approx(0.8, rel=TEMPO_JITTER)] * 2
    assert e["variant"].endswith("rushed at 1.4 s per rep")
    assert SynthRequest.from_dict(json.loads(json.dumps(e["synth"]["request"]))) == req


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"exercise": "sit_up", "timing_faults": ("too_fast",)}, r"need a rushed set: give tempo_s \(seconds per rep\)"),
    ({"exercise": "forearm_plank", "tempo_s": 3.0, "timing_faults": ("too_fast",)},
     "forearm_plank is a hold: it has no reps"),
    ({"exercise": "sit_up", "tempo_s": 2.0, "rest_between_s": 12.0}, "rest_between_s must be between 0 and 10, got 12"),
    ({"exercise": "forearm_plank", "rest_between_s": 1.0}, "leave out rest_between_s and timing_faults"),
])
def test_a_rushed_set_that_cannot_be_rendered_says_why(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SynthRequest(**kwargs)


def test_synth_record_regenerates_the_request():
    req = SynthRequest("bird_dog", reps=2, faults=("hips_not_level:15@reps=2",), view="oblique", seed=9, fps=FPS,
                       side="alternate_right")
    e = plan_clip(req).labels
    assert SynthRequest.from_dict(e["synth"]["request"]) == req
    assert e["view"] == "oblique" and e["synth"]["azimuth_deg"] == 45.0 and e["synth"]["seed"] == 9
    assert e["per_side"] == {"left": 1, "right": 1}


def test_entry_validates_against_the_project_labels_model():
    batch = pytest.importorskip("posecheck.batch")
    e = dict(plan_clip(SynthRequest("forearm_plank", hold_s=3.0, fps=FPS)).labels, file="x.mp4")
    label = batch.ClipLabel.model_validate(e)
    assert label.mode == "hold" and label.hold_s == pytest.approx(3.0)


def test_write_clip_writes_a_readable_mp4(tmp_path):
    req = SynthRequest("squat", reps=1, size=(160, 120), fps=FPS, tempo_s=2.0, lead_s=0.5)
    out = tmp_path / "squat.mp4"
    entry = write_clip(req, out, truth_path=tmp_path / "truth.npz")
    assert entry["file"] == "squat.mp4"
    cap = cv2.VideoCapture(str(out))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    assert n == plan_clip(req).n_frames
    truth = np.load(tmp_path / "truth.npz")
    assert truth["joints_px"].shape == (n, 33, 2) and truth["visible"].shape == (n, 33)
