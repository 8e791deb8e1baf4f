"""Spec validation: every shipped spec loads; every mistake gives one exact, fixable line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from posecheck.errors import SpecError, UnknownExerciseError
from posecheck.specs.loader import known_exercises, load_spec, load_spec_file, spec_files
from posecheck.specs.schema import ExerciseSpec

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "exercise_specs").glob("*.toml"))

GOOD = '''\
schema_version = 1
name = "demo"
title = "Demo bridge"
mode = "reps"
views = ["side"]
sides = "auto"

[metrics.hip_angle]
kind = "angle"
joints = ["side_shoulder", "side_hip", "side_knee"]

[metrics.hip_line]
kind = "offset"
joints = ["side_hip", "side_knee", "side_shoulder"]

[reps]
metric = "hip_angle"
rest = 140.0
peak = 155.0

[[cues]]
id = "hips_too_low"
metric = "hip_line"
min = -0.06
phase = "extreme"
message = "Drive the hips higher"
'''


@pytest.fixture(autouse=True)
def _no_extra_spec_dirs(monkeypatch):
    monkeypatch.delenv("POSECHECK_SPECS", raising=False)


def write(tmp_path: Path, text: str, name: str = "demo") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def mutate(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def spec_error(path: Path) -> str:
    with pytest.raises(SpecError) as info:
        load_spec_file(path)
    assert info.value.exit_code == 14
    return str(info.value)


# -- good specs -------------------------------------------------------------------------------


def test_shipped_specs_exist():
    assert {p.stem for p in SHIPPED} >= {"squat", "glute_bridge", "forearm_plank", "bird_dog", "side_plank"}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_spec_validates(path):
    spec = load_spec_file(path)
    assert isinstance(spec, ExerciseSpec)
    assert spec.name == path.stem
    assert (spec.reps is not None) if spec.mode == "reps" else (spec.hold is not None)
    by_name = load_spec(path.stem)
    assert by_name == spec
    for cue in spec.cues:
        assert cue.metric in spec.metrics
        assert math.isfinite(cue.min if cue.min is not None else cue.max)


def test_known_exercises_lists_the_shipped_specs():
    assert known_exercises() == sorted(p.stem for p in SHIPPED)


def test_minimal_good_spec_and_defaults(tmp_path):
    spec = load_spec_file(write(tmp_path, GOOD))
    assert spec.name == "demo" and spec.mode == "reps"
    assert spec.reps.min_phase_s == 0.2 and spec.reps.min_rep_s == 0.8
    assert spec.min_visibility == 0.5 and spec.smoothing_hz == 1.5 and spec.reset_after_s == 1.0
    assert spec.cue("hips_too_low").severity == "warning"
    assert spec.cue("hips_too_low").min_duration_s == 0.3
    assert spec.metrics["hip_angle"].space == "image"


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
    with pytest.raises(UnknownExerciseError, match=r"^unknown exercise 'zzzz'; known: bird_dog, "):
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
        ('kind = "offset"', 'knd = "offset"', "metrics.hip_line.knd: unknown field (did you mean 'kind'?)"),
        ('message = "Drive', 'mesage = "Drive', "cues[0].mesage: unknown field (did you mean 'message'?)"),
        ('sides = "auto"', 'sides = "auto"\ncolour = "red"', "colour: unknown field"),
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
            "angle at the middle joint, 0..180 deg; got 2",
        ),
        (
            'kind = "offset"\njoints = ["side_hip", "side_knee", "side_shoulder"]',
            'kind = "tilt"\nreference = "vertical"\njoints = ["side_hip", "side_knee", "side_shoulder"]',
            "metrics.hip_line: 'tilt' metrics take 2 joints [from, to]: "
            "segment angle against `reference`, 0..90 deg; got 3",
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
    text = mutate('[reps]\nmetric = "hip_angle"\nrest = 140.0\npeak = 155.0\n', "")
    text = mutate('phase = "extreme"', 'phase = "any"', text)
    path = write(tmp_path, text)
    assert spec_error(path) == f"{path}: (top level): mode 'reps' needs a [reps] rule"


def test_mode_hold_without_a_hold_rule(tmp_path):
    path = write(tmp_path, mutate('mode = "reps"', 'mode = "hold"'))
    assert spec_error(path) == f"{path}: (top level): mode 'hold' needs a [hold] rule"


def test_extreme_cue_without_reps_rule(tmp_path):
    text = mutate('[reps]\nmetric = "hip_angle"\nrest = 140.0\npeak = 155.0\n',
                  '[hold]\nrequire = [{ metric = "hip_line", enter = -0.04, exit = -0.08 }]\n')
    path = write(tmp_path, mutate('mode = "reps"', 'mode = "hold"', text))
    assert spec_error(path) == f"{path}: (top level): cues[0] uses phase 'extreme' but the spec has no [reps] rule"


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


def test_cue_without_bounds(tmp_path):
    path = write(tmp_path, mutate("min = -0.06\n", ""))
    assert spec_error(path) == f"{path}: cues[0]: a cue needs 'min', 'max' or both"


def test_rest_equal_to_peak(tmp_path):
    path = write(tmp_path, mutate("peak = 155.0", "peak = 140.0"))
    expected = "reps: rest and peak must differ (both are 140.0); they form the hysteresis band"
    assert spec_error(path) == f"{path}: {expected}"


def test_duplicate_cue_id(tmp_path):
    second = '[[cues]]\nid = "hips_too_low"\nmetric = "hip_line"\nmax = 0.06\nphase = "extreme"\nmessage = "Too high"\n'
    path = write(tmp_path, GOOD + "\n" + second)
    assert spec_error(path) == f"{path}: (top level): cues[1].id 'hips_too_low' is used twice"


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ('mode = "reps"', 'mode = "rep"', "mode: input should be 'reps' or 'hold', got 'rep' (did you mean 'reps'?)"),
        ('views = ["side"]', 'views = ["sid"]',
         "views[0]: input should be 'side', 'front', 'oblique' or 'rear', got 'sid' (did you mean 'side'?)"),
        ('phase = "extreme"', 'phase = "extremes"',
         "cues[0].phase: input should be 'extreme', 'hold', 'peak', 'rest', 'active' or 'any', got 'extremes' "
         "(did you mean 'extreme'?)"),
    ],
)
def test_invalid_choice_suggests_the_closest(tmp_path, old, new, line):
    path = write(tmp_path, mutate(old, new))
    assert spec_error(path) == f"{path}: {line}"


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
        "not toml at all [",
    ]
    for i, text in enumerate(bad_texts):
        folder = tmp_path / str(i)
        folder.mkdir()
        path = write(folder, text)
        for line in spec_error(path).splitlines():
            assert line.startswith(f"{path}: ")


def test_non_finite_rep_threshold_is_rejected(tmp_path):
    path = write(tmp_path, mutate("rest = 140.0", "rest = nan"))
    assert "reps.rest" in spec_error(path)


def test_unknown_field_in_a_metric_named_like_a_field_still_suggests(tmp_path):
    text = GOOD.replace("hip_line", "space").replace('kind = "offset"', 'knd = "offset"')
    path = write(tmp_path, text)
    assert f"{path}: metrics.space.knd: unknown field (did you mean 'kind'?)" in spec_error(path).splitlines()
