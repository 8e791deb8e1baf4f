"""One Euro filter and hysteresis: smoothing, lag, gaps, parameter checks, no flicker."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core.filters import Hysteresis, OneEuroFilter
from tests.helpers import times


def run(f: OneEuroFilter, t, x) -> np.ndarray:
    return np.array([f.update(float(ti), float(xi)) for ti, xi in zip(t, x, strict=True)])


# -- OneEuroFilter -----------------------------------------------------------------------------


def test_one_euro_reduces_jitter_on_a_constant_signal():
    t = times(10.0, 30)
    rng = np.random.default_rng(7)
    raw = 120.0 + rng.normal(0.0, 2.0, t.size)
    out = run(OneEuroFilter(min_cutoff=1.0, beta=0.0), t, raw)
    settled = t >= 1.0
    assert out[settled].var() < 0.2 * raw[settled].var()
    assert out[settled].mean() == pytest.approx(120.0, abs=0.5)


def test_one_euro_first_sample_passes_unchanged():
    f = OneEuroFilter()
    assert f.update(0.0, 42.5) == 42.5


def test_one_euro_follows_a_step_without_overshoot():
    t = times(4.0, 30)
    raw = np.where(t < 2.0, 0.0, 1.0)
    out = run(OneEuroFilter(min_cutoff=1.0), t, raw)
    after = t >= 2.0
    assert out[~after].max() == 0.0
    assert 0.0 < out[after][0] < 1.0  # lags...
    assert np.all(np.diff(out[after]) >= 0) and out.max() <= 1.0  # ...rises monotonically, no overshoot
    assert out[t >= 2.5].min() > 0.9
    assert out[t >= 3.0].min() == pytest.approx(1.0, abs=0.01)


def test_one_euro_beta_reduces_lag_on_fast_motion():
    t = times(2.0, 30)
    ramp = 100.0 * t  # 100 units/s
    slow = run(OneEuroFilter(min_cutoff=1.0, beta=0.0), t, ramp)
    fast = run(OneEuroFilter(min_cutoff=1.0, beta=0.05), t, ramp)
    lag_slow, lag_fast = ramp[-1] - slow[-1], ramp[-1] - fast[-1]
    assert lag_slow > 10.0
    assert lag_fast < 0.5 * lag_slow


def test_one_euro_nan_passes_through_without_touching_state():
    t = times(1.0, 30)
    f = OneEuroFilter(min_cutoff=1.0, reset_after_s=1.0)
    run(f, t, np.zeros(t.size))
    assert math.isnan(f.update(1.05, math.nan))
    assert math.isnan(f.update(1.10, math.inf))
    # a short gap (0.3 s < reset_after_s): smoothing continues from the old state
    y = f.update(1.3, 10.0)
    assert 0.0 < y < 10.0


def test_one_euro_resets_after_a_gap_longer_than_reset_after_s():
    f = OneEuroFilter(min_cutoff=1.0, reset_after_s=1.0)
    run(f, times(1.0, 30), np.zeros(30))
    for ti in np.arange(1.0, 2.5, 1 / 30):
        f.update(float(ti), math.nan)
    assert f.update(2.5, 10.0) == 10.0  # forgot the old zeros: no lag after the gap
    assert 9.0 < f.update(2.5 + 1 / 30, 9.0) < 10.0  # and smooths again from there


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_cutoff": 0.0}, "cut-off frequencies must be finite and > 0 Hz"),
        ({"min_cutoff": -1.0}, "cut-off frequencies must be finite and > 0 Hz"),
        ({"d_cutoff": 0.0}, "cut-off frequencies must be finite and > 0 Hz"),
        ({"beta": -0.1}, "beta must be >= 0, got -0.1"),
    ],
)
def test_one_euro_invalid_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        OneEuroFilter(**kwargs)


def test_one_euro_rejects_nan_cutoff():
    with pytest.raises(ValueError, match="> 0 Hz"):
        OneEuroFilter(min_cutoff=math.nan)


# -- Hysteresis -------------------------------------------------------------------------------


def states(h: Hysteresis, xs) -> list[bool]:
    return [h.update(x) for x in xs]


def test_hysteresis_rising_turns_on_at_on_and_off_only_at_off():
    h = Hysteresis(on=10.0, off=5.0)
    assert h.rising
    assert states(h, [0, 9.9, 10, 7, 5.1, 5, 9, 10.5]) == [False, False, True, True, True, False, False, True]


def test_hysteresis_falling_turns_on_when_low():
    h = Hysteresis(on=35.0, off=45.0)
    assert not h.rising
    assert states(h, [60, 35.1, 35, 44, 44.9, 45, 40, 30]) == [False, False, True, True, True, False, False, True]


def test_hysteresis_nan_keeps_state():
    h = Hysteresis(on=1.0, off=0.0)
    assert states(h, [2.0, math.nan, -1.0, math.nan]) == [True, True, False, False]


@pytest.mark.parametrize(("on", "off"), [(10.0, 5.0), (5.0, 10.0)])
def test_hysteresis_no_flicker_for_jitter_around_one_threshold(on, off):
    rng = np.random.default_rng(3)
    band = abs(on - off)
    xs = on + rng.uniform(-0.45 * band, 0.45 * band, 600)
    out = np.array(states(Hysteresis(on=on, off=off), xs))
    assert out.any()
    assert np.count_nonzero(np.diff(out.astype(int))) <= 1  # turned on once, never off again
    assert out[-1]
    xs_off = off + rng.uniform(-0.45 * band, 0.45 * band, 600)
    out_off = np.array(states(Hysteresis(on=on, off=off, state=True), xs_off))
    assert not out_off[-1]
    assert np.count_nonzero(np.diff(out_off.astype(int))) <= 1  # turned off once, never on again


def test_hysteresis_equal_thresholds_rejected():
    with pytest.raises(ValueError, match="hysteresis thresholds must differ, both are 3.0"):
        Hysteresis(on=3.0, off=3.0)
