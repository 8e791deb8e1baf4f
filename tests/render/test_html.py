"""The HTML report: every part is on the page, nothing is fetched from elsewhere, and pages
for unusual reports (no person, no per-frame data, advised-against moves) still render.

Reports come from the sample clips' exact landmarks (no pose model), so the page is built
from a real analysis and real video frames in about a second.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import posecheck.render.html as html_mod
from posecheck.io.video import VideoSink
from posecheck.pose.landmarks import PoseFrame
from posecheck.render.html import (
    BatchRow,
    HtmlOptions,
    clip_pages,
    decode_frames,
    plotted_metrics,
    render_html,
    worst_frames,
    write_batch_html,
    write_html,
)
from posecheck.report import AvoidPart, Report
from tests.render.helpers import TruthModel, sample_clip, truth_report

#: Anything that would make the browser fetch from the network (or another file) on load.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.IGNORECASE)


@pytest.fixture(scope="module")
def bridge() -> Report:
    sample_clip("bridge_low_side")
    return truth_report("bridge_low_side", "glute_bridge")


@pytest.fixture(scope="module")
def bridge_page(bridge: Report, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("page") / "report.html"
    return write_html(bridge, out, HtmlOptions(annotated=sample_clip("bridge_low_side"))).read_text()


def test_the_page_has_every_part(bridge: Report, bridge_page: str):
    page = bridge_page
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<h1>Glute bridge</h1>" in page
    # dosage against what was done, and the safety notes
    assert "8–10 reps, 3 sets" in page and "3 reps, below the recommended range" in page
    for note in bridge.safety:
        assert f"<li>{note}</li>".replace("'", "&#x27;") in page
    # the rep table: one row per complete rep, with timing and range of motion
    reps = page[page.index('id="reps"') : page.index('id="cues"')]
    assert reps.count("<tr") == 1 + 3
    assert reps.count("hips_too_low") == 2 and "range of motion" in reps and "at peak" in reps
    # plots: the timeline and hip_line (the driving metric, also the metric of both cues)
    assert page.count("<svg") == 2
    assert "hip_line — drives the count" in page and "hips_too_low fails (min -0.06)" in page
    # one worst-frame thumbnail (one cue failed) plus the video's poster, and the video inline
    assert page.count('alt="worst frame of hips_too_low"') == 1
    assert page.count("data:image/jpeg;base64,") == 2
    assert 'src="data:video/mp4;base64,' in page
    assert not EXTERNAL.search(page)
    assert "<script" not in page


def test_the_worst_frame_is_furthest_outside_the_bound(bridge: Report):
    result = bridge.result
    worst = worst_frames(result)
    assert set(worst) == {cid for cid, c in bridge.cues.items() if c.windows_s}
    cue = result.cues["hips_too_low"]
    values = result.metrics["hip_line"]
    i = worst["hips_too_low"]
    assert cue.fail_mask[i]
    assert values[i] == pytest.approx(np.nanmin(values[cue.fail_mask]))
    assert values[i] < cue.spec.min


def test_a_hold_page_plots_the_hold_metric_and_every_cue_metric(tmp_path: Path):
    sample_clip("sideplank_low_front")
    report = truth_report("sideplank_low_front", "side_plank")
    page = render_html(report, tmp_path / "p.html")
    metrics = plotted_metrics(report.result)
    assert metrics[:2] == ["body_tilt", "body_line"]  # the hold's metric first, then each cue metric once
    cue_metrics = {getattr(c.spec, "metric", None) for c in report.result.cues.values()} - {None}
    assert set(metrics) == cue_metrics | {"body_tilt"}
    assert page.count("<svg") == 1 + len(metrics)  # and the timeline
    assert "body_tilt — drives the hold" in page
    assert "good form, of" in page and "hold 10–20 s per side, 2 sets" in page
    assert 'id="reps"' not in page  # no rep rule, no rep table


def test_advised_against_and_incomplete_reports_say_so(bridge: Report, tmp_path: Path):
    report = bridge.model_copy(deep=False)
    reason = "The sources advise against this move for a sore back."
    report.avoid = AvoidPart(reason=reason, alternatives=["glute_bridge"])
    report.complete, report.error = False, "interrupted by the user"
    page = render_html(report, tmp_path / "p.html", HtmlOptions(thumbnails=False))
    assert "<b>Advised against.</b> The sources advise against this move" in page
    assert "Safer instead: glute_bridge" in page
    assert "<b>Incomplete:</b> analysis stopped early (interrupted by the user)" in page


def test_a_report_read_back_from_json_renders_without_plots(bridge: Report, tmp_path: Path):
    again = Report.model_validate_json(bridge.to_json())
    assert again.result is None
    page = render_html(again, tmp_path / "p.html")
    assert "<svg" not in page and "No per-frame data" in page
    assert page.count("<tr") >= 4  # the rep table still comes from the report


def test_nobody_in_the_video(tmp_path: Path):
    from posecheck.analyze import Analysis
    from posecheck.report import SourceInfo
    from posecheck.specs.loader import load_spec

    analysis = Analysis(load_spec("squat"))
    for i in range(30):
        analysis.update(PoseFrame.empty(i / 15, (640, 480)))
    report = analysis.report(SourceInfo("nobody.mp4", 15.0, 30, 30, 640, 480), TruthModel())
    page = render_html(report, tmp_path / "p.html")
    assert "No person was detected in this video." in page
    assert "No reps were counted." in page
    assert page.count("<svg") >= 1  # the timeline shows the empty rows


def test_long_series_are_thinned_keeping_extremes_and_gaps():
    t = np.arange(30_000) / 30.0
    v = np.sin(t)
    v[12_345] = 5.0
    v[20_000:20_100] = np.nan
    tt, vv = html_mod._thin(t, v)
    assert tt.size <= html_mod.MAX_PLOT_POINTS + 2
    assert np.nanmax(vv) == 5.0 and np.nanmin(vv) == pytest.approx(-1.0, abs=1e-3)
    assert np.isnan(vv).any()
    assert np.all(np.diff(tt) > 0)


def _numbered_video(path: Path, frames: int = 12, fps: float = 10.0) -> Path:
    """Frame ``i`` is a flat grey of brightness ``20 * i``."""
    with VideoSink(path, fps, (64, 48)) as sink:
        for i in range(frames):
            sink.write(np.full((48, 64, 3), 20 * i, np.uint8), i / fps)
    return path


def test_frames_are_found_by_time(tmp_path: Path):
    video = _numbered_video(tmp_path / "n.mp4")
    import cv2

    jpegs = decode_frames(video, [0.52, 0.0, 1.1], width=32)
    assert sorted(jpegs) == [0.0, 0.52, 1.1]
    for t, expected in ((0.0, 0), (0.52, 100), (1.1, 220)):
        image = cv2.imdecode(np.frombuffer(jpegs[t], np.uint8), cv2.IMREAD_GRAYSCALE)
        assert image.shape == (24, 32)
        assert abs(float(image.mean()) - expected) < 12, (t, image.mean())


@pytest.mark.parametrize("mode", ["auto", "inline", "link", "none"])
def test_the_annotated_video_is_embedded_when_small_and_linked_when_large(
    bridge: Report, tmp_path: Path, monkeypatch, mode: str
):
    (tmp_path / "videos").mkdir()
    video = _numbered_video(tmp_path / "videos" / "annotated.mp4")
    monkeypatch.setattr(html_mod, "INLINE_VIDEO_MAX_BYTES", 10)  # "auto" links anything bigger
    page = render_html(bridge, tmp_path / "report.html", HtmlOptions(annotated=video, video=mode, thumbnails=False))
    if mode == "none":
        assert "<video" not in page
    elif mode == "inline":
        assert 'src="data:video/mp4;base64,' in page
    else:
        assert 'src="videos/annotated.mp4"' in page and "data:video/mp4" not in page


def test_an_avi_is_linked_not_played(bridge: Report, tmp_path: Path):
    with VideoSink(tmp_path / "a.avi", 10, (64, 48)) as sink:
        sink.write(np.zeros((48, 64, 3), np.uint8), 0.0)
    page = render_html(bridge, tmp_path / "r.html", HtmlOptions(annotated=tmp_path / "a.avi", thumbnails=False))
    assert "<video" not in page and 'href="a.avi"' in page and "browsers do not play" in page


def test_clip_pages_sit_next_to_the_batch_page_with_unique_names(tmp_path: Path):
    page = tmp_path / "batch.html"
    pages = clip_pages(page, ["a/x.mp4", "b/x.mp4", "a__x.mp4", "../up.mp4", "batch.mp4"])
    assert all(p.parent == tmp_path for p in pages.values())
    assert len({p.name for p in pages.values()}) == 5
    assert pages["b/x.mp4"].name == "batch.b__x.html" and pages["batch.mp4"].name == "batch.batch.html"
    assert page not in pages.values()


def test_the_batch_page_links_a_page_per_analysed_clip(bridge: Report, tmp_path: Path):
    rows = [
        BatchRow("bridge_low_side.mp4", "pass", ("glute_bridge", "3 / 3"), "", bridge),
        BatchRow("clam.mp4", "skipped", ("clamshell", ""), "no spec for 'clamshell' yet"),
    ]
    page = tmp_path / "batch.html"
    written = write_batch_html(rows, ["exercise", "reps exp/got"], page, "1 passed, 0 failed")
    assert written == [page, tmp_path / "batch.bridge_low_side.html"]
    text = page.read_text()
    assert '<a href="batch.bridge_low_side.html">bridge_low_side.mp4</a>' in text
    assert "clam.mp4" in text and "no spec for &#x27;clamshell&#x27; yet" in text
    clip = written[1].read_text()
    assert '<a href="batch.html">← batch results</a>' in clip and "Batch check: pass" in clip
    assert not EXTERNAL.search(text) and not EXTERNAL.search(clip)
