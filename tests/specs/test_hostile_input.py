"""Hostile spec files: deeply nested TOML and other inputs that must end in one SpecError, never a crash.

The ``test_fixed_*`` tests pin loader bugs these tests found (recursion in an error
message, a ValueError from a NUL in a path, an extra line for inline postures, ...).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from posecheck.cli import app
from posecheck.errors import SpecError, UnknownExerciseError
from posecheck.specs.loader import MAX_NESTING, load_spec, load_spec_file
from tests.specs.spec_texts import (
    GOOD,
    deep_array,
    deep_dotted_key,
    deep_inline_table,
    mutate,
    spec_error,
    write,
)

TOO_DEEP = f"arrays or tables nested more than {MAX_NESTING} levels deep; a spec needs at most 5"


pytestmark = pytest.mark.usefixtures("no_extra_spec_dirs")


# -- deep nesting -------------------------------------------------------------------------------

DEEP_TEXTS = {
    "array_500": deep_array(500),
    "inline_table_500": deep_inline_table(500),
    "mixed_500": "a = " + "[{ a = " * 250 + "1" + " }]" * 250 + "\n",
    "array_5000": deep_array(5000),
    "unclosed_array_500": "a = " + "[" * 500 + "\n",
    "array_500_in_a_good_spec": GOOD.replace('sides = "auto"\n', 'sides = "auto"\n' + deep_array(500)),
    "inline_table_500_as_posture": mutate(
        'posture = "supine"', deep_inline_table(500).replace("a = ", "posture = ", 1)
    ),
    "array_500_in_a_cue": GOOD + deep_array(500).replace("a = ", "require = ", 1),
}


@pytest.mark.parametrize("text", list(DEEP_TEXTS.values()), ids=list(DEEP_TEXTS))
def test_deep_nesting_is_one_spec_error_naming_the_file(tmp_path, text):
    path = write(tmp_path, text)
    assert spec_error(path) == f"{path}: {TOO_DEEP}"


def test_nesting_up_to_the_limit_is_read(tmp_path):
    path = write(tmp_path, GOOD + deep_array(MAX_NESTING).replace("a = ", "zzz = ", 1))
    assert spec_error(path) == f"{path}: cues[0].zzz: unknown field"
    path = write(tmp_path, GOOD + deep_array(MAX_NESTING + 1).replace("a = ", "zzz = ", 1))
    assert spec_error(path) == f"{path}: {TOO_DEEP}"


DOTTED_TOO_DEEP = f"keys or tables nested more than {MAX_NESTING} levels deep; a spec needs at most 5"


@pytest.mark.parametrize(
    "text",
    [
        deep_dotted_key(500),
        "[" + deep_dotted_key(500).removesuffix(" = 1\n") + "]\nx = 1\n",
        mutate('sides = "auto"', deep_dotted_key(500, "metrics_")),
        mutate('title = "Demo bridge"', deep_dotted_key(500, "title")),
        mutate('views = ["side"]', deep_dotted_key(500, "views")),
        mutate('mode = "reps"', deep_dotted_key(1000, "mode")),
    ],
    ids=["dotted_key", "table_header", "unknown_field", "string_field", "list_field", "choice_field_1000"],
)
def test_deep_dotted_keys_are_one_spec_error(tmp_path, text):
    """Dotted keys and table headers nest tables 500 deep without a single bracket pair."""
    path = write(tmp_path, text)
    assert spec_error(path) == f"{path}: {DOTTED_TOO_DEEP}"


def test_deeply_nested_library_posture_names_the_posture_file(tmp_path, monkeypatch):
    (tmp_path / "postures").mkdir()
    posture = write(tmp_path / "postures", 'name = "flat"\n' + deep_inline_table(500), name="flat")
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    path = write(tmp_path, mutate('posture = "supine"', 'posture = "flat"'))
    assert spec_error(path) == (
        f"{posture}: arrays or tables nested more than {MAX_NESTING} levels deep; a posture needs at most 5"
    )


def test_specs_validate_folder_keeps_going_past_deep_files(tmp_path):
    deep = write(tmp_path, deep_array(500), name="a_deep")
    dotted = write(tmp_path, deep_dotted_key(500), name="b_dotted")
    good = write(tmp_path, GOOD)
    table = write(tmp_path, deep_inline_table(500), name="e_table")
    huge = write(tmp_path, "sets = " + "9" * 5000 + "\n", name="f_huge")
    result = CliRunner().invoke(app, ["specs", "validate", str(tmp_path)])
    assert result.exit_code == 14, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert f"ok       {good}" in lines
    assert f"{deep}: {TOO_DEEP}" in lines
    assert f"{table}: {TOO_DEEP}" in lines
    assert f"{dotted}: {DOTTED_TOO_DEEP}" in lines
    assert any(line.startswith(f"{huge}: invalid TOML: ") for line in lines)


# -- other hostile files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("rest = 140.0", "rest = 1e999", "reps.rest: input should be a finite number"),
        ("rest = 140.0", "rest = -" + "9" * 400, "reps.rest: input should be a valid number"),
        ("peak = 155.0", "peak = " + "9" * 4000, "reps.peak: input should be a valid number"),
        ('sides = "auto"', 'sides = "auto"\n[dosage]\nsets = 0x' + "f" * 5000,
         "dosage.sets: input should be less than or equal to 20"),
        ('sides = "auto"', 'sides = "auto"\n[dosage]\nsets = ' + "9" * 4000,
         "dosage.sets: input should be less than or equal to 20"),
        ('sides = "auto"', 'sides = "auto"\n[dosage]\nreps = [-' + "9" * 400 + ", 10]",
         "dosage.reps[0]: input should be greater than or equal to 1"),
        ('sides = "auto"', 'sides = "auto"\n[dosage]\nhold_s = [5.0, ' + "9" * 400 + "]",
         "dosage.hold_s[1]: input should be a valid number"),
    ],
    ids=["overflow_float", "400_digits", "4000_digits", "huge_hex", "huge_int_in_tuple", "huge_dosage_reps",
         "huge_dosage_hold"],
)
def test_huge_numbers_are_one_spec_error(tmp_path, old, new, line):
    path = write(tmp_path, mutate(old, new))
    assert spec_error(path) == f"{path}: {line}"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\ufeff" + GOOD,
        GOOD + '\n"\u00e9t\u00e9" = "\U0001f600"\n',
        GOOD.replace("Demo bridge", "\u202e\u0000"),
        "\x00" * 100,
        "=" * 10000,
        '"' * 10001,
        "[" * 20 + "]" * 20,
        "a = 1\n" * 5000,
    ],
    ids=["empty", "bom", "unicode_key", "control_char", "nuls", "equals", "quotes", "headers", "many_keys"],
)
def test_odd_texts_are_one_spec_error(tmp_path, text):
    path = write(tmp_path, text)
    message = spec_error(path)
    assert all(line.startswith(f"{path}: ") for line in message.splitlines())


# -- loader bugs found by these tests, now fixed -------------------------------------------------


def test_fixed_integer_past_python_digit_limit(tmp_path):
    path = write(tmp_path, GOOD + "\n[dosage]\nsets = " + "9" * 5000 + "\n")
    assert spec_error(path).startswith(f"{path}: ")


def test_fixed_inline_posture_problem_gives_one_line(tmp_path):
    inline = ('posture = { name = "flat", title = "lying flat", '
              'metrics = { t = { kind = "facing", space = "world" } }, '
              'require = [{ metric = "t", direction = "up", enter = 20.0, exit = 40.0 }] }')
    path = write(tmp_path, mutate('posture = "supine"', inline))
    assert spec_error(path) == (
        f"{path}: posture.require[0]: direction 'up' needs enter > exit (got enter 20, exit 40); "
        "swap them or use direction = 'down'"
    )


def test_fixed_unknown_cue_kind_suggests_the_closest(tmp_path):
    path = write(tmp_path, mutate('kind = "rep"', 'kind = "reps"'))
    message = spec_error(path)
    assert len(message.splitlines()) == 1
    assert message.startswith(f"{path}: cues[0].kind: ")
    assert "(did you mean 'rep'?)" in message


def test_fixed_very_long_exercise_name():
    with pytest.raises(UnknownExerciseError):
        load_spec("a" * 300)


def test_fixed_key_with_a_newline_gives_one_line(tmp_path):
    path = write(tmp_path, mutate('sides = "auto"', 'sides = "auto"\n"a\\nb" = 1'))
    assert len(spec_error(path).splitlines()) == 1


def test_fixed_nul_in_the_path():
    with pytest.raises(SpecError):
        load_spec_file("demo\x00.toml")
