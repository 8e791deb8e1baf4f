"""Frame sources and sinks: video files, cameras, real-time pacing and the video writer.

Sources are ``with``-blocks that yield :class:`Frame` objects (BGR pixels plus a
timestamp); sinks are ``with``-blocks with ``write(image)``. Decoding problems become
:mod:`posecheck.errors` exceptions with one-line messages.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# FFmpeg prints its own decoder complaints on stderr; posecheck reports problems in one line.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from posecheck.errors import (  # noqa: E402
    CameraError,
    OutputError,
    TruncatedVideoError,
    VideoFormatError,
    VideoNotFoundError,
)

#: A file that decodes fewer than this share of its header's frame count is truncated.
TRUNCATION_RATIO = 0.9


@dataclass(frozen=True)
class Frame:
    """One decoded image: ``image`` is ``(H, W, 3)`` uint8 BGR, ``t`` seconds, ``index`` 0-based."""

    image: np.ndarray
    t: float
    index: int


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video: path, fps, frame count and size."""

    path: str
    fps: float
    frame_count: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0


class VideoSource:
    """Decode a video file frame by frame, with times from the frame index and fps.

    Use as ``with VideoSource(path) as src: for frame in src: ...``. Raises
    :class:`VideoNotFoundError`, :class:`VideoFormatError` or, at the end of a file
    that stops early, :class:`TruncatedVideoError` (after yielding what decoded).
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        if not self.path.exists():
            raise VideoNotFoundError(f"video not found: {self.path}")
        if self.path.is_dir():
            raise VideoNotFoundError(f"expected a video file, got a directory: {self.path}")
        if not os.access(self.path, os.R_OK):
            raise VideoNotFoundError(f"video is not readable (permission denied): {self.path}")
        self._cap: cv2.VideoCapture | None = None
        self.info = self._probe()
        self.frames_read = 0

    def _probe(self) -> VideoInfo:
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise VideoFormatError(f"not a video file OpenCV can decode: {self.path}")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        self._cap = cap
        if not np.isfinite(fps) or fps <= 0:
            self.close()
            raise VideoFormatError(f"video reports an fps of {fps:g}; cannot time it: {self.path}")
        if count <= 0 or width <= 0 or height <= 0:
            self.close()
            raise VideoFormatError(f"video has no frames ({count} frames, {width}x{height}): {self.path}")
        return VideoInfo(str(self.path), fps, count, width, height)

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __iter__(self) -> Iterator[Frame]:
        if self._cap is None:
            raise RuntimeError("VideoSource is closed")
        fps = self.info.fps
        while True:
            ok, image = self._cap.read()
            if not ok or image is None:
                break
            yield Frame(image, self.frames_read / fps, self.frames_read)
            self.frames_read += 1
        if self.frames_read == 0:
            raise VideoFormatError(f"no frame could be decoded: {self.path}")
        if self.frames_read < TRUNCATION_RATIO * self.info.frame_count:
            raise TruncatedVideoError(
                f"video is truncated: decoded {self.frames_read} of {self.info.frame_count} frames: {self.path}"
            )


class RealTimeSource:
    """Replay a file at its own frame rate and drop frames when the consumer falls behind.

    This is what a camera does, so ``live --source FILE`` exercises the live path here,
    where there is no camera. ``dropped`` counts the frames skipped.
    """

    def __init__(self, source: VideoSource, clock=time.monotonic, sleep=time.sleep):
        self.source = source
        self.info = source.info
        self.dropped = 0
        self._clock = clock
        self._sleep = sleep

    def __enter__(self) -> RealTimeSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.close()

    def __iter__(self) -> Iterator[Frame]:
        start = self._clock()
        for frame in self.source:
            lag = (self._clock() - start) - frame.t
            if lag > 1.0 / self.info.fps:
                self.dropped += 1
                continue
            if lag < 0:
                self._sleep(-lag)
            yield frame


class CameraSource:
    """Frames from a local camera, timed by the wall clock."""

    def __init__(self, index: int = 0):
        self.index = index
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraError(f"no camera at index {index}; use --source FILE to replay a video instead")
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 30.0)
        self.info = VideoInfo(
            f"camera:{index}",
            fps if fps > 0 else 30.0,
            0,
            int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
        self.dropped = 0

    def __enter__(self) -> CameraSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self._cap.release()

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        index = 0
        while True:
            ok, image = self._cap.read()
            if not ok:
                return
            yield Frame(image, time.monotonic() - start, index)
            index += 1


def check_writable(path: str | os.PathLike[str]) -> Path:
    """Fail early, before any work, when an output file cannot be created."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"output path is a directory: {path}")
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OutputError(f"cannot write {path}: permission denied")
    return path


class VideoSink:
    """Write BGR frames to an ``.mp4`` (``mp4v``) or ``.avi`` (``MJPG``) file."""

    def __init__(self, path: str | os.PathLike[str], fps: float, size: tuple[int, int]):
        self.path = check_writable(path)
        fourcc = "MJPG" if self.path.suffix.lower() == ".avi" else "mp4v"
        self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
        if not self._writer.isOpened():
            raise OutputError(f"cannot open a video writer for {self.path} (use .mp4 or .avi)")
        self.size = size
        self.frames_written = 0

    def __enter__(self) -> VideoSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def write(self, image: np.ndarray) -> None:
        if (image.shape[1], image.shape[0]) != self.size:
            image = cv2.resize(image, self.size)
        self._writer.write(image)
        self.frames_written += 1

    def close(self) -> None:
        self._writer.release()
