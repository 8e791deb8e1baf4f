"""The live window on a virtual X display: the HUD is there, and a form fault shows on it.

Runs ``posecheck live -e squat --source sample_videos/squat_lean_oblique.mp4 --model lite``
on its own Xvfb server (a free display number chosen by Xvfb itself), takes screenshots
of the root window with ImageMagick's ``import`` until the forward-lean message appears
(about 5 s into the clip), then stops the session with Ctrl-C. Needs the Debian packages
xvfb and imagemagick (installed by .ci/run); skips without them. Set
``POSECHECK_HUD_SCREENSHOT=docs/hud.png`` to keep the screenshot with the fault.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.render import hud
from tests.conftest import MODELS, REPO

pytestmark = pytest.mark.real_model

CLIP = REPO / "sample_videos" / "squat_lean_oblique.mp4"
LITE = MODELS / "pose_landmarker_lite.task"


@pytest.fixture
def display():
    if not (shutil.which("Xvfb") and shutil.which("import")):
        pytest.skip("Xvfb and ImageMagick's import are needed (apt-get install xvfb imagemagick)")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as f:
            number = f.readline().strip()  # written once the server accepts connections
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def screenshot(env: dict) -> np.ndarray | None:
    done = subprocess.run(["import", "-window", "root", "png:-"], check=False, env=env, capture_output=True, timeout=20)
    if done.returncode != 0 or not done.stdout:
        return None
    img = cv2.imdecode(np.frombuffer(done.stdout, np.uint8), cv2.IMREAD_COLOR)
    lit = np.argwhere(img.max(axis=2) > 0)  # the window; the empty root window is black
    if lit.size == 0:
        return None
    (y0, x0), (y1, x1) = lit.min(axis=0), lit.max(axis=0) + 1
    return img[y0:y1, x0:x1]


def near(img: np.ndarray, bgr, tol: int = 24) -> np.ndarray:
    return (np.abs(img.astype(int) - np.array(bgr)) <= tol).all(axis=2)


def has_hud(img: np.ndarray) -> bool:
    h, w = img.shape[:2]
    top = img[: int(0.22 * h)]
    dark_panel = np.median(top) < 70
    progress_track = (near(top, hud.GOOD) | near(top, (70, 70, 70), 6)).sum(axis=1).max() > 0.5 * w
    big_count = (img[: int(0.2 * h), : int(0.15 * w)] > 235).all(axis=2).sum() > 300
    return bool(dark_panel and progress_track and big_count)


def has_fault(img: np.ndarray) -> bool:
    h, w = img.shape[:2]
    rule = near(img[h // 2 :], hud.FAULT).sum(axis=1) > 0.8 * w  # the fault panel's top edge
    white_text = (img[int(0.8 * h) :] > 235).all(axis=2).sum() > 500
    return bool(rule.any() and white_text)


@pytest.mark.skipif(not LITE.is_file(), reason="../shared/models not present")
def test_the_live_window_shows_the_hud_and_a_fault_message(display, tmp_path: Path):
    env = dict(os.environ, DISPLAY=display, PYTHONPATH=str(REPO), POSECHECK_OFFLINE="1")
    env.setdefault("POSECHECK_MODEL_DIR", str(MODELS))
    env.pop("WAYLAND_DISPLAY", None)
    cmd = [sys.executable, "-c", "import sys; from posecheck.cli import run; run(sys.argv[1:])",
           "live", "-e", "squat", "--source", str(CLIP), "--model", "lite", "--no-voice"]
    live = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    hud_seen, fault_shot, shots = False, None, []
    try:
        deadline = time.monotonic() + 40
        while live.poll() is None and time.monotonic() < deadline:
            img = screenshot(env)
            if img is None or min(img.shape[:2]) < 200:
                time.sleep(0.2)
                continue
            shots = (shots + [img])[-40:]
            hud_seen = hud_seen or has_hud(img)
            if has_hud(img) and has_fault(img):
                fault_shot = img
                break
    finally:
        if live.poll() is None:
            live.send_signal(signal.SIGINT)  # stop like a user would: the report is still printed
        out, err = live.communicate(timeout=30)
        if fault_shot is None:  # for the post-mortem
            for k, img in enumerate(shots):
                cv2.imwrite(str(tmp_path / f"shot_{k:02d}.png"), img)
    assert hud_seen, f"no HUD on screen\nstdout: {out}\nstderr: {err}"
    assert fault_shot is not None, f"no fault message seen\nstdout: {out}\nstderr: {err}"
    cv2.imwrite(str(tmp_path / "hud.png"), fault_shot)
    keep = os.environ.get("POSECHECK_HUD_SCREENSHOT")
    if keep:
        cv2.imwrite(keep, fault_shot)
    assert "Bodyweight squat" in out  # the session's summary
