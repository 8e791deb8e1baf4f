"""One person is tracked at the speed of one person, and other people are still noticed.

The pose model tracks a single person (MediaPipe's person detector then runs only when
tracking is lost); a multi-person count on a downscaled frame once a second says when
someone else is in view. Two rendered people side by side must give the notice, and so
must the real clip where somebody walks through the frame behind a plank.
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from posecheck.analyze import AnalyzeOptions, analyze_video
from posecheck.io.video import VideoSource
from posecheck.specs.loader import load_spec

pytestmark = pytest.mark.real_model
SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"


def side_by_side(left: Path, right: Path, out: Path, seconds: float = 4.0) -> Path:
    """A clip of two sample clips next to each other: two people in one picture."""
    with VideoSource(left) as a, VideoSource(right) as b, av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=15)
        stream.pix_fmt = "yuv420p"
        stream.width, stream.height = a.info.width * 2, a.info.height
        for fa, fb in zip(a, b):
            if fa.t > seconds:
                break
            frame = av.VideoFrame.from_ndarray(np.hstack([fa.image, fb.image]), format="bgr24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out


def test_two_people_side_by_side_give_the_notice(tmp_path):
    clip = side_by_side(SAMPLES / "squat_clean_side.mp4", SAMPLES / "squat_clean_front.mp4", tmp_path / "two.mp4")
    report = analyze_video(clip, load_spec("squat"), AnalyzeOptions(model="lite", max_people=1))
    assert report.max_people_seen >= 2
    assert any(w.startswith("several people seen") for w in report.warnings)


def test_a_person_walking_through_the_frame_gives_the_notice(clips_dir):
    report = analyze_video(clips_dir / "plank_posture013.mp4", load_spec("forearm_plank"),
                           AnalyzeOptions(model="full", max_people=1))
    assert report.max_people_seen >= 2
    assert any(w.startswith("several people seen") for w in report.warnings)


def test_two_pose_workers_give_the_same_report_as_one():
    """With two people asked for, every frame is detected afresh, so sharing the frames
    between two pose models side by side changes nothing but the time."""
    video = SAMPLES / "squat_lean_oblique.mp4"
    spec = load_spec("squat")
    one, two = (
        analyze_video(video, spec, AnalyzeOptions(max_people=2, pose_workers=workers)).to_dict()
        for workers in (1, 2)
    )
    for report in (one, two):
        report.pop("generated", None)
    assert one == two
    assert one["reps"]["total"] == 3
