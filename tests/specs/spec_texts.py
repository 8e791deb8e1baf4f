"""Spec texts shared by the spec tests: a minimal valid v2 spec and ways to write and break it."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.errors import SpecError
from posecheck.specs.loader import load_spec_file

#: A minimal valid version 2 spec: a bridge counted in reps, in the shipped "supine" posture.
GOOD = '''\
schema_version = 2
name = "demo"
title = "Demo bridge"
mode = "reps"
posture = "supine"
views = ["side"]
sides = "auto"

[metrics.hip_angle]
kind = "angle"
joints = ["side_shoulder", "side_hip", "side_knee"]

[metrics.hip_line]
kind = "offset"
joints = ["side_hip", "side_knee", "side_shoulder"]

[reps]
direction = "up"
metric = "hip_angle"
rest = 140.0
peak = 155.0

[[cues]]
id = "hips_too_low"
metric = "hip_line"
min = -0.06
kind = "rep"
message = "Drive the hips higher"
'''

#: The [reps] table of GOOD, for tests that swap the driver.
GOOD_REPS = '[reps]\ndirection = "up"\nmetric = "hip_angle"\nrest = 140.0\npeak = 155.0\n'

#: A [hold] table on GOOD's metrics.
HOLD = '[hold]\nrequire = [{ metric = "hip_line", direction = "up", enter = -0.04, exit = -0.08 }]\n'

#: A [sequence] table on GOOD's metrics: down -> up -> down.
SEQUENCE = '''\
[sequence]
order = ["low", "high", "low"]
metric = "hip_line"

[[sequence.states]]
name = "low"
require = [{ metric = "hip_line", direction = "down", enter = -0.15, exit = -0.12 }]

[[sequence.states]]
name = "high"
require = [{ metric = "hip_line", direction = "up", enter = -0.05, exit = -0.08 }]
'''


def write(folder: Path, text: str, name: str = "demo") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def mutate(old: str, new: str, text: str = GOOD) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def hold_spec(cues: str = "") -> str:
    """GOOD in mode 'hold' (its rep cue dropped), with ``cues`` appended."""
    text = mutate(GOOD_REPS, HOLD, mutate('mode = "reps"', 'mode = "hold"'))
    return text[: text.index("[[cues]]")] + cues


def sequence_spec(cues: str = "") -> str:
    """GOOD in mode 'sequence' (its rep cue kept), with ``cues`` appended."""
    return mutate(GOOD_REPS, SEQUENCE, mutate('mode = "reps"', 'mode = "sequence"')) + cues


def deep_array(levels: int) -> str:
    return "a = " + "[" * levels + "]" * levels + "\n"


def deep_inline_table(levels: int) -> str:
    return "a = " + "{ a = " * levels + "1" + " }" * levels + "\n"


def deep_dotted_key(levels: int, key: str = "a") -> str:
    """``key.a.a... = 1``: nesting ``levels`` tables deep without a single bracket."""
    return ".".join([key] + ["a"] * (levels - 1)) + " = 1\n"


def spec_error(path: Path) -> str:
    """The one SpecError loading ``path`` gives (exit code 14)."""
    with pytest.raises(SpecError) as info:
        load_spec_file(path)
    assert info.value.exit_code == 14
    return str(info.value)
