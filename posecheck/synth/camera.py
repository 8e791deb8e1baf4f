"""Pinhole camera placed around the subject by azimuth, elevation and distance.

Azimuth is measured in the horizontal plane from the exercise's *lateral* direction toward
its *heading* (both set by the exercise, see :class:`posecheck.synth.motion.Exercise`):

* ``0``   — **side**: camera on the subject's left (standing, prone and supine exercises);
  for the side plank, whose left side faces the ceiling, the camera looks along the body
  from the feet.
* ``90``  — **front**: camera faces the chest and face (standing, side plank) or the top of
  the head (prone and supine exercises: plank, bird dog, glute bridge).
* ``45``  — **oblique**: 3/4 front from the side of azimuth 0.
* ``-90`` — rear; ``180`` — the other side; ``135`` — 3/4 front from the other side.

Elevation is the angle of the camera above the aim point (positive looks down). The camera
aims at the centre of the subject's motion and, unless a distance is given, backs off until
the whole motion fills about 80 % of the frame. Pixel coordinates are OpenCV's: ``x``
right, ``y`` down, pixel centres on integers. Camera axes are OpenCV's too (``x`` right,
``y`` down, ``z`` forward).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Named views -> azimuth in degrees.
VIEWS: dict[str, float] = {
    "side": 0.0,
    "oblique": 45.0,
    "front": 90.0,
    "oblique_right": 135.0,
    "side_right": 180.0,
    "rear": -90.0,
}


def view_label(azimuth_deg: float) -> str:
    """The labels' view word (side / front / oblique / rear) for an azimuth."""
    a = (azimuth_deg + 180.0) % 360.0 - 180.0
    if abs(a) <= 22.5 or abs(a) >= 157.5:
        return "side"
    if abs(a - 90.0) <= 22.5:
        return "front"
    if abs(a + 90.0) <= 22.5:
        return "rear"
    return "oblique"


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: ``position`` (world), ``rotation`` (rows = camera x, y, z axes in
    world coordinates), focal lengths and principal point in pixels, image size, and the
    world point it was aimed at."""

    position: np.ndarray
    rotation: np.ndarray
    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int
    target: np.ndarray | None = None

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixels ``(n, 2)`` and distances along the view axis ``(n,)`` of world points."""
        pc = (np.asarray(points, float) - self.position) @ self.rotation.T
        z = pc[:, 2]
        zs = np.where(z > 1e-6, z, 1e-6)
        px = np.column_stack([self.fx * pc[:, 0] / zs + self.cx, self.fy * pc[:, 1] / zs + self.cy])
        return px, z

    def scaled(self, k: int) -> "Camera":
        """The same view at ``k`` times the resolution (pixel centres kept consistent)."""
        return Camera(self.position, self.rotation, self.fx * k, self.fy * k, k * (self.cx + 0.5) - 0.5,
                      k * (self.cy + 0.5) - 0.5, self.width * k, self.height * k, self.target)

    def rays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit world directions through every pixel centre, as three ``(H, W)`` float32 arrays."""
        u = (np.arange(self.width, dtype=np.float64) - self.cx) / self.fx
        v = (np.arange(self.height, dtype=np.float64) - self.cy) / self.fy
        uu, vv = np.meshgrid(u, v)
        norm = np.sqrt(uu * uu + vv * vv + 1.0)
        r = self.rotation
        dx = (r[0, 0] * uu + r[1, 0] * vv + r[2, 0]) / norm
        dy = (r[0, 1] * uu + r[1, 1] * vv + r[2, 1]) / norm
        dz = (r[0, 2] * uu + r[1, 2] * vv + r[2, 2]) / norm
        return dx.astype(np.float32), dy.astype(np.float32), dz.astype(np.float32)

    def to_dict(self) -> dict:
        return {
            "position": [round(float(v), 6) for v in self.position],
            "rotation": [[round(float(v), 9) for v in row] for row in self.rotation],
            "fx": self.fx, "fy": self.fy, "cx": self.cx, "cy": self.cy,
            "width": self.width, "height": self.height,
            "target": None if self.target is None else [round(float(v), 6) for v in self.target],
        }


def look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotation (rows x right, y down, z forward) of a camera at ``eye`` looking at ``target``
    with world ``+y`` up."""
    f = np.asarray(target, float) - eye
    f /= np.linalg.norm(f)
    right = np.cross(f, [0.0, 1.0, 0.0])
    if np.linalg.norm(right) < 1e-9:
        raise ValueError("camera cannot look straight up or down")
    right /= np.linalg.norm(right)
    down = np.cross(f, right)
    return np.vstack([right, down, f])


_LATERAL = (1.0, 0.0, 0.0)
_HEADING = (0.0, 0.0, 1.0)


def direction(azimuth_deg: float, elevation_deg: float, lateral=_LATERAL, heading=_HEADING) -> np.ndarray:
    """Unit vector from the aim point toward the camera (``lateral``/``heading`` horizontal)."""
    az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
    horiz = math.cos(az) * np.asarray(lateral, float) + math.sin(az) * np.asarray(heading, float)
    return math.cos(el) * horiz + math.sin(el) * np.array([0.0, 1.0, 0.0])


def make_camera(target, azimuth_deg, elevation_deg, distance_m, size, fov_deg,
                lateral=_LATERAL, heading=_HEADING) -> Camera:
    """Camera at ``distance_m`` from ``target`` in the given direction; ``fov_deg`` vertical."""
    w, h = size
    eye = np.asarray(target, float) + distance_m * direction(azimuth_deg, elevation_deg, lateral, heading)
    f = 0.5 * h / math.tan(math.radians(fov_deg) / 2.0)
    return Camera(eye, look_at(eye, target), f, f, (w - 1) / 2.0, (h - 1) / 2.0, w, h, np.asarray(target, float))


def fit_camera(points: np.ndarray, azimuth_deg: float, elevation_deg: float, size, fov_deg: float,
               distance_m: float | None = None, fill: float = 0.8, lateral=_LATERAL, heading=_HEADING,
               min_distance_m: float = 0.0) -> Camera:
    """Aim at ``points`` (every surface extreme of the clip) and, without ``distance_m``,
    choose the distance so their projection spans ``fill`` of the frame's tighter dimension
    (but not closer than ``min_distance_m``, which keeps head-on views of lying bodies from
    turning into wide-angle close-ups); the aim point is nudged until the projection is
    centred."""
    pts = np.asarray(points, float)
    target = 0.5 * (pts.min(axis=0) + pts.max(axis=0))
    dist = distance_m if distance_m is not None else 3.0
    w, h = size
    cam = make_camera(target, azimuth_deg, elevation_deg, dist, size, fov_deg, lateral, heading)
    for _ in range(12):
        px, z = cam.project(pts)
        if np.any(z <= 0.05):
            dist *= 1.5
            cam = make_camera(target, azimuth_deg, elevation_deg, dist, size, fov_deg, lateral, heading)
            continue
        lo, hi = px.min(axis=0), px.max(axis=0)
        centre = 0.5 * (lo + hi)
        shift = (centre - [cam.cx, cam.cy]) / [cam.fx, cam.fy] * dist
        target = target + shift[0] * cam.rotation[0] + shift[1] * cam.rotation[1]
        if distance_m is None:
            span = max((hi[0] - lo[0]) / w, (hi[1] - lo[1]) / h)
            dist = max(dist * span / fill, min_distance_m)
        cam = make_camera(target, azimuth_deg, elevation_deg, dist, size, fov_deg, lateral, heading)
    return cam
