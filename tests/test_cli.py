"""The command line as a user meets it: exit codes, one-line errors, written reports.

Runs in-process through typer's CliRunner. Tests that run the model use the lite bundle on
tiny generated videos (nobody in them), so they take a second or two each.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from posecheck.cli import app
from tests.conftest import write_video

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def one_line_error(result) -> str:
    """The CLI's error output: exactly one line starting with 'error:' and no traceback."""
    lines = [l for l in result.output.splitlines() if l.strip()]
    errors = [l for l in lines if l.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    return errors[0]


def test_specs_list_shows_every_spec_file():
    from posecheck.specs.loader import spec_files

    result = run("specs", "list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    assert names == sorted(spec_files()) and len(names) >= 30
    assert "INVALID" not in result.output


def test_specs_list_lines_up_its_columns_for_the_longest_names():
    from posecheck.specs.loader import load_spec

    lines = run("specs", "list").output.splitlines()
    title_at = {line.index(load_spec(line.split()[0]).title) for line in lines}
    assert len(title_at) == 1, "every title starts in the same column"
    longest = max(lines, key=lambda line: len(line.split()[0]))
    assert longest.startswith("standing_lumbar_extension reps ")


def test_specs_validate_passes_on_shipped_specs():
    from posecheck.specs.loader import spec_files

    result = run("specs", "validate")
    assert result.exit_code == 0
    assert result.output.count("ok ") == len(spec_files())


def test_specs_validate_names_file_and_field(tmp_path: Path):
    bad = tmp_path / "squat.toml"
    text = (Path(__file__).parents[1] / "exercise_specs" / "squat.toml").read_text()
    bad.write_text(text.replace('kind = "angle"', 'kind = "angel"', 1))
    result = run("specs", "validate", str(bad))
    assert result.exit_code == 14
    assert f"{bad}: metrics.hip_angle.kind:" in result.output
    assert "did you mean 'angle'?" in result.output


def test_specs_validate_on_a_folder_without_specs_says_where_it_looked(tmp_path: Path):
    result = run("specs", "validate", str(tmp_path))
    assert result.exit_code == 14
    assert result.output.strip() == f"error: no spec files (*.toml) found in {tmp_path}"


def test_specs_show_and_schema():
    shown = json.loads(run("specs", "show", "squat").output)
    assert shown["reps"]["metric"] == "hip_angle"
    schema = json.loads(run("specs", "schema").output)
    assert set(schema["properties"]) >= {"name", "mode", "metrics", "reps", "hold", "cues", "dosage", "safety"}


def test_missing_video(tmp_path: Path):
    result = run("analyze", str(tmp_path / "nope.mp4"), "-e", "squat")
    assert result.exit_code == 10
    assert "video not found" in one_line_error(result)


def test_not_a_video(tmp_path: Path):
    fake = tmp_path / "fake.mp4"
    fake.write_text("hello")
    result = run("analyze", str(fake), "-e", "squat")
    assert result.exit_code == 11
    assert "not a video file" in one_line_error(result)


def test_zero_frames(tmp_path: Path):
    empty = write_video(tmp_path / "empty.avi", 0)
    result = run("analyze", str(empty), "-e", "squat")
    assert result.exit_code == 11
    assert "no frames" in one_line_error(result)


def test_truncated_video_writes_partial_report(tmp_path: Path):
    whole = write_video(tmp_path / "whole.avi", 40)
    data = whole.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    report = tmp_path / "r.json"
    result = run("analyze", str(cut), "-e", "squat", "--model", "lite", "--report", str(report), "-q")
    assert result.exit_code == 12
    assert "truncated" in one_line_error(result)
    saved = json.loads(report.read_text())
    assert saved["complete"] is False
    assert 0 < saved["source"]["frames_decoded"] < 40


def test_unknown_exercise_lists_known_ones(tiny_video: Path):
    result = run("analyze", str(tiny_video), "-e", "squatt")
    assert result.exit_code == 13
    line = one_line_error(result)
    assert "did you mean 'squat'?" in line
    assert "known: back_extension, bird_dog, " in line and ", squat, " in line


def test_malformed_spec(tmp_path: Path, tiny_video: Path):
    spec = tmp_path / "mine.toml"
    spec.write_text("name = 'mine'\nmode = 'reps'\n[[cues]\n")
    result = run("analyze", str(tiny_video), "-e", str(spec))
    assert result.exit_code == 14
    assert "invalid TOML" in one_line_error(result)


def test_missing_model(tiny_video: Path, tmp_path: Path):
    result = run("analyze", str(tiny_video), "-e", "squat", "--model", str(tmp_path / "none.task"))
    assert result.exit_code == 15
    assert "model file not found" in one_line_error(result)


def test_corrupt_model(tiny_video: Path, tmp_path: Path):
    bogus = tmp_path / "bogus.task"
    bogus.write_bytes(b"not a model at all")
    result = run("analyze", str(tiny_video), "-e", "squat", "--model", str(bogus))
    assert result.exit_code == 15
    assert "not a MediaPipe .task bundle" in one_line_error(result)


def test_unwritable_report(tiny_video: Path, tmp_path: Path):
    result = run("analyze", str(tiny_video), "-e", "squat", "--report", str(tmp_path / "no" / "such" / "r.json"))
    assert result.exit_code == 16
    assert "does not exist" in one_line_error(result)


def test_no_person_has_its_own_exit_code_and_report(tiny_video: Path, tmp_path: Path):
    report = tmp_path / "r.json"
    result = run("analyze", str(tiny_video), "-e", "squat", "--model", "lite", "--report", str(report), "-q")
    assert result.exit_code == 3
    assert "No person was detected" in result.output
    saved = json.loads(report.read_text())
    assert saved["person_found"] is False
    assert saved["frames_with_pose"] == 0
    assert saved["reps"]["total"] == 0


def test_batch_skips_unknown_exercises_and_fails_unmet_expectations(tmp_path: Path):
    write_video(tmp_path / "a.avi", 20)
    write_video(tmp_path / "b.avi", 20)
    labels = {
        "clips": [
            {"file": "a.avi", "exercise": "squat", "mode": "reps", "reps": 3, "partial_reps": 0, "reps_tolerance": 0},
            {"file": "b.avi", "exercise": "cartwheel", "mode": "reps", "reps": 1},
        ]
    }
    (tmp_path / "labels.json").write_text(json.dumps(labels))
    out = tmp_path / "summary.json"
    result = run("batch", str(tmp_path), "--model", "lite", "--report", str(out))
    assert result.exit_code == 4
    rows = {c["file"]: c for c in json.loads(out.read_text())["clips"]}
    assert rows["a.avi"]["status"] == "fail"
    assert rows["a.avi"]["reps"]["measured"] == 0
    assert rows["b.avi"]["status"] == "skipped"
    assert "no spec for 'cartwheel'" in rows["b.avi"]["reason"]


def test_batch_bad_labels(tmp_path: Path):
    (tmp_path / "labels.json").write_text("{not json")
    result = run("batch", str(tmp_path))
    assert result.exit_code == 18
    assert "invalid JSON" in one_line_error(result)


def test_batch_jobs_out_of_range(tmp_path: Path):
    (tmp_path / "labels.json").write_text('{"clips": []}')
    result = run("batch", str(tmp_path), "--jobs", "0")
    assert result.exit_code == 2
    assert "--jobs must be between 1 and" in one_line_error(result)


def test_live_replays_a_file_headless_and_saves_the_report(tiny_video: Path, tmp_path: Path):
    report = tmp_path / "live.json"
    result = run("live", "-e", "forearm_plank", "--source", str(tiny_video), "--headless", "--model", "lite",
                 "--report", str(report))
    assert result.exit_code == 0, result.output
    saved = json.loads(report.read_text())
    assert saved["exercise"] == "forearm_plank"
    assert (saved["hold"]["seconds"], saved["hold"]["good_form_seconds"]) == (0.0, 0.0)
    assert 0 < saved["source"]["frames_decoded"] <= 30


def test_live_without_a_camera_says_so():
    result = run("live", "-e", "squat", "--camera", "7", "--headless", "--model", "lite")
    assert result.exit_code == 17
    assert "no camera at index 7" in one_line_error(result)


def test_synth_writes_a_clip_and_its_expectations(tmp_path: Path):
    out, labels = tmp_path / "squat.mp4", tmp_path / "labels.json"
    result = run("synth", "squat", "--reps", "1", "--fps", "6", "--fault", "insufficient_depth:30",
                 "--seed", "3", "--out", str(out), "--labels", str(labels))
    assert result.exit_code == 0, result.output
    entry = json.loads(labels.read_text())["clips"][0]
    assert entry["file"] == "squat.mp4" and entry["reps"] == 1
    assert [f["fault"] for f in entry["faults"]] == ["insufficient_depth"]
    assert out.stat().st_size > 10_000


def test_synth_renders_a_rushed_set_labelled_with_its_timing_fault(tmp_path: Path):
    out, labels = tmp_path / "situp.mp4", tmp_path / "labels.json"
    result = run("synth", "sit_up", "--reps", "2", "--fps", "6", "--tempo", "1.4", "--rest-between", "0.8",
                 "--timing-fault", "too_fast", "--out", str(out), "--labels", str(labels))
    assert result.exit_code == 0, result.output
    entry = json.loads(labels.read_text())["clips"][0]
    assert [f["fault"] for f in entry["faults"]] == ["too_fast", "too_fast"]
    assert entry["variant"].endswith("rushed at 1.4 s per rep")


@pytest.mark.parametrize(("args", "message"), [
    (["sit_up", "--timing-fault", "too_fast"], "timing_faults need a rushed set: give tempo_s"),
    (["sit_up", "--tempo", "0.5"], "tempo_s must be between 1 and 20 seconds, got 0.5"),
    (["--routine", "sit_up:reps=2", "--timing-fault", "too_fast"], "--timing-fault: for one exercise's clip"),
    (["--routine", "sit_up:reps=2", "--tempo", "2"], "with --routine give --tempo per segment"),
])
def test_synth_refuses_a_rushed_set_it_cannot_render(tmp_path: Path, args, message):
    result = run("synth", *args, "--out", str(tmp_path / "x.mp4"))
    assert result.exit_code == 2
    assert message in one_line_error(result)


def test_synth_rejects_an_unknown_fault_with_a_suggestion(tmp_path: Path):
    result = run("synth", "forearm_plank", "--fault", "hips_sag:12", "--out", str(tmp_path / "x.mp4"))
    assert result.exit_code == 2
    assert "did you mean 'hips_sagging'?" in one_line_error(result)
