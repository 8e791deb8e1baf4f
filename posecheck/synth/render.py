"""Rasterise the dressed skeleton into a room with numpy and OpenCV.

Every body capsule is intersected analytically with the camera ray of every pixel in its
screen bounding box (a round cone is two spheres plus the cone tangent to both, so each ray
solves three quadratics), keeping the nearest hit in a z-buffer together with the capsule
that made it. One vectorised pass then rebuilds normals and materials for the visible
pixels and shades them: Lambert key + fill light, ambient, a small Blinn specular and rim
darkening. The room (wall with skirting board, wooden floor, exercise mat) is rendered once
per clip because the camera does not move; each frame adds a soft contact shadow sampled
from a floor-plane occlusion map, is rendered at ``supersample`` x resolution, box-filtered
down and gets seeded Gaussian sensor noise.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from posecheck.synth.camera import Camera
from posecheck.synth.options import (
    CLOTH_COLORS,
    FLOORS,
    HAIR_COLORS,
    MAT_COLORS,
    SKIN_TONES,
    WALL_COLORS,
    SceneOptions,
    SubjectOptions,
    color,
)
from posecheck.synth.skeleton import PARTS, Surface

#: Metres; floor-plane resolution of the contact-shadow map.
SHADOW_CELL = 0.02
_INF = np.float32(np.inf)
#: Sensor noise comes from a seeded bank of noise images, each frame taking a seeded random
#: crop of one of them (far cheaper than drawing fresh Gaussian noise per frame).
_NOISE_BANK, _NOISE_PAD = 4, 48


def _bgr(rgb) -> np.ndarray:
    return np.array(rgb[::-1], np.float32)


class Materials:
    """Per-part albedo (BGR, 0..255), specular strength and shininess; index 0 is background."""

    def __init__(self, subject: SubjectOptions):
        skin = np.array(SKIN_TONES[subject.skin_tone], np.float32)
        hair = np.array(color(subject.hair_color, HAIR_COLORS), np.float32)
        table = {
            "skin": (skin, 0.10, 18.0),
            "shirt": (color(subject.shirt_color, CLOTH_COLORS), 0.04, 8.0),
            "bottoms": (color(subject.bottoms_color, CLOTH_COLORS), 0.05, 10.0),
            "shoe": (color(subject.shoe_color, CLOTH_COLORS), 0.12, 24.0),
            "hair": (hair, 0.10, 14.0),
            "eye": ((30, 24, 22), 0.35, 60.0),
            "brow": (0.75 * hair + 0.25 * skin * 0.4, 0.02, 8.0),
            "lip": (skin * np.array([0.78, 0.55, 0.55]) + np.array([30, 5, 5]), 0.15, 20.0),
            "sole": ((60, 60, 60), 0.05, 8.0),
        }
        self.index = {name: i + 1 for i, name in enumerate(PARTS)}
        n = len(PARTS) + 1
        self.albedo = np.zeros((n, 3), np.float32)
        self.spec = np.zeros(n, np.float32)
        self.shine = np.ones(n, np.float32)
        for name, (rgb, ks, sh) in table.items():
            i = self.index[name]
            self.albedo[i] = _bgr(np.clip(np.asarray(rgb, np.float32), 0, 255))
            self.spec[i], self.shine[i] = ks, sh


class Renderer:
    """Renders frames of one clip from a fixed camera.

    ``footprint`` is ``(xmin, zmin, xmax, zmax)`` of the subject's floor area over the clip
    (for the contact-shadow map and the mat); ``mat`` is None or ``(cx, cz, half_x, half_z)``.
    """

    def __init__(self, camera: Camera, subject: SubjectOptions, scene: SceneOptions,
                 footprint: tuple[float, float, float, float], mat: tuple[float, float, float, float] | None,
                 seed: int):
        self.cam = camera
        self.ss = scene.supersample
        self.hi = camera.scaled(self.ss)
        self.scene = scene
        self.mats = Materials(subject)
        self.seed = seed
        self.o = self.hi.position.astype(np.float64)
        self.dx, self.dy, self.dz = self.hi.rays()
        h2, w2 = self.hi.height, self.hi.width
        self.z = np.full((h2, w2), _INF, np.float32)
        self.owner = np.full((h2, w2), -1, np.int16)
        self._last_box = None
        self._lights()
        x0, z0, x1, z1 = footprint
        pad = 0.45
        self.grid_origin = (x0 - pad, z0 - pad)
        self.grid_shape = (int(math.ceil((z1 - z0 + 2 * pad) / SHADOW_CELL)) + 1,
                           int(math.ceil((x1 - x0 + 2 * pad) / SHADOW_CELL)) + 1)
        bg = self._background(mat)
        self.bg_lo = cv2.resize(bg, (camera.width, camera.height), interpolation=cv2.INTER_AREA)
        self.bg_hi = np.ascontiguousarray(bg.transpose(2, 0, 1))
        self._shadow_maps()
        self.noise = None
        if scene.noise_sigma > 0:
            rng = np.random.default_rng([seed, 11])
            shape = (_NOISE_BANK, camera.height + _NOISE_PAD, camera.width + _NOISE_PAD, 3)
            self.noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(scene.noise_sigma)

    # ------------------------------------------------------------------ set-up

    def _lights(self) -> None:
        sc = self.scene
        fwd = self.hi.rotation[2]
        back = -np.array([fwd[0], 0.0, fwd[2]])
        back /= np.linalg.norm(back)
        right = np.array([self.hi.rotation[0][0], 0.0, self.hi.rotation[0][2]])
        right /= np.linalg.norm(right)
        up = np.array([0.0, 1.0, 0.0])

        def light(az, el):
            a, e = math.radians(az), math.radians(el)
            v = math.cos(e) * (math.cos(a) * back + math.sin(a) * right) + math.sin(e) * up
            return (v / np.linalg.norm(v)).astype(np.float32)

        self.key = light(sc.light_azimuth_deg, sc.light_elevation_deg)
        self.fill = light(-sc.light_azimuth_deg * 0.5 + (60.0 if sc.light_azimuth_deg <= 0 else -60.0), 20.0)

    def _background(self, mat) -> np.ndarray:
        """Wall, skirting board, wooden floor and mat as seen by the camera (hi-res float32 BGR)."""
        sc = self.scene
        rng = np.random.default_rng([self.seed, 31])
        o = self.o
        dx, dy, dz = self.dx, self.dy, self.dz
        fwd = self.hi.rotation[2]
        n_wall = -np.array([fwd[0], 0.0, fwd[2]])
        n_wall /= np.linalg.norm(n_wall)
        gx, gz = self.grid_origin
        gh, gw = self.grid_shape
        centre = np.array([gx + 0.5 * gw * SHADOW_CELL, 0.0, gz + 0.5 * gh * SHADOW_CELL])
        wall_pt = centre - n_wall * sc.wall_distance_m - n_wall * 0.5 * max(gw, gh) * SHADOW_CELL
        with np.errstate(divide="ignore", invalid="ignore"):
            t_floor = np.where(dy < -1e-6, -o[1] / dy, np.inf).astype(np.float32)
            denom = dx * n_wall[0] + dz * n_wall[2]
            t_wall = np.where(denom < -1e-6, np.dot(wall_pt - o, n_wall) / denom, np.inf).astype(np.float32)
        t_wall = np.where(t_wall > 0, t_wall, np.inf)
        t_floor = np.where(t_floor > 0, t_floor, np.inf)
        on_floor = t_floor <= t_wall
        t = np.where(on_floor, t_floor, t_wall)
        t = np.where(np.isfinite(t), t, 50.0).astype(np.float32)
        px, py, pz = o[0] + t * dx, o[1] + t * dy, o[2] + t * dz
        self.floor_x, self.floor_z, self.on_floor = px.astype(np.float32), pz.astype(np.float32), on_floor

        key = self.key
        out = np.empty(dx.shape + (3,), np.float32)
        # floor: planks along x with per-board tint, grain and seams
        board_w, board_l = 0.13, 1.3
        across = pz / board_w
        row = np.floor(across).astype(np.int64)
        offs = rng.uniform(0, board_l, 257)
        along = (px + offs[row % 257]) / board_l
        col = np.floor(along).astype(np.int64)
        tint = rng.uniform(-0.11, 0.11, (257, 257)).astype(np.float32)
        tone = 1.0 + tint[row % 257, col % 257]
        phase = rng.uniform(0, 2 * np.pi, 257)
        grain = 0.05 * np.sin(px * 41.0 + 3.0 * np.sin(pz * 23.0 + phase[row % 257]) + phase[col % 257])
        seam = np.minimum(across - row, 1.0 - (across - row)) * board_w
        seam_l = np.minimum(along - col, 1.0 - (along - col)) * board_l
        shade = tone * (1.0 + grain)
        shade = np.where((seam < 0.0025) | (seam_l < 0.002), shade * 0.55, shade)
        dist = np.hypot(px - centre[0], pz - centre[2])
        falloff = 1.0 - 0.22 * np.clip(dist / 4.5, 0, 1)
        light_floor = (sc.ambient + sc.light_intensity * max(float(key[1]), 0.0)) * falloff
        floor_rgb = _bgr(FLOORS[sc.floor])
        floor_col = floor_rgb[None, None, :] * (shade * light_floor)[..., None]
        if mat is not None:
            mx, mz, hx, hz = mat
            ux, uz = np.abs(px - mx), np.abs(pz - mz)
            inside = (ux <= hx) & (uz <= hz)
            edge = np.minimum(hx - ux, hz - uz)
            mat_rgb = _bgr(color(sc.mat_color, MAT_COLORS))
            speck = 1.0 + rng.normal(0.0, 0.025, dx.shape).astype(np.float32)
            mshade = np.where(edge < 0.012, 0.82, 1.0) * speck * light_floor
            floor_col = np.where(inside[..., None], mat_rgb[None, None, :] * mshade[..., None], floor_col)
        # wall: flat colour with a soft vertical gradient, skirting board at the bottom
        wall_rgb = _bgr(color(sc.wall_color, WALL_COLORS))
        lam = 0.55 + 0.35 * sc.ambient + 0.4 * sc.light_intensity * max(float(np.dot(key, n_wall)), 0.0)
        grad = 0.9 + 0.1 * np.clip(py / 2.5, 0.0, 1.0)
        wall_col = wall_rgb[None, None, :] * (lam * grad)[..., None]
        board_h = 0.09
        skirt = wall_rgb * 0.55 + 0.45 * np.array([235, 235, 235], np.float32)
        wall_col = np.where((py < board_h)[..., None], skirt[None, None, :] * lam * 0.97, wall_col)
        wall_col = np.where(((py >= board_h) & (py < board_h + 0.006))[..., None], wall_col * 0.8, wall_col)
        out = np.where(on_floor[..., None], floor_col, wall_col)
        h2, w2 = dx.shape
        yy, xx = np.mgrid[0:h2, 0:w2].astype(np.float32)
        r = np.hypot((xx - w2 / 2) / (w2 / 2), (yy - h2 / 2) / (h2 / 2))
        out *= (1.0 - 0.12 * np.clip(r - 0.35, 0, 1) ** 2)[..., None]
        return np.clip(out, 0, 255).astype(np.float32)

    def _shadow_maps(self) -> None:
        """Pixel -> shadow-grid coordinates for the floor pixels near the subject."""
        gx, gz = self.grid_origin
        gh, gw = self.grid_shape
        mx = (self.floor_x - gx) / SHADOW_CELL
        mz = (self.floor_z - gz) / SHADOW_CELL
        inside = self.on_floor & (mx >= -1) & (mx <= gw) & (mz >= -1) & (mz <= gh)
        if not inside.any():
            self.shadow_box = None
            return
        ys, xs = np.nonzero(inside)
        ss = self.ss
        y0, y1 = (ys.min() // ss) * ss, min(((ys.max() // ss) + 1) * ss, self.hi.height)
        x0, x1 = (xs.min() // ss) * ss, min(((xs.max() // ss) + 1) * ss, self.hi.width)
        self.shadow_box = (y0, y1, x0, x1)
        sub = inside[y0:y1, x0:x1]
        self.map_x = np.where(sub, mx[y0:y1, x0:x1], -10).astype(np.float32)
        self.map_z = np.where(sub, mz[y0:y1, x0:x1], -10).astype(np.float32)

    # ------------------------------------------------------------------ per frame

    def _shadow(self, surf: Surface) -> np.ndarray:
        """Occlusion (0..1) on the floor grid from surfaces close to the floor.

        Each capsule (and each ellipsoid, as a vertical capsule of its horizontal size)
        darkens the cells under it, more when it is close to the floor and spreading wider
        when it is higher; the map is blurred for a soft edge.
        """
        gx, gz = self.grid_origin
        gh, gw = self.grid_shape
        occ = np.zeros((gh, gw), np.float32)
        caps, ells = surf.caps, surf.ells
        he = ells.half_extent()
        prims = [(caps.a[i], caps.b[i], caps.ra[i], caps.rb[i]) for i in range(len(caps.ra))]
        for c, e in zip(ells.centre, he):
            r = 0.5 * (e[0] + e[2])
            prims.append((c - [0.0, e[1] - r, 0.0], c - [0.0, e[1] - r, 0.0], r, r))
        for a, b, ra, rb in prims:
            low = min(a[1] - ra, b[1] - rb)
            if low > 0.45:
                continue
            reach = max(ra, rb) + 0.06 + 0.5 * max(low, 0.0)
            xlo, xhi = min(a[0], b[0]) - reach, max(a[0], b[0]) + reach
            zlo, zhi = min(a[2], b[2]) - reach, max(a[2], b[2]) + reach
            c0, c1 = max(int((xlo - gx) / SHADOW_CELL), 0), min(int((xhi - gx) / SHADOW_CELL) + 2, gw)
            r0, r1 = max(int((zlo - gz) / SHADOW_CELL), 0), min(int((zhi - gz) / SHADOW_CELL) + 2, gh)
            if c0 >= c1 or r0 >= r1:
                continue
            cx = (gx + (np.arange(c0, c1, dtype=np.float32) + 0.5) * SHADOW_CELL)[None, :]
            cz = (gz + (np.arange(r0, r1, dtype=np.float32) + 0.5) * SHADOW_CELL)[:, None]
            ex, ez = b[0] - a[0], b[2] - a[2]
            ll = ex * ex + ez * ez
            tau = np.clip(((cx - a[0]) * ex + (cz - a[2]) * ez) / ll, 0.0, 1.0) if ll > 1e-10 else np.zeros((1, 1))
            d = np.hypot(cx - (a[0] + tau * ex), cz - (a[2] + tau * ez))
            hgt = a[1] + tau * (b[1] - a[1])
            rad = ra + tau * (rb - ra)
            gap = np.maximum(hgt - rad, 0.0)
            spread = 0.05 + 0.7 * gap
            val = np.clip(1.0 - (d - 0.75 * rad) / spread, 0.0, 1.0) * np.exp(-gap / 0.14)
            np.maximum(occ[r0:r1, c0:c1], val.astype(np.float32), out=occ[r0:r1, c0:c1])
        return cv2.GaussianBlur(occ, (0, 0), 1.6)

    def _clip_box(self, x0, x1, y0, y1):
        x0, y0 = max(int(math.floor(x0)) - 1, 0), max(int(math.floor(y0)) - 1, 0)
        x1, y1 = min(int(math.ceil(x1)) + 2, self.hi.width), min(int(math.ceil(y1)) + 2, self.hi.height)
        if x0 >= x1 or y0 >= y1:
            return None
        return y0, y1, x0, x1

    def _capsule_boxes(self, a, b, ra, rb) -> list:
        """Screen boxes covering a capsule; a long slanted capsule gets several smaller boxes
        along its length instead of one mostly empty box."""
        px, z = self.hi.project(np.array([a, b]))
        if np.any(z < 0.05):
            return []
        e = max(ra * self.hi.fx / max(z[0] - ra, 0.05), rb * self.hi.fx / max(z[1] - rb, 0.05))
        span = np.abs(px[1] - px[0])
        pieces = 1
        if min(span) > 3.0 * e:
            pieces = int(min(4, math.ceil(float(np.hypot(*span)) / (4.0 * e))))
        boxes = []
        for k in range(pieces):
            p0 = px[0] + (px[1] - px[0]) * (k / pieces)
            p1 = px[0] + (px[1] - px[0]) * ((k + 1) / pieces)
            bb = self._clip_box(min(p0[0], p1[0]) - e, max(p0[0], p1[0]) + e,
                                min(p0[1], p1[1]) - e, max(p0[1], p1[1]) + e)
            if bb is not None:
                boxes.append(bb)
        return boxes

    def _ellipsoid_box(self, centre, half):
        corners = centre + half * np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)])
        px, z = self.hi.project(corners)
        if np.any(z < 0.05):
            return None
        return self._clip_box(px[:, 0].min(), px[:, 0].max(), px[:, 1].min(), px[:, 1].max())

    def _write(self, bb, t, owner_id, box):
        y0, y1, x0, x1 = bb
        zs = self.z[y0:y1, x0:x1]
        m = t < zs
        if not m.any():
            return box
        np.copyto(zs, t, where=m)
        np.copyto(self.owner[y0:y1, x0:x1], np.int16(owner_id), where=m)
        return bb if box is None else (min(box[0], y0), max(box[1], y1), min(box[2], x0), max(box[3], x1))

    def _raster(self, surf: Surface):
        """Fill the z-buffer and owner map (capsule i -> i, ellipsoid j -> n_caps + j);
        returns the union box of touched pixels."""
        o = self.o
        box = None
        caps, ells = surf.caps, surf.ells
        n = len(caps.ra)
        for i in range(n):
            a, b = caps.a[i].astype(np.float64), caps.b[i].astype(np.float64)
            ra, rb = float(caps.ra[i]), float(caps.rb[i])
            for bb in self._capsule_boxes(a, b, ra, rb):
                y0, y1, x0, x1 = bb
                t = _ray_round_cone(o, self.dx[y0:y1, x0:x1], self.dy[y0:y1, x0:x1], self.dz[y0:y1, x0:x1],
                                    a, b, ra, rb)
                box = self._write(bb, t, i, box)
        he = ells.half_extent()
        for j in range(len(ells.semi)):
            bb = self._ellipsoid_box(ells.centre[j], he[j])
            if bb is None:
                continue
            y0, y1, x0, x1 = bb
            t = _ray_ellipsoid(o, self.dx[y0:y1, x0:x1], self.dy[y0:y1, x0:x1], self.dz[y0:y1, x0:x1],
                               ells.centre[j], ells.axes[j], ells.semi[j])
            box = self._write(bb, t, n + j, box)
        return box

    def render(self, surf: Surface, frame_index: int) -> tuple[np.ndarray, np.ndarray]:
        """One BGR uint8 frame and the hi-res z-buffer (ray distance, inf = background)."""
        if self._last_box is not None:
            y0, y1, x0, x1 = self._last_box
            self.z[y0:y1, x0:x1] = _INF
            self.owner[y0:y1, x0:x1] = -1
        box = self._raster(surf)
        self._last_box = box
        ss = self.ss
        frame = self.bg_lo.copy()
        regions = [box] if box is not None else []
        if self.shadow_box is not None:
            regions.append(self.shadow_box)
        if regions:
            y0 = min(r[0] for r in regions) // ss * ss
            x0 = min(r[2] for r in regions) // ss * ss
            y1 = min(-(-max(r[1] for r in regions) // ss) * ss, self.hi.height)
            x1 = min(-(-max(r[3] for r in regions) // ss) * ss, self.hi.width)
            region = self.bg_hi[:, y0:y1, x0:x1].copy()
            if self.shadow_box is not None:
                sy0, sy1, sx0, sx1 = self.shadow_box
                sh = cv2.remap(self._shadow(surf), self.map_x, self.map_z, cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
                region[:, sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] *= (1.0 - 0.62 * sh)[None]
            if box is not None:
                self._shade(surf, region, (y0, y1, x0, x1))
            small = cv2.resize(cv2.merge(list(region)), ((x1 - x0) // ss, (y1 - y0) // ss),
                               interpolation=cv2.INTER_AREA)
            frame[y0 // ss:y0 // ss + small.shape[0], x0 // ss:x0 // ss + small.shape[1]] = small
        if self.noise is not None:
            rng = np.random.default_rng([self.seed, 12, frame_index])
            b, oy, ox = rng.integers(len(self.noise)), rng.integers(_NOISE_PAD), rng.integers(_NOISE_PAD)
            frame += self.noise[b, oy:oy + frame.shape[0], ox:ox + frame.shape[1]]
        return np.clip(frame + 0.5, 0, 255).astype(np.uint8), self.z

    def _shade(self, surf: Surface, region: np.ndarray, box) -> None:
        """Normals, materials and lighting for the body pixels inside ``box``, written into the
        planar ``(3, h, w)`` ``region`` in place.

        Body pixels are grouped by the primitive that owns them, so each group's normals are
        computed with that primitive's scalar parameters (no per-pixel parameter gathers).
        """
        y0, y1, x0, x1 = box
        own = self.owner[y0:y1, x0:x1].ravel()
        flat = np.flatnonzero(own >= 0)
        if flat.size == 0:
            return
        ids = own[flat]
        order = np.argsort(ids, kind="stable")
        flat, ids = flat[order], ids[order]
        t = self.z[y0:y1, x0:x1].ravel()[flat]
        dx = self.dx[y0:y1, x0:x1].ravel()[flat]
        dy = self.dy[y0:y1, x0:x1].ravel()[flat]
        dz = self.dz[y0:y1, x0:x1].ravel()[flat]
        o = self.o
        px = np.float32(o[0]) + t * dx
        py = np.float32(o[1]) + t * dy
        pz = np.float32(o[2]) + t * dz
        nx, ny, nz = np.empty_like(t), np.empty_like(t), np.empty_like(t)
        mat = np.empty(t.shape, np.intp)
        caps, ells = surf.caps, surf.ells
        n = len(caps.ra)
        mi = self.mats.index
        starts = np.concatenate([[0], np.flatnonzero(np.diff(ids)) + 1, [len(ids)]])
        for s0, s1 in zip(starts[:-1], starts[1:]):
            i = int(ids[s0])
            sl = slice(s0, s1)
            if i < n:
                a = caps.a[i]
                ba = caps.b[i] - a
                ln = float(np.linalg.norm(ba))
                qx, qy, qz = px[sl] - np.float32(a[0]), py[sl] - np.float32(a[1]), pz[sl] - np.float32(a[2])
                if ln < 1e-7:
                    r = np.float32(max(caps.ra[i], caps.rb[i]))
                    nx[sl], ny[sl], nz[sl] = qx / r, qy / r, qz / r
                    mat[sl] = mi[caps.part_a[i]]
                    continue
                u = (ba / ln).astype(np.float32)
                s = float(np.clip((caps.ra[i] - caps.rb[i]) / ln, -0.999, 0.999))
                y = qx * u[0] + qy * u[1] + qz * u[2]
                x = np.sqrt(np.maximum(qx * qx + qy * qy + qz * qz - y * y, 0.0))
                yc = np.clip(y - np.float32(s / math.sqrt(1.0 - s * s)) * x, 0.0, np.float32(ln))
                rc = np.float32(caps.ra[i]) + np.float32((caps.rb[i] - caps.ra[i]) / ln) * yc
                nx[sl], ny[sl], nz[sl] = (qx - yc * u[0]) / rc, (qy - yc * u[1]) / rc, (qz - yc * u[2]) / rc
                if caps.split[i] < 1.0:
                    mat[sl] = np.where(yc > np.float32(caps.split[i] * ln), mi[caps.part_b[i]], mi[caps.part_a[i]])
                else:
                    mat[sl] = mi[caps.part_a[i]]
            else:
                j = i - n
                c, ax, semi = ells.centre[j], ells.axes[j], ells.semi[j]
                qx, qy, qz = px[sl] - np.float32(c[0]), py[sl] - np.float32(c[1]), pz[sl] - np.float32(c[2])
                m = (ax / (semi * semi)[None, :]) @ ax.T
                m = m.astype(np.float32)
                nx[sl] = m[0, 0] * qx + m[0, 1] * qy + m[0, 2] * qz
                ny[sl] = m[1, 0] * qx + m[1, 1] * qy + m[1, 2] * qz
                nz[sl] = m[2, 0] * qx + m[2, 1] * qy + m[2, 2] * qz
                if ells.split[j] < 1.0:
                    ly = (qx * ax[0, 1] + qy * ax[1, 1] + qz * ax[2, 1]) / np.float32(semi[1])
                    mat[sl] = np.where(ly > np.float32(ells.split[j]), mi[ells.part_b[j]], mi[ells.part_a[j]])
                else:
                    mat[sl] = mi[ells.part_a[j]]
        inv = 1.0 / np.sqrt(nx * nx + ny * ny + nz * nz + np.float32(1e-12))
        nx *= inv
        ny *= inv
        nz *= inv
        sc = self.scene
        k, f = self.key, self.fill
        ndl = np.maximum(nx * k[0] + ny * k[1] + nz * k[2], 0.0)
        ndf = np.maximum(nx * f[0] + ny * f[1] + nz * f[2], 0.0)
        ndv = np.clip(-(nx * dx + ny * dy + nz * dz), 0.0, 1.0)
        hx, hy, hz = k[0] - dx, k[1] - dy, k[2] - dz
        ndh = np.maximum((nx * hx + ny * hy + nz * hz) / np.sqrt(hx * hx + hy * hy + hz * hz), 0.0)
        ndh *= ndh
        ndh *= ndh
        ndh *= ndh
        ndh *= ndh
        rim = np.float32(1.0) - np.float32(0.42) * (np.float32(1.0) - ndv) ** 2
        li = np.float32(sc.light_intensity)
        diffuse = (np.float32(sc.ambient) + li * ndl + np.float32(0.28) * li * ndf) * rim
        spec = np.take(self.mats.spec, mat) * ndh * (np.float32(255.0) * li)
        for ch in range(3):
            col = np.take(self.mats.albedo[:, ch], mat) * diffuse + spec
            region[ch].ravel()[flat] = np.minimum(col, np.float32(255.0))

    def visibility(self, landmarks: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
        """True where a landmark is inside the frame and not hidden behind other surfaces.

        A landmark is a joint centre inside the body, so it counts as seen when the nearest
        surface on its pixel is no more than ``tolerance`` (metres, per landmark) in front
        of it.
        """
        px, zc = self.hi.project(landmarks)
        dist = np.linalg.norm(landmarks - self.o, axis=1)
        xi, yi = np.round(px[:, 0]).astype(int), np.round(px[:, 1]).astype(int)
        ok = (zc > 0) & (xi >= 0) & (yi >= 0) & (xi < self.hi.width) & (yi < self.hi.height)
        vis = np.zeros(len(landmarks), bool)
        zb = self.z[np.clip(yi, 0, self.hi.height - 1), np.clip(xi, 0, self.hi.width - 1)]
        vis[ok] = (dist[ok] - zb[ok]) <= tolerance[ok]
        return vis


def _ray_round_cone(o, dx, dy, dz, a, b, ra, rb) -> np.ndarray:
    """Distance along each unit ray ``(dx, dy, dz)`` from ``o`` to the round cone joining the
    spheres ``(a, ra)`` and ``(b, rb)``; ``inf`` where missed.

    With the axis ``u`` from ``a`` to ``b`` (length ``L``), ``s = (ra - rb) / L`` and
    ``c = sqrt(1 - s^2)``, the side surface is the cone tangent to both spheres; it is used
    where the axial coordinate ``y`` of the hit lies in ``[s ra, L + s rb]``, sphere ``a``
    below that band and sphere ``b`` above it. The entry point is the nearest valid hit.
    The cone quadric is negative inside the (double) cone, so ``(-hb - sqrt(disc)) / qa``
    is the root where the ray goes from outside to inside whatever the sign of ``qa``; the
    band lies before the apex, so a hit on the far nappe is rejected by the band test.
    """
    oa = o - a
    ba = b - a
    ln = float(np.linalg.norm(ba))
    oo = float(np.dot(oa, oa))
    od = dx * np.float32(oa[0]) + dy * np.float32(oa[1]) + dz * np.float32(oa[2])
    if ln < 1e-7 or abs(ra - rb) >= ln * 0.999:
        r = max(ra, rb)
        cen = a if ra >= rb else b
        oc = o - cen
        odc = dx * np.float32(oc[0]) + dy * np.float32(oc[1]) + dz * np.float32(oc[2])
        disc = odc * odc - np.float32(np.dot(oc, oc) - r * r)
        t = -odc - np.sqrt(np.maximum(disc, 0.0))
        return np.where((disc > 0) & (t > 0), t, _INF)
    u = ba / ln
    s = (ra - rb) / ln
    c2 = 1.0 - s * s
    y0 = float(np.dot(oa, u))
    yd = dx * np.float32(u[0]) + dy * np.float32(u[1]) + dz * np.float32(u[2])
    k = ra - s * y0
    qa = np.float32(c2) - yd * yd
    hb = np.float32(c2) * (od - np.float32(y0) * yd) + np.float32(s * k) * yd
    cc = np.float32(c2 * (oo - y0 * y0) - k * k)
    disc = hb * hb - qa * cc
    sq = np.sqrt(np.maximum(disc, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(np.abs(qa) > 1e-9, 1.0 / qa, 0.0).astype(np.float32)
    lo_band, hi_band = np.float32(s * ra), np.float32(ln + s * rb)
    tc = (-hb - sq) * inv
    yc = np.float32(y0) + tc * yd
    ok = (disc > 0) & (tc > 0) & (yc >= lo_band) & (yc <= hi_band)
    best = np.where(ok, tc, _INF)
    disc_a = od * od - np.float32(oo - ra * ra)
    ta = -od - np.sqrt(np.maximum(disc_a, 0.0))
    ok = (disc_a > 0) & (ta > 0) & (np.float32(y0) + ta * yd < lo_band)
    np.minimum(best, np.where(ok, ta, _INF), out=best)
    ob = o - b
    odb = od - np.float32(ln) * yd
    disc_b = odb * odb - np.float32(float(np.dot(ob, ob)) - rb * rb)
    tb = -odb - np.sqrt(np.maximum(disc_b, 0.0))
    ok = (disc_b > 0) & (tb > 0) & (np.float32(y0) + tb * yd > hi_band)
    np.minimum(best, np.where(ok, tb, _INF), out=best)
    return best


def _ray_ellipsoid(o, dx, dy, dz, centre, axes, semi) -> np.ndarray:
    """Distance along each unit ray to the ellipsoid (``axes`` columns = local axes in world,
    ``semi`` semi-axes); ``inf`` where missed. Solved as a unit sphere in scaled local space."""
    m = (axes / semi[None, :]).astype(np.float32)
    ol = (axes.T @ (o - centre)) / semi
    lx = dx * m[0, 0] + dy * m[1, 0] + dz * m[2, 0]
    ly = dx * m[0, 1] + dy * m[1, 1] + dz * m[2, 1]
    lz = dx * m[0, 2] + dy * m[1, 2] + dz * m[2, 2]
    qa = lx * lx + ly * ly + lz * lz
    hb = lx * np.float32(ol[0]) + ly * np.float32(ol[1]) + lz * np.float32(ol[2])
    cc = np.float32(float(np.dot(ol, ol)) - 1.0)
    disc = hb * hb - qa * cc
    t = (-hb - np.sqrt(np.maximum(disc, 0.0))) / qa
    return np.where((disc > 0) & (t > 0), t, _INF)
