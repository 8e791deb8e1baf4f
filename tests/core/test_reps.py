"""RepCounter on plain arrays: exact counts, jitter, short reps, partial reps, gaps, direction."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core.reps import PEAK, REST, UNKNOWN, RepCounter
from tests.helpers import rep_peak_time, rep_signal, times

FPS = 30.0
DT = 1 / FPS


def feed(counter: RepCounter, t, values, finish: bool = True) -> list[str]:
    phases = [counter.update(float(ti), float(v)) for ti, v in zip(t, values, strict=True)]
    if finish:
        counter.finish(float(t[-1]) + DT)
    return phases


def bridge_counter(**kw) -> RepCounter:
    return RepCounter(rest=140.0, peak=155.0, **kw)


def squat_counter(**kw) -> RepCounter:
    return RepCounter(rest=130.0, peak=105.0, **kw)


@pytest.mark.parametrize("n", [1, 3, 7])
def test_exact_count_for_clean_reps(n):
    t = times(1.0 + 4.0 * n + 1.0, FPS)
    c = bridge_counter()
    feed(c, t, rep_signal(t, 125.0, [175.0] * n))
    assert c.count == n
    assert c.partials == [] and c.rejected == 0
    assert [r.partial for r in c.reps] == [None] * n


def test_rep_times_are_last_rest_extreme_and_first_rest():
    t = times(10.0, FPS)
    v = rep_signal(t, 125.0, [175.0, 170.0])
    c = bridge_counter()
    feed(c, t, v)
    assert c.count == 2
    for i, rep in enumerate(c.reps):
        t0, t1 = 1.0 + 4.0 * i, 4.0 + 4.0 * i
        inside = (t >= t0) & (t <= t1)
        at_rest = v <= 140.0
        peak_t = t[inside][np.argmax(v[inside])]
        assert rep.peak_s == pytest.approx(peak_t)
        assert rep.peak_s == pytest.approx(rep_peak_time(i), abs=DT)
        assert rep.start_s == pytest.approx(t[(t < peak_t) & at_rest].max())
        assert rep.end_s == pytest.approx(t[(t > peak_t) & at_rest].min())
        assert rep.peak_from_s == pytest.approx(t[(t < peak_t) & (v < 155.0)].max() + DT)
        assert rep.peak_to_s == pytest.approx(t[inside & (t > peak_t) & (v >= 155.0)].max())
        assert rep.start_s < rep.peak_from_s < rep.peak_s < rep.peak_to_s < rep.end_s


def dwelling_trace(rest_value, rest_thr, peak_thr, peak_value, n_reps, amp, seed, dwell_s=1.0):
    """Reps that dwell ``dwell_s`` at each threshold on the way up and down, with uniform
    jitter of +-``amp`` there: the hardest case for double counting."""
    rng = np.random.default_rng(seed)
    levels = []

    def seg(a, b, secs, noisy=False):
        k = int(round(secs * FPS))
        x = np.linspace(a, b, k, endpoint=False)
        if noisy:
            x = x + rng.uniform(-amp, amp, k)
        levels.append(x)

    seg(rest_value, rest_value, 1.0)
    for _ in range(n_reps):
        seg(rest_value, rest_thr, 0.5)
        seg(rest_thr, rest_thr, dwell_s, noisy=True)
        seg(rest_thr, peak_thr, 0.5)
        seg(peak_thr, peak_thr, dwell_s, noisy=True)
        seg(peak_thr, peak_value, 0.5)
        seg(peak_value, peak_thr, 0.5)
        seg(peak_thr, peak_thr, dwell_s, noisy=True)
        seg(peak_thr, rest_thr, 0.5)
        seg(rest_thr, rest_thr, dwell_s, noisy=True)
        seg(rest_thr, rest_value, 0.5)
        seg(rest_value, rest_value, 0.5)
    v = np.concatenate(levels)
    return np.arange(v.size) / FPS, v


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("rest_thr", "peak_thr", "rest_value", "peak_value"),
    [(140.0, 155.0, 120.0, 175.0), (130.0, 105.0, 170.0, 80.0)],
    ids=["rising", "falling"],
)
def test_no_double_counting_with_jitter_around_both_thresholds(seed, rest_thr, peak_thr, rest_value, peak_value):
    band = abs(peak_thr - rest_thr)
    t, v = dwelling_trace(rest_value, rest_thr, peak_thr, peak_value, n_reps=4, amp=0.4 * band, seed=seed)
    # the jitter really crosses each threshold many times
    crossings = np.count_nonzero(np.diff(np.sign(v - peak_thr)))
    assert crossings > 20
    c = RepCounter(rest=rest_thr, peak=peak_thr, min_phase_s=0.2, min_rep_s=0.8)
    feed(c, t, v)
    assert c.count == 4
    assert c.partials == [] and c.rejected == 0


def test_jitter_spike_across_peak_shorter_than_min_phase_is_not_a_rep():
    t = times(6.0, FPS)
    v = np.full(t.size, 125.0)
    v[(t >= 2.0) & (t < 2.1)] = 170.0  # 3 frames past the peak threshold, < min_phase_s
    c = bridge_counter(min_phase_s=0.2)
    feed(c, t, v)
    assert c.count == 0 and c.partials == [] and c.rejected == 0


def test_reps_shorter_than_min_rep_s_are_rejected():
    t = times(8.0, FPS)
    # a 0.6 s twitch and a 1.6 s rep
    twitch = rep_signal(t, 125.0, [175.0], rep_s=0.6, start_s=1.0)
    v = twitch + rep_signal(t, 125.0, [175.0], rep_s=1.6, start_s=4.0) - 125.0
    c = bridge_counter(min_phase_s=0.1, min_rep_s=0.8)
    feed(c, t, v)
    assert c.count == 1
    assert c.rejected == 1
    assert c.reps[0].peak_s == pytest.approx(4.8, abs=DT)


def test_partial_rep_when_the_clip_starts_at_the_peak():
    t = times(8.0, FPS)
    v = np.where(t < 1.0, 175.0, rep_signal(t, 125.0, [175.0], start_s=3.0))
    v[(t >= 1.0) & (t < 1.5)] = np.linspace(175.0, 125.0, int(0.5 * FPS))
    c = bridge_counter()
    phases = feed(c, t, v)
    assert phases[0] == PEAK
    assert c.count == 1
    assert [r.partial for r in c.partials] == ["start"]
    assert c.partials[0].start_s == 0.0
    assert c.reps[0].peak_s == pytest.approx(4.5, abs=DT)


def test_partial_rep_when_the_clip_ends_at_the_peak():
    t = times(6.0, FPS)
    v = rep_signal(t, 125.0, [175.0, 175.0], rep_s=3.0, pause_s=0.5, start_s=0.5)  # 2nd rep cut past its top
    c = bridge_counter()
    feed(c, t, v)
    assert c.count == 1
    assert [r.partial for r in c.partials] == ["end"]
    assert c.partials[0].end_s == pytest.approx(6.0)
    assert c.phase == UNKNOWN


def test_a_rep_back_at_rest_in_the_last_frames_is_complete():
    """The clip ends 0.1 s after the return crossed the rest line, before the return could
    last min_phase_s (0.2 s): the person is back, so the rep counts (a real bird dog's third
    reach, lena's bird-dog.mp4, was reported cut at the end)."""
    t = times(4.0, FPS)
    v = np.where(t < 1.0, 125.0, np.where(t < 3.9, 175.0, 125.0))
    c = bridge_counter()
    feed(c, t, v)
    assert c.count == 1 and c.partials == []
    assert c.reps[0].end_s == pytest.approx(3.9, abs=DT)


def test_partial_rep_when_the_person_is_lost_mid_rep():
    t = times(14.0, FPS)
    v = rep_signal(t, 125.0, [175.0, 175.0, 175.0])
    lost = (t >= 6.3) & (t < 8.3)  # 2 s > reset_after_s, from near the top of rep 2
    v[lost] = math.nan
    c = bridge_counter(reset_after_s=1.0)
    phases = feed(c, t, v)
    assert c.count == 2
    assert [r.partial for r in c.partials] == ["lost"]
    last_seen = t[t < 6.3].max()
    assert c.partials[0].end_s == pytest.approx(last_seen)
    assert phases[int(6.2 * FPS)] == PEAK
    assert phases[int(7.8 * FPS)] == UNKNOWN
    assert [round(r.peak_s, 1) for r in c.reps] == [2.5, 10.5]


def test_short_gap_does_not_break_a_rep():
    t = times(10.0, FPS)
    v = rep_signal(t, 125.0, [175.0, 175.0])
    v[(t >= 2.2) & (t < 2.8)] = math.nan  # 0.6 s < reset_after_s, across the top of rep 1
    c = bridge_counter(reset_after_s=1.0)
    feed(c, t, v)
    assert c.count == 2
    assert c.partials == []


def test_lost_while_resting_loses_nothing():
    t = times(12.0, FPS)
    v = rep_signal(t, 125.0, [175.0, 175.0], start_s=1.0, pause_s=4.0)
    v[(t >= 4.5) & (t < 7.0)] = math.nan  # gone between reps
    c = bridge_counter()
    feed(c, t, v)
    assert c.count == 2 and c.partials == []


def test_falling_direction_counts_and_phases():
    t = times(10.0, FPS)
    v = rep_signal(t, 170.0, [80.0, 90.0])  # squat hip angle: standing 170, bottom 80-90
    c = squat_counter()
    phases = feed(c, t, v, finish=False)
    assert not c.rising
    assert c.count == 2
    assert phases[0] == REST
    assert phases[int(2.5 * FPS)] == PEAK
    assert [r.peak_s for r in c.reps] == [pytest.approx(2.5, abs=DT), pytest.approx(6.5, abs=DT)]
    assert c.progress(130.0) == 0.0 and c.progress(105.0) == 1.0 and c.progress(117.5) == pytest.approx(0.5)
    assert c.progress(60.0) == 1.0 and c.progress(175.0) == 0.0 and math.isnan(c.progress(math.nan))


def test_peak_s_is_the_extreme_of_an_asymmetric_rep():
    t = times(8.0, FPS)
    v = np.full(t.size, 125.0)
    up = (t >= 1.0) & (t < 2.0)
    v[up] = np.linspace(125.0, 160.0, up.sum())
    hold = (t >= 2.0) & (t < 4.0)
    v[hold] = 160.0 + 15.0 * np.sin(np.pi * (t[hold] - 2.0) / 2.0) ** 2 * (t[hold] < 3.4)  # extreme at 3.0 s
    down = (t >= 4.0) & (t < 5.0)
    v[down] = np.linspace(160.0, 125.0, down.sum())
    c = bridge_counter()
    feed(c, t, v)
    assert c.count == 1
    assert c.reps[0].peak_s == pytest.approx(t[np.argmax(v)])
    assert c.reps[0].peak_s == pytest.approx(3.0, abs=DT)


def test_peak_s_when_the_extreme_comes_right_after_crossing_the_peak_threshold():
    # squat: fast drop to the bottom (80 deg at t=1.1 s), then a slow rise back up
    t = np.round(times(5.0, FPS), 9)
    v = np.full(t.size, 170.0)
    v[(t >= 1.0) & (t < 1.1)] = 100.0  # past peak (105) from t = 1.0 ...
    v[(t >= 1.1) & (t < 1.15)] = 80.0  # ... deepest at t = 1.1
    v[(t >= 1.15) & (t < 2.0)] = 100.0
    c = squat_counter(min_phase_s=0.15)
    feed(c, t, v)
    assert c.count == 1
    assert c.reps[0].peak_s == pytest.approx(1.1, abs=1e-6)


def test_side_of_a_rep_is_the_side_at_its_extreme():
    t = times(6.0, FPS)
    v = rep_signal(t, 125.0, [175.0])
    c = bridge_counter()
    for ti, vi in zip(t, v, strict=True):
        c.update(float(ti), float(vi), side="left" if ti < 2.5 else "right")
    assert c.count == 1
    assert c.reps[0].side == "right"


def _walking_lunges(fps: float = 30.0):
    """Front knee angle and front leg of two walking lunges: down to 90 deg on the left leg,
    up to 130, where the back (right) leg steps through and becomes the front leg at 130,
    down to 90 again and up to standing (170)."""
    t = times(6.0, fps)
    knee = np.interp(t, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [170.0, 90.0, 130.0, 130.0, 90.0, 170.0, 170.0])
    side = np.where(t < 2.5, "left", "right")
    return t, knee, side


@pytest.mark.parametrize(("ends", "expected"), [
    (True, [("left", 1.0, 2.5), ("right", 4.0, 4.7)]),
    (False, [("left", 1.0, 4.7)]),  # a side that only follows the metric: one long rep
])
def test_a_rep_ends_when_another_side_takes_over_on_the_way_back(ends, expected):
    c = RepCounter(rest=145.0, peak=120.0, min_phase_s=0.2, min_rep_s=0.6, side_change_ends_rep=ends)
    t, knee, side = _walking_lunges()
    for ti, k, s in zip(t, knee, side, strict=True):
        c.update(ti, k, s)
    assert [(r.side, round(r.peak_s, 1), round(r.end_s, 1)) for r in c.reps] == expected


def test_a_side_flicker_on_the_way_down_or_past_the_peak_does_not_end_a_rep():
    c = RepCounter(rest=145.0, peak=120.0, min_phase_s=0.2, min_rep_s=0.6, side_change_ends_rep=True)
    t = times(3.0, 30.0)
    knee = np.interp(t, [0.0, 1.0, 2.0, 3.0], [170.0, 90.0, 170.0, 170.0])
    for ti, k in zip(t, knee, strict=True):
        c.update(ti, k, "right" if 0.3 < ti < 0.4 or 1.2 < ti < 1.3 else "left")  # on the way down, past the peak
    assert [r.side for r in c.reps] == ["left"] and c.reps[0].end_s == pytest.approx(1.7, abs=0.05)


def test_unknown_until_a_clear_rest_or_peak_is_seen():
    c = bridge_counter()
    assert c.update(0.0, math.nan) == UNKNOWN
    assert c.update(0.1, 150.0) == UNKNOWN  # 2/3 of the way to the peak: not clearly at rest
    assert c.update(0.2, 145.0) == REST  # under halfway


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rest": 140.0, "peak": 140.0}, "rest and peak thresholds must differ, both are 140.0"),
        ({"rest": 140.0, "peak": 155.0, "min_phase_s": -0.1}, "min_phase_s and min_rep_s must be >= 0"),
        ({"rest": 140.0, "peak": 155.0, "min_rep_s": -1.0}, "min_phase_s and min_rep_s must be >= 0"),
    ],
)
def test_invalid_counter_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RepCounter(**kwargs)


