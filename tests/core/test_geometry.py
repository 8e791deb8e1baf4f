"""Geometry behind every metric: exact values, sign conventions, scale invariance, NaN."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core import geometry as g

NAN = math.nan
P = np.array


@pytest.mark.parametrize(
    ("a", "b", "c", "expected"),
    [
        ((1, 0), (0, 0), (0, 1), 90.0),
        ((-1, 0), (0, 0), (1, 0), 180.0),
        ((1, 0), (0, 0), (5, 0), 0.0),
        ((1, 0), (0, 0), (1, 1), 45.0),
        ((1, 0), (0, 0), (-1, math.sqrt(3)), 120.0),
        ((1, 0, 0), (0, 0, 0), (0, 0, 2), 90.0),
        ((0, 1, 1), (0, 0, 0), (0, -2, -2), 180.0),
        ((10, 20), (110, 20), (110, 220), 90.0),  # pixels, vertex away from the origin
    ],
)
def test_angle_deg_known_values(a, b, c, expected):
    assert g.angle_deg(P(a, float), P(b, float), P(c, float)) == pytest.approx(expected, abs=1e-5)


def test_angle_deg_is_scale_and_translation_invariant():
    a, b, c = P([3.0, 1.0]), P([0.5, 0.2]), P([-1.0, 4.0])
    base = g.angle_deg(a, b, c)
    assert g.angle_deg(a * 7 + 100, b * 7 + 100, c * 7 + 100) == pytest.approx(base)


@pytest.mark.parametrize(
    ("a", "b", "c"),
    [
        ((0, 0), (0, 0), (1, 0)),  # a coincides with the vertex
        ((1, 0), (0, 0), (0, 0)),  # c coincides with the vertex
        ((NAN, 0), (0, 0), (1, 0)),
        ((1, 0), (NAN, NAN), (0, 1)),
        ((1, 0, 0), (0, 0, 0), (0, NAN, 1)),
    ],
)
def test_angle_deg_undefined_is_nan(a, b, c):
    assert math.isnan(g.angle_deg(P(a, float), P(b, float), P(c, float)))


@pytest.mark.parametrize(
    ("a", "b", "reference", "expected"),
    [
        ((0, 0), (10, 0), "horizontal", 0.0),
        ((0, 0), (10, 0), "vertical", 90.0),
        ((0, 0), (0, 10), "horizontal", 90.0),
        ((0, 0), (0, -10), "vertical", 0.0),
        ((0, 0), (10, 10), "horizontal", 45.0),
        ((0, 0), (-10, -10), "horizontal", 45.0),  # direction-free
        ((0, 0), (10, -10 * math.sqrt(3)), "horizontal", 60.0),
        ((0, 0), (10, -10 * math.sqrt(3)), "vertical", 30.0),
        # 3D: horizontal is the x-z plane, vertical is y (down)
        ((0, 0, 0), (0, 0, 1), "horizontal", 0.0),
        ((0, 0, 0), (3, 0, 4), "horizontal", 0.0),
        ((0, 0, 0), (3, 5, 4), "horizontal", 45.0),
        ((0, 0, 0), (0, 1, 1), "vertical", 45.0),
        ((0, 0, 0), (0, -2, 0), "vertical", 0.0),
    ],
)
def test_tilt_deg_known_values(a, b, reference, expected):
    assert g.tilt_deg(P(a, float), P(b, float), reference) == pytest.approx(expected, abs=1e-9)


def test_tilt_deg_3d_depth_counts_as_horizontal_but_2d_ignores_it():
    # A segment pointing straight at the camera in 3D is horizontal; its 2D projection
    # (x, y only) of a mostly-vertical segment is not.
    expected = math.degrees(math.atan(0.1))
    assert g.tilt_deg(P([0.0, 0.0, 0.0]), P([0.0, 0.1, 1.0]), "horizontal") == pytest.approx(expected)
    assert g.tilt_deg(P([0.0, 0.0]), P([0.0, 0.1]), "horizontal") == pytest.approx(90.0)


def test_tilt_deg_degenerate_and_nan():
    assert math.isnan(g.tilt_deg(P([1.0, 1.0]), P([1.0, 1.0]), "horizontal"))
    assert math.isnan(g.tilt_deg(P([NAN, NAN]), P([1.0, 1.0]), "vertical"))
    assert math.isnan(g.tilt_deg(P([0.0, 0.0, 0.0]), P([NAN, NAN, NAN]), "horizontal"))


def test_tilt_deg_rejects_unknown_reference():
    with pytest.raises(ValueError, match="reference must be 'horizontal' or 'vertical', got 'diagonal'"):
        g.tilt_deg(P([0.0, 0.0]), P([1.0, 1.0]), "diagonal")


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        ((5, -2), 0.2),   # 2 px above a 10 px line (smaller y) -> positive
        ((5, 3), -0.3),   # below -> negative
        ((5, 0), 0.0),    # on the line
        ((20, -1), 0.1),  # beyond the segment end: distance from the infinite line
    ],
)
def test_line_offset_sign_and_normalisation(p, expected):
    a, b = P([0.0, 0.0]), P([10.0, 0.0])
    assert g.line_offset(P(p, float), a, b) == pytest.approx(expected)


def test_line_offset_sign_does_not_depend_on_line_direction():
    p = P([5.0, -2.0])
    assert g.line_offset(p, P([0.0, 0.0]), P([10.0, 0.0])) == pytest.approx(0.2)
    assert g.line_offset(p, P([10.0, 0.0]), P([0.0, 0.0])) == pytest.approx(0.2)


def test_line_offset_is_scale_invariant():
    p, a, b = P([3.0, -1.0]), P([0.0, 0.0]), P([8.0, 2.0])
    near = g.line_offset(p, a, b)
    far = g.line_offset(p * 0.25 + 40, a * 0.25 + 40, b * 0.25 + 40)  # same body, 4x farther away
    assert near > 0
    assert far == pytest.approx(near)


def test_line_offset_3d_uses_y_down_for_the_sign():
    a, b = P([0.0, 0.0, 0.0]), P([1.0, 0.0, 0.0])
    assert g.line_offset(P([0.5, -0.1, 0.0]), a, b) == pytest.approx(0.1)
    assert g.line_offset(P([0.5, 0.1, 0.0]), a, b) == pytest.approx(-0.1)


def test_line_offset_nan_and_degenerate_line():
    assert math.isnan(g.line_offset(P([1.0, 1.0]), P([2.0, 2.0]), P([2.0, 2.0])))
    assert math.isnan(g.line_offset(P([NAN, 1.0]), P([0.0, 0.0]), P([1.0, 0.0])))
    assert math.isnan(g.line_offset(P([1.0, 1.0]), P([0.0, NAN]), P([1.0, 0.0])))


def test_height_diff_positive_when_a_is_higher():
    assert g.height_diff(P([0.0, 100.0]), P([0.0, 150.0]), scale=100.0) == pytest.approx(0.5)
    assert g.height_diff(P([0.0, 150.0]), P([0.0, 100.0]), scale=100.0) == pytest.approx(-0.5)
    assert g.height_diff(P([0.0, 1.0, 0.0]), P([5.0, 1.0, 3.0]), scale=0.5) == 0.0


@pytest.mark.parametrize("scale", [0.0, -1.0, NAN])
def test_height_diff_invalid_scale_is_nan(scale):
    assert math.isnan(g.height_diff(P([0.0, 0.0]), P([0.0, 1.0]), scale))


def test_height_diff_nan_point_is_nan():
    assert math.isnan(g.height_diff(P([0.0, NAN]), P([0.0, 1.0]), 1.0))


@pytest.mark.parametrize(
    ("a", "b", "c", "d", "expected"),
    [
        ((0, 0), (1, 0), (5, 5), (7, 5), 0.0),
        ((0, 0), (1, 0), (5, 5), (3, 5), 180.0),
        ((0, 0), (1, 0), (5, 5), (5, 9), 90.0),
        ((0, 0, 0), (1, 1, 0), (0, 0, 0), (0, 0, 3), 90.0),
    ],
)
def test_segment_angle_deg(a, b, c, d, expected):
    assert g.segment_angle_deg(*(P(x, float) for x in (a, b, c, d))) == pytest.approx(expected, abs=1e-9)


def test_segment_angle_deg_degenerate_and_nan():
    assert math.isnan(g.segment_angle_deg(P([1.0, 1.0]), P([1.0, 1.0]), P([0.0, 0.0]), P([1.0, 0.0])))
    assert math.isnan(g.segment_angle_deg(P([0.0, 0.0]), P([1.0, 0.0]), P([0.0, 0.0]), P([NAN, 0.0])))


def test_distance():
    assert g.distance(P([0.0, 0.0]), P([3.0, 4.0])) == 5.0
    assert math.isnan(g.distance(P([0.0, NAN]), P([3.0, 4.0])))
