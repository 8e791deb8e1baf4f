"""Shared bits for the command-line tests: run in-process, read the one error line, fake the model."""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from posecheck.cli import app
from posecheck.pose.landmarks import PoseFrame

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result) -> str:
    """The CLI's error output: exactly one line starting with 'error:' and no traceback."""
    lines = [line for line in result.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    return errors[0]


@dataclass(frozen=True)
class FakeModel:
    name: str = "fake"
    sha256: str = "0" * 64
    path: Path = Path("fake.task")


class FakeEstimator:
    """Stands in for the pose model: nobody is ever detected; can press Ctrl-C at a chosen moment.

    ``interrupt_at`` is ``"start"`` (while the model loads) or a frame number. The time
    of the Ctrl-C is kept in ``FakeEstimator.sigint_at`` and whether the model was closed
    in ``FakeEstimator.closed``.
    """

    interrupt_at: str | int | None = None
    sigint_at: float | None = None
    closed = False
    frames = 0

    def __init__(self, options=None):
        self.options = options
        self.model = FakeModel()

    @classmethod
    def reset(cls, interrupt_at: str | int | None = None) -> None:
        cls.interrupt_at, cls.sigint_at, cls.closed, cls.frames = interrupt_at, None, False, 0

    @classmethod
    def _ctrl_c(cls) -> None:
        cls.sigint_at = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # let the handler run here, as it would during a native call

    def __enter__(self):
        if self.interrupt_at == "start":
            self._ctrl_c()
        return self

    def __exit__(self, *exc) -> None:
        type(self).closed = True

    def process(self, bgr, t: float) -> PoseFrame:
        type(self).frames += 1
        if self.interrupt_at == type(self).frames:
            self._ctrl_c()
        return PoseFrame.empty(t, (bgr.shape[1], bgr.shape[0]))
