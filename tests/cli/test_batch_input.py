"""``batch`` refuses misspelt exercises, duplicate labels and a missing model up front (issue 10 §3, items 4 and 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import one_line_error, run
from tests.conftest import write_video

SQUAT = {"file": "a.avi", "exercise": "squat", "mode": "reps", "reps": 3}
CLAMSHELL = {"file": "c.avi", "exercise": "clamshell", "mode": "reps", "reps": 10}


def _folder(tmp_path: Path, *clips: dict) -> Path:
    for clip in clips:
        write_video(tmp_path / clip["file"], 5)
    (tmp_path / "labels.json").write_text(json.dumps({"schema": 1, "clips": list(clips)}))
    return tmp_path


def test_a_misspelt_label_exercise_fails_with_a_suggestion(tmp_path: Path):
    folder = _folder(tmp_path, CLAMSHELL, {"file": "b.avi", "exercise": "glute_brige", "mode": "reps", "reps": 2})
    result = run("batch", folder, "--model", tmp_path / "never-loaded.task")
    assert result.exit_code == 13, result.output
    line = one_line_error(result)
    assert line.startswith(f"error: {folder / 'labels.json'}: clips[1] (b.avi): unknown exercise 'glute_brige'")
    assert "(did you mean 'glute_bridge'?)" in line


def test_a_misspelt_exercise_option_fails_with_a_suggestion(tmp_path: Path):
    folder = _folder(tmp_path, CLAMSHELL)
    result = run("batch", folder, "-e", "squatt")
    assert result.exit_code == 13, result.output
    assert "--exercise 'squatt' names no spec and no labelled clip (did you mean 'squat'?)" in one_line_error(result)


def test_an_exercise_without_a_spec_yet_is_still_skipped(tmp_path: Path):
    folder = _folder(tmp_path, CLAMSHELL)
    out = tmp_path / "summary.json"
    result = run("batch", folder, "-e", "clamshell", "--report", out)
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())["clips"]
    assert [(r["file"], r["status"]) for r in rows] == [("c.avi", "skipped")]


def test_the_shared_labels_have_no_misspelt_exercise():
    """The rule keeps every real exercise name of the reference labels (clamshell, lunge...) skippable."""
    from posecheck.batch import check_exercise_names, load_labels, misspelt_spec_name
    from posecheck.specs.loader import spec_files
    from tests.conftest import CLIPS

    if not (CLIPS / "labels.json").is_file():
        pytest.skip("reference labels not found")
    check_exercise_names(load_labels(CLIPS / "labels.json"))  # no misspelling, no clip labelled twice
    specs = sorted(spec_files())
    for typo, meant in [("glute_brige", "glute_bridge"), ("squatt", "squat"), ("sqaut", "squat"),
                        ("side_plnak", "side_plank"), ("birddog", "bird_dog"), ("forearm_planks", "forearm_plank")]:
        assert misspelt_spec_name(typo, specs) == meant


def test_a_clip_labelled_twice_is_refused(tmp_path: Path):
    folder = _folder(tmp_path, SQUAT, CLAMSHELL, dict(SQUAT, reps=5))
    result = run("batch", folder)
    assert result.exit_code == 18, result.output
    assert one_line_error(result) == (
        f"error: {folder / 'labels.json'}: clip 'a.avi' is labelled twice, in clips[0] and clips[2]; "
        "keep one entry per clip"
    )


def test_a_missing_model_is_one_error_before_any_clip(tmp_path: Path):
    folder = _folder(tmp_path, SQUAT, dict(SQUAT, file="b.avi"))
    result = run("batch", folder, "--model", tmp_path / "none.task")
    assert result.exit_code == 15, result.output
    assert "model file not found" in one_line_error(result)
    assert "a.avi" not in result.output  # no table of error rows


def test_a_batch_of_skipped_clips_needs_no_model(tmp_path: Path):
    folder = _folder(tmp_path, CLAMSHELL)
    result = run("batch", folder, "--model", tmp_path / "none.task")
    assert result.exit_code == 0, result.output
