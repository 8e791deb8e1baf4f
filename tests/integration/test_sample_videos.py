"""sample_videos/: the clips posecheck rendered itself, and the README's first example on one of them."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.analyze import analyze_video
from posecheck.batch import load_labels, run_batch
from posecheck.specs.loader import load_spec
from posecheck.synth.samples import SAMPLES, regenerate

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_videos"
LABELS = json.loads((SAMPLE_DIR / "labels.json").read_text())


def test_every_sample_is_committed_and_labelled():
    assert [c["file"] for c in LABELS["clips"]] == [f"{s.name}.mp4" for s in SAMPLES]
    assert all((SAMPLE_DIR / c["file"]).is_file() for c in LABELS["clips"])
    total = sum((SAMPLE_DIR / c["file"]).stat().st_size for c in LABELS["clips"])
    assert total <= 60 * 1024 * 1024


def _first_difference(a_path: Path, b_path: Path) -> tuple[int | None, float]:
    """First frame index where two videos differ, and the largest mean absolute pixel difference."""
    a, b = cv2.VideoCapture(str(a_path)), cv2.VideoCapture(str(b_path))
    first, worst, i = None, 0.0, 0
    while True:
        ok_a, fa = a.read()
        ok_b, fb = b.read()
        if not (ok_a and ok_b):
            break
        diff = float(np.abs(fa.astype(np.int16) - fb.astype(np.int16)).mean())
        if diff > 0 and first is None:
            first = i
        worst = max(worst, diff)
        i += 1
    return first, worst


def test_regenerating_a_sample_is_byte_identical(tmp_path: Path):
    """Same seed and library versions: the same bytes. Other versions: say what differs,
    and the pictures must still agree to within a grey level on average."""
    name = "squat_clean_side"
    regenerate(tmp_path, only=[name])
    fresh_path, committed_path = tmp_path / f"{name}.mp4", SAMPLE_DIR / f"{name}.mp4"
    entry = next(c for c in LABELS["clips"] if c["file"] == f"{name}.mp4")
    recorded = entry["synth"]["versions"]
    now = {"numpy": np.__version__, "opencv": cv2.__version__}
    if fresh_path.read_bytes() != committed_path.read_bytes():
        first, worst = _first_difference(fresh_path, committed_path)
        message = (
            f"{name}.mp4 differs from the committed file (sha256 "
            f"{hashlib.sha256(fresh_path.read_bytes()).hexdigest()[:12]} vs "
            f"{hashlib.sha256(committed_path.read_bytes()).hexdigest()[:12]}); first differing frame {first}, "
            f"largest mean pixel difference {worst:.2f}; library versions recorded {recorded}, now {now}"
        )
        if now == recorded or worst > 1.0:
            pytest.fail(message)
        warnings.warn(message, stacklevel=1)
    fresh_entry = json.loads((tmp_path / "labels.json").read_text())["clips"][0]
    fresh_entry["synth"]["versions"] = recorded
    assert fresh_entry == entry


@pytest.mark.real_model
def test_readme_first_example():
    report = analyze_video(SAMPLE_DIR / "squat_clean_side.mp4", load_spec("squat"))
    assert report.reps_total == 3
    assert [i["failed_cues"] for i in report.to_dict()["reps"]["items"]] == [[], [], []]
    expected_peaks = next(c for c in LABELS["clips"] if c["file"] == "squat_clean_side.mp4")["rep_peaks_s"]
    assert [i["peak_s"] for i in report.to_dict()["reps"]["items"]] == pytest.approx(expected_peaks, abs=0.4)


@pytest.fixture(scope="module")
def sample_scores():
    labels = load_labels(SAMPLE_DIR / "labels.json")
    return {s.label.file: s for s in run_batch(SAMPLE_DIR, labels, model="full", jobs=2)}


#: Rendered clips the pose model reads wrongly, with what it reads (their exact landmarks
#: pass: tests/integration/test_truth_traces.py). Real people are read fine in these poses;
#: the rendered body is the weak part. Any other failure fails the test.
KNOWN_MISREADS: dict[str, str] = {
    "hiprotation_clean_front.mp4": "the model does not follow the rendered knee drop (thigh_in exact 102 -> 50): from "
    "the front it reads 110 -> 82-91 with the hip angle at 154-156 (exact 135, the rep stops at 150) and the working "
    "knee hidden; from the side 80-84 throughout; 0 reps in every view tried (front seeds 274-276, side, side_right, "
    "oblique, oblique_right; from the feet end the body is lost)",
    "hiprotation_other_oblique.mp4": "as hiprotation_clean_front: the knee dropping toward the camera reads 94 -> 80 "
    "(the rep needs under 80) and counts, the far one 97 -> 89 with the hip angle at 169-177 (exact 135): 1 rep of 2",
}

#: Rendered clips that pass the batch but not every exact check below (a short cue window on
#: a clean clip, which the batch allows up to 10% of the active time, or sides that vary
#: between runs of the model); each has its own test of what it must show.
UNSTEADY: dict[str, str] = {
    "rotation_clean_oblique.mp4": "2 of 2 reps, but one run of the model in four gave both reps to the left side; "
    "the model reads the stacked knees 1.5-3.2 hip widths apart (exact 1.0), so knees_apart (max 1.8) fires once "
    "for about 0.6 s (7% of the active time: the batch allows 10%, a clean clip here none). shoulders_lift no longer "
    "fires: the model reads the rendered twist at 5-25 deg (exact 60), but the shoulder line stays flat (1-15 deg)",
}


def _unexplained(sample_scores) -> dict[str, str]:
    return {f: s.reason for f, s in sample_scores.items()
            if s.status != "pass" and f not in KNOWN_MISREADS and f not in UNSTEADY}


@pytest.mark.real_model
def test_batch_on_sample_videos_passes(sample_scores):
    assert _unexplained(sample_scores) == {}
    now_passing = [f for f in KNOWN_MISREADS if sample_scores[f].status == "pass"]
    if now_passing:
        warnings.warn(f"known misreads now pass, update KNOWN_MISREADS: {now_passing}", stacklevel=1)


@pytest.mark.real_model
def test_the_clean_twist_counts_and_does_not_flag_the_shoulders(sample_scores):
    """The model reads the rendered twist too small, so the pelvis-against-chest angle alone
    would call the shoulders lifted; the shoulder line lies flat, and the cue stays quiet."""
    score = sample_scores["rotation_clean_oblique.mp4"]
    assert score.reps == 2
    assert score.report.to_dict()["cues"]["shoulders_lift"]["windows_s"] == []


@pytest.mark.real_model
def test_every_rep_count_is_exact(sample_scores):
    for clip in LABELS["clips"]:
        if clip["reps"] is not None and clip["file"] not in KNOWN_MISREADS | UNSTEADY:
            score = sample_scores[clip["file"]]
            assert (score.reps, score.partial) == (clip["reps"], 0), clip["file"]
            if clip["per_side"] and load_spec(clip["exercise"]).counts_sides:
                assert score.report.to_dict()["reps"]["per_side"] == clip["per_side"], clip["file"]


@pytest.mark.real_model
def test_every_injected_fault_is_flagged_in_its_window(sample_scores):
    for clip in LABELS["clips"]:
        if clip["file"] in KNOWN_MISREADS | UNSTEADY:
            continue
        score = sample_scores[clip["file"]]
        for fault in {f["fault"] for f in clip["faults"]}:
            if any(n.startswith(fault) for n in score.not_checked):
                # a cue only judged from views this clip is not seen from (a hip roll seen from
                # the side): not judged, and the report says so
                assert any(f"cue {fault!r} cannot be judged reliably" in w for w in score.report.warnings)
                continue
            assert fault in score.faults_flagged, (clip["file"], fault)


@pytest.mark.real_model
def test_clean_clips_flag_no_fault(sample_scores):
    """No cue fails while a clean clip performs the exercise (getting down onto the floor
    before a plank may look like a sag, and that is outside the active windows)."""
    for clip in LABELS["clips"]:
        if not clip["faults"] and clip["file"] not in KNOWN_MISREADS | UNSTEADY:
            cues = sample_scores[clip["file"]].report.to_dict()["cues"]
            inside = {
                cue: [w for w in v["windows_s"] if any(w[0] < b and w[1] > a for a, b in clip["active_windows_s"])]
                for cue, v in cues.items()
            }
            assert {c: w for c, w in inside.items() if w} == {}, clip["file"]
