"""MediaPipe Tasks pose landmarker in VIDEO mode, converted to :class:`PoseFrame` in one place.

This is the only module that imports mediapipe (the synthetic-clip checks in tests aside). ``PoseEstimator`` is a ``with``-block;
``from_mediapipe`` is the one converter from MediaPipe results to the pose contract.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

import cv2
import numpy as np

from posecheck.errors import ModelError
from posecheck.pose.landmarks import NUM_JOINTS, PoseFrame
from posecheck.pose.models import ModelFile, resolve_model


@dataclass(frozen=True)
class EstimatorOptions:
    """How the pose model runs.

    Attributes:
        model: ``lite``, ``full``, ``heavy`` or a path to a ``.task`` bundle.
        max_people: people the model looks for; more than one lets the tool pick the most
            prominent person and say that several were seen.
        min_detection_confidence: person detector threshold (MediaPipe's default is 0.5).
        min_tracking_confidence: below this the detector runs again instead of tracking.
    """

    model: str | None = None
    max_people: int = 2
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.max_people <= 5:
            raise ValueError(f"max_people must be between 1 and 5, got {self.max_people}")
        for name in ("min_detection_confidence", "min_presence_confidence", "min_tracking_confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")


@contextlib.contextmanager
def _native_stderr_silenced():
    """Hide the C++ log lines MediaPipe prints when the graph starts and when it is closed.

    They are written straight to file descriptor 2 by the native library, below anything
    Python's logging controls, so fd 2 points at /dev/null meanwhile (set POSECHECK_DEBUG=1
    to see them).
    """
    if os.environ.get("POSECHECK_DEBUG"):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _prominence(image_xy: np.ndarray, visibility: np.ndarray) -> float:
    """Area of the bounding box of the confidently seen joints: the biggest person is the subject."""
    seen = image_xy[visibility > 0.5]
    if len(seen) < 2:
        return 0.0
    span = seen.max(axis=0) - seen.min(axis=0)
    return float(span[0] * span[1])


def from_mediapipe(result, t: float, image_size: tuple[int, int]) -> PoseFrame:
    """Convert a ``PoseLandmarkerResult`` to a :class:`PoseFrame` of the most prominent person."""
    people = len(result.pose_landmarks)
    if people == 0:
        return PoseFrame.empty(t, image_size)
    w, h = image_size
    best, best_score = 0, -1.0
    candidates = []
    for i, lms in enumerate(result.pose_landmarks):
        arr = np.array([(lm.x * w, lm.y * h, lm.visibility or 0.0) for lm in lms], np.float32)
        score = _prominence(arr[:, :2], arr[:, 2])
        candidates.append(arr)
        if score > best_score:
            best, best_score = i, score
    arr = candidates[best]
    world = np.array([(lm.x, lm.y, lm.z) for lm in result.pose_world_landmarks[best]], np.float32)
    if arr.shape[0] != NUM_JOINTS:
        raise ModelError(f"model returned {arr.shape[0]} landmarks, expected {NUM_JOINTS}: not a pose model")
    return PoseFrame(t, arr[:, :2].copy(), world, arr[:, 2].copy(), image_size, people)


class PoseEstimator:
    """Run the pose landmarker on frames with strictly increasing timestamps.

    Use as ``with PoseEstimator(EstimatorOptions(model="full")) as est: est.process(bgr, t)``.
    """

    def __init__(self, options: EstimatorOptions | None = None):
        self.options = options or EstimatorOptions()
        self.model: ModelFile = resolve_model(self.options.model)
        self._landmarker = None
        self._last_ms = -1
        self._frames_seen = 0

    def __enter__(self) -> PoseEstimator:
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        opts = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model.path)),
            running_mode=RunningMode.VIDEO,
            num_poses=self.options.max_people,
            min_pose_detection_confidence=self.options.min_detection_confidence,
            min_pose_presence_confidence=self.options.min_presence_confidence,
            min_tracking_confidence=self.options.min_tracking_confidence,
        )
        try:
            with _native_stderr_silenced():
                self._landmarker = PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load model {self.model.path}: {first}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._landmarker is not None:
            landmarker, self._landmarker = self._landmarker, None
            with _native_stderr_silenced():  # closing logs "INFO: ... DestroyAccelerator" lines
                landmarker.close()

    def process(self, bgr: np.ndarray, t: float) -> PoseFrame:
        """Estimate the pose in one BGR frame taken at ``t`` seconds."""
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("PoseEstimator must be used inside a with-block")
        ms = max(int(round(t * 1000)), self._last_ms + 1)
        self._last_ms = ms
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)  # 60x faster than a numpy channel flip + copy
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        if self._frames_seen < 2:  # the graph logs its set-up on the first calls
            with _native_stderr_silenced():
                result = self._landmarker.detect_for_video(image, ms)
        else:
            result = self._landmarker.detect_for_video(image, ms)
        self._frames_seen += 1
        return from_mediapipe(result, t, (bgr.shape[1], bgr.shape[0]))
