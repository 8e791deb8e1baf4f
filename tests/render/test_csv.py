"""CSV export: where ``--csv PREFIX`` writes, and that the tables say what the report says."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from posecheck.errors import OutputError
from posecheck.render.csv_export import csv_paths, write_csv
from posecheck.report import Report
from tests.render.helpers import truth_report


def _read(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def bridge() -> Report:
    return truth_report("bridge_low_side", "glute_bridge")


@pytest.mark.parametrize(
    ("prefix", "frames", "reps"),
    [
        ("out.csv", "out.frames.csv", "out.reps.csv"),
        ("out", "out.frames.csv", "out.reps.csv"),
        ("out.CSV", "out.frames.csv", "out.reps.csv"),
        ("sub/run1", "sub/run1.frames.csv", "sub/run1.reps.csv"),
    ],
)
def test_the_two_file_names(prefix: str, frames: str, reps: str):
    assert csv_paths(prefix) == (Path(frames), Path(reps))


def test_a_folder_gets_plain_names(tmp_path: Path):
    assert csv_paths(tmp_path) == (tmp_path / "frames.csv", tmp_path / "reps.csv")


def test_frames_table(bridge: Report, tmp_path: Path):
    frames_path, _ = write_csv(bridge, tmp_path / "b.csv")
    rows = _read(frames_path)
    result = bridge.result
    assert len(rows) == result.t.size
    assert list(rows[0]) == [
        "frame", "t", "detected", "people", "in_posture", "in_position", "side", "rep",
        *result.metrics, *(f"fail_{cid}" for cid in result.cues),
    ]
    assert "hip_line" in rows[0] and "fail_hips_too_low" in rows[0]
    assert [int(r["frame"]) for r in rows] == list(range(result.t.size))
    assert np.allclose([float(r["t"]) for r in rows], result.t, atol=1e-4)
    assert np.allclose([float(r["hip_line"]) for r in rows], result.metrics["hip_line"], rtol=1e-5, atol=1e-6)
    assert [r["fail_hips_too_low"] == "1" for r in rows] == list(result.cues["hips_too_low"].fail_mask)
    assert {r["rep"] for r in rows} == {"", "1", "2", "3"}
    for item in bridge.reps.items:
        inside = [r for r in rows if r["rep"] == str(item.index)]
        assert float(inside[0]["t"]) == pytest.approx(item.start_s, abs=0.07)
        assert float(inside[-1]["t"]) == pytest.approx(item.end_s, abs=0.07)
    assert {r["side"] for r in rows} == {"left"} and {r["detected"] for r in rows} == {"1"}


def test_reps_table(bridge: Report, tmp_path: Path):
    _, reps_path = write_csv(bridge, tmp_path / "b")
    rows = _read(reps_path)
    assert [r["index"] for r in rows] == ["1", "2", "3"] and {r["kind"] for r in rows} == {"complete"}
    for row, item in zip(rows, bridge.reps.items, strict=True):
        for key in ("start_s", "peak_s", "end_s", "duration_s", "out_s", "at_peak_s", "back_s", "range_of_motion"):
            assert float(row[key]) == pytest.approx(getattr(item, key)), key
        assert row["failed_cues"] == ";".join(item.failed_cues)
        assert row["fail_hips_too_low"] == str(int("hips_too_low" in item.failed_cues))


def test_missing_values_are_empty_cells(tmp_path: Path):
    from posecheck.analyze import Analysis
    from posecheck.pose.landmarks import PoseFrame
    from posecheck.report import SourceInfo
    from posecheck.specs.loader import load_spec
    from tests.render.helpers import TruthModel

    analysis = Analysis(load_spec("forearm_plank"))
    for i in range(10):
        analysis.update(PoseFrame.empty(i / 10, (64, 48)))
    report = analysis.report(SourceInfo("x.mp4", 10.0, 10, 10, 64, 48), TruthModel())
    frames_path, reps_path = write_csv(report, tmp_path / "p")
    rows = _read(frames_path)
    assert len(rows) == 10 and all(r["detected"] == "0" and r["side"] == "" and r["body_line"] == "" for r in rows)
    assert "in_position" in rows[0]
    # a hold spec counts no reps: the reps file is there, with its header only
    assert reps_path.read_text().startswith("index,kind,cut,side,") and len(_read(reps_path)) == 0


def test_a_report_without_per_frame_data_is_refused(bridge: Report, tmp_path: Path):
    again = Report.model_validate_json(bridge.to_json())
    with pytest.raises(OutputError, match="no per-frame data"):
        write_csv(again, tmp_path / "x")


def test_batch_csv_has_one_row_a_clip(tmp_path):
    import csv as csv_module

    from posecheck.batch import ClipLabel, ClipScore
    from posecheck.render.csv_export import BATCH_COLUMNS, write_batch_csv

    label = ClipLabel(file="a.mp4", exercise="squat", mode="reps", reps=3, faults=[
        {"fault": "excessive_forward_lean", "from_s": 1.0, "to_s": 2.0}])
    rows = [
        ClipScore(label=label, status="fail", reason="reps 2 not in 3..3", reps=2, partial=0, reps_ok=False,
                  faults_expected=["excessive_forward_lean"], faults_flagged=["excessive_forward_lean"]),
        ClipScore(label=ClipLabel(file="b.mp4", exercise="clamshell", mode="reps"), status="skipped",
                  reason="no spec for 'clamshell' yet"),
    ]
    path = write_batch_csv(rows, tmp_path / "batch.csv")
    with open(path, newline="") as fh:
        table = list(csv_module.DictReader(fh))
    assert list(table[0]) == BATCH_COLUMNS
    assert [r["file"] for r in table] == ["a.mp4", "b.mp4"]
    assert table[0]["status"] == "fail" and table[0]["reps_measured"] == "2" and table[0]["reps_expected"] == "3"
    assert table[0]["faults_flagged"] == "excessive_forward_lean" and table[1]["reps_measured"] == ""
