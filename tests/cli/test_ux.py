"""§4 UX debts: help lists choices, batch fits the terminal and shows progress, suggestions, README paths."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console

import posecheck.cli
from posecheck.batch import ClipLabel, ClipScore
from posecheck.errors import EXIT_EXPECTATIONS_FAILED, EXIT_INTERRUPTED, EXIT_NO_PERSON, PosecheckError
from posecheck.pose.landmarks import suggest
from posecheck.cli import app
from tests.cli.helpers import one_line_error, run, runner
from tests.conftest import REPO

SPECS = ["bird_dog", "forearm_plank", "glute_bridge", "side_plank", "squat"]


def _help(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


COMMANDS = [(), ("analyze",), ("live",), ("batch",), ("synth",), ("samples",), ("specs", "list")]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_bool_type_for_flags(command):
    assert "<bool>" not in _help(*command)


def test_help_lists_closed_choices_and_defaults():
    batch = re.sub(r"[\s│]+", "", _help("batch"))  # help text may wrap
    assert "<low|medium|high>" in batch and "[default:low]" in batch
    assert "[default:FOLDER/labels.json]" in batch
    assert "<lite|full|heavy|FILE>" in batch and "$POSECHECK_MODELorfull" in batch
    synth = re.sub(r"[\s│]+", "", _help("synth"))  # choices may wrap
    assert "<side|front|oblique|rear|side_right|oblique_right>" in synth
    assert "name:degrees[@reps=1,3][@t=2-6]" in synth  # not eaten as markup


def test_the_synth_views_are_the_synthesiser_s():
    from posecheck.synth import VIEWS

    assert sorted(v.value for v in posecheck.cli.SynthView) == sorted(VIEWS)


def test_suggestions_prefer_whole_words_then_edit_distance():
    assert suggest("plank", SPECS) == " (did you mean 'forearm_plank' or 'side_plank'?)"
    assert suggest("bridge", SPECS) == " (did you mean 'glute_bridge'?)"
    assert suggest("squatt", SPECS) == " (did you mean 'squat'?)"
    assert suggest("sqaut", SPECS) == " (did you mean 'squat'?)"
    assert suggest("cartwheel", SPECS) == ""


def _row(i: int, status: str = "fail") -> ClipScore:
    label = ClipLabel(file=f"a_rather_long_clip_name_{i:02d}.mp4", exercise="glute_bridge", mode="reps", reps=3,
                      faults=[{"fault": "hips_too_low", "from_s": 1.0, "to_s": 4.0}], confidence="medium")
    return ClipScore(label=label, status=status, reason="reps 1 not in 3..3; hips_too_low not flagged", reps=1,
                     reps_ok=False, faults_expected=["hips_too_low"], faults_missed=["hips_too_low"])


def test_the_batch_table_fits_the_terminal(monkeypatch):
    from posecheck.cli_table import print_batch_table

    monkeypatch.setenv("COLUMNS", "80")
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    print_batch_table([_row(1), _row(2)])
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 80, out.getvalue()
    text = out.getvalue()
    assert "conf" not in text  # the least important column went first
    assert text.count("a_rather_") == 2 and text.count("FAIL") == 2


def test_a_wide_terminal_shows_every_column():
    from posecheck.cli_table import print_batch_table

    console = Console(width=200, file=io.StringIO())
    print_batch_table([_row(1)], console=console)
    text = console.file.getvalue()
    assert all(h in text for h in ("clip", "exercise", "conf", "reps exp/got", "result"))


def test_batch_progress_counts_the_clips_analysed():
    progress = posecheck.cli._BatchProgress(enabled=True)
    with progress:
        progress.start(2)
        progress.done(_row(1))
        progress.done(_row(2))
        assert progress._progress.tasks[0].completed == 2
    quiet = posecheck.cli._BatchProgress(enabled=False)
    with quiet:
        quiet.start(1)
        quiet.done(_row(1))


def test_readme_sample_paths_work_from_anywhere(tmp_path: Path, monkeypatch):
    if not (REPO / "sample_videos" / "squat_clean_side.mp4").is_file():
        pytest.skip("sample_videos not present")
    monkeypatch.chdir(tmp_path)
    # The model is missing on purpose: getting past the video to the model proves the video was found.
    result = run("analyze", "sample_videos/squat_clean_side.mp4", "-e", "squat", "--model", tmp_path / "none.task")
    assert result.exit_code == 15, result.output
    assert "model file not found" in one_line_error(result)


def test_a_missing_sample_path_says_where_samples_come_from(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(posecheck.cli, "CHECKOUT", tmp_path / "installed")
    result = run("analyze", "sample_videos/squat_clean_side.mp4", "-e", "squat")
    assert result.exit_code == 10, result.output
    line = one_line_error(result)
    assert line.startswith("error: video not found: sample_videos/squat_clean_side.mp4 (")
    assert "posecheck samples --out sample_videos" in line


def test_every_exit_code_is_documented_and_distinct():
    """docs/exit-codes.md lists exactly the codes of posecheck/errors.py, each once."""
    import posecheck.errors as errors

    table = (REPO / "docs" / "exit-codes.md").read_text()
    documented = [int(m) for m in re.findall(r"^\|\s*(\d+)\s*\|", table, flags=re.M)]
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, PosecheckError)]
    codes = {c.exit_code for c in classes if c is not PosecheckError}
    assert len(codes) == len(classes) - 1, "two error classes share an exit code"
    constants = {EXIT_NO_PERSON, EXIT_EXPECTATIONS_FAILED, EXIT_INTERRUPTED}
    assert sorted(documented) == sorted(codes | constants | {0})
    assert len(documented) == len(set(documented))


def test_an_interrupted_batch_writes_the_rows_gathered(tmp_path: Path, monkeypatch):
    import posecheck.batch

    def interrupted(folder, clips, **kwargs):
        kwargs["on_done"](ClipScore(label=clips[0], status="skipped", reason="no spec for 'clamshell' yet"))
        raise KeyboardInterrupt

    monkeypatch.setattr(posecheck.batch, "run_batch", interrupted)
    (tmp_path / "labels.json").write_text(json.dumps({"clips": [
        {"file": "c.avi", "exercise": "clamshell", "mode": "reps", "reps": 1},
        {"file": "a.avi", "exercise": "squat", "mode": "reps", "reps": 1},
    ]}))
    out = tmp_path / "summary.json"
    result = run("batch", tmp_path, "--report", out)
    assert result.exit_code == 130, result.output
    saved = json.loads(out.read_text())
    assert saved["complete"] is False and "interrupted" in saved["error"]
    assert [c["file"] for c in saved["clips"]] == ["c.avi"]


@pytest.mark.parametrize("command", [("samples", "--only", "bridge_clean_oblique"), ("synth", "glute_bridge")])
def test_a_broken_motion_file_is_one_spec_error_naming_file_and_field(tmp_path: Path, monkeypatch, command):
    import sys

    motions = tmp_path / "specs" / "motions"
    motions.mkdir(parents=True)
    source = (REPO / "exercise_specs" / "motions" / "glute_bridge.toml").read_text()
    broken = motions / "glute_bridge.toml"
    broken.write_text(source.replace("[[samples]]\nname = \"", "[[samples]]\nname = \"Bad", 1))
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path / "specs"))
    monkeypatch.delitem(sys.modules, "posecheck.synth.samples", raising=False)  # re-read the motion files
    result = run(*command, "--out", tmp_path / "out.mp4" if command[0] == "synth" else tmp_path / "out")
    assert result.exit_code == 14, result.output
    line = one_line_error(result)
    assert line.startswith(f"error: {broken}: samples[0].name: 'Bad")
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.mp4").exists()


def test_an_input_error_no_command_caught_is_still_one_line(monkeypatch, capsys):
    import posecheck.specs.loader
    from posecheck.errors import LabelsError

    def unreadable():
        raise LabelsError("specs folder unreadable")

    monkeypatch.setattr(posecheck.specs.loader, "spec_files", unreadable)
    assert posecheck.cli.main_exit_code(["specs", "list"]) == LabelsError.exit_code
    err = capsys.readouterr().err
    assert err == "error: specs folder unreadable\n"


def test_samples_refuses_a_file_as_its_folder_and_a_broken_labels_file(tmp_path: Path):
    clip = tmp_path / "mine.mp4"
    clip.write_bytes(b"my own video")
    result = run("samples", "--out", clip, "--only", "bridge_clean_oblique")
    assert result.exit_code == 16, result.output
    assert one_line_error(result) == f"error: cannot use --out folder {clip}: it is a file, not a folder"
    assert clip.read_bytes() == b"my own video"
    (tmp_path / "labels.json").write_text("{")
    result = run("samples", "--out", tmp_path, "--only", "bridge_clean_oblique")
    assert result.exit_code == 18, result.output
    assert one_line_error(result).startswith(f"error: {tmp_path / 'labels.json'}: invalid JSON at line")
    assert (tmp_path / "labels.json").read_text() == "{"


def test_batch_given_a_file_says_it_takes_a_folder(tmp_path: Path):
    clip = tmp_path / "one.mp4"
    clip.write_bytes(b"x")
    result = run("batch", clip)
    assert result.exit_code == 2, result.output
    assert one_line_error(result) == (
        f"error: batch takes a folder of clips with their labels, and {clip} is a file "
        "(for one video: posecheck analyze VIDEO -e EXERCISE)"
    )
