"""MediaPipe Tasks pose landmarker in VIDEO mode, converted to :class:`PoseFrame` in one place.

This is the only module that imports mediapipe (the synthetic-clip checks in tests aside). ``PoseEstimator`` is a ``with``-block;
``from_mediapipe`` is the one converter from MediaPipe results to the pose contract.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
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
        max_people: people the model tracks on every frame. One is the fast path: asking
            for more keeps MediaPipe's person detector running on every frame (measured:
            1.47x the time of one person).
        people_check_s: with one person tracked, how often (seconds) a separate multi-person
            detection on a downscaled frame counts the people in view, so the report can
            still say "several people"; it also runs whenever tracking is lost. 0 = never.
        min_detection_confidence: person detector threshold (MediaPipe's default is 0.5).
        min_tracking_confidence: below this the detector runs again instead of tracking.
    """

    model: str | None = None
    max_people: int = 1
    people_check_s: float = 1.0
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.max_people <= 5:
            raise ValueError(f"max_people must be between 1 and 5, got {self.max_people}")
        if not 0.0 <= self.people_check_s <= 60.0:
            raise ValueError(f"people_check_s must be between 0 and 60 seconds, got {self.people_check_s}")
        for name in ("min_detection_confidence", "min_presence_confidence", "min_tracking_confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")


_silence_lock = threading.Lock()
_silence_depth = 0
_saved_stderr: int | None = None


@contextlib.contextmanager
def _native_stderr_silenced():
    """Hide the C++ log lines MediaPipe prints when the graph starts and when it is closed.

    They are written straight to file descriptor 2 by the native library, below anything
    Python's logging controls, so fd 2 points at /dev/null meanwhile (set POSECHECK_DEBUG=1
    to see them). Several pose models may start at once on their own threads: the first
    one in saves the real stderr and the last one out puts it back.
    """
    global _silence_depth, _saved_stderr
    if os.environ.get("POSECHECK_DEBUG"):
        yield
        return
    with _silence_lock:
        if _silence_depth == 0:
            sys.stderr.flush()
            _saved_stderr = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)
        _silence_depth += 1
    try:
        yield
    finally:
        with _silence_lock:
            _silence_depth -= 1
            if _silence_depth == 0 and _saved_stderr is not None:
                os.dup2(_saved_stderr, 2)
                os.close(_saved_stderr)
                _saved_stderr = None


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


#: The people count runs on frames scaled to this long side: people big enough to matter
#: are still found, and the detector costs a fraction of a full frame.
PEOPLE_CHECK_SIZE = 480
#: The people count looks for at most this many people.
PEOPLE_CHECK_MAX = 4


class PoseEstimator:
    """Run the pose landmarker on frames with strictly increasing timestamps.

    Use as ``with PoseEstimator(EstimatorOptions(model="full")) as est: est.process(bgr, t)``.
    With ``max_people = 1`` (the default) a second landmarker in IMAGE mode counts the
    people in view every ``people_check_s`` (see :class:`EstimatorOptions`).
    """

    def __init__(self, options: EstimatorOptions | None = None):
        self.options = options or EstimatorOptions()
        self.model: ModelFile = resolve_model(self.options.model)
        self._landmarker = None
        self._counter = None
        self._last_ms = -1
        self._frames_seen = 0
        self._last_check_t = float("-inf")
        self._people_seen = 0
        self._was_detected = False
        self.people_checks = 0

    def _create(self, running_mode: str, num_poses: int):
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

        opts = PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model.path)),
            running_mode=getattr(RunningMode, running_mode),
            num_poses=num_poses,
            min_pose_detection_confidence=self.options.min_detection_confidence,
            min_pose_presence_confidence=self.options.min_presence_confidence,
            min_tracking_confidence=self.options.min_tracking_confidence,
        )
        try:
            with _native_stderr_silenced():
                return PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot load model {self.model.path}: {first}") from None

    def __enter__(self) -> PoseEstimator:
        self._landmarker = self._create("VIDEO", self.options.max_people)
        if self.options.max_people == 1 and self.options.people_check_s > 0:
            try:
                self._counter = self._create("IMAGE", PEOPLE_CHECK_MAX)
            except BaseException:
                self.__exit__()
                raise
        return self

    def __exit__(self, *exc: object) -> None:
        for name in ("_landmarker", "_counter"):
            landmarker = getattr(self, name)
            if landmarker is not None:
                setattr(self, name, None)
                with _native_stderr_silenced():  # closing logs "INFO: ... DestroyAccelerator" lines
                    landmarker.close()

    def _count_people(self, rgb: np.ndarray, t: float, detected: bool) -> int:
        """People in view, counted on a downscaled frame once per ``people_check_s`` and
        whenever tracking is lost; between counts the last count stands."""
        import mediapipe as mp

        lost = self._was_detected and not detected
        self._was_detected = detected
        if not (lost or t - self._last_check_t >= self.options.people_check_s):
            return self._people_seen
        self._last_check_t = t
        h, w = rgb.shape[:2]
        scale = PEOPLE_CHECK_SIZE / max(h, w)
        small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else rgb
        result = self._counter.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(small)))
        self.people_checks += 1
        self._people_seen = len(result.pose_landmarks)
        return self._people_seen

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
        pose = from_mediapipe(result, t, (bgr.shape[1], bgr.shape[0]))
        if self._counter is not None:
            counted = self._count_people(rgb, t, pose.detected)
            if pose.detected and counted > pose.people:
                pose = dataclasses.replace(pose, people=counted)
        return pose
