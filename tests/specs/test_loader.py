"""Spec validation: every shipped spec loads; every mistake gives one exact, fixable line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from posecheck.errors import SpecError, UnknownExerciseError
from posecheck.specs.loader import (
    canonical_exercise,
    known_exercises,
    load_posture_file,
    load_spec,
    load_spec_file,
    posture_files,
    spec_files,
)
from posecheck.specs.schema import ExerciseSpec, PostureSpec
from tests.specs.spec_texts import (
    GOOD,
    GOOD_REPS,
    HOLD,
    SEQUENCE,
    hold_spec,
    mutate,
    sequence_spec,
    spec_error,
    write,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "exercise_specs").glob("*.toml"))
SHIPPED_POSTURES = sorted((REPO / "exercise_specs" / "postures").glob("*.toml"))


pytestmark = pytest.mark.usefixtures("no_extra_spec_dirs")


# -- good specs -------------------------------------------------------------------------------


def test_shipped_specs_exist():
    assert {p.stem for p in SHIPPED} >= {"squat", "glute_bridge", "forearm_plank", "bird_dog", "side_plank"}
    assert {p.stem for p in SHIPPED_POSTURES} >= {
        "supine", "prone", "quadruped", "side_lying", "standing", "kneeling", "seated"
    }


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_spec_validates(path):
    spec = load_spec_file(path)
    assert isinstance(spec, ExerciseSpec)
    assert spec.schema_version == 2
    assert spec.name == path.stem
    assert {"reps": spec.reps, "hold": spec.hold, "sequence": spec.sequence}[spec.mode] is not None
    assert isinstance(spec.posture, PostureSpec)
    assert spec.posture.name == spec.posture_name
    by_name = load_spec(path.stem)
    assert by_name == spec
    for cue in spec.cues:
        if cue.kind in ("frame", "rep"):
            assert cue.metric in spec.metrics
            assert math.isfinite(cue.min if cue.min is not None else cue.max)


def test_known_exercises_lists_the_shipped_specs():
    assert known_exercises() == sorted(p.stem for p in SHIPPED)


def test_minimal_good_spec_and_defaults(tmp_path):
    spec = load_spec_file(write(tmp_path, GOOD))
    assert spec.name == "demo" and spec.mode == "reps" and spec.aliases == []
    assert spec.reps.direction == "up" and spec.reps.require == []
    assert spec.reps.min_phase_s == 0.2 and spec.reps.min_rep_s == 0.8
    assert spec.min_visibility == 0.5 and spec.smoothing_hz == 1.5 and spec.reset_after_s == 1.0
    cue = spec.cue("hips_too_low")
    assert cue.kind == "rep" and cue.judge == "extreme"
    assert cue.severity == "warning" and cue.views is None and cue.require == []
    assert spec.metrics["hip_angle"].space == "image"
    assert spec.metrics["hip_line"].toward is None
    assert spec.dosage.reps is None and spec.dosage.hold_s is None


def test_load_spec_by_path_string(tmp_path):
    path = write(tmp_path, GOOD)
    assert load_spec(str(path)).name == "demo"


def test_posecheck_specs_folders_come_first(tmp_path, monkeypatch):
    write(tmp_path, mutate('name = "demo"', 'name = "squat"').replace("Demo bridge", "My squat"), name="squat")
    write(tmp_path, GOOD)
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    assert load_spec("squat").title == "My squat"
    assert load_spec("demo").title == "Demo bridge"
    assert spec_files()["squat"] == tmp_path / "squat.toml"
    assert "demo" in known_exercises()


def test_unknown_exercise_lists_known_ones_and_suggests():
    with pytest.raises(UnknownExerciseError) as info:
        load_spec("squatt")
    known = ", ".join(sorted(p.stem for p in SHIPPED))
    assert str(info.value) == f"unknown exercise 'squatt' (did you mean 'squat'?); known: {known}"
    assert info.value.exit_code == 13


def test_unknown_exercise_without_close_match_has_no_suggestion():
    with pytest.raises(UnknownExerciseError, match=r"^unknown exercise 'zzzz'; known: ([a-z_0-9]+, )+[a-z_0-9]+$"):
        load_spec("zzzz")


# -- bad specs: exact messages ------------------------------------------------------------------


def test_unknown_top_level_field_suggests_the_closest(tmp_path):
    path = write(tmp_path, mutate('mode = "reps"', 'mod = "reps"'))
    assert spec_error(path).splitlines() == [
        f"{path}: mode: required field is missing",
        f"{path}: mod: unknown field (did you mean 'mode'?)",
    ]


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("peak = 155.0", "peek = 155.0", "reps.peek: unknown field (did you mean 'peak'?)"),
        ('direction = "up"', 'direcion = "up"', "reps.direcion: unknown field (did you mean 'direction'?)"),
        ('kind = "offset"', 'knd = "offset"', "metrics.hip_line.knd: unknown field (did you mean 'kind'?)"),
        ('message = "Drive', 'mesage = "Drive', "cues[0].mesage: unknown field (did you mean 'message'?)"),
        ('kind = "rep"', 'kind = "rep"\njudg = "max"', "cues[0].judg: unknown field (did you mean 'judge'?)"),
        ('sides = "auto"', 'sides = "auto"\ncolour = "red"', "colour: unknown field"),
        ('sides = "auto"', 'sides = "auto"\nalias = ["demo_bridge"]', "alias: unknown field (did you mean 'aliases'?)"),
    ],
)
def test_unknown_nested_field_suggests_from_that_table(tmp_path, old, new, line):
    path = write(tmp_path, mutate(old, new))
    assert f"{path}: {line}" in spec_error(path).splitlines()


def test_unknown_joint_suggests_the_closest(tmp_path):
    text = mutate('"side_shoulder", "side_hip", "side_knee"', '"left_shoulder", "rigth_hip", "left_knee"')
    path = write(tmp_path, text)
    expected = "metrics.hip_angle.joints: unknown joint 'rigth_hip' (did you mean 'right_hip'?)"
    assert spec_error(path) == f"{path}: {expected}"


def test_unknown_template_joint(tmp_path):
    path = write(tmp_path, mutate('"side_knee", "side_shoulder"', '"side_kne", "side_shoulder"'))
    assert spec_error(path) == f"{path}: metrics.hip_line.joints: unknown joint 'side_kne' (did you mean 'side_knee'?)"


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            '"side_shoulder", "side_hip", "side_knee"]',
            '"side_shoulder", "side_hip"]',
            "metrics.hip_angle: 'angle' metrics take 3 joints [a, vertex, c]: "
            "angle at the middle joint, 0..180 deg (180 = straight); got 2",
        ),
        (
            'kind = "offset"\njoints = ["side_hip", "side_knee", "side_shoulder"]',
            'kind = "tilt"\nreference = "vertical"\njoints = ["side_hip", "side_knee", "side_shoulder"]',
            "metrics.hip_line: 'tilt' metrics take 2 joints [from, to]: "
            "segment angle against `reference`, 0..90 deg, unsigned; got 3",
        ),
    ],
)
def test_wrong_joint_count_for_the_metric_kind(tmp_path, old, new, line):
    path = write(tmp_path, mutate(old, new))
    assert spec_error(path) == f"{path}: {line}"


def test_tilt_needs_a_reference_and_only_tilt_takes_one(tmp_path):
    path = write(tmp_path, mutate('kind = "offset"\njoints = ["side_hip", "side_knee", "side_shoulder"]',
                                  'kind = "tilt"\njoints = ["side_hip", "side_knee"]'))
    assert spec_error(path) == f"{path}: metrics.hip_line: a 'tilt' metric needs reference = 'horizontal' or 'vertical'"
    path = write(tmp_path, mutate('kind = "offset"', 'kind = "offset"\nreference = "vertical"'))
    assert spec_error(path) == f"{path}: metrics.hip_line: 'reference' applies to tilt metrics only, not 'offset'"


@pytest.mark.parametrize(
    ("old", "new", "where", "bad", "good"),
    [
        ('metric = "hip_line"\nmin', 'metric = "hip_lin"\nmin', "cues[0].metric", "hip_lin", "hip_line"),
        ('metric = "hip_angle"\nrest', 'metric = "hip_angel"\nrest', "reps.metric", "hip_angel", "hip_angle"),
    ],
)
def test_reference_to_an_unknown_metric_suggests_the_closest(tmp_path, old, new, where, bad, good):
    path = write(tmp_path, mutate(old, new))
    assert spec_error(path) == (
        f"{path}: (top level): {where} names unknown metric {bad!r} (did you mean {good!r}?); "
        "defined: hip_angle, hip_line"
    )


def test_mode_reps_without_a_reps_rule(tmp_path):
    text = mutate('[reps]\ndirection = "up"\nmetric = "hip_angle"\nrest = 140.0\npeak = 155.0\n', "")
    text = mutate('kind = "rep"', 'phase = "any"', text)
    path = write(tmp_path, text)
    assert spec_error(path) == f"{path}: (top level): mode 'reps' needs a [reps] rule"


def test_mode_hold_without_a_hold_rule(tmp_path):
    path = write(tmp_path, mutate('mode = "reps"', 'mode = "hold"'))
    assert spec_error(path) == f"{path}: (top level): mode 'hold' needs a [hold] rule"


def test_rep_cue_without_reps_rule(tmp_path):
    """v1's ``phase = "extreme"`` is v2's ``kind = "rep"``: it needs something that counts reps."""
    text = mutate('[reps]\ndirection = "up"\nmetric = "hip_angle"\nrest = 140.0\npeak = 155.0\n',
                  '[hold]\nrequire = [{ metric = "hip_line", direction = "up", enter = -0.04, exit = -0.08 }]\n')
    path = write(tmp_path, mutate('mode = "reps"', 'mode = "hold"', text))
    assert spec_error(path) == (
        f"{path}: (top level): cues[0] is judged per rep (kind 'rep') but the spec has no [reps] or [sequence] rule"
    )


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        ("max = -0.1", "cues[0]: min (-0.06) must be below max (-0.1)"),
        ("max = -0.06", "cues[0]: min (-0.06) must be below max (-0.06)"),
    ],
)
def test_cue_min_not_below_max(tmp_path, extra, line):
    path = write(tmp_path, mutate("min = -0.06", f"min = -0.06\n{extra}"))
    assert spec_error(path) == f"{path}: {line}"


@pytest.mark.parametrize("kind", ['kind = "rep"\n', 'phase = "any"\n', 'kind = "frame"\nphase = "any"\n'])
def test_cue_without_bounds(tmp_path, kind):
    path = write(tmp_path, mutate('min = -0.06\nkind = "rep"\n', kind))
    assert spec_error(path) == f"{path}: cues[0]: a cue needs 'min', 'max' or both"


def test_rest_equal_to_peak(tmp_path):
    path = write(tmp_path, mutate("peak = 155.0", "peak = 140.0"))
    expected = "reps: direction 'up' needs peak > rest (got rest 140, peak 140); swap them or use direction = 'down'"
    assert spec_error(path) == f"{path}: {expected}"


def test_duplicate_cue_id(tmp_path):
    second = '[[cues]]\nid = "hips_too_low"\nmetric = "hip_line"\nmax = 0.06\nkind = "rep"\nmessage = "Too high"\n'
    path = write(tmp_path, GOOD + "\n" + second)
    assert spec_error(path) == f"{path}: (top level): cues[1].id 'hips_too_low' is used twice"


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ('mode = "reps"', 'mode = "rep"',
         "mode: input should be 'reps', 'hold' or 'sequence', got 'rep' (did you mean 'reps'?)"),
        ('views = ["side"]', 'views = ["sid"]',
         "views[0]: input should be 'side', 'front', 'oblique' or 'rear', got 'sid' (did you mean 'side'?)"),
        ('kind = "rep"', 'kind = "rep"\njudge = "extremes"',
         "cues[0].judge: input should be 'extreme', 'max' or 'min', got 'extremes' (did you mean 'extreme'?)"),
        ('direction = "up"', 'direction = "upp"',
         "reps.direction: input should be 'up' or 'down', got 'upp' (did you mean 'up'?)"),
        ('sides = "auto"', 'sides = "front_legs"',
         "sides: input should be 'auto', 'lower', 'left', 'right', 'alternating', 'front_leg' or 'standing_leg', "
         "got 'front_legs' (did you mean 'front_leg'?)"),
        ('kind = "offset"', 'kind = "offset"\ntoward = "forwards"',
         "metrics.hip_line.toward: input should be 'up' or 'forward', got 'forwards' (did you mean 'forward'?)"),
        ('kind = "offset"', 'kind = "elevaton"',
         "metrics.hip_line.kind: input should be 'angle', 'tilt', 'elevation', 'lean', 'ahead', 'facing', 'rise', 'roll', "
         "'offset', 'height_diff', 'distance_ratio' or 'segment_angle', got 'elevaton' (did you mean 'elevation'?)"),
    ],
)
def test_invalid_choice_suggests_the_closest(tmp_path, old, new, line):
    path = write(tmp_path, mutate(old, new))
    assert spec_error(path) == f"{path}: {line}"


def test_frame_cue_phase_choices(tmp_path):
    path = write(tmp_path, mutate('kind = "rep"', 'phase = "pek"'))
    assert spec_error(path) == (
        f"{path}: cues[0].phase: input should be 'hold', 'peak', 'rest', 'active' or 'any', got 'pek' "
        "(did you mean 'peak'?)"
    )


def test_out_of_range_number_names_the_field(tmp_path):
    path = write(tmp_path, mutate('sides = "auto"', 'sides = "auto"\nmin_visibility = 1.5'))
    assert spec_error(path) == f"{path}: min_visibility: input should be less than or equal to 1"


def test_several_problems_give_one_line_each(tmp_path):
    text = mutate('mode = "reps"', 'mode = "rep"', mutate('"side_knee"]', '"side_kne"]'))
    path = write(tmp_path, text)
    lines = spec_error(path).splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert {line.split(": ")[1] for line in lines} == {"mode", "metrics.hip_angle.joints"}


def test_version_1_specs_are_refused_by_version(tmp_path):
    path = write(tmp_path, mutate("schema_version = 2", "schema_version = 1"))
    assert spec_error(path) == f"{path}: schema_version: input should be 2, got 1"


def test_invalid_toml(tmp_path):
    path = write(tmp_path, mutate('title = "Demo bridge"', 'title = "Demo bridge'))
    message = spec_error(path)
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "line 3" in message
    assert "\n" not in message


def test_not_utf8(tmp_path):
    path = tmp_path / "demo.toml"
    path.write_bytes(GOOD.encode("utf-8") + b'\nnote = "\xff\xfe"\n')
    assert spec_error(path) == f"{path}: not a UTF-8 text file"


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    assert spec_error(path) == f"{path}: spec file not found"


def test_a_folder_is_not_a_spec_file(tmp_path):
    path = tmp_path / "demo.toml"
    path.mkdir()
    assert spec_error(path) == f"{path}: is a folder, not a spec file"


def test_name_must_match_the_file_name(tmp_path):
    path = write(tmp_path, GOOD, name="other")
    assert spec_error(path) == (
        f"{path}: name: 'demo' does not match the file name; rename the file to demo.toml or fix the name"
    )


def test_every_error_starts_with_the_file_path(tmp_path):
    bad_texts = [
        mutate('mode = "reps"', 'mod = "reps"'),
        mutate("min = -0.06", "min = -0.06\nmax = -0.1"),
        mutate('metric = "hip_line"\nmin', 'metric = "nope"\nmin'),
        mutate("rest = 140.0", "rest = 160.0"),
        mutate('posture = "supine"', 'posture = "supin"'),
        mutate('sides = "auto"', 'sides = "auto"\n\n[dosage]\nreps = [10, 5]'),
        "not toml at all [",
    ]
    for i, text in enumerate(bad_texts):
        folder = tmp_path / str(i)
        folder.mkdir()
        path = write(folder, text)
        for line in spec_error(path).splitlines():
            assert line.startswith(f"{path}: ")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+nan"])
def test_non_finite_rep_threshold_is_rejected(tmp_path, value):
    path = write(tmp_path, mutate("rest = 140.0", f"rest = {value}"))
    assert spec_error(path) == f"{path}: reps.rest: input should be a finite number"


def test_unknown_field_in_a_metric_named_like_a_field_still_suggests(tmp_path):
    text = GOOD.replace("hip_line", "space").replace('kind = "offset"', 'knd = "offset"')
    path = write(tmp_path, text)
    assert f"{path}: metrics.space.knd: unknown field (did you mean 'kind'?)" in spec_error(path).splitlines()


# -- v2: direction must agree with the thresholds -----------------------------------------------

SWAP_UP = "swap them or use direction = 'down'"
SWAP_DOWN = "swap them or use direction = 'up'"


@pytest.mark.parametrize(
    ("reps", "line"),
    [
        ('direction = "up"\nmetric = "hip_angle"\nrest = 155.0\npeak = 140.0',
         f"reps: direction 'up' needs peak > rest (got rest 155, peak 140); {SWAP_UP}"),
        ('direction = "down"\nmetric = "hip_angle"\nrest = 140.0\npeak = 155.0',
         f"reps: direction 'down' needs peak < rest (got rest 140, peak 155); {SWAP_DOWN}"),
        ('direction = "down"\nmetric = "hip_angle"\nrest = 140.0\npeak = 140.0',
         f"reps: direction 'down' needs peak < rest (got rest 140, peak 140); {SWAP_DOWN}"),
        ('direction = "up"\nmetric = "hip_angle"\nrest = -0.5\npeak = -0.25',
         None),
        ('direction = "down"\nmetric = "hip_angle"\nrest = 130.0\npeak = 105.0',
         None),
    ],
)
def test_reps_direction_must_agree_with_rest_and_peak(tmp_path, reps, line):
    path = write(tmp_path, mutate('direction = "up"\nmetric = "hip_angle"\nrest = 140.0\npeak = 155.0', reps))
    if line is None:
        assert load_spec_file(path).reps.direction in ("up", "down")
    else:
        assert spec_error(path) == f"{path}: {line}"


def test_reps_direction_is_required(tmp_path):
    path = write(tmp_path, mutate('direction = "up"\n', ""))
    assert spec_error(path) == f"{path}: reps.direction: required field is missing"


def test_condition_direction_is_required(tmp_path):
    path = write(tmp_path, hold_spec().replace('direction = "up", ', ""))
    assert spec_error(path) == f"{path}: hold.require[0].direction: required field is missing"


UP_BACKWARDS = '{ metric = "hip_line", direction = "up", enter = -0.08, exit = -0.04 }'
DOWN_BACKWARDS = '{ metric = "hip_line", direction = "down", enter = -0.04, exit = -0.08 }'
UP_EQUAL = '{ metric = "hip_line", direction = "up", enter = -0.04, exit = -0.04 }'
UP_LINE = f"direction 'up' needs enter > exit (got enter -0.08, exit -0.04); {SWAP_UP}"
DOWN_LINE = f"direction 'down' needs enter < exit (got enter -0.04, exit -0.08); {SWAP_DOWN}"
EQUAL_LINE = f"direction 'up' needs enter > exit (got enter -0.04, exit -0.04); {SWAP_UP}"


def _with_condition(where: str, cond: str) -> str:
    """A valid spec with ``cond`` as the first condition at ``where``."""
    if where == "hold.require":
        return hold_spec().replace(
            '{ metric = "hip_line", direction = "up", enter = -0.04, exit = -0.08 }', cond
        )
    if where == "reps.require":
        return mutate("peak = 155.0", f"peak = 155.0\nrequire = [{cond}]")
    if where == "cues[0].require":
        return mutate('message = "Drive', f'require = [{cond}]\nmessage = "Drive')
    if where == "sequence.states[1].require":
        return sequence_spec().replace(
            '{ metric = "hip_line", direction = "up", enter = -0.05, exit = -0.08 }', cond
        )
    raise AssertionError(where)


@pytest.mark.parametrize("where", ["hold.require", "reps.require", "cues[0].require", "sequence.states[1].require"])
@pytest.mark.parametrize(
    ("cond", "line"), [(UP_BACKWARDS, UP_LINE), (DOWN_BACKWARDS, DOWN_LINE), (UP_EQUAL, EQUAL_LINE)]
)
def test_condition_direction_must_agree_with_enter_and_exit(tmp_path, where, cond, line):
    path = write(tmp_path, _with_condition(where, cond))
    assert spec_error(path) == f"{path}: {where}[0]: {line}"


@pytest.mark.parametrize("where", ["hold.require", "reps.require", "cues[0].require", "sequence.states[1].require"])
def test_conditions_in_the_right_direction_load(tmp_path, where):
    good = '{ metric = "hip_line", direction = "down", enter = -0.08, exit = -0.04 }'
    spec = load_spec_file(write(tmp_path, _with_condition(where, good)))
    conditions = {
        "hold.require": lambda: spec.hold.require,
        "reps.require": lambda: spec.reps.require,
        "cues[0].require": lambda: spec.cues[0].require,
        "sequence.states[1].require": lambda: spec.sequence.states[1].require,
    }[where]()
    assert (conditions[0].direction, conditions[0].enter, conditions[0].exit) == ("down", -0.08, -0.04)


@pytest.mark.parametrize("where", ["hold.require", "reps.require", "cues[0].require", "sequence.states[1].require"])
def test_condition_on_an_unknown_metric_suggests_the_closest(tmp_path, where):
    cond = '{ metric = "hip_lin", direction = "up", enter = -0.04, exit = -0.08 }'
    path = write(tmp_path, _with_condition(where, cond))
    assert spec_error(path) == (
        f"{path}: (top level): {where}[0].metric names unknown metric 'hip_lin' (did you mean 'hip_line'?); "
        "defined: hip_angle, hip_line"
    )


# -- v2: dosage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dosage", "line"),
    [
        ("reps = [10, 5]", "dosage: reps must be [low, high] with 0 < low <= high, got [10, 5]"),
        ("reps = [0, 5]", "dosage.reps[0]: input should be greater than or equal to 1"),
        ("reps = [-3, 5]", "dosage.reps[0]: input should be greater than or equal to 1"),
        ("reps = [-5, 3]", "dosage.reps[0]: input should be greater than or equal to 1"),
        ("reps = [5, 5000]", "dosage.reps[1]: input should be less than or equal to 1000"),
        ("reps = [5]", "dosage.reps[1]: required field is missing"),
        ("sets = 0", "dosage.sets: input should be greater than or equal to 1"),
        ("sets = 21", "dosage.sets: input should be less than or equal to 20"),
    ],
)
def test_dosage_reps_range_must_be_positive_and_ordered(tmp_path, dosage, line):
    path = write(tmp_path, GOOD + f"\n[dosage]\n{dosage}\n")
    assert spec_error(path) == f"{path}: {line}"


@pytest.mark.parametrize(
    ("dosage", "line"),
    [
        ("hold_s = [20.0, 10.0]", "dosage: hold_s must be [low, high] with 0 < low <= high, got [20, 10]"),
        ("hold_s = [0.0, 10.0]", "dosage.hold_s[0]: input should be greater than 0"),
        ("hold_s = [-1.5, 10.0]", "dosage.hold_s[0]: input should be greater than 0"),
        ("hold_s = [nan, 10.0]", "dosage.hold_s[0]: input should be a finite number"),
        ("hold_s = [10.0, inf]", "dosage.hold_s[1]: input should be a finite number"),
    ],
)
def test_dosage_hold_range_must_be_positive_and_ordered(tmp_path, dosage, line):
    path = write(tmp_path, hold_spec() + f"\n[dosage]\n{dosage}\n")
    assert spec_error(path) == f"{path}: {line}"


@pytest.mark.parametrize(("text", "dosage"), [
    (GOOD, "reps = [8, 8]"), (GOOD, "reps = [1, 12]\nsets = 20"), (hold_spec(), "hold_s = [0.5, 0.5]"),
    (hold_spec(), "hold_s = [10, 20]"), (sequence_spec(), "reps = [5, 10]\nper_side = true"),
])
def test_good_dosage_ranges_load(tmp_path, text, dosage):
    spec = load_spec_file(write(tmp_path, text + f"\n[dosage]\n{dosage}\n"))
    assert spec.dosage.reps is not None or spec.dosage.hold_s is not None


def test_dosage_must_match_the_driver(tmp_path):
    path = write(tmp_path, hold_spec() + "\n[dosage]\nreps = [5, 10]\n")
    assert spec_error(path) == f"{path}: (top level): dosage.reps needs a [reps] or [sequence] rule to count them"
    path = write(tmp_path, GOOD + "\n[dosage]\nhold_s = [5.0, 10.0]\n")
    assert spec_error(path) == f"{path}: (top level): dosage.hold_s needs a [hold] rule to time it"


# -- v2: postures -------------------------------------------------------------------------------

KNOWN_POSTURES = ", ".join(sorted(posture_files()))


@pytest.mark.parametrize("path", SHIPPED_POSTURES, ids=[p.stem for p in SHIPPED_POSTURES])
def test_every_shipped_posture_validates(path):
    posture = load_posture_file(path)
    assert posture.name == path.stem
    assert posture_files()[path.stem] == path
    for cond in posture.require:
        assert cond.metric in posture.metrics


def test_named_posture_resolves_to_the_library_definition(tmp_path):
    spec = load_spec_file(write(tmp_path, GOOD))
    assert spec.posture == load_posture_file(REPO / "exercise_specs" / "postures" / "supine.toml")
    assert spec.posture_name == "supine"


def test_posture_is_required(tmp_path):
    path = write(tmp_path, mutate('posture = "supine"\n', ""))
    assert spec_error(path) == f"{path}: posture: required field is missing"


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("supin", " (did you mean 'supine'?)"),
        ("Prone", " (did you mean 'prone' or 'prone_over_support'?)"),
        ("side_lyng", " (did you mean 'side_lying'?)"),
        ("lying", " (did you mean 'side_lying'?)"),
        ("cartwheel", ""),
    ],
)
def test_unknown_posture_suggests_the_closest_and_lists_the_known(tmp_path, name, hint):
    path = write(tmp_path, mutate('posture = "supine"', f'posture = "{name}"'))
    assert spec_error(path) == f"{path}: posture: unknown posture {name!r}{hint}; known: {KNOWN_POSTURES}"


INLINE_POSTURE = '''
[posture]
name = "flat"
title = "lying flat"
grace_s = 2.0
require = [{ metric = "trunk", direction = "down", enter = 30.0, exit = 40.0 }]

[posture.metrics.trunk]
kind = "tilt"
joints = ["mid_hip", "mid_shoulder"]
reference = "horizontal"
space = "world"
'''


def inline(text: str = INLINE_POSTURE, spec: str = GOOD) -> str:
    return mutate('posture = "supine"\n', "", spec) + text


def test_inline_posture(tmp_path):
    spec = load_spec_file(write(tmp_path, inline()))
    assert isinstance(spec.posture, PostureSpec)
    assert spec.posture_name == "flat" and spec.posture.title == "lying flat"
    assert spec.posture.grace_s == 2.0 and spec.posture.min_enter_s == 0.3
    assert spec.posture.require[0].metric == "trunk"
    assert "trunk" not in spec.metrics  # posture metrics are the posture's own


def test_inline_posture_may_shadow_a_library_name(tmp_path):
    spec = load_spec_file(write(tmp_path, inline(INLINE_POSTURE.replace('"flat"', '"supine"'))))
    assert spec.posture.title == "lying flat"


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ('enter = 30.0, exit = 40.0', 'enter = 40.0, exit = 30.0',
         f"posture.require[0]: direction 'down' needs enter < exit (got enter 40, exit 30); {SWAP_DOWN}"),
        ('metric = "trunk", direction', 'metric = "trnk", direction',
         "posture: require[0].metric names unknown metric 'trnk' (did you mean 'trunk'?); defined: trunk"),
        ('title = "lying flat"', 'titel = "lying flat"', "posture.titel: unknown field (did you mean 'title'?)"),
        ('name = "flat"', 'name = "Flat"', "posture.name: string should match pattern '^[a-z][a-z0-9_]*$'"),
        ('title = "lying flat"', 'title = "ok"', "posture.title: string should have at least 3 characters"),
        ('reference = "horizontal"', 'reference = "horizontl"',
         "posture.metrics.trunk.reference: input should be 'horizontal' or 'vertical', got 'horizontl' "
         "(did you mean 'horizontal'?)"),
    ],
)
def test_inline_posture_errors_name_the_posture_field(tmp_path, old, new, line):
    path = write(tmp_path, inline(mutate(old, new, INLINE_POSTURE)))
    assert f"{path}: {line}" in spec_error(path).splitlines()


def test_inline_posture_needs_metrics_and_conditions(tmp_path):
    empty = 'posture = { name = "flat", title = "lying flat", metrics = {}, require = [] }'
    path = write(tmp_path, mutate('posture = "supine"', empty))
    lines = spec_error(path).splitlines()
    assert f"{path}: posture.metrics: dictionary should have at least 1 item after validation, not 0" in lines
    assert f"{path}: posture.require: list should have at least 1 item after validation, not 0" in lines


def test_posture_from_posecheck_specs_folder(tmp_path, monkeypatch):
    (tmp_path / "postures").mkdir()
    write(tmp_path / "postures", INLINE_POSTURE.replace("[posture.", "[").replace("[posture]\n", ""), name="flat")
    path = write(tmp_path, mutate('posture = "supine"', 'posture = "flat"'))
    assert "flat" not in posture_files()
    assert spec_error(path).endswith(f"; known: {KNOWN_POSTURES}")
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    assert posture_files()["flat"] == tmp_path / "postures" / "flat.toml"
    assert load_spec("demo").posture.title == "lying flat"


def test_posture_in_posecheck_specs_folder_comes_first(tmp_path, monkeypatch):
    (tmp_path / "postures").mkdir()
    flat = INLINE_POSTURE.replace("[posture.", "[").replace("[posture]\n", "")
    write(tmp_path / "postures", flat.replace('"flat"', '"supine"'), name="supine")
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    assert posture_files()["supine"] == tmp_path / "postures" / "supine.toml"
    assert load_spec_file(write(tmp_path, GOOD)).posture.title == "lying flat"
    assert load_spec("glute_bridge").posture.title == "lying flat"


def test_broken_library_posture_names_the_posture_file(tmp_path, monkeypatch):
    (tmp_path / "postures").mkdir()
    posture = write(tmp_path / "postures", 'name = "flat"\ntitle = "lying flat"\nmetrcs = {}\n', name="flat")
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    path = write(tmp_path, mutate('posture = "supine"', 'posture = "flat"'))
    assert spec_error(path).splitlines() == [
        f"{posture}: metrics: required field is missing",
        f"{posture}: require: required field is missing",
        f"{posture}: metrcs: unknown field (did you mean 'metrics'?)",
    ]
    write(tmp_path / "postures", 'name = "flat2"\ntitle = "lying flat"\n', name="flat")
    assert spec_error(path).startswith(f"{posture}: ")


def test_library_posture_name_must_match_its_file(tmp_path, monkeypatch):
    (tmp_path / "postures").mkdir()
    flat = INLINE_POSTURE.replace("[posture.", "[").replace("[posture]\n", "")
    posture = write(tmp_path / "postures", flat, name="flat2")
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    path = write(tmp_path, mutate('posture = "supine"', 'posture = "flat2"'))
    assert spec_error(path) == (
        f"{posture}: name: 'flat' does not match the file name; rename the file to flat.toml or fix the name"
    )


# -- v2: cue kinds --------------------------------------------------------------------------------


def cue(body: str, cue_id: str = "c") -> str:
    return f'\n[[cues]]\nid = "{cue_id}"\nmessage = "A message"\n{body}\n'


def test_cue_kind_defaults_to_frame(tmp_path):
    spec = load_spec_file(write(tmp_path, GOOD + cue('metric = "hip_line"\nmax = 0.1\nphase = "peak"')))
    frame = spec.cue("c")
    assert frame.kind == "frame" and frame.phase == "peak"
    assert frame.hysteresis == 0.0 and frame.min_duration_s == 0.3


@pytest.mark.parametrize(
    ("text", "body"),
    [
        (GOOD, 'metric = "hip_line"\nmax = 0.1\nphase = "peak"'),
        (GOOD, 'metric = "hip_line"\nmax = 0.1\nphase = "rest"\nkind = "frame"'),
        (GOOD, 'metric = "hip_line"\nmax = 0.1\nphase = "active"\nhysteresis = 0.01\nmin_duration_s = 1.0'),
        (GOOD, 'metric = "hip_line"\nmax = 0.1\nphase = "any"\nviews = ["side", "rear"]'),
        (hold_spec(), 'metric = "hip_line"\nmax = 0.1\nphase = "hold"'),
        (hold_spec(), 'metric = "hip_line"\nmin = -0.2\nphase = "any"'),
        (hold_spec(), 'metric = "hip_line"\nmin = -0.2\nphase = "active"'),
        (sequence_spec(), 'metric = "hip_line"\nmin = -0.2\nphase = "any"'),
        (GOOD, 'metric = "hip_angle"\nmin = 90.0\nkind = "rep"\njudge = "min"'),
        (GOOD, 'metric = "hip_angle"\nmax = 190.0\nkind = "rep"\njudge = "max"\nseverity = "error"'),
        (sequence_spec(), 'metric = "hip_angle"\nmax = 190.0\nkind = "rep"'),
        (GOOD, 'kind = "pause"\nmin_s = 1.5'),
        (GOOD, 'kind = "tempo"\nmin_rep_s = 2.0'),
        (GOOD, 'kind = "tempo"\nmin_out_s = 1.0\nmin_back_s = 1.0'),
        (GOOD, 'kind = "tempo"\nmin_back_s = 1.0\nviews = ["side"]\n'
               'require = [{ metric = "hip_line", direction = "up", enter = -0.1, exit = -0.2 }]'),
        (GOOD, 'kind = "pause"\nmin_s = 60\nseverity = "info"\nviews = ["front"]\n'
               'require = [{ metric = "hip_line", direction = "up", enter = -0.1, exit = -0.2 }]'),
    ],
)
def test_each_cue_kind_where_it_is_allowed(tmp_path, text, body):
    spec = load_spec_file(write(tmp_path, text + cue(body)))
    assert spec.cue("c").message == "A message"


@pytest.mark.parametrize(
    ("body", "lines"),
    [
        ('metric = "hip_line"\nmax = 0.1', ["cues[1].phase: required field is missing"]),
        ('kind = "frame"\nmax = 0.1\nphase = "any"', ["cues[1].metric: required field is missing"]),
        ('metric = "hip_line"\nmax = 0.1\nphase = "any"\njudge = "max"',
         ["cues[1].judge: unknown field"]),
        ('metric = "hip_line"\nmax = 0.1\nphase = "any"\nhysteresis = -0.1',
         ["cues[1].hysteresis: input should be greater than or equal to 0"]),
        ('kind = "rep"\nmax = 0.1', ["cues[1].metric: required field is missing"]),
        ('kind = "rep"\nmetric = "hip_line"', ["cues[1]: a cue needs 'min', 'max' or both"]),
        ('kind = "rep"\nmetric = "hip_line"\nmax = 0.1\nphase = "peak"',
         ["cues[1].phase: unknown field"]),
        ('kind = "rep"\nmetric = "hip_line"\nmax = 0.1\nmin_duration_s = 1.0',
         ["cues[1].min_duration_s: unknown field"]),
        ('kind = "pause"', ["cues[1].min_s: required field is missing"]),
        ('kind = "pause"\nmin_s = 0', ["cues[1].min_s: input should be greater than 0"]),
        ('kind = "pause"\nmin_s = 61', ["cues[1].min_s: input should be less than or equal to 60"]),
        ('kind = "pause"\nmin_s = 1.0\nmetric = "hip_line"', ["cues[1].metric: unknown field"]),
        ('kind = "tempo"', ["cues[1]: a tempo cue needs min_rep_s, min_out_s or min_back_s"]),
        ('kind = "tempo"\nmin_rep_s = 0', ["cues[1].min_rep_s: input should be greater than 0"]),
        ('kind = "tempo"\nmin_rep = 2.0', ["cues[1].min_rep: unknown field (did you mean 'min_rep_s'?)"]),
        ('kind = "tempo"\nmin_out_s = 1.0\nmax = 3.0', ["cues[1].max: unknown field"]),
        ('kind = "rep"\nmetric = "hip_line"\nmax = 0.1\nviews = ["top"]',
         ["cues[1].views[0]: input should be 'side', 'front', 'oblique' or 'rear', got 'top'"]),
    ],
)
def test_each_cue_kind_needs_its_own_fields(tmp_path, body, lines):
    path = write(tmp_path, GOOD + cue(body))
    message = spec_error(path)
    assert sorted(message.splitlines()) == sorted(f"{path}: {line}" for line in lines)


@pytest.mark.parametrize(
    ("text", "body", "line"),
    [
        (hold_spec(), 'kind = "rep"\nmetric = "hip_line"\nmax = 0.1',
         "cues[0] is judged per rep (kind 'rep') but the spec has no [reps] or [sequence] rule"),
        (hold_spec(), 'kind = "pause"\nmin_s = 1.0',
         "cues[0] is judged per rep (kind 'pause') but the spec has no [reps] or [sequence] rule"),
        (hold_spec(), 'kind = "tempo"\nmin_rep_s = 1.0',
         "cues[0] is judged per rep (kind 'tempo') but the spec has no [reps] or [sequence] rule"),
        (sequence_spec(), 'kind = "pause"\nmin_s = 1.0', "cues[1] (kind 'pause') needs a [reps] rule"),
        (sequence_spec(), 'kind = "tempo"\nmin_out_s = 1.0', "cues[1] (kind 'tempo') needs a [reps] rule"),
        (hold_spec(), 'metric = "hip_line"\nmax = 0.1\nphase = "peak"',
         "cues[0] uses phase 'peak' but the spec has no [reps] rule"),
        (sequence_spec(), 'metric = "hip_line"\nmax = 0.1\nphase = "rest"',
         "cues[1] uses phase 'rest' but the spec has no [reps] rule"),
        (GOOD, 'metric = "hip_line"\nmax = 0.1\nphase = "hold"',
         "cues[1] uses phase 'hold' but the spec has no [hold] rule"),
        (GOOD, 'kind = "tempo"\nmin_rep_s = 0.8',
         "cues[1].min_rep_s 0.8 can never flag a rep: reps shorter than reps.min_rep_s 0.8 are not counted; "
         "lower reps.min_rep_s (to about half of 0.8) so that a rushed rep is counted and flagged"),
    ],
)
def test_cue_kinds_need_their_driver(tmp_path, text, body, line):
    path = write(tmp_path, text + cue(body))
    assert spec_error(path) == f"{path}: (top level): {line}"


def test_pause_and_tempo_cues_with_reps_and_hold(tmp_path):
    text = mutate(GOOD_REPS, GOOD_REPS + "\n" + HOLD)
    text += cue('kind = "pause"\nmin_s = 1.0') + cue('kind = "tempo"\nmin_rep_s = 2.0', "t")
    spec = load_spec_file(write(tmp_path, text))
    assert [c.kind for c in spec.cues] == ["rep", "pause", "tempo"]
    assert spec.hold is not None and spec.reps is not None


def test_v1_extreme_phase_is_not_a_frame_phase(tmp_path):
    path = write(tmp_path, mutate('kind = "rep"', 'phase = "extreme"'))
    assert spec_error(path).startswith(
        f"{path}: cues[0].phase: input should be 'hold', 'peak', 'rest', 'active' or 'any'"
    )


# -- v2: sequence -----------------------------------------------------------------------------------


def test_sequence_spec_loads(tmp_path):
    spec = load_spec_file(write(tmp_path, sequence_spec()))
    assert [s.name for s in spec.sequence.states] == ["low", "high"]
    assert spec.sequence.order == ["low", "high", "low"]
    assert spec.sequence.min_state_s == 0.2 and spec.sequence.max_cycle_s == 30.0


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ('order = ["low", "high", "low"]', 'order = ["low", "hihg", "low"]',
         "sequence: order[1] names unknown state 'hihg' (did you mean 'high'?); states: low, high"),
        ('order = ["low", "high", "low"]', 'order = ["low", "middle"]',
         "sequence: order[1] names unknown state 'middle'; states: low, high"),
        ('order = ["low", "high", "low"]', 'order = ["low", "low", "high"]',
         "sequence: order repeats state 'low' twice in a row"),
        ('order = ["low", "high", "low"]', 'order = ["low"]',
         "sequence.order: list should have at least 2 items after validation, not 1"),
        ('name = "high"', 'name = "low"', "sequence: sequence state names must be unique"),
        ('name = "high"', 'name = "High"', "sequence.states[1].name: string should match pattern '^[a-z][a-z0-9_]*$'"),
        ('name = "high"', 'nam = "high"', "sequence.states[1].nam: unknown field (did you mean 'name'?)"),
    ],
)
def test_sequence_errors(tmp_path, old, new, line):
    path = write(tmp_path, mutate(old, new, sequence_spec()))
    assert f"{path}: {line}" in spec_error(path).splitlines()


def test_sequence_needs_two_states_with_conditions(tmp_path):
    text = sequence_spec()
    text = text[: text.index('[[sequence.states]]\nname = "high"')]
    path = write(tmp_path, mutate('order = ["low", "high", "low"]', 'order = ["low", "low2"]', text))
    line = f"{path}: sequence.states: list should have at least 2 items after validation, not 1"
    assert line in spec_error(path).splitlines()


def test_sequence_metric_must_be_defined(tmp_path):
    text = mutate('metric = "hip_line"\n\n[[sequence', 'metric = "hip_lines"\n\n[[sequence', sequence_spec())
    path = write(tmp_path, text)
    assert spec_error(path) == (
        f"{path}: (top level): sequence.metric names unknown metric 'hip_lines' (did you mean 'hip_line'?); "
        "defined: hip_angle, hip_line"
    )


def test_reps_and_sequence_are_exclusive(tmp_path):
    path = write(tmp_path, GOOD + "\n" + SEQUENCE)
    assert spec_error(path) == f"{path}: (top level): a spec counts with [reps] or with [sequence], not both"


def test_mode_sequence_needs_a_sequence_rule(tmp_path):
    path = write(tmp_path, mutate('mode = "reps"', 'mode = "sequence"'))
    assert spec_error(path) == f"{path}: (top level): mode 'sequence' needs a [sequence] rule"


# -- v2: metric kinds, sides, hold.per_side ----------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "line"),
    [
        ('kind = "facing"\nspace = "world"', None),
        ('kind = "elevation"\njoints = ["side_hip", "side_knee"]', None),
        ('kind = "lean"\njoints = ["mid_hip", "mid_shoulder"]\nspace = "world"', None),
        ('kind = "ahead"\njoints = ["left_knee", "right_knee"]', None),
        ('kind = "offset"\njoints = ["side_hip", "side_knee", "side_shoulder"]\ntoward = "forward"', None),
        ('kind = "offset"\njoints = ["side_hip", "side_knee", "side_shoulder"]\ntoward = "up"', None),
        ('kind = "facing"',
         "metrics.extra: a 'facing' metric needs space = 'world' (the body's directions are 3D quantities)"),
        ('kind = "facing"\nspace = "world"\njoints = ["mid_hip"]',
         "metrics.extra: 'facing' metrics take 0 joints []: where the chest points, -90 (to the floor: prone, "
         "all fours) .. 90 deg (to the ceiling: supine); got 1"),
        ('kind = "elevation"\njoints = ["side_hip"]',
         "metrics.extra: 'elevation' metrics take 2 joints [from, to]: how far the segment points above the "
         "horizontal, -90..90 deg; got 1"),
        ('kind = "lean"\njoints = ["mid_hip", "mid_shoulder"]\ntoward = "up"',
         "metrics.extra: 'toward' applies to offset metrics only, not 'lean'"),
        ('kind = "ahead"\njoints = ["left_knee", "right_knee"]\nreference = "vertical"',
         "metrics.extra: 'reference' applies to tilt metrics only, not 'ahead'"),
    ],
)
def test_v2_metric_kinds(tmp_path, metric, line):
    path = write(tmp_path, GOOD + f"\n[metrics.extra]\n{metric}\n")
    if line is None:
        assert "extra" in load_spec_file(path).metrics
    else:
        assert spec_error(path) == f"{path}: {line}"


def test_front_leg_and_per_side_need_side_joints(tmp_path):
    assert load_spec_file(write(tmp_path, mutate('sides = "auto"', 'sides = "front_leg"'))).sides == "front_leg"
    plain = GOOD.replace("side_", "left_")
    path = write(tmp_path, mutate('sides = "auto"', 'sides = "front_leg"', plain))
    assert spec_error(path) == f"{path}: (top level): sides = 'front_leg' needs metrics with side_ joints"
    assert load_spec_file(write(tmp_path, hold_spec() + "")).hold.per_side is False
    per_side = hold_spec().replace("[hold]\n", "[hold]\nper_side = true\n")
    assert load_spec_file(write(tmp_path, per_side)).hold.per_side is True
    path = write(tmp_path, per_side.replace("side_", "left_"))
    assert spec_error(path) == (
        f"{path}: (top level): hold.per_side needs metrics with side_ joints (the side is chosen per frame)"
    )


# -- v2: aliases --------------------------------------------------------------------------------------


def test_aliases_must_be_snake_case(tmp_path):
    path = write(tmp_path, mutate('sides = "auto"', 'sides = "auto"\naliases = ["hip_bridge", "Hip Bridge"]'))
    assert spec_error(path) == f"{path}: aliases: alias 'Hip Bridge' must be snake_case (a-z, 0-9, _)"


def test_aliases_resolve_to_their_spec(tmp_path, monkeypatch):
    (tmp_path / "postures").mkdir()
    flat = INLINE_POSTURE.replace("[posture.", "[").replace("[posture]\n", "")
    write(tmp_path / "postures", flat, name="flat")
    text = mutate('posture = "supine"', 'posture = "flat"\naliases = ["hip_bridge", "bridge_demo"]')
    write(tmp_path, text)
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    assert canonical_exercise("demo") == "demo"
    assert canonical_exercise("hip_bridge") == "demo"
    assert canonical_exercise("bridge_demo") == "demo"
    assert canonical_exercise("squat") == "squat"
    assert canonical_exercise("hip_bridges") is None
    spec = load_spec("hip_bridge")
    assert spec.name == "demo" and spec.aliases == ["hip_bridge", "bridge_demo"]
    assert spec.posture.name == "flat" and spec.posture.title == "lying flat"
    assert spec == load_spec("demo") == load_spec("bridge_demo")
    with pytest.raises(UnknownExerciseError, match=r"^unknown exercise 'hip_bridges' \(did you mean 'hip_bridge'\?\)"):
        load_spec("hip_bridges")


def test_a_spec_name_wins_over_another_specs_alias(tmp_path, monkeypatch):
    write(tmp_path, mutate('sides = "auto"', 'sides = "auto"\naliases = ["squat"]'))
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    assert canonical_exercise("squat") == "squat"
    assert load_spec("squat").title == "Bodyweight squat"


def test_a_broken_spec_does_not_hide_other_aliases(tmp_path, monkeypatch):
    write(tmp_path, mutate('sides = "auto"', 'sides = "auto"\naliases = ["hip_bridge"]'))
    write(tmp_path, "not toml [", name="broken")
    write(tmp_path, 'aliases = "not_a_list"\n', name="odd")
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    assert canonical_exercise("hip_bridge") == "demo"
    with pytest.raises(SpecError, match=r"invalid TOML"):
        load_spec("broken")
