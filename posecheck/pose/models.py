"""Find the pose landmarker model bundle, offline first.

Resolution order for ``--model lite|full|heavy|PATH``:

1. a path given explicitly;
2. ``$POSECHECK_MODEL`` (a file) or ``$POSECHECK_MODEL_DIR`` (a folder of bundles);
3. the folder ``../shared/models`` next to a development checkout;
4. the user cache (``platformdirs.user_cache_dir("posecheck")/models``);
5. only when downloads are allowed: the official bundle, checked against its sha256.
   A file with the wrong hash is deleted and reported.

Nothing in the tests downloads; ``POSECHECK_OFFLINE=1`` forbids it everywhere.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from posecheck.errors import ModelError

#: Official bundles (Apache-2.0, MediaPipe team): file name, size in bytes, sha256.
OFFICIAL_MODELS: dict[str, tuple[str, int, str]] = {
    "lite": (
        "pose_landmarker_lite.task",
        5777746,
        "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a",
    ),
    "full": (
        "pose_landmarker_full.task",
        9398198,
        "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
    ),
    "heavy": (
        "pose_landmarker_heavy.task",
        30664242,
        "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b",
    ),
}
DEFAULT_MODEL = "full"
_URL = "https://storage.googleapis.com/mediapipe-models/pose_landmarker/pose_landmarker_{v}/float16/latest/pose_landmarker_{v}.task"


@dataclass(frozen=True)
class ModelFile:
    """A resolved model bundle: its short name (``full`` or the file stem), path and sha256."""

    name: str
    path: Path
    sha256: str


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_dir() -> Path:
    """Per-user folder where downloaded bundles are kept."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("posecheck")) / "models"


def search_dirs() -> list[Path]:
    """Folders searched for named bundles, in order."""
    dirs: list[Path] = []
    if env := os.environ.get("POSECHECK_MODEL_DIR"):
        dirs.append(Path(env))
    repo_root = Path(__file__).resolve().parents[2]
    dirs += [repo_root.parent / "shared" / "models", Path.cwd().parent / "shared" / "models", cache_dir()]
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def _verified(name: str, path: Path) -> ModelFile:
    """Check a named official bundle against its published sha256."""
    _, size, expected = OFFICIAL_MODELS[name]
    if path.stat().st_size != size or sha256_of(path) != expected:
        raise ModelError(
            f"model file {path} is corrupt (sha256 does not match the official {name} bundle); "
            "delete it and download it again"
        )
    return ModelFile(name, path, expected)


def resolve_model(model: str | os.PathLike[str] | None = None, allow_download: bool | None = None) -> ModelFile:
    """Return the model bundle to use, or raise :class:`ModelError` saying how to get one."""
    spec = str(model) if model is not None else os.environ.get("POSECHECK_MODEL", DEFAULT_MODEL)
    if spec not in OFFICIAL_MODELS:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise ModelError(
                f"model file not found: {path} (pass --model lite|full|heavy or a path to a .task bundle)"
            )
        for name, (filename, _, _) in OFFICIAL_MODELS.items():
            if path.name == filename:
                return _verified(name, path)
        try:
            digest = sha256_of(path)
        except OSError as exc:
            raise ModelError(f"cannot read model file {path}: {exc.strerror}") from None
        for name, (_, _, expected) in OFFICIAL_MODELS.items():
            if digest == expected:  # an official bundle saved under another name
                return ModelFile(name, path, digest)
        _check_bundle(path)
        return ModelFile(path.stem, path, digest)

    filename = OFFICIAL_MODELS[spec][0]
    for folder in search_dirs():
        candidate = folder / filename
        if candidate.is_file():
            return _verified(spec, candidate)

    if allow_download is None:
        allow_download = os.environ.get("POSECHECK_OFFLINE", "") in ("", "0") and not os.environ.get("CI")
    where = ", ".join(str(d) for d in search_dirs())
    if not allow_download:
        raise ModelError(
            f"model {filename} not found (looked in {where}); download it from "
            f"{_URL.format(v=spec)} into {cache_dir()} or pass --model PATH"
        )
    return download_model(spec)


def _check_bundle(path: Path) -> None:
    """A .task bundle is a zip archive of ``.tflite`` models; catch obviously wrong files clearly.

    The archive is opened rather than its first bytes compared: the official bundles do not
    start with the zip signature (they have a few bytes of padding before it).
    """
    problem = "expected a zip archive of .tflite models"
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as bundle:
                if any(n.endswith(".tflite") for n in bundle.namelist()):
                    return
            problem = "a zip archive without any .tflite model in it"
    except (OSError, zipfile.BadZipFile) as exc:
        problem = f"cannot read it as a zip archive: {exc}"
    raise ModelError(f"model file {path} is not a MediaPipe .task bundle ({problem})")


def download_model(name: str) -> ModelFile:
    """Download an official bundle into the user cache with a progress bar; verify its sha256."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    filename, size, expected = OFFICIAL_MODELS[name]
    target_dir = cache_dir()
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / filename
    url = _URL.format(v=name)
    fd, tmp_name = tempfile.mkstemp(dir=target_dir, suffix=".part")
    tmp = Path(tmp_name)
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=30) as resp:
            with Progress(
                "[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn()
            ) as progress:
                task = progress.add_task(f"downloading {filename}", total=size)
                while block := resp.read(1 << 16):
                    out.write(block)
                    h.update(block)
                    progress.update(task, advance=len(block))
        if h.hexdigest() != expected:
            raise ModelError(f"downloaded {filename} has sha256 {h.hexdigest()}, expected {expected}; not kept")
        tmp.replace(target)
    except OSError as exc:
        raise ModelError(f"could not download {url}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return ModelFile(name, target, expected)
