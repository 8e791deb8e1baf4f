"""A whole clip's pose estimates as stacked arrays, saved to and loaded from ``.npz``.

Running the model is the expensive step (about 20 ms a frame here); the analysis is
cheap. A :class:`PoseTrace` lets ``batch --cache DIR`` and the threshold sweeps in
``benchmarks/`` re-score clips without re-running the model. A cached trace is keyed by
the video's size and modification time and by the model's sha256, so a changed clip or
model is never scored from a stale trace.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from posecheck.io.pipeline import at_rate
from posecheck.pose.landmarks import JOINT_INDEX, JOINT_NAMES, NUM_JOINTS, PoseFrame, mirror_joint

TRACE_VERSION = 1


@dataclass
class PoseTrace:
    """Per-frame arrays for one clip: ``t (N,)``, ``image_xy (N,33,2)``, ``world_xyz (N,33,3)``,
    ``visibility (N,33)``, ``people (N,)``; plus the source's fps, frame size and frame count."""

    t: np.ndarray
    image_xy: np.ndarray
    world_xyz: np.ndarray
    visibility: np.ndarray
    people: np.ndarray
    fps: float
    image_size: tuple[int, int]
    frame_count: int
    model_sha256: str = ""

    @classmethod
    def from_frames(
        cls, frames: list[PoseFrame], fps: float, frame_count: int, model_sha256: str = ""
    ) -> PoseTrace:
        n = len(frames)
        size = frames[0].image_size if frames else (0, 0)
        return cls(
            t=np.array([f.t for f in frames], np.float64),
            image_xy=np.stack([f.image_xy for f in frames]) if n else np.zeros((0, NUM_JOINTS, 2), np.float32),
            world_xyz=np.stack([f.world_xyz for f in frames]) if n else np.zeros((0, NUM_JOINTS, 3), np.float32),
            visibility=np.stack([f.visibility for f in frames]) if n else np.zeros((0, NUM_JOINTS), np.float32),
            people=np.array([f.people for f in frames], np.int16),
            fps=float(fps),
            image_size=size,
            frame_count=frame_count,
            model_sha256=model_sha256,
        )

    def __len__(self) -> int:
        return len(self.t)

    def mirrored(self) -> PoseTrace:
        """The same clip flipped left to right, as the model would ideally see the flipped
        video: image x reversed, world x negated, every left landmark swapped with its right
        one. A spec should score it as the original with the sides swapped."""
        swap = np.array([JOINT_INDEX[mirror_joint(name)] for name in JOINT_NAMES])
        image_xy = self.image_xy[:, swap].copy()
        image_xy[..., 0] = self.image_size[0] - image_xy[..., 0]
        world_xyz = self.world_xyz[:, swap].copy()
        world_xyz[..., 0] = -world_xyz[..., 0]
        return replace(self, image_xy=image_xy, world_xyz=world_xyz, visibility=self.visibility[:, swap].copy())

    def every(self, step: int) -> PoseTrace:
        """The clip at 1/``step`` of its frame rate, the frames chosen as ``--analysis-fps``
        chooses them (:func:`~posecheck.io.pipeline.at_rate`)."""
        if step < 1:
            raise ValueError(f"step must be 1 or more, got {step}")
        fps = self.fps / step
        kept = PoseTrace.from_frames(list(at_rate(self.frames(), fps)), fps, self.frame_count, self.model_sha256)
        return replace(kept, image_size=self.image_size)

    def frames(self) -> Iterator[PoseFrame]:
        """Replay the trace as :class:`PoseFrame` objects, exactly as the estimator produced them."""
        for i in range(len(self.t)):
            yield PoseFrame(
                float(self.t[i]),
                self.image_xy[i],
                self.world_xyz[i],
                self.visibility[i],
                self.image_size,
                int(self.people[i]),
            )

    def save(self, path: str | os.PathLike[str], key: str = "") -> None:
        tmp = Path(str(path) + ".tmp.npz")
        np.savez_compressed(
            tmp,
            version=TRACE_VERSION,
            key=key,
            t=self.t,
            image_xy=self.image_xy,
            world_xyz=self.world_xyz,
            visibility=self.visibility,
            people=self.people,
            fps=self.fps,
            image_size=np.array(self.image_size),
            frame_count=self.frame_count,
            model_sha256=self.model_sha256,
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], key: str | None = None) -> PoseTrace | None:
        """Load a saved trace; ``None`` when it is missing, from another version or another key."""
        try:
            with np.load(path) as z:
                if int(z["version"]) != TRACE_VERSION or (key is not None and str(z["key"]) != key):
                    return None
                return cls(
                    t=z["t"],
                    image_xy=z["image_xy"],
                    world_xyz=z["world_xyz"],
                    visibility=z["visibility"],
                    people=z["people"],
                    fps=float(z["fps"]),
                    image_size=tuple(int(v) for v in z["image_size"]),
                    frame_count=int(z["frame_count"]),
                    model_sha256=str(z["model_sha256"]),
                )
        except (OSError, KeyError, ValueError):
            return None


def cache_key(video: str | os.PathLike[str], model_sha256: str, max_people: int, workers: int = 1) -> str:
    """Identify a (video file, model settings) pair by file size and mtime, model hash and people.

    With one person the model tracks from frame to frame, so the poses depend on how many
    workers shared the frames; with more, every frame is detected afresh and they do not.
    """
    st = os.stat(video)
    raw = f"{Path(video).resolve()}|{st.st_size}|{st.st_mtime_ns}|{model_sha256}|{max_people}"
    if max_people == 1 and workers > 1:
        raw += f"|{workers} workers"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def cache_path(cache_dir: str | os.PathLike[str], video: str | os.PathLike[str]) -> Path:
    return Path(cache_dir) / (Path(video).stem + ".trace.npz")
