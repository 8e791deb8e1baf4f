"""The real model on real clips of real people (from ../shared/clips, by path).

A subset chosen to cover each shipped exercise with real footage and every fault the
issue names: sag and pike in a forearm plank, high and low hips and a wide elbow in a side
plank, rep counting with partial reps for the bridge and the squat. The full labelled set
runs with ``posecheck batch`` (see the README); here the clips run once per session, two
at a time.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import pytest

from posecheck.analyze import AnalyzeOptions, analyze_video
from posecheck.batch import load_labels, run_batch
from posecheck.specs.loader import load_spec

pytestmark = pytest.mark.real_model

SUBSET = ["plank_posture000.mp4", "plank_posture003.mp4", "sideplank_ft.mp4", "squat_yy.mp4", "bridge_lena.mp4"]


@pytest.fixture(scope="module")
def scores(clips_dir: Path):
    labels = [l for l in load_labels(clips_dir / "labels.json") if l.file in SUBSET]
    vocab = {f.fault for l in load_labels(clips_dir / "labels.json") for f in l.faults}
    rows = run_batch(clips_dir, labels, model="full", jobs=2, fault_vocabulary=vocab)
    return {s.label.file: s for s in rows}


def windows(score, cue: str) -> list[tuple[float, float]]:
    return [tuple(w) for w in score.report.to_dict()["cues"][cue]["windows_s"]]


def overlaps(found: list[tuple[float, float]], lo: float, hi: float) -> bool:
    return any(a < hi and b > lo for a, b in found)


def test_subset_passes_its_labels(scores):
    failing = {f: s.reason for f, s in scores.items() if s.status != "pass"}
    assert failing == {}
    assert set(scores) == set(SUBSET)


def test_plank_sag_flagged_in_its_window(scores):
    s = scores["plank_posture000.mp4"]
    assert overlaps(windows(s, "hips_sagging"), 19.5, 31.5)
    assert not windows(s, "hips_piked")
    assert abs(s.good_form_s - 19.5) <= 3.0


def test_plank_pike_flagged_in_both_windows(scores):
    s = scores["plank_posture003.mp4"]
    pike = windows(s, "hips_piked")
    assert overlaps(pike, 0.0, 27.8) and overlaps(pike, 32.0, 48.4)
    assert s.good_form_s <= 2.0


def test_side_plank_faults_in_matching_windows(scores):
    s = scores["sideplank_ft.mp4"]
    assert overlaps(windows(s, "hips_too_high"), 2.2, 4.8)
    assert overlaps(windows(s, "hips_too_low"), 4.9, 7.7)
    assert overlaps(windows(s, "elbow_not_under_shoulder"), 7.8, 10.0)
    assert not overlaps(windows(s, "hips_too_high"), 5.5, 7.7)
    assert abs(s.good_form_s - 3.8) <= 1.0


def test_squat_counts_exactly_with_no_faults(scores):
    s = scores["squat_yy.mp4"]
    assert (s.reps, s.partial) == (3, 0)
    assert [item["peak_s"] for item in s.report.to_dict()["reps"]["items"]] == pytest.approx([2.63, 5.63, 8.4], abs=0.5)
    assert not windows(s, "insufficient_depth") and not windows(s, "excessive_forward_lean")


def test_bridge_counts_the_cut_rep_as_partial(scores):
    s = scores["bridge_lena.mp4"]
    assert (s.reps, s.partial) == (2, 1)
    assert s.report.to_dict()["reps"]["partial_items"][0]["cut"] == "end"
    assert s.report.to_dict()["reps"]["partial_by_cut"] == {"start": 0, "end": 1, "lost": 0}


def test_annotated_video_has_every_frame(clips_dir: Path, tmp_path: Path):
    out = tmp_path / "annotated.mp4"
    report = analyze_video(clips_dir / "bridge_han2.mp4", load_spec("glute_bridge"), AnalyzeOptions(model="lite", annotate=out))
    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == report.source.frames_decoded == 177
    assert (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))) == (768, 432)
    json.dumps(report.to_dict())  # the report is plain JSON
