"""Run-length tools: runs, gap bridging and minimum durations in seconds (fps-independent)."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.core import timeline as tl
from tests.helpers import in_spans, times


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        ([], []),
        ([0, 0, 0], []),
        ([1, 1, 1], [(0, 3)]),
        ([0, 1, 1, 0, 1], [(1, 3), (4, 5)]),
        ([1, 0, 1, 0, 1], [(0, 1), (2, 3), (4, 5)]),
    ],
)
def test_runs(mask, expected):
    assert tl.runs(np.array(mask, bool)) == expected


def test_frame_durations():
    assert tl.frame_durations(np.array([])).size == 0
    assert tl.frame_durations(np.array([5.0])).tolist() == [0.0]
    assert tl.frame_durations(np.array([0.0, 0.1, 0.3, 0.4])).tolist() == pytest.approx([0.1, 0.2, 0.1, 0.1])


def test_windows_and_seconds():
    t = times(2.0, 10)  # 0.0 .. 1.9
    mask = in_spans(t, [(0.3, 0.6), (1.5, 2.0)])
    assert tl.windows_s(mask, t) == [pytest.approx((0.3, 0.6)), pytest.approx((1.5, 2.0))]
    assert tl.seconds(mask, t) == pytest.approx(0.8)
    assert tl.seconds(np.zeros(t.size, bool), t) == 0.0
    assert tl.windows_s(np.zeros(t.size, bool), t) == []


def test_clean_mask_bridges_short_gaps_only():
    t = times(4.0, 30)
    mask = in_spans(t, [(0.5, 1.0), (1.2, 2.0), (2.5, 3.0)])  # gaps of 0.2 s and 0.5 s
    out = tl.clean_mask(mask, t, max_gap_s=0.3)
    assert tl.windows_s(out, t) == [pytest.approx((0.5, 2.0)), pytest.approx((2.5, 3.0))]


def test_clean_mask_drops_short_runs_after_bridging():
    t = times(4.0, 30)
    # 0.2 s + 0.1 s gap + 0.2 s = 0.5 s once bridged: kept; a lone 0.2 s run is dropped
    mask = in_spans(t, [(0.5, 0.7), (0.8, 1.0), (2.0, 2.2), (3.0, 3.8)])
    out = tl.clean_mask(mask, t, min_on_s=0.4, max_gap_s=0.15)
    assert tl.windows_s(out, t) == [pytest.approx((0.5, 1.0)), pytest.approx((3.0, 3.8))]
    # without bridging the two halves are each too short
    out2 = tl.clean_mask(mask, t, min_on_s=0.4)
    assert tl.windows_s(out2, t) == [pytest.approx((3.0, 3.8))]


def test_clean_mask_does_not_modify_its_input_and_defaults_are_identity():
    t = times(1.0, 10)
    mask = in_spans(t, [(0.2, 0.3), (0.5, 0.6)])
    before = mask.copy()
    assert np.array_equal(tl.clean_mask(mask, t), mask)
    tl.clean_mask(mask, t, min_on_s=1.0, max_gap_s=1.0)
    assert np.array_equal(mask, before)


@pytest.mark.parametrize("fps", [12.0, 25.0, 30.0, 60.0])
def test_clean_mask_rules_mean_the_same_at_any_fps(fps):
    t = times(6.0, fps)
    spans = [(0.5, 1.5), (1.75, 3.0), (3.5, 3.75), (4.0, 5.5)]  # gaps 0.25 / 0.5 / 0.25 s, one 0.25 s run
    mask = in_spans(t, spans)
    out = tl.clean_mask(mask, t, min_on_s=0.5, max_gap_s=0.35)
    # 0.5-3.0 bridged; 3.5-3.75 bridged to 4.0-5.5 (gap 0.25 < 0.35)
    windows = tl.windows_s(out, t)
    assert len(windows) == 2
    for (a, b), (ea, eb) in zip(windows, [(0.5, 3.0), (3.5, 5.5)], strict=True):
        assert a == pytest.approx(ea, abs=1 / fps + 1e-9)
        assert b == pytest.approx(eb, abs=1 / fps + 1e-9)
    assert tl.seconds(out, t) == pytest.approx(4.5, abs=2 / fps + 1e-9)


@pytest.mark.parametrize("fps", [12.0, 60.0])
def test_clean_mask_min_duration_in_seconds_not_frames(fps):
    t = times(3.0, fps)
    mask = in_spans(t, [(1.0, 1.25)])  # 3 frames at 12 fps, 15 frames at 60 fps
    assert not tl.clean_mask(mask, t, min_on_s=0.3).any()
    assert np.array_equal(tl.clean_mask(mask, t, min_on_s=0.2), mask)


def test_trim_run_starts_clears_the_settling_time_of_every_run():
    t = times(5.0, 10)
    mask = in_spans(t, [(0.0, 2.0), (3.0, 3.3), (4.0, 5.0)])
    out = tl.trim_run_starts(mask, t, settle_s=0.5)
    assert tl.windows_s(out, t) == [pytest.approx((0.5, 2.0)), pytest.approx((4.5, 5.0))]
    assert np.array_equal(tl.trim_run_starts(mask, t, 0.0), mask)
