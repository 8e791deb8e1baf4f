"""The more-clips benchmark writes each clip out of a clone by commit, and refuses a changed file.

``benchmarks/more_clips/extract.py`` is how a maintainer gets the third-party footage the
benchmark labels without it ever entering this repository, so a clip it cannot vouch for
(missing, or its checksum differs) must be reported, not written.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.scripts import load_script

extract = load_script("benchmarks/more_clips/extract.py", "more_clips_extract")


def _clone_with(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    """A git repository ``owner+clips`` holding ``videos/a.mp4``; returns it and the commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "clones" / "owner+clips"
    (repo / "videos").mkdir(parents=True)
    (repo / "videos" / "a.mp4").write_bytes(data)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "clip"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    return repo.parent, commit


def _labels(tmp_path: Path, commit: str, sha256: str) -> Path:
    path = tmp_path / "labels.json"
    source = {"repo": "owner/clips", "path": "videos/a.mp4", "commit": commit, "sha256": sha256}
    clip = {"file": "a.mp4", "exercise": "squat", "mode": "reps", "source": source}
    path.write_text(json.dumps({"clips": [clip]}), encoding="utf-8")
    return path


def test_a_clip_is_written_from_its_commit(tmp_path):
    clones, commit = _clone_with(tmp_path, b"frames")
    labels = _labels(tmp_path, commit, hashlib.sha256(b"frames").hexdigest())
    assert extract.main([str(clones), str(tmp_path / "out"), "--labels", str(labels)]) == 0
    assert (tmp_path / "out" / "a.mp4").read_bytes() == b"frames"


def test_a_clip_whose_checksum_differs_is_reported_and_not_written(tmp_path, capsys):
    clones, commit = _clone_with(tmp_path, b"other frames")
    labels = _labels(tmp_path, commit, hashlib.sha256(b"frames").hexdigest())
    assert extract.main([str(clones), str(tmp_path / "out"), "--labels", str(labels)]) == 1
    assert not (tmp_path / "out" / "a.mp4").exists()
    assert "a.mp4: videos/a.mp4 at" in capsys.readouterr().err


def test_a_missing_clone_is_reported(tmp_path, capsys):
    labels = _labels(tmp_path, "0" * 40, "0" * 64)
    assert extract.main([str(tmp_path / "nowhere"), str(tmp_path / "out"), "--labels", str(labels)]) == 1
    assert "no clone of owner/clips" in capsys.readouterr().err


def test_the_shipped_labels_load_and_name_every_source():
    from posecheck.batch import load_labels

    clips = load_labels(extract.LABELS)
    assert len(clips) == 53
    for clip in clips:
        source = clip.model_extra["source"]
        assert len(source["commit"]) == 40 and len(source["sha256"]) == 64, clip.file
        assert source["repo"].count("/") == 1 and source["path"], clip.file
