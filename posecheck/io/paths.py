"""Output paths checked before any work: writable, and never one of the inputs.

Both checks run before a video is opened or a model loaded, so a bad ``--report`` or
``--annotate`` fails in a fraction of a second instead of after the whole analysis, and
an output that names an input (the video, the labels file, a clip, the model or the
spec) is refused instead of destroying it. Every problem is one :class:`OutputError`
line. This module imports neither cv2 nor numpy.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from posecheck.errors import OutputError

PathLike = str | os.PathLike[str]


def _nearest_existing(path: Path) -> Path:
    """``path`` itself or its closest ancestor that exists (``.`` for a bare relative name)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(".")


def check_writable(path: PathLike, kind: str = "output") -> Path:
    """Fail early when ``path`` cannot be written as a ``kind`` file (``report``, ``annotated video``...).

    Besides the folder and permission checks, the file is opened for writing (and removed
    again if this check created it): that catches folders such as ``/proc`` that exist and
    look writable, even to root, but refuse new files. An existing file is not modified.
    """
    path = Path(path)
    what = f"{kind} {path}"
    if path.is_dir():
        raise OutputError(f"cannot write {what}: it is a directory")
    parent = path.parent
    if not parent.is_dir():
        existing = _nearest_existing(parent)
        if os.path.exists(existing) and not existing.is_dir():
            raise OutputError(f"cannot write {what}: {existing} is a file, not a directory")
        raise OutputError(f"cannot write {what}: directory {parent} does not exist")
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OutputError(f"cannot write {what}: {exc.strerror}") from None
    if mode is not None and not stat.S_ISREG(mode):
        # /dev/null, a terminal, a pipe: opening a pipe could block, so trust the permissions.
        if not os.access(path, os.W_OK):
            raise OutputError(f"cannot write {what}: permission denied")
        return path
    try:
        if mode is None:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            os.close(fd)
            os.unlink(path)
        else:
            os.close(os.open(path, os.O_WRONLY))  # no O_TRUNC: the file is left as it is
    except FileExistsError:
        pass  # created by someone else meanwhile: it can be opened, which is all we need to know
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            reason = "permission denied" if exc.errno != errno.EROFS else "read-only file system"
        elif exc.errno == errno.ENOENT:
            reason = f"{parent} does not accept new files"
        else:
            reason = exc.strerror or str(exc)
        raise OutputError(f"cannot write {what}: {reason}") from None
    return path


def check_folder(path: PathLike, kind: str = "output folder") -> Path:
    """Fail early when ``path`` is neither a writable folder nor a folder that can be created."""
    path = Path(path)
    what = f"{kind} {path}"
    if os.path.exists(path) and not path.is_dir():
        raise OutputError(f"cannot use {what}: it is a file, not a folder")
    existing = path if path.is_dir() else _nearest_existing(path.parent)
    if os.path.exists(existing) and not existing.is_dir():
        raise OutputError(f"cannot use {what}: {existing} is a file, not a directory")
    if os.path.exists(existing) and not os.access(existing, os.W_OK):
        raise OutputError(f"cannot use {what}: permission denied")
    return path


def same_file(a: PathLike, b: PathLike) -> bool:
    """True when two paths name one file: after resolving ``..`` and symlinks, or as hard links."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.resolve() == pb.resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop
        pass
    try:
        return os.path.samefile(pa, pb)
    except OSError:  # one of them does not exist (yet): not the same file
        return False


def refuse_overwriting_inputs(
    outputs: Mapping[str, PathLike | None],
    inputs: Mapping[str, PathLike | None] | Iterable[tuple[str, PathLike | None]],
) -> None:
    """Raise :class:`OutputError` if an output would overwrite an input or another output.

    ``outputs`` and ``inputs`` map a description (``"--report"``, ``"the input video"``) to
    a path; ``None`` entries are ignored. Inputs may also be given as ``(description, path)``
    pairs, for example one per clip of a batch.
    """
    outs = [(name, Path(p)) for name, p in outputs.items() if p is not None]
    ins = [(name, Path(p)) for name, p in (inputs.items() if isinstance(inputs, Mapping) else inputs) if p is not None]
    for i, (out_name, out) in enumerate(outs):
        for in_name, src in ins:
            if same_file(out, src):
                shown = f"{out}" if str(out) == str(src) else f"{out} (the same file as {src})"
                raise OutputError(f"{out_name} {shown} is {in_name}; refusing to overwrite it, choose another path")
        for other_name, other in outs[i + 1:]:
            if same_file(out, other):
                raise OutputError(f"{out_name} and {other_name} name the same file {out}; give each its own path")
