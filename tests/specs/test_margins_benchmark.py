"""The threshold-margin benchmark moves each threshold the way its label says.

``benchmarks/margins.py`` reports how far a threshold can move before a real clip changes
its verdict; "harder" has to mean a stricter spec (a deeper peak, a fuller return, a
condition that is harder to enter) whichever way the metric runs, or the table misleads.
"""

from __future__ import annotations

import pytest

from posecheck.specs.loader import load_spec
from tests.scripts import load_script

margins = load_script("benchmarks/margins.py", "margins")


def _first_steps(moves) -> dict[tuple[str, str], dict[str, float]]:
    return {(what.split(" ")[0] if what.startswith("reps") else what, way): steps[0][0] for what, way, steps in moves}


def test_a_harder_rep_goes_deeper_and_returns_further_for_a_falling_metric():
    squat = load_spec("squat")  # knee angle falls from rest 130 to peak 105
    first = _first_steps(margins.rep_moves(squat))
    assert first[("reps.peak", "harder")] == {"reps.peak": pytest.approx(102.5)}
    assert first[("reps.peak", "easier")] == {"reps.peak": pytest.approx(107.5)}
    assert first[("reps.rest", "harder")] == {"reps.rest": pytest.approx(132.5)}
    assert first[("reps.rest", "easier")] == {"reps.rest": pytest.approx(127.5)}


def test_a_harder_rep_goes_higher_for_a_rising_metric():
    crunch = load_spec("crunch")  # rises from rest 15 to peak 25
    first = _first_steps(margins.rep_moves(crunch))
    assert first[("reps.peak", "harder")] == {"reps.peak": pytest.approx(26.0)}
    assert first[("reps.rest", "harder")] == {"reps.rest": pytest.approx(14.0)}


def test_a_harder_condition_is_further_in_for_either_direction():
    twist = load_spec("lower_back_rotation")  # hold: knees_roll up, enter 45 / exit 35
    first = _first_steps(margins.condition_moves(twist, held=True))
    assert first[("hold: knees_roll 45/35", "harder")] == {
        "hold.require.knees_roll.enter": 50.0, "hold.require.knees_roll.exit": 40.0}
    assert first[("hold: knees_roll 45/35", "easier")] == {
        "hold.require.knees_roll.enter": 40.0, "hold.require.knees_roll.exit": 30.0}
    childs = load_spec("childs_pose")  # hold: trunk down, enter 20 / exit 25
    first = _first_steps(margins.condition_moves(childs, held=True))
    assert first[("hold: trunk 20/25", "harder")] == {"hold.require.trunk.enter": 17.5, "hold.require.trunk.exit": 22.5}


def test_a_hold_is_moved_only_when_a_clip_is_held_and_sequence_states_always():
    assert list(margins.condition_moves(load_spec("lower_back_rotation"), held=False)) == []
    states = {what for what, _, _ in margins.condition_moves(load_spec("cat_cow"), held=False)}
    assert states == {"state cow: head 12/8", "state cat: head -10/-4"}


def test_enter_and_exit_move_together_past_each_other():
    """Two widths easier, knees_roll's enter (25) falls below its old exit (35): set one at a
    time, the spec in between would be invalid."""
    twist = load_spec("lower_back_rotation")
    moves = {(what, way): steps for what, way, steps in margins.condition_moves(twist, held=True)}
    settings, step = moves[("hold: knees_roll 45/35", "easier")][-1]
    assert step == "2x"
    moved = margins.with_values(twist, settings)
    knees = next(c for c in moved.hold.require if c.metric == "knees_roll")
    assert (knees.enter, knees.exit) == (25.0, 15.0)


def test_a_harder_cue_flags_more_in_degrees_or_in_lengths():
    squat = {(what, way): steps for what, way, steps in margins.cue_moves(load_spec("squat"))}
    depth = "cue insufficient_depth max 130"  # the knee angle at the bottom must be at most 130
    assert [s for s, _ in squat[(depth, "harder")]] == [{"cues.insufficient_depth.max": 125.0},
                                                        {"cues.insufficient_depth.max": 120.0}]
    assert squat[(depth, "easier")][0][0] == {"cues.insufficient_depth.max": 135.0}
    plank = {(what, way): steps for what, way, steps in margins.cue_moves(load_spec("forearm_plank"))}
    sag = plank[("cue hips_sagging min -0.06", "harder")][0][0]  # body line: a share of a length
    assert sag == {"cues.hips_sagging.min": pytest.approx(-0.01)}
    assert plank[("cue hips_piked max 0.12", "easier")][0][0] == {"cues.hips_piked.max": pytest.approx(0.17)}
