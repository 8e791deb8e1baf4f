"""One line per error and nothing else on stderr; Ctrl-C at start-up exits quietly (issue 10 §3, items 6 and 7).

These run ``posecheck`` in a child process: native libraries write to file descriptor 2
directly, which an in-process runner cannot see.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MODELS, REPO, write_video

LITE = MODELS / "pose_landmarker_lite.task"


def posecheck(*args: str, code: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the console-script entry point, ``posecheck.cli:run``, in a child process."""
    env = dict(os.environ, PYTHONPATH=str(REPO), POSECHECK_OFFLINE="1")
    env.pop("POSECHECK_DEBUG", None)
    if MODELS.is_dir():
        env.setdefault("POSECHECK_MODEL_DIR", str(MODELS))
    script = code or "import sys; from posecheck.cli import run; run(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_ctrl_c_while_starting_exits_130_without_a_traceback():
    # Press Ctrl-C (a real SIGINT) the moment the CLI starts importing its libraries. The child
    # starts as a foreground process would: a test run started in the background (`cmd &`)
    # hands its children SIGINT ignored.
    script = (
        "import os, signal, sys\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "class CtrlC:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'typer':\n"
        "            sys.meta_path.remove(self)\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        return None\n"
        "sys.meta_path.insert(0, CtrlC())\n"
        "from posecheck.cli import run\n"
        "run(['specs', 'list'])\n"
    )
    done = posecheck(code=script)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr
    assert done.stdout == ""


def test_importing_the_cli_does_not_load_the_heavy_libraries():
    heavy = "{'cv2', 'numpy', 'mediapipe', 'pydantic'}"
    done = posecheck(code=f"import sys, posecheck.cli; print(sorted({heavy} & set(sys.modules)))")
    assert done.stdout.strip() == "[]", done.stderr


def test_no_camera_is_one_line_without_opencv_logs():
    done = posecheck("live", "-e", "squat", "--camera", "7", "--headless", "--model", "lite")
    assert done.returncode == 17
    assert done.stderr.splitlines() == ["error: no camera at index 7; use --source FILE to replay a video instead"]


@pytest.mark.skipif(not LITE.is_file(), reason="../shared/models not present")
def test_closing_the_model_prints_nothing(tmp_path: Path):
    """MediaPipe logs ``INFO: ... DestroyAccelerator`` when the model is closed: not on our stderr."""
    video = write_video(tmp_path / "tiny.avi", 8)
    done = posecheck("analyze", str(video), "-e", "squat", "--model", "lite", "-q")
    assert done.returncode == 3, done.stderr  # nobody in the video
    assert done.stderr == ""


def test_a_bad_choice_is_one_line_with_the_choices(tmp_path: Path):
    done = posecheck("batch", str(tmp_path), "--min-confidence", "hgih")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "error: invalid value for '--min-confidence': 'hgih' is not one of 'low', 'medium', 'high' "
        "(see 'posecheck batch --help')"
    ]


def test_silencing_from_several_threads_at_once_gives_stderr_back():
    """Pose models started side by side each hide the native start-up logs; whatever the
    interleaving, stderr is the real one again once the last of them is done."""
    import threading

    from posecheck.pose.estimator import _native_stderr_silenced

    real = os.fstat(2)
    inside = threading.Barrier(3)
    leave = [threading.Event() for _ in range(3)]

    def model_start(k: int) -> None:
        with _native_stderr_silenced():
            inside.wait(timeout=5)
            leave[k].wait(timeout=5)

    threads = [threading.Thread(target=model_start, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for k in (1, 0, 2):  # not in the order they came in
        leave[k].set()
        threads[k].join(timeout=5)
    after = os.fstat(2)
    assert (after.st_dev, after.st_ino) == (real.st_dev, real.st_ino)
