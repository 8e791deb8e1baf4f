"""How ``batch`` scores a labelled fault whose cue cannot be judged from the clip's camera."""

from __future__ import annotations

import pytest

from posecheck.batch import ClipLabel, load_labels, score_clip
from tests.render.helpers import SAMPLE_DIR, truth_report

SAMPLE = next(c for c in load_labels(SAMPLE_DIR / "labels.json") if c.file == "birddog_hiproll_oblique.mp4")


def label(view: str | None) -> ClipLabel:
    """The sample's own label, its view replaced."""
    return SAMPLE.model_copy(update={"view": view})


@pytest.fixture(scope="module")
def oblique_report():
    """A bird dog filmed at 45 deg with the pelvis rolled on two reps; its level-hips cue is
    judged from the front or back only."""
    return truth_report("birddog_hiproll_oblique", "bird_dog")


def test_a_fault_labelled_in_a_view_its_cue_is_not_judged_from_is_not_checked_and_says_why(oblique_report):
    score = score_clip(label("oblique"), oblique_report, {"hips_not_level"})
    assert score.faults_missed == [] and score.faults_flagged == []
    assert score.not_checked == ["hips_not_level (judged from front or rear only; this clip is oblique)"]


@pytest.mark.parametrize("view", [None, "mixed"])
def test_without_a_labelled_view_only_the_frames_tell(oblique_report, view):
    score = score_clip(label(view), oblique_report, {"hips_not_level"})
    assert score.not_checked == ["hips_not_level (never judged: camera view or joint visibility)"]


def test_a_labelled_view_the_cue_is_judged_from_excuses_nothing(oblique_report):
    """Labelled front while the frames say oblique: the label does not excuse the fault, the
    frames do (the cue was never judged on them), and that is the reason given."""
    score = score_clip(label("front"), oblique_report, {"hips_not_level"})
    assert score.not_checked == ["hips_not_level (never judged: camera view or joint visibility)"]
