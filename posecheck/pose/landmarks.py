"""The pose contract: named joints and one small dataclass of numpy arrays per frame.

Everything downstream of the pose model speaks in :class:`PoseFrame`. It is built in
exactly one place from MediaPipe output (:func:`posecheck.pose.estimator.from_mediapipe`)
and can be built by hand from plain arrays in tests. This module imports neither cv2 nor
mediapipe.

Shapes and units (part of the contract):

* ``image_xy``  ``(33, 2)`` float32, **pixels** in the analysed frame, x right, y down.
  Pixels (not MediaPipe's 0..1 normalised coordinates) keep angles correct on
  non-square frames.
* ``world_xyz`` ``(33, 3)`` float32, **metres**, origin between the hips, x right,
  y down, z away from the camera (MediaPipe's world landmarks).
* ``visibility`` ``(33,)`` float32 in 0..1: the model's belief that the joint is
  visible. Scoring code gates on it; NaN arrays mean "no person in this frame".
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

#: MediaPipe BlazePose landmark names, in model output order.
JOINT_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
NUM_JOINTS = len(JOINT_NAMES)
JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(JOINT_NAMES)}

#: Joints without a side prefix that specs may still name through ``side_`` templates.
SIDED_SUFFIXES: tuple[str, ...] = tuple(
    sorted({n.split("_", 1)[1] for n in JOINT_NAMES if n.startswith(("left_", "right_"))})
)

#: Segments drawn as the skeleton, by joint name.
SKELETON_EDGES: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"),
    ("right_shoulder", "right_hip"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("left_ankle", "left_heel"),
    ("left_heel", "left_foot_index"),
    ("left_ankle", "left_foot_index"),
    ("right_ankle", "right_heel"),
    ("right_heel", "right_foot_index"),
    ("right_ankle", "right_foot_index"),
    ("nose", "left_eye"),
    ("nose", "right_eye"),
    ("left_eye", "left_ear"),
    ("right_eye", "right_ear"),
)


class UnknownJointError(KeyError):
    """A joint name that is not one of :data:`JOINT_NAMES`; the message suggests the nearest."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"unknown joint {name!r}{suggest(name, JOINT_NAMES)}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.args[0]


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn ``a`` into ``b``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]


def _has_words(name: str, words: list[str]) -> bool:
    """True when ``words`` occur in ``name`` as whole ``_``-separated words, in a row."""
    parts = name.lower().split("_")
    n = len(words)
    return any(parts[i : i + n] == words for i in range(len(parts) - n + 1))


def suggest(name: str, known: tuple[str, ...] | list[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest known name, or ``""``.

    Names that contain what was typed as whole words come first, all of them (up to three,
    in the order of ``known``): ``plank`` suggests ``'forearm_plank' or 'side_plank'`` rather
    than whichever is shorter. Otherwise the similar names (difflib) are ranked by edit
    distance: ``squatt`` suggests ``squat``.
    """
    options = [k for k in dict.fromkeys(known) if k != name]
    words = [w for w in name.lower().split("_") if w]
    whole = [k for k in options if words and _has_words(k, words)]
    if whole:
        shown = [repr(k) for k in whole[:3]]
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
        return f" (did you mean {listed}?)"
    close = difflib.get_close_matches(name, options, n=max(1, len(options)), cutoff=0.5)
    if not close:
        return ""
    best = min(close, key=lambda k: edit_distance(name.lower(), k.lower()))  # ties: difflib's order
    return f" (did you mean {best!r}?)"


def joint_index(name: str) -> int:
    """Index of a named joint in the landmark arrays; raises :class:`UnknownJointError`."""
    try:
        return JOINT_INDEX[name]
    except KeyError:
        raise UnknownJointError(name) from None


def mirror_joint(name: str) -> str:
    """The same joint on the other side of the body (``left_hip`` → ``right_hip``)."""
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name


@dataclass(frozen=True)
class PoseFrame:
    """One analysed video frame: the most prominent person's landmarks, or none.

    Attributes:
        t: frame time in seconds from the start of the source.
        image_xy: ``(33, 2)`` pixels; NaN when no person was found.
        world_xyz: ``(33, 3)`` metres, hip-centred; NaN when no person was found.
        visibility: ``(33,)`` 0..1; NaN when no person was found.
        image_size: ``(width, height)`` of the analysed frame in pixels.
        people: how many people the model found in this frame.
    """

    t: float
    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    image_size: tuple[int, int]
    people: int = 1

    @classmethod
    def empty(cls, t: float, image_size: tuple[int, int]) -> PoseFrame:
        """A frame in which nobody was detected."""
        nan2 = np.full((NUM_JOINTS, 2), np.nan, np.float32)
        nan3 = np.full((NUM_JOINTS, 3), np.nan, np.float32)
        nan1 = np.full(NUM_JOINTS, np.nan, np.float32)
        return cls(t, nan2, nan3, nan1, image_size, people=0)

    @classmethod
    def from_arrays(
        cls,
        t: float,
        image_xy: np.ndarray,
        world_xyz: np.ndarray | None = None,
        visibility: np.ndarray | None = None,
        image_size: tuple[int, int] = (640, 480),
        people: int = 1,
    ) -> PoseFrame:
        """Build a frame from plain arrays, checking shapes (used by tests and trace files)."""
        image_xy = np.asarray(image_xy, np.float32)
        if image_xy.shape != (NUM_JOINTS, 2):
            raise ValueError(f"image_xy must have shape ({NUM_JOINTS}, 2), got {image_xy.shape}")
        world = (
            np.full((NUM_JOINTS, 3), np.nan, np.float32)
            if world_xyz is None
            else np.asarray(world_xyz, np.float32)
        )
        if world.shape != (NUM_JOINTS, 3):
            raise ValueError(f"world_xyz must have shape ({NUM_JOINTS}, 3), got {world.shape}")
        vis = np.ones(NUM_JOINTS, np.float32) if visibility is None else np.asarray(visibility, np.float32)
        if vis.shape != (NUM_JOINTS,):
            raise ValueError(f"visibility must have shape ({NUM_JOINTS},), got {vis.shape}")
        people = people if np.isfinite(image_xy).all() else 0
        return cls(float(t), image_xy, world, vis, image_size, people)

    @property
    def detected(self) -> bool:
        """True when a person was found in this frame."""
        return self.people > 0

    def xy(self, name: str) -> np.ndarray:
        """Pixel position ``(2,)`` of a named joint."""
        return self.image_xy[joint_index(name)]

    def xyz(self, name: str) -> np.ndarray:
        """World position ``(3,)`` in metres of a named joint."""
        return self.world_xyz[joint_index(name)]

    def vis(self, name: str) -> float:
        """Visibility 0..1 of a named joint (0 when nobody was detected)."""
        v = float(self.visibility[joint_index(name)])
        return v if np.isfinite(v) else 0.0
