"""Model resolution: offline first, checksums enforced, downloads verified and never kept when wrong.

Downloads are exercised against a local ``file://`` copy of the official bundle: nothing
here reaches the network.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from posecheck.errors import ModelError
from posecheck.pose import models
from tests.conftest import MODELS

LITE = MODELS / "pose_landmarker_lite.task"
needs_models = pytest.mark.skipif(not LITE.is_file(), reason="../shared/models not present")


@needs_models
def test_named_model_resolves_offline_with_its_checksum():
    found = models.resolve_model("lite")
    assert found.path.name == "pose_landmarker_lite.task"
    assert found.sha256 == models.OFFICIAL_MODELS["lite"][2]


@needs_models
def test_official_file_name_with_wrong_bytes_is_reported_corrupt(tmp_path: Path, monkeypatch):
    fake = tmp_path / "pose_landmarker_full.task"
    fake.write_bytes(LITE.read_bytes())
    monkeypatch.setenv("POSECHECK_MODEL_DIR", str(tmp_path))
    with pytest.raises(ModelError, match="is corrupt"):
        models.resolve_model("full")


def test_missing_named_model_offline_says_where_to_get_it(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(models, "search_dirs", lambda: [tmp_path])
    monkeypatch.setattr(models, "cache_dir", lambda: tmp_path / "cache")
    with pytest.raises(ModelError) as err:
        models.resolve_model("heavy", allow_download=False)
    message = str(err.value)
    assert "pose_landmarker_heavy.task not found" in message
    assert "https://storage.googleapis.com/mediapipe-models/pose_landmarker/pose_landmarker_heavy" in message
    assert str(tmp_path / "cache") in message


@needs_models
def test_download_verifies_sha256_and_keeps_the_file(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(models, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(models, "_URL", LITE.parent.as_uri() + "/pose_landmarker_{v}.task")
    got = models.download_model("lite")
    assert got.path == tmp_path / "cache" / "pose_landmarker_lite.task"
    assert got.path.read_bytes() == LITE.read_bytes()
    assert not list((tmp_path / "cache").glob("*.part"))


@needs_models
def test_download_with_wrong_hash_is_not_kept(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(models, "cache_dir", lambda: tmp_path / "cache")
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(LITE, src / "pose_landmarker_full.task")  # the lite bytes under the full name
    monkeypatch.setattr(models, "_URL", src.as_uri() + "/pose_landmarker_{v}.task")
    with pytest.raises(ModelError, match="not kept"):
        models.download_model("full")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_path_that_is_not_a_bundle(tmp_path: Path):
    bogus = tmp_path / "model.task"
    bogus.write_text("nope")
    with pytest.raises(ModelError, match="not a MediaPipe .task bundle"):
        models.resolve_model(str(bogus))
