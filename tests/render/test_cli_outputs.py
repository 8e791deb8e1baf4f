"""``analyze --html/--csv``, ``batch --html``, ``specs show --source`` and the summaries' UX debts.

The pose model is replaced by an estimator that replays the sample clip's exact landmarks,
so the command runs end to end (decoding, analysis, report pages) without the model.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

import pytest

import posecheck.pose.estimator
import posecheck.pose.models
from posecheck.cli import app
from posecheck.report import format_summary
from tests.cli.helpers import FakeModel, one_line_error, run, runner
from tests.render.helpers import sample_clip, truth_frames, truth_report


class TruthEstimator:
    """Stands in for the pose model: the exact landmarks of one sample clip, frame by frame."""

    frames: tuple = ()

    def __init__(self, options=None):
        self.options = options

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def process(self, bgr, t: float):
        frames = type(self).frames
        best = min(frames, key=lambda f: abs(f.t - t))
        return dataclasses.replace(best, t=t)


@pytest.fixture
def truth_model(monkeypatch):
    sample_clip("bridge_low_side")
    TruthEstimator.frames = truth_frames("bridge_low_side")
    monkeypatch.setattr(posecheck.pose.estimator, "PoseEstimator", TruthEstimator)
    monkeypatch.setattr(posecheck.pose.models, "resolve_model", lambda name=None: FakeModel())


@pytest.fixture
def no_analysis(monkeypatch):
    import posecheck.analyze

    def boom(*args, **kwargs):
        raise AssertionError("the analysis started before the output paths were checked")

    monkeypatch.setattr(posecheck.analyze, "analyze_video", boom)


def test_analyze_writes_the_html_and_csv_reports(tmp_path: Path, truth_model):
    video = sample_clip("bridge_low_side")
    out = tmp_path / "out"
    out.mkdir()
    result = run("analyze", video, "-e", "glute_bridge", "--html", out / "r.html", "--csv", out / "r.csv",
                 "--report", out / "r.json", "-q")
    assert result.exit_code == 0, result.output
    assert "Reps: 3 complete" in result.output
    page = (out / "r.html").read_text()
    assert page.count("<svg") == 2 and "hips_too_low" in page
    with open(out / "r.frames.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(TruthEstimator.frames)
    with open(out / "r.reps.csv", newline="") as fh:
        assert [r["index"] for r in csv.DictReader(fh)] == ["1", "2", "3"]
    assert sorted(p.name for p in out.iterdir()) == ["r.frames.csv", "r.html", "r.json", "r.reps.csv"]


def test_html_on_the_input_video_is_refused(tmp_path: Path, no_analysis):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"not really a video")
    result = run("analyze", video, "-e", "squat", "--html", video)
    assert result.exit_code == 16, result.output
    assert f"--html {video} is the input video; refusing to overwrite it" in one_line_error(result)
    assert video.read_bytes() == b"not really a video"


def test_csv_files_clashing_with_another_output_are_refused(tmp_path: Path, no_analysis):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    result = run("analyze", video, "-e", "squat", "--report", tmp_path / "o.frames.csv", "--csv", tmp_path / "o")
    assert result.exit_code == 16, result.output
    assert "--report and --csv (frames) name the same file" in one_line_error(result)


@pytest.mark.parametrize("option", ["--html", "--csv"])
def test_an_output_in_a_missing_folder_fails_before_any_work(tmp_path: Path, no_analysis, option: str):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")
    result = run("analyze", video, "-e", "squat", option, tmp_path / "missing" / "r.html")
    assert result.exit_code == 16, result.output
    assert "does not exist" in one_line_error(result)


def test_help_lists_the_new_choices_and_defaults():
    text = runner.invoke(app, ["analyze", "--help"], env={"COLUMNS": "250"}).output
    flat = re.sub(r"[\s│]+", "", text)
    assert "--html-video<auto|inline|link|none>" in flat and "[default:auto]" in flat
    assert "--csv<PREFIX>" in flat and "PREFIX.frames.csv" in flat and "PREFIX.reps.csv" in flat
    batch = re.sub(r"[\s│]+", "", runner.invoke(app, ["batch", "--help"], env={"COLUMNS": "250"}).output)
    assert "--html<path>" in batch and "PAGE.CLIP.html" in batch


def test_batch_html_writes_the_table_and_a_page_per_clip(tmp_path: Path, monkeypatch):
    import json

    import posecheck.batch
    from posecheck.batch import ClipScore, load_labels, score_clip

    sample_clip("bridge_low_side")
    (tmp_path / "clips").mkdir()
    labels = tmp_path / "clips" / "labels.json"
    labels.write_text(json.dumps({"clips": [
        {"file": "bridge_low_side.mp4", "exercise": "glute_bridge", "mode": "reps", "reps": 3,
         "faults": [{"fault": "hips_too_low", "from_s": 5.0, "to_s": 10.5}]},
        {"file": "clam.mp4", "exercise": "clamshell", "mode": "reps", "reps": 5},
    ]}))

    def fake_run_batch(folder, clips, **kwargs):
        report = truth_report("bridge_low_side", "glute_bridge")
        return [score_clip(clips[0], report, {"hips_too_low"}),
                ClipScore(label=clips[1], status="skipped", reason="no spec for 'clamshell' yet")]

    monkeypatch.setattr(posecheck.batch, "run_batch", fake_run_batch)
    assert len(load_labels(labels)) == 2
    page = tmp_path / "out" / "batch.html"
    page.parent.mkdir()
    result = run("batch", tmp_path / "clips", "--html", page)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in page.parent.iterdir()) == ["batch.bridge_low_side.html", "batch.html"]
    text = page.read_text()
    assert 'href="batch.bridge_low_side.html"' in text and "skipped" in text
    # the summary leaves out a tolerance with no clips of its kind instead of "0/0"
    assert "reps within tolerance 1/1" in text and "holds within tolerance" not in text
    assert "holds within tolerance 0/0" not in result.output and "reps within tolerance 1/1" in result.output


def test_the_batch_summary_never_says_0_of_0():
    from posecheck.cli_table import summary_line

    base = {"clips": 2, "passed": 2, "failed": 0, "errors": 0, "skipped": 0}
    assert summary_line({**base, "reps_within_tolerance": [0, 0], "holds_within_tolerance": [0, 0]}) == (
        "2 passed, 0 failed, 0 errors, 0 skipped"
    )
    assert summary_line({**base, "reps_within_tolerance": [0, 0], "holds_within_tolerance": [2, 2]}).endswith(
        "; holds within tolerance 2/2"
    )


def test_specs_show_source_prints_the_file_with_its_comments():
    from posecheck.specs.loader import spec_files

    result = run("specs", "show", "glute_bridge", "--source")
    assert result.exit_code == 0, result.output
    assert result.output == spec_files()["glute_bridge"].read_text()
    assert result.output.startswith("#")


def test_specs_show_source_of_an_unknown_spec_is_one_error():
    result = run("specs", "show", "glute_brige", "--source")
    assert result.exit_code != 0
    assert "did you mean 'glute_bridge'" in one_line_error(result)


@pytest.mark.parametrize("seconds", [0.0, 0.02, None])
def test_a_rep_exercise_shows_no_empty_hold_line(seconds):
    report = truth_report("bridge_low_side", "glute_bridge")
    assert "Hold:" in format_summary(report)  # the top of the bridge is held here
    report.hold.seconds, report.hold.good_form_seconds = seconds, seconds
    assert "Hold:" not in format_summary(report)
    report.mode = "hold"
    assert "Hold: 0.0 s in position" in format_summary(report)  # a hold exercise always says how long
