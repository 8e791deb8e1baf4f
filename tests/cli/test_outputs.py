"""Outputs never destroy inputs, and are checked before any work (issue 10 §3, items 1 and 5)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from posecheck.errors import OutputError
from tests.cli.helpers import one_line_error, run
from tests.conftest import write_video


@pytest.fixture
def video(tmp_path: Path) -> Path:
    return write_video(tmp_path / "v.avi", 12)


@pytest.fixture
def no_analysis(monkeypatch):
    """Fail loudly if the analysis starts: the checks under test must come first."""
    import posecheck.analyze

    def boom(*args, **kwargs):
        raise AssertionError("the analysis started before the output paths were checked")

    monkeypatch.setattr(posecheck.analyze, "analyze_video", boom)


def _refused(result, code: int = 16) -> str:
    assert result.exit_code == code, result.output
    return one_line_error(result)


@pytest.mark.parametrize("option", ["--annotate", "--report"])
def test_analyze_refuses_to_overwrite_its_input_video(video: Path, option: str, no_analysis):
    before = video.read_bytes()
    line = _refused(run("analyze", video, "-e", "squat", option, video))
    assert f"{option} {video} is the input video; refusing to overwrite it" in line
    assert video.read_bytes() == before


def test_the_same_file_by_another_name_is_refused(video: Path, tmp_path: Path, monkeypatch, no_analysis):
    before = video.read_bytes()
    (tmp_path / "link.avi").symlink_to(video)
    os.link(video, tmp_path / "hard.avi")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    for output in ("link.avi", "hard.avi", "sub/../v.avi", "./v.avi"):
        line = _refused(run("analyze", "v.avi", "-e", "squat", "--annotate", output))
        assert "is the input video" in line, output
    assert video.read_bytes() == before


def test_report_and_annotate_on_one_path_are_refused(video: Path, tmp_path: Path, no_analysis):
    out = tmp_path / "out.mp4"
    line = _refused(run("analyze", video, "-e", "squat", "--report", out, "--annotate", out))
    assert line == f"error: --report and --annotate name the same file {out}; give each its own path"
    assert not out.exists()


def test_live_refuses_to_overwrite_its_source(video: Path):
    before = video.read_bytes()
    line = _refused(run("live", "-e", "squat", "--source", video, "--report", video, "--headless"))
    assert "is the --source video" in line
    assert video.read_bytes() == before


def _labels(folder: Path, *clips: dict) -> Path:
    path = folder / "labels.json"
    path.write_text(json.dumps({"clips": list(clips)}))
    return path


def test_batch_report_never_overwrites_the_labels_or_a_clip(tmp_path: Path):
    write_video(tmp_path / "a.avi", 5)
    labels = _labels(tmp_path, {"file": "a.avi", "exercise": "squat", "mode": "reps", "reps": 1})
    text, clip = labels.read_text(), (tmp_path / "a.avi").read_bytes()
    assert "is the labels file" in _refused(run("batch", tmp_path, "--report", labels))
    assert "is the clip a.avi" in _refused(run("batch", tmp_path, "--report", tmp_path / "a.avi"))
    assert labels.read_text() == text and (tmp_path / "a.avi").read_bytes() == clip


def test_synth_out_and_labels_must_differ(tmp_path: Path):
    out = tmp_path / "clip.mp4"
    line = _refused(run("synth", "squat", "--reps", "1", "--out", out, "--labels", out))
    assert "--out and --labels name the same file" in line
    assert not out.exists()


def test_an_output_in_a_folder_that_refuses_files_fails_before_the_analysis(video: Path, no_analysis):
    if not Path("/proc/self").is_dir():
        pytest.skip("needs /proc")
    line = _refused(run("analyze", video, "-e", "squat", "--report", "/proc/x.json"))
    assert line.startswith("error: cannot write report /proc/x.json:")
    line = _refused(run("analyze", video, "-e", "squat", "--annotate", "/proc/a.mp4"))
    assert line.startswith("error: cannot write annotated video /proc/a.mp4:")
    assert ".mp4 or .avi" not in line


def test_a_parent_that_is_a_file_is_named(video: Path, no_analysis):
    line = _refused(run("analyze", video, "-e", "squat", "--report", video / "r.json"))
    assert line == f"error: cannot write report {video}/r.json: {video} is a file, not a directory"


def test_a_missing_folder_is_named(video: Path, tmp_path: Path, no_analysis):
    line = _refused(run("analyze", video, "-e", "squat", "--report", tmp_path / "no" / "such" / "r.json"))
    assert line.endswith(f"directory {tmp_path / 'no' / 'such'} does not exist")


def test_check_writable_leaves_no_trace_and_keeps_existing_files(tmp_path: Path):
    from posecheck.io.paths import check_writable

    new = tmp_path / "new.json"
    assert check_writable(new, "report") == new
    assert not new.exists()
    old = tmp_path / "old.json"
    old.write_text("keep me")
    check_writable(old, "report")
    assert old.read_text() == "keep me"
    with pytest.raises(OutputError, match="it is a directory"):
        check_writable(tmp_path, "report")


def test_refuse_overwriting_inputs_ignores_unset_and_distinct_paths(tmp_path: Path):
    from posecheck.io.paths import refuse_overwriting_inputs

    (tmp_path / "in.avi").write_bytes(b"x")
    outputs = {"--report": None, "--annotate": tmp_path / "out.avi"}
    refuse_overwriting_inputs(outputs, {"the input video": tmp_path / "in.avi"})
    refuse_overwriting_inputs({"--report": tmp_path / "r.json"}, [("clip a", tmp_path / "missing.avi")])


def test_the_library_refuses_an_annotated_video_over_its_input(video: Path, tmp_path: Path):
    """analyze_video itself, not only the CLI, refuses (before opening the model)."""
    from posecheck.analyze import AnalyzeOptions, analyze_video
    from posecheck.specs.loader import load_spec

    before = video.read_bytes()
    options = AnalyzeOptions(model=str(tmp_path / "no-model.task"), annotate=video)
    with pytest.raises(OutputError, match="is the input video"):
        analyze_video(video, load_spec("squat"), options)
    assert video.read_bytes() == before


def test_a_trace_cache_that_is_a_file_is_one_line(video: Path, no_analysis):
    line = _refused(run("analyze", video, "-e", "squat", "--trace-cache", video))
    assert line == f"error: cannot use --trace-cache folder {video}: it is a file, not a folder"
