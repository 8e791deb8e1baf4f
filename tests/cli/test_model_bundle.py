"""``--model PATH`` accepts a real bundle whatever its name (issue 10 §3, item 2)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from posecheck.errors import ModelError
from posecheck.pose import models
from tests.conftest import MODELS

LITE = MODELS / "pose_landmarker_lite.task"
needs_models = pytest.mark.skipif(not LITE.is_file(), reason="../shared/models not present")


@needs_models
def test_an_official_bundle_under_another_name_is_accepted(tmp_path: Path):
    assert LITE.read_bytes()[:4] != b"PK\x03\x04"  # why a check of the first bytes was wrong
    renamed = tmp_path / "my-model.task"
    shutil.copy(LITE, renamed)
    found = models.resolve_model(str(renamed))
    assert (found.name, found.path, found.sha256) == ("lite", renamed, models.OFFICIAL_MODELS["lite"][2])


@needs_models
def test_a_modified_bundle_is_accepted_as_a_zip_of_tflite_models(tmp_path: Path):
    custom = tmp_path / "custom.task"
    shutil.copy(LITE, custom)
    with zipfile.ZipFile(custom, "a") as z:
        z.writestr("notes.txt", "fine-tuned")
    found = models.resolve_model(str(custom))
    assert found.name == "custom" and found.sha256 == models.sha256_of(custom)


def test_a_zip_without_models_is_not_a_bundle(tmp_path: Path):
    bogus = tmp_path / "bogus.task"
    with zipfile.ZipFile(bogus, "w") as z:
        z.writestr("readme.txt", "nothing here")
    with pytest.raises(ModelError, match=r"not a MediaPipe \.task bundle \(a zip archive without any \.tflite"):
        models.resolve_model(str(bogus))
