"""Plain-array geometry behind every metric. Inputs are points as numpy arrays of 2 or 3
coordinates (pixels or metres, y pointing down as in images and MediaPipe world landmarks);
outputs are degrees or unitless ratios. NaN in, NaN out: a missing joint never becomes 0.
"""

from __future__ import annotations

import math

import numpy as np


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ABC at vertex ``b`` in degrees, 0..180 (180 = the three points on a straight line)."""
    u = np.asarray(a, np.float64) - b
    v = np.asarray(c, np.float64) - b
    nu, nv = math.hypot(*u), math.hypot(*v)
    if not (nu > 0 and nv > 0):
        return math.nan
    cos = float(np.dot(u, v)) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def tilt_deg(a: np.ndarray, b: np.ndarray, reference: str) -> float:
    """Angle of segment AB against the horizontal or the vertical, 0..90 degrees.

    Direction-free: a segment pointing down-left tilts as much as one pointing up-right.
    "Vertical" is the image's (or world frame's) y axis, so a camera that is not level
    biases the result by its roll.
    """
    d = np.asarray(b, np.float64) - a
    horizontal = math.hypot(d[0], d[2]) if len(d) == 3 else abs(float(d[0]))
    vertical = abs(float(d[1]))
    if not (horizontal > 0 or vertical > 0):
        return math.nan
    from_horizontal = math.degrees(math.atan2(vertical, horizontal))
    if reference == "horizontal":
        return from_horizontal
    if reference == "vertical":
        return 90.0 - from_horizontal
    raise ValueError(f"reference must be 'horizontal' or 'vertical', got {reference!r}")


def line_offset(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """Signed distance of P from the line through A and B, divided by |AB|; positive above
    the line (against gravity: smaller y). Dividing by the segment length makes it
    independent of distance to the camera. See :func:`signed_offset` (NaN on a near-vertical line)."""
    up = WORLD_UP if len(np.asarray(p)) == 3 else np.array([0.0, -1.0])
    return signed_offset(p, a, b, up)


def height_diff(a: np.ndarray, b: np.ndarray, scale: float) -> float:
    """How much higher A is than B (y points down), divided by ``scale`` (a body length)."""
    if not scale > 0:
        return math.nan
    return float(b[1] - a[1]) / scale


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance between two points."""
    return float(np.linalg.norm(np.asarray(a, np.float64) - b))


def segment_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> float:
    """Angle between the directions A→B and C→D, 0..180 degrees."""
    u = np.asarray(b, np.float64) - a
    v = np.asarray(d, np.float64) - c
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if not (nu > 0 and nv > 0):
        return math.nan
    cos = float(np.dot(u, v)) / (nu * nv)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


#: World "up" in MediaPipe's axes (y points down).
WORLD_UP = np.array([0.0, -1.0, 0.0])


def elevation_deg(a: np.ndarray, b: np.ndarray) -> float:
    """How far the direction A→B points above the horizontal, -90..90 degrees (y points down)."""
    d = np.asarray(b, np.float64) - a
    horizontal = math.hypot(d[0], d[2]) if len(d) == 3 else abs(float(d[0]))
    if not (horizontal > 0 or d[1] != 0):
        return math.nan
    return math.degrees(math.atan2(-float(d[1]), horizontal))


def body_forward(left_hip: np.ndarray, right_hip: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Unit vector the body faces: the cross product of its left-right axis and ``up``.

    With ``up`` = the body's own hips-to-shoulders axis it is where the chest points; with
    ``up`` = world up it is the horizontal direction the person would face standing up,
    which stays put as the trunk bends forward or back (the frame for signed leans).
    NaN when the axes are degenerate.
    """
    across = np.asarray(left_hip, np.float64) - right_hip
    f = np.cross(across, up)
    n = float(np.linalg.norm(f))
    return f / n if n > 1e-9 else np.full(3, np.nan)


def signed_lean_deg(a: np.ndarray, b: np.ndarray, forward: np.ndarray) -> float:
    """Angle of A→B from vertical within the plane of up and ``forward``; + leans toward ``forward``.

    0 = pointing straight up, 90 = pointing forward (horizontal), -90 = pointing backward.
    Points may be 2D (image, y down; ``forward`` then is 2D too) or 3D (world).
    """
    d = np.asarray(b, np.float64) - a
    up = WORLD_UP[: len(d)] if len(d) == 3 else np.array([0.0, -1.0])
    fwd = float(np.dot(d, forward))
    upward = float(np.dot(d, up))
    if fwd == 0 and upward == 0:
        return math.nan
    return math.degrees(math.atan2(fwd, upward))


def signed_offset(p: np.ndarray, a: np.ndarray, b: np.ndarray, toward: np.ndarray) -> float:
    """Distance of P from the line AB divided by |AB|, positive on the side ``toward`` points to.

    NaN when ``toward`` runs along the line (within 10 degrees): then neither side is the
    one it points to, and a sign would be a guess.
    """
    p = np.asarray(p, np.float64)
    a = np.asarray(a, np.float64)
    ab = np.asarray(b, np.float64) - a
    length = float(np.linalg.norm(ab))
    toward = np.asarray(toward, np.float64)
    tn = float(np.linalg.norm(toward))
    if not (length > 0 and tn > 0):
        return math.nan
    if abs(float(np.dot(ab, toward))) / (length * tn) > math.cos(math.radians(10.0)):
        return math.nan
    ap = p - a
    perp = ap - ab * (float(np.dot(ap, ab)) / (length * length))
    dist = float(np.linalg.norm(perp))
    if dist == 0.0:
        return 0.0
    return math.copysign(dist, float(np.dot(perp, toward))) / length
