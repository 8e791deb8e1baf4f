"""Errors a user can cause, each with a one-line message and its own process exit code.

The CLI catches :class:`PosecheckError`, prints ``error: <message>`` and exits with
``exit_code``; it never shows a traceback for these. Library callers catch the subclasses.
The table of codes is in ``docs/exit-codes.md`` and is tested.
"""

from __future__ import annotations


class PosecheckError(Exception):
    """Base class: a problem with the user's input or environment, not a bug."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(PosecheckError):
    """An option value out of its valid range (the message states the range)."""

    exit_code = 2


class VideoNotFoundError(PosecheckError):
    """The video path does not exist or cannot be read."""

    exit_code = 10


class VideoFormatError(PosecheckError):
    """The file exists but is not a decodable video, or its header is unusable (0 frames, fps 0)."""

    exit_code = 11


class TruncatedVideoError(PosecheckError):
    """The video stopped decoding well before the frame count in its header."""

    exit_code = 12


class UnknownExerciseError(PosecheckError):
    """No spec has the requested exercise name; the message lists the known ones."""

    exit_code = 13


class SpecError(PosecheckError):
    """An exercise spec file is malformed; the message names file, field and a fix."""

    exit_code = 14


class ModelError(PosecheckError):
    """The pose model is missing, corrupt or has the wrong checksum."""

    exit_code = 15


class OutputError(PosecheckError):
    """An output path (report, annotated video) cannot be written."""

    exit_code = 16


class CameraError(PosecheckError):
    """The camera cannot be opened (for example: this machine has none)."""

    exit_code = 17


class LabelsError(PosecheckError):
    """A labels (expectations) file is malformed or names clips that do not exist."""

    exit_code = 18


#: Exit code of ``analyze`` when the video decoded fine but nobody was ever detected.
EXIT_NO_PERSON = 3
#: Exit code of ``batch`` when at least one expectation was not met.
EXIT_EXPECTATIONS_FAILED = 4
#: Exit code when the user interrupted a run (Ctrl-C); partial reports are still written.
EXIT_INTERRUPTED = 130
