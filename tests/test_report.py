"""The JSON report is deterministic and stable: a golden file, rounded floats, fixed key order.

The session runs on a synthetic glute-bridge trace (three reps, the last one short of the
line, and a clip that ends mid-rep), so the report exercises reps, partial reps, extreme
cues and the hold at the top. To accept an intended change of the report, delete
``tests/golden/bridge_report.json`` and run the test once: it writes the file and fails,
so the new golden file is reviewed before it is committed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecheck.report import Report, SourceInfo, build_report, format_summary
from posecheck.specs.loader import load_spec
from tests.helpers import bridge_joints, frames_from, rep_signal, run_session, times

GOLDEN = Path(__file__).parent / "golden" / "bridge_report.json"


def bridge_report() -> dict:
    t = times(15.5, fps=30.0)
    angle = rep_signal(t, 130.0, [179.0, 179.0, 160.0, 179.0], rep_s=3.0, pause_s=1.0, start_s=1.0)
    frames = frames_from(t, lambda i, ti: bridge_joints(float(angle[i])))
    _, result = run_session(load_spec("glute_bridge"), frames)
    source = SourceInfo("bridge.mp4", 30.0, len(t), len(t), 640, 480)
    return build_report(result, source, "full", "0" * 64).to_dict()


def test_report_matches_the_golden_file():
    text = json.dumps(bridge_report(), indent=2) + "\n"
    if not GOLDEN.exists():
        GOLDEN.write_text(text)
        pytest.fail(f"wrote {GOLDEN}; review it and run again")
    assert text == GOLDEN.read_text()


def test_report_content_a_user_relies_on():
    report = bridge_report()
    assert list(report)[:4] == ["schema_version", "tool", "exercise", "exercise_title"]
    assert report["reps"]["total"] == 3
    assert report["reps"]["partial_by_cut"] == {"start": 0, "end": 1, "lost": 0}
    assert [item["failed_cues"] for item in report["reps"]["items"]] == [[], [], ["hips_too_low"]]
    assert report["cues"]["hips_too_low"]["windows_s"] and not report["cues"]["lumbar_arch"]["windows_s"]
    summary = format_summary(Report.model_validate(report))
    assert "Reps: 3 complete, 1 partial" in summary
    assert "rep 3 at" in summary and "check: hips_too_low" in summary


def test_report_is_identical_across_runs():
    assert json.dumps(bridge_report()) == json.dumps(bridge_report())


def test_the_length_at_a_reduced_analysis_rate_counts_each_analysed_frame_as_its_interval():
    """Analysed at 7.5 of a 30 fps video's frames a second, each frame stands for 4 of the
    source's: the length agrees with the time in position, which is counted the same way."""
    t = times(8.0, fps=7.5)
    frames = frames_from(t, lambda i, ti: bridge_joints(130.0))
    _, result = run_session(load_spec("glute_bridge"), frames)
    report = build_report(result, SourceInfo("bridge.mp4", 30.0, 240, len(t), 640, 480), "full", "0" * 64)
    assert report.source.duration_s == pytest.approx(8.0)
    assert report.posture.seconds <= report.source.duration_s
