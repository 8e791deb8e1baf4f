"""The learned rest level: rep thresholds measured from the person's own resting value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core.drivers import RepDriver
from posecheck.core.rest_level import RestLevel
from posecheck.specs.schema import RepRule

FPS = 15.0


def _extensions(upright: float, reps: int = 3, depth: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    """A trunk lean (deg, + forward) standing at ``upright``, then leaning back ``depth`` deg
    in each 4 s rep after 2 s standing still."""
    t = np.arange(0.0, 2.0 + 4.0 * reps + 1.0, 1.0 / FPS)
    phase = np.clip(t - 2.0, 0.0, 4.0 * reps) % 4.0
    back = np.where((t >= 2.0) & (t < 2.0 + 4.0 * reps), np.sin(np.pi * phase / 4.0) ** 2, 0.0)
    return t, upright - depth * back


def _count(rule: RepRule, t: np.ndarray, lean: np.ndarray) -> RepDriver:
    driver = RepDriver(rule, reset_after_s=1.0)
    for ti, v in zip(t, lean, strict=True):
        driver.update(float(ti), {"lean": float(v)}, True, None)
    driver.finish(float(t[-1]))
    return driver


def _rule(rest_level: str) -> RepRule:
    return RepRule(metric="lean", direction="down", rest=-5.0, peak=-12.0, min_rep_s=1.0, rest_level=rest_level)


@pytest.mark.parametrize("upright", [-6.4, 0.0, 14.3])
def test_a_learned_rest_level_counts_every_rep_wherever_upright_reads(upright):
    driver = _count(_rule("learned"), *_extensions(upright))
    assert len(driver.reps) == 3
    assert driver.rest_level.level == pytest.approx(upright, abs=0.01)


def test_fixed_thresholds_miss_the_reps_of_a_person_whose_upright_reads_off_zero():
    assert len(_count(_rule("fixed"), *_extensions(0.0)).reps) == 3
    assert len(_count(_rule("fixed"), *_extensions(14.3)).reps) == 0  # 20 deg back reads -5.7, short of -12
    assert len(_count(_rule("fixed"), *_extensions(-6.4)).reps) == 0  # never back within 5 deg of 0


def test_a_lean_too_small_from_the_persons_own_upright_is_not_a_rep():
    assert len(_count(_rule("learned"), *_extensions(14.3, depth=10.0)).reps) == 0


def test_the_level_is_unknown_until_a_second_of_values_and_then_follows_the_rest_between_reps():
    level = RestLevel(learn_s=1.0, window_s=3.0)
    for i in range(14):
        assert math.isnan(level.update(i / FPS, 2.0, resting=True))
    assert level.update(14 / FPS, 2.0, resting=True) == 2.0
    for i in range(15, 120):
        level.update(i / FPS, 30.0, resting=False)  # a rep: not rest, the level stays
    assert level.level == 2.0
    for i in range(120, 180):
        level.update(i / FPS, 4.0, resting=True)  # standing again, a little further forward
    assert level.level == 4.0


def test_a_learned_level_on_a_one_sided_metric_is_an_error_naming_the_file_and_the_fix(tmp_path):
    from pathlib import Path

    from posecheck.errors import SpecError
    from posecheck.specs.loader import load_spec_file

    shipped = Path(__file__).parents[2] / "exercise_specs" / "standing_lumbar_extension.toml"
    spec = tmp_path / "standing_lumbar_extension.toml"
    spec.write_text(shipped.read_text().replace('metric = "lean"\nrest = -5.0\npeak = -12.0',
                                                'metric = "knee_angle"\nrest = 175.0\npeak = 150.0', 1))
    with pytest.raises(SpecError) as raised:
        load_spec_file(spec)
    message = str(raised.value)
    assert str(spec) in message
    assert "rest_level 'learned' needs a rep metric that is the same for either side" in message
    assert "'knee_angle' uses side_hip, side_knee, side_ankle" in message
    assert "rest_level 'fixed'" in message


def test_a_learned_level_with_rest_at_zero_is_an_error_that_says_why():
    with pytest.raises(ValueError, match=r"rest = 0 would never let it move"):
        RepRule(metric="lean", direction="down", rest=0.0, peak=-12.0, rest_level="learned")
    assert RepRule(metric="lean", direction="down", rest=0.0, peak=-12.0).rest == 0.0
