"""Reading video files with PyAV: timing from timestamps, containers without frame counts,
missing frame rates, rotation, truncation and the one-line errors."""

from __future__ import annotations

import random
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.errors import TruncatedVideoError, VideoFormatError, VideoNotFoundError
from posecheck.io.video import TRUNCATION_RATIO, VideoSource
from tests.conftest import write_video
from tests.io.media import (
    NonSeekable,
    encode,
    is_upright,
    number_in,
    remux_faststart,
    vfr_selection,
    without_default_duration,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sample_videos" / "squat_clean_side.mp4"


def read_all(path: Path) -> tuple[VideoSource, list]:
    with VideoSource(path) as src:
        return src, list(src)


def read_until_error(path: Path) -> tuple[list, Exception | None]:
    frames: list = []
    try:
        with VideoSource(path) as src:
            frames.extend(src)
    except (VideoFormatError, TruncatedVideoError) as exc:
        return frames, exc
    return frames, None


# -- timing ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_variable_frame_rate_is_timed_like_its_constant_rate_source(tmp_path: Path, suffix: str):
    """What ``ffmpeg -vf "select='lt(t,3.5)+not(mod(n,3))'" -fps_mode vfr`` makes of a 30 fps clip."""
    kept = vfr_selection()
    cfr, vfr = tmp_path / f"cfr{suffix}", tmp_path / f"vfr{suffix}"
    encode(cfr, range(300))
    encode(vfr, kept, pts=kept)

    _, source_frames = read_all(cfr)
    src, frames = read_all(vfr)
    assert [number_in(f.image) for f in frames] == kept
    assert [f.index for f in frames] == list(range(len(kept)))
    source_t = {number_in(f.image): f.t for f in source_frames}
    assert max(abs(f.t - source_t[n]) for f, n in zip(frames, kept)) < 1e-3
    # a 4.8 s stretch after the rate drop lasts 4.8 s, not (frames - 1) / average fps
    by_number = {n: f.t for f, n in zip(frames, kept)}
    assert by_number[294] - by_number[150] == pytest.approx(4.8, abs=1e-3)
    if suffix == ".mp4":
        assert src.info.fps < 20  # the average rate: 170 frames over ~10 s (Matroska declares 30)
    assert src.frames_read == len(kept)


def test_times_start_at_zero_when_the_first_timestamp_does_not(tmp_path: Path):
    clip = tmp_path / "late.mkv"
    encode(clip, range(10), pts=[45 + i for i in range(10)])
    _, frames = read_all(clip)
    assert [round(f.t, 3) for f in frames[:3]] == [0.0, 0.033, 0.067]


def test_decoding_uses_ffmpeg_threads(tmp_path: Path):
    clip = encode_default(tmp_path / "c.mp4")
    with VideoSource(clip) as src:
        next(iter(src))
        assert src._stream.thread_type.name in ("AUTO", "FRAME|SLICE", "SLICE|FRAME")


def encode_default(path: Path, frames: int = 30, **kw) -> Path:
    encode(path, range(frames), **kw)
    return path


# -- containers without a frame count --------------------------------------------------


@pytest.mark.parametrize(("name", "fmt", "codec"), [("piped.mkv", "matroska", "libx264"), ("piped.webm", "webm", "libvpx-vp9")])
def test_matroska_written_to_a_pipe_decodes(tmp_path: Path, name: str, fmt: str, codec: str):
    clip = tmp_path / name
    encode(NonSeekable(clip), range(45), fmt=fmt, codec=codec)
    src, frames = read_all(clip)
    assert src.info.frame_count == 0  # unknown: the header has none, and no duration either
    assert src.info.fps == 30
    assert [number_in(f.image) for f in frames] == list(range(45))
    assert frames[-1].t == pytest.approx(44 / 30, abs=1e-3)


def test_cut_pipe_matroska_yields_what_is_there_without_a_false_alarm(tmp_path: Path):
    clip = tmp_path / "piped.mkv"
    encode(NonSeekable(clip), range(60), fmt="matroska")
    data = clip.read_bytes()
    clip.write_bytes(data[: len(data) // 2])
    frames, error = read_until_error(clip)
    assert error is None  # nothing says how long it should have been
    assert 10 < len(frames) < 60


def test_raw_h264_decodes_with_the_rate_in_its_bitstream(tmp_path: Path):
    clip = tmp_path / "clip.h264"
    encode(clip, range(40), fmt="h264", rate=30)  # FFmpeg's raw demuxer alone would say 25 fps
    src, frames = read_all(clip)
    assert src.info.frame_count == 0
    assert src.info.fps == 30
    assert [number_in(f.image) for f in frames] == list(range(40))
    assert [f.t for f in frames] == pytest.approx([i / 30 for i in range(40)])


def test_cut_raw_h264_is_not_called_truncated(tmp_path: Path):
    clip = tmp_path / "clip.h264"
    encode(clip, range(60), fmt="h264")
    clip.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    frames, error = read_until_error(clip)
    assert error is None and 0 < len(frames) < 60


# -- frame rate missing or zero --------------------------------------------------------


def test_missing_frame_rate_is_measured_from_timestamps(tmp_path: Path):
    clip = tmp_path / "norate.mkv"
    encode(NonSeekable(clip), range(3), fmt="matroska", codec="mjpeg", pix_fmt="yuvj420p")
    without_default_duration(clip)
    src, frames = read_all(clip)
    assert src.info.fps == pytest.approx(30, rel=0.03)  # 0, 33, 67 ms (Matroska's millisecond clock)
    assert [round(f.t, 3) for f in frames] == [0.0, 0.033, 0.067]


def test_no_frame_rate_and_no_timestamps_to_measure_is_a_clear_error(tmp_path: Path):
    clip = tmp_path / "single.mkv"
    encode(NonSeekable(clip), [0], fmt="matroska", codec="mjpeg", pix_fmt="yuvj420p")
    without_default_duration(clip)
    with pytest.raises(VideoFormatError, match="no frame rate") as err:
        VideoSource(clip)
    assert "\n" not in str(err.value) and str(clip) in str(err.value)


def test_raw_stream_without_timing_is_refused_not_assumed_25_fps(tmp_path: Path):
    clip = tmp_path / "clip.mjpeg"
    encode(clip, range(10), fmt="mjpeg", codec="mjpeg", pix_fmt="yuvj420p")
    with pytest.raises(VideoFormatError, match="no frame rate.*raw mjpeg") as err:
        VideoSource(clip)
    assert "\n" not in str(err.value)


# -- rotation ----------------------------------------------------------------------------


@pytest.mark.parametrize(("degrees", "quarter_turns"), [(90, 1), (180, 2), (-90, 3)])
def test_rotation_metadata_is_applied_as_opencv_did(tmp_path: Path, degrees: int, quarter_turns: int):
    clip = tmp_path / f"rot{degrees}.mp4"
    encode(clip, range(12), rotation=degrees)
    src, frames = read_all(clip)
    w, h = (112, 192) if quarter_turns % 2 else (192, 112)
    assert (src.info.width, src.info.height) == (w, h)
    assert all(f.image.shape == (h, w, 3) and f.image.flags.c_contiguous for f in frames)
    upright = [np.rot90(f.image, -quarter_turns) for f in frames]
    assert all(is_upright(u) for u in upright)
    assert [number_in(u) for u in upright] == list(range(12))
    # the old reader (OpenCV, which rotates by the same metadata) saw the same pictures
    cap = cv2.VideoCapture(str(clip))
    for frame in frames:
        ok, old = cap.read()
        assert ok and old.shape == frame.image.shape
        assert np.abs(old.astype(np.int16) - frame.image).mean() < 1.0
    cap.release()


def test_unrotated_frames_are_upright(tmp_path: Path):
    _, frames = read_all(encode_default(tmp_path / "plain.mp4", 5))
    assert all(is_upright(f.image) for f in frames)


# -- the pictures the model sees ------------------------------------------------------


def test_sample_clip_decodes_to_the_same_pixels_as_the_old_opencv_reader():
    src, frames = read_all(SAMPLE)
    assert (src.info.fps, src.info.frame_count, src.info.width, src.info.height) == (15.0, 157, 640, 480)
    assert len(frames) == 157
    cap = cv2.VideoCapture(str(SAMPLE))
    for frame in frames:
        ok, old = cap.read()
        assert ok
        assert np.abs(old.astype(np.int16) - frame.image).mean() < 0.5
        assert frame.t == pytest.approx(frame.index / 15.0)
    cap.release()


def test_frames_are_writable_bgr_arrays(tmp_path: Path):
    clip = tmp_path / "odd.avi"
    encode(clip, range(3), codec="rawvideo", pix_fmt="bgr24", size=(97, 65))  # rows not 64-byte aligned
    _, frames = read_all(clip)
    image = frames[0].image
    assert image.dtype == np.uint8 and image.shape == (65, 97, 3) and image.flags.c_contiguous
    cv2.circle(image, (10, 10), 3, (0, 0, 255), -1)  # the annotator draws on frames


# -- truncation ---------------------------------------------------------------------------


def test_mp4_cut_in_half_is_truncated_after_yielding_what_decoded(tmp_path: Path):
    clip = tmp_path / "cut.mp4"
    encode(clip, range(60), container_options={"movflags": "+faststart"})
    data = clip.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    clip.write_bytes(data[: len(data) // 2])
    frames, error = read_until_error(clip)
    assert isinstance(error, TruncatedVideoError)
    assert f"decoded {len(frames)} of 60 frames" in str(error)
    assert 0 < len(frames) < TRUNCATION_RATIO * 60
    assert [number_in(f.image) for f in frames] == list(range(len(frames)))


def test_matroska_cut_short_of_its_declared_duration_is_truncated(tmp_path: Path):
    clip = tmp_path / "cut.mkv"
    encode(clip, range(90))
    with VideoSource(clip) as src:
        assert src.info.frame_count == 0 and src.info.header_duration_s == pytest.approx(3.0)
    clip.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    frames, error = read_until_error(clip)
    assert isinstance(error, TruncatedVideoError)
    assert "of 3.0 s" in str(error) and "\n" not in str(error)
    assert 0 < len(frames) < 80


@pytest.mark.parametrize("suffix", [".mkv", ".webm"])
def test_complete_matroska_is_not_called_truncated(tmp_path: Path, suffix: str):
    kept = vfr_selection()
    clip = tmp_path / f"vfr{suffix}"
    encode(clip, kept, pts=kept, codec="libvpx-vp9" if suffix == ".webm" else "libx264")
    frames, error = read_until_error(clip)
    assert error is None and len(frames) == len(kept)


def test_avi_cut_in_half_is_truncated(tmp_path: Path):
    whole = write_video(tmp_path / "whole.avi", 40)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    frames, error = read_until_error(cut)
    assert isinstance(error, TruncatedVideoError) and "of 40 frames" in str(error)
    assert 0 < len(frames) < 36


@pytest.mark.parametrize("layout", ["as committed (index last)", "index first"])
def test_random_cuts_of_a_sample_clip_fail_only_as_truncated_or_unreadable(tmp_path: Path, layout: str):
    clip = SAMPLE if layout.startswith("as committed") else remux_faststart(SAMPLE, tmp_path / "faststart.mp4")
    data = clip.read_bytes()
    rng = random.Random(10)
    cuts = sorted({rng.randrange(1, len(data)) for _ in range(14)} | {1, 8, 100, len(data) - 1})
    for cut in cuts:
        piece = tmp_path / f"cut{cut}.mp4"
        piece.write_bytes(data[:cut])
        frames, error = read_until_error(piece)  # anything but these two errors fails the test
        if error is not None:
            assert "\n" not in str(error)
        if layout == "index first" and 1000 < cut < 0.8 * len(data):
            assert isinstance(error, TruncatedVideoError), (cut, error)
            assert 0 < len(frames) < 0.9 * 157
        piece.unlink()


# -- errors ---------------------------------------------------------------------------------


def test_missing_file_and_directory(tmp_path: Path):
    with pytest.raises(VideoNotFoundError, match="video not found"):
        VideoSource(tmp_path / "nope.mp4")
    with pytest.raises(VideoNotFoundError, match="directory"):
        VideoSource(tmp_path)


@pytest.mark.parametrize(("content", "message"), [(b"hello", "not a video file"), (b"[ar:x]\n[00:01.00]la\n", "no video stream")])
def test_files_that_are_not_videos(tmp_path: Path, content: bytes, message: str):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(content)
    with pytest.raises(VideoFormatError, match=message) as err:
        VideoSource(fake)
    assert "\n" not in str(err.value) and str(err.value).endswith(str(fake))


def test_still_images_are_not_videos(tmp_path: Path):
    image = tmp_path / "frame.png"
    cv2.imwrite(str(image), np.zeros((40, 60, 3), np.uint8))
    with pytest.raises(VideoFormatError, match=r"still image \(png\)"):
        VideoSource(image)


def test_index_with_no_frames_behind_it_is_truncated(tmp_path: Path):
    clip = tmp_path / "head.mp4"
    encode(clip, range(30), container_options={"movflags": "+faststart"})
    data = clip.read_bytes()
    clip.write_bytes(data[: data.find(b"mdat") + 4])
    with pytest.raises(TruncatedVideoError, match="decoded 0 of 30 frames"):
        VideoSource(clip)


def test_video_without_frames(tmp_path: Path):
    with pytest.raises(VideoFormatError, match=r"video has no frames \(0 frames, 96x64\)"):
        VideoSource(write_video(tmp_path / "empty.avi", 0))


def test_closed_source_cannot_be_iterated(tmp_path: Path):
    src = VideoSource(encode_default(tmp_path / "c.mp4", 3))
    src.close()
    src.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        next(iter(src))