def quick_squats(t: np.ndarray, n: int, top_s: float = 0.2, down_s: float = 0.5) -> np.ndarray:
    """Hip angle of ``n`` quick squats: ``top_s`` standing at 135 deg (just past rest), then
    down to 60 and back up, each way ``down_s``; standing at 170 before and after."""
    out = np.full(t.shape, 170.0)
    start = 1.0
    for _ in range(n):
        into = t - start
        out[(into >= 0) & (into < top_s)] = 135.0
        down = (into >= top_s) & (into < top_s + down_s)
        out[down] = 135.0 - 75.0 * (into[down] - top_s) / down_s
        up = (into >= top_s + down_s) & (into < top_s + 2 * down_s)
        out[up] = 60.0 + 75.0 * (into[up] - top_s - down_s) / down_s
        start += top_s + 2 * down_s
    return out


@pytest.mark.parametrize("fps", [12.0, 15.0, 24.0, 30.0, 60.0])
def test_quick_reps_with_a_short_pause_at_the_top_count_the_same_at_any_frame_rate(fps):
    """A frame stands for the time since the one before it: 0.2 s at rest between quick
    squats is 3 frames at 15 fps and must pass a 0.15 s debounce there as at 60 fps."""
    t = times(1.0 + 5 * 1.13 + 1.0, fps)
    c = squat_counter(min_phase_s=0.15, min_rep_s=0.6)
    feed(c, t, quick_squats(t, 5, top_s=0.13))
    assert (c.count, c.rejected, c.partials) == (5, 0, [])


def test_a_rep_exactly_min_rep_s_long_counts_whatever_the_float_sums():
    t = np.round(np.arange(0, 40) * 0.08, 10)  # 12.5 fps: 0.4 and 1.2 are frame times
    v = np.where((t > 0.4) & (t < 1.2), 170.0, 125.0)
    c = bridge_counter(min_phase_s=0.08, min_rep_s=0.8)
    feed(c, t, v)
    assert (c.reps[0].start_s, c.reps[0].end_s) == (0.4, 1.2)
    assert (c.count, c.rejected) == (1, 0)
