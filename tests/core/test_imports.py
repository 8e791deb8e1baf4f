"""The analysis core is plain numpy: importing it must not load OpenCV or MediaPipe."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["posecheck.core.session", "posecheck.report", "posecheck.render.messages", "posecheck"])
def test_core_imports_neither_cv2_nor_mediapipe(module):
    code = f"import {module}, sys; heavy = {{'cv2', 'mediapipe'}} & set(sys.modules); assert not heavy, heavy"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
