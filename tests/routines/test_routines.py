"""Routines as data: strict validation, set-by-set scoring, the CLI, and a recorded routine scored."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from posecheck.cli import app
from posecheck.errors import SpecError
from posecheck.routines import DoneSet, load_routine_file, planned_sets, routine_report, score_routine

GOOD = """name = "mini"
title = "Mini routine"
rounds = 2

[[items]]
exercise = "glute_bridge"
sets = 2
reps = 5

[[items]]
exercise = "forearm_plank"
hold_s = 20
"""


def write(tmp_path: Path, text: str, name: str = "mini") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


def test_a_valid_routine_plans_every_set_in_order(tmp_path):
    routine = load_routine_file(write(tmp_path, GOOD))
    plan = planned_sets(routine)
    assert [(p.round, p.exercise, p.set) for p in plan] == [
        (1, "glute_bridge", 1), (1, "glute_bridge", 2), (1, "forearm_plank", 1),
        (2, "glute_bridge", 1), (2, "glute_bridge", 2), (2, "forearm_plank", 1),
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('exercise = "glute_bridge"', 'exercise = "glute_bridg"', "items[0].exercise: no spec for 'glute_bridg' (did you mean 'glute_bridge'?)"),
        ('exercise = "forearm_plank"', 'exercise = "squat"', "items[1].exercise: squat is counted, not timed: give reps instead of hold_s"),
        ("hold_s = 20", "reps = 20", "items[1].exercise: forearm_plank is timed, not counted: give hold_s instead of reps"),
        ("reps = 5", "reps = 5\nhold_s = 3", "items[0]: give either reps or hold_s for each exercise"),
        ("rounds = 2", "rounds = 2\nround = 3", "round: unknown field (did you mean 'rounds'?)"),
        ("sets = 2", "sets = 0", "items[0].sets: input should be greater than or equal to 1"),
    ],
)
def test_routine_errors_name_the_file_and_field(tmp_path, old, new, message):
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SpecError) as err:
        load_routine_file(path)
    assert str(err.value) == f"{path}: {message}"


def test_done_sets_fill_the_plan_in_order_and_count_per_side(tmp_path):
    routine = load_routine_file(write(tmp_path, GOOD))
    done = [
        DoneSet("glute_bridge", 0, 20, 5, None, None, None),
        DoneSet("glute_bridge", 25, 40, 3, None, None, None, ("hips_too_low",)),
        DoneSet("forearm_plank", 45, 70, None, None, 24.0, 21.0),
        DoneSet("squat", 75, 80, 2, None, None, None),
    ]
    rows = score_routine(routine, done)
    assert [(r["exercise"], r["set"], r["met"]) for r in rows[:3]] == [
        ("glute_bridge", 1, True), ("glute_bridge", 2, False), ("forearm_plank", 1, True)
    ]
    assert rows[1]["form_issues"] == ["hips_too_low"]
    assert all(r["done"] is None and not r["met"] for r in rows[3:])  # round 2 not done
    report = routine_report(routine, "video.mp4", done)
    assert (report.sets_met, report.sets_planned) == (2, 6)
    assert report.unplanned == ["squat at 75-80 s"]
    assert "2 of 6 sets done to target" in report.summary()


def test_every_shipped_routine_validates():
    result = CliRunner().invoke(app, ["routine", "validate"])
    assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(app, ["routine", "list"])
    assert "INVALID" not in listed.output and len(listed.output.splitlines()) >= 9


def test_routine_cli_needs_a_source_and_refuses_an_unknown_routine():
    result = CliRunner().invoke(app, ["routine", "supine_strength"])
    assert result.exit_code == 2 and "give --source VIDEO" in result.output
    result = CliRunner().invoke(app, ["routine", "prone_strenght", "--source", "x.mp4"])
    assert result.exit_code == 13 and "did you mean 'prone_strength'?" in result.output
