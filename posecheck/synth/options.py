"""Subject and scene options: who is filmed and where, with named palettes.

Colours are ``(r, g, b)`` tuples of 0..255 or a palette name; everything here is a frozen,
JSON-friendly dataclass so a clip's ``synth`` record can rebuild it exactly.
:meth:`SubjectOptions.sample` and :meth:`SceneOptions.sample` draw varied but plausible
options from a seed, for building sets of clips.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

#: Six skin tones from very light to very dark (a Fitzpatrick-like I..VI scale), sRGB.
SKIN_TONES: dict[int, tuple[int, int, int]] = {
    1: (246, 218, 200),
    2: (232, 190, 160),
    3: (208, 160, 122),
    4: (172, 118, 82),
    5: (120, 78, 52),
    6: (74, 48, 34),
}
HAIR_COLORS: dict[str, tuple[int, int, int]] = {
    "black": (24, 20, 18),
    "dark_brown": (58, 38, 26),
    "brown": (104, 70, 44),
    "auburn": (130, 58, 32),
    "blonde": (206, 172, 112),
    "grey": (150, 148, 144),
}
CLOTH_COLORS: dict[str, tuple[int, int, int]] = {
    "red": (190, 40, 44),
    "blue": (40, 90, 190),
    "navy": (28, 36, 80),
    "green": (50, 140, 80),
    "teal": (20, 130, 140),
    "purple": (110, 60, 150),
    "orange": (230, 120, 40),
    "yellow": (225, 195, 60),
    "pink": (225, 120, 160),
    "grey": (128, 128, 132),
    "charcoal": (52, 54, 58),
    "black": (26, 26, 28),
    "white": (232, 232, 228),
}
WALL_COLORS: dict[str, tuple[int, int, int]] = {
    "off_white": (232, 228, 218),
    "light_grey": (196, 198, 200),
    "beige": (214, 196, 166),
    "pale_blue": (184, 204, 222),
    "sage": (176, 192, 164),
    "butter": (236, 222, 170),
    "terracotta": (190, 120, 92),
    "slate": (98, 108, 120),
}
FLOORS: dict[str, tuple[int, int, int]] = {
    "light_oak": (196, 160, 114),
    "oak": (164, 118, 74),
    "walnut": (100, 68, 46),
    "grey_laminate": (150, 146, 140),
}
MAT_COLORS: dict[str, tuple[int, int, int]] = {
    "purple": (112, 80, 160),
    "blue": (50, 100, 170),
    "green": (70, 140, 100),
    "grey": (110, 112, 116),
    "pink": (214, 120, 150),
    "black": (34, 34, 38),
    "teal": (40, 140, 150),
}


def color(value, palette: dict) -> tuple[int, int, int]:
    """Resolve a palette name or an ``(r, g, b)`` tuple; ``ValueError`` lists the names."""
    if isinstance(value, str):
        if value not in palette:
            raise ValueError(f"unknown colour {value!r}; choose one of {', '.join(palette)} or give (r, g, b)")
        return palette[value]
    rgb = tuple(int(v) for v in value)
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise ValueError(f"colour must be three integers 0..255, got {value!r}")
    return rgb  # type: ignore[return-value]


@dataclass(frozen=True)
class SubjectOptions:
    """The synthetic person: body size and proportions, skin, hair and clothing."""

    height_m: float = 1.70
    build: str = "average"
    leg_scale: float = 1.0
    arm_scale: float = 1.0
    skin_tone: int = 3
    hair_color: str | tuple[int, int, int] = "dark_brown"
    hair_style: str = "short"
    shirt: str = "tshirt"
    shirt_color: str | tuple[int, int, int] = "blue"
    bottoms: str = "shorts"
    bottoms_color: str | tuple[int, int, int] = "charcoal"
    shoe_color: str | tuple[int, int, int] = "white"

    def __post_init__(self) -> None:
        if self.skin_tone not in SKIN_TONES:
            raise ValueError(f"skin_tone must be 1..6, got {self.skin_tone}")
        color(self.hair_color, HAIR_COLORS)
        for name in ("shirt_color", "bottoms_color", "shoe_color"):
            color(getattr(self, name), CLOTH_COLORS)

    @classmethod
    def sample(cls, seed: int) -> "SubjectOptions":
        """A varied subject drawn from ``seed`` (deterministic)."""
        rng = np.random.default_rng([seed, 101])
        cloth = list(CLOTH_COLORS)
        shirt = cloth[rng.integers(len(cloth))]
        bottoms = ["black", "charcoal", "navy", "grey", "purple", "teal"][rng.integers(6)]
        if bottoms == shirt:
            bottoms = "black" if shirt != "black" else "grey"
        return cls(
            height_m=round(float(rng.uniform(1.52, 1.92)), 2),
            build=["slim", "average", "broad"][rng.integers(3)],
            leg_scale=round(float(rng.uniform(0.95, 1.05)), 3),
            arm_scale=round(float(rng.uniform(0.96, 1.04)), 3),
            skin_tone=int(rng.integers(1, 7)),
            hair_color=list(HAIR_COLORS)[rng.integers(len(HAIR_COLORS))],
            hair_style=["short", "ponytail", "bun", "buzz"][rng.integers(4)],
            shirt=["tshirt", "tshirt", "tank", "longsleeve"][rng.integers(4)],
            shirt_color=shirt,
            bottoms=["shorts", "leggings"][rng.integers(2)],
            bottoms_color=bottoms,
            shoe_color=["white", "black", "grey", "red", "blue"][rng.integers(5)],
        )

    def to_dict(self) -> dict:
        return _plain(asdict(self))


@dataclass(frozen=True)
class SceneOptions:
    """Room, light and camera sensor.

    ``mat`` None puts an exercise mat under floor exercises and none under a squat.
    Light azimuth is relative to the camera (0 = light from the camera position,
    + = from the camera's right); elevation is above the horizon. ``noise_sigma`` is the
    standard deviation of Gaussian sensor noise in 0..255 units (seeded per frame).
    ``supersample`` renders at that factor and downsizes (2 = 4 samples per pixel).
    """

    wall_color: str | tuple[int, int, int] = "off_white"
    floor: str = "oak"
    mat: bool | None = None
    mat_color: str | tuple[int, int, int] = "purple"
    light_azimuth_deg: float = -35.0
    light_elevation_deg: float = 50.0
    light_intensity: float = 0.75
    ambient: float = 0.38
    noise_sigma: float = 2.0
    supersample: int = 2
    wall_distance_m: float = 1.6
    fov_deg: float = 48.0

    def __post_init__(self) -> None:
        color(self.wall_color, WALL_COLORS)
        color(self.mat_color, MAT_COLORS)
        if self.floor not in FLOORS:
            raise ValueError(f"unknown floor {self.floor!r}; choose one of {', '.join(FLOORS)}")
        if self.supersample not in (1, 2, 3):
            raise ValueError(f"supersample must be 1, 2 or 3, got {self.supersample}")
        if not 0.0 <= self.noise_sigma <= 30.0:
            raise ValueError(f"noise_sigma must be between 0 and 30, got {self.noise_sigma}")
        if not 0.0 <= self.light_intensity <= 2.0 or not 0.0 <= self.ambient <= 1.0:
            raise ValueError("light_intensity must be in 0..2 and ambient in 0..1")
        if not 20.0 <= self.fov_deg <= 90.0:
            raise ValueError(f"fov_deg must be between 20 and 90, got {self.fov_deg}")
        if not 0.3 <= self.wall_distance_m <= 10.0:
            raise ValueError(f"wall_distance_m must be between 0.3 and 10, got {self.wall_distance_m}")

    @classmethod
    def sample(cls, seed: int) -> "SceneOptions":
        """A varied room and light drawn from ``seed`` (deterministic)."""
        rng = np.random.default_rng([seed, 202])
        return cls(
            wall_color=list(WALL_COLORS)[rng.integers(len(WALL_COLORS))],
            floor=list(FLOORS)[rng.integers(len(FLOORS))],
            mat_color=list(MAT_COLORS)[rng.integers(len(MAT_COLORS))],
            light_azimuth_deg=round(float(rng.uniform(-60, 60)), 1),
            light_elevation_deg=round(float(rng.uniform(30, 70)), 1),
            light_intensity=round(float(rng.uniform(0.6, 0.9)), 2),
            ambient=round(float(rng.uniform(0.3, 0.45)), 2),
            noise_sigma=round(float(rng.uniform(1.0, 4.0)), 2),
            wall_distance_m=round(float(rng.uniform(1.0, 2.5)), 2),
        )

    def to_dict(self) -> dict:
        return _plain(asdict(self))


def _plain(d: dict) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


def from_dict(cls, data: dict):
    """Rebuild :class:`SubjectOptions` / :class:`SceneOptions` from :meth:`to_dict` output."""
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s): {sorted(unknown)}")
    return cls(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items()})
