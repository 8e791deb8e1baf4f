"""Shared fixtures: where the real clips and models are, and small generated videos.

Real clips are third-party footage and are never copied into the repo: tests find them
by path, ``$POSECHECK_CLIPS`` or ``../shared/clips`` beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
CLIPS = Path(os.environ.get("POSECHECK_CLIPS", REPO.parent / "shared" / "clips"))
MODELS = REPO.parent / "shared" / "models"


def write_video(path: Path, frames: int, size=(96, 64), fps: float = 25.0, fourcc: str = "MJPG") -> Path:
    """A small synthetic video (a moving grey square): enough for decoding tests."""
    w, h = size
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    for i in range(frames):
        img = np.full((h, w, 3), 40, np.uint8)
        x = (i * 3) % (w - 10)
        img[20:30, x : x + 10] = 200
        out.write(img)
    out.release()
    return path


@pytest.fixture
def tiny_video(tmp_path: Path) -> Path:
    """A 30-frame 25 fps video with nobody in it."""
    return write_video(tmp_path / "tiny.avi", 30)


@pytest.fixture(scope="session")
def clips_dir() -> Path:
    if not (CLIPS / "labels.json").is_file():
        pytest.skip(f"real clips not found at {CLIPS} (set POSECHECK_CLIPS)")
    return CLIPS


@pytest.fixture(scope="session", autouse=True)
def _offline_models() -> None:
    """Tests never download: models come from ../shared/models."""
    os.environ["POSECHECK_OFFLINE"] = "1"
    if MODELS.is_dir():
        os.environ.setdefault("POSECHECK_MODEL_DIR", str(MODELS))
