"""Writing annotated videos with PyAV: H.264 MP4 ready for browsers, VP9 WebM, frame
times kept, and one-line errors for bad output paths."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from posecheck.errors import OutputError
from posecheck.io.video import OUTPUT_KINDS, VideoSink, VideoSource
from tests.io.media import is_upright, number_in, pattern, vfr_selection


def write(path: Path, numbers, size=(192, 112), fps: float = 30.0, times=None) -> VideoSink:
    with VideoSink(path, fps, size) as sink:
        for i, n in enumerate(numbers):
            sink.write(pattern(n, size), None if times is None else times[i])
    return sink


def stream_facts(path: Path) -> dict:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return {
            "format": c.format.name,
            "codec": s.codec_context.name,
            "pix_fmt": s.codec_context.pix_fmt,
            "size": (s.codec_context.width, s.codec_context.height),
        }


def test_mp4_is_h264_yuv420p_with_the_index_in_front(tmp_path: Path):
    out = tmp_path / "a.mp4"
    sink = write(out, range(45))
    facts = stream_facts(out)
    assert facts["format"].startswith("mov,mp4")
    assert facts["codec"] == "h264" and facts["pix_fmt"] == "yuv420p"
    data = out.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # +faststart: playable while downloading
    assert sink.frames_written == 45
    with VideoSource(out) as src:
        frames = list(src)
    assert src.info.frame_count == 45 and src.info.fps == 30
    assert [number_in(f.image) for f in frames] == list(range(45))
    assert all(is_upright(f.image) for f in frames)
    assert np.abs(frames[7].image.astype(np.int16) - pattern(7)).mean() < 3.0


def test_mp4_uses_libx264_when_ffmpeg_has_it(tmp_path: Path):
    out = tmp_path / "a.mp4"
    write(out, range(3))
    encoder = next(name for name in OUTPUT_KINDS[".mp4"].encoders if name in av.codecs_available)
    assert encoder == "libx264"
    with av.open(str(out)) as c:
        # x264 signs its streams in an SEI message; reading it back is enough to know who wrote it
        packet = next(p for p in c.demux(c.streams.video[0]) if p.size)
        assert b"x264" in bytes(packet)


def test_webm_is_vp9(tmp_path: Path):
    out = tmp_path / "a.webm"
    write(out, range(30))
    facts = stream_facts(out)
    assert facts["format"].startswith("matroska") and facts["codec"] == "vp9" and facts["pix_fmt"] == "yuv420p"
    with VideoSource(out) as src:
        assert [number_in(f.image) for f in src] == list(range(30))


@pytest.mark.parametrize("suffix", [".mp4", ".webm", ".mkv"])
def test_odd_sizes_are_padded_to_even(tmp_path: Path, suffix: str):
    out = tmp_path / f"odd{suffix}"
    write(out, range(5), size=(193, 111))
    assert stream_facts(out)["size"] == (194, 112)
    with VideoSource(out) as src:
        assert [number_in(f.image) for f in src] == list(range(5))


@pytest.mark.parametrize("suffix", [".mp4", ".webm", ".mkv"])
def test_variable_frame_times_are_kept(tmp_path: Path, suffix: str):
    kept = vfr_selection()
    times = [n / 30 for n in kept]
    out = tmp_path / f"vfr{suffix}"
    write(out, kept, times=times, fps=17.3)
    with VideoSource(out) as src:
        frames = list(src)
    assert [number_in(f.image) for f in frames] == kept
    assert max(abs(f.t - t) for f, t in zip(frames, times)) < 1.5e-3


def test_frames_without_times_are_spaced_by_the_frame_rate(tmp_path: Path):
    out = tmp_path / "cfr.mp4"
    write(out, range(20), fps=29.97)
    with VideoSource(out) as src:
        frames = list(src)
        assert src.info.fps == pytest.approx(30000 / 1001)
    assert [f.t for f in frames] == pytest.approx([i * 1001 / 30000 for i in range(20)], abs=1e-4)


def test_times_count_from_the_first_frame_written(tmp_path: Path):
    out = tmp_path / "late.mp4"
    write(out, range(5), times=[12.0 + i * 0.05 for i in range(5)])
    with VideoSource(out) as src:
        assert [round(f.t, 3) for f in src] == [0.0, 0.05, 0.1, 0.15, 0.2]


def test_frames_of_another_size_are_resized(tmp_path: Path):
    out = tmp_path / "a.mp4"
    with VideoSink(out, 30, (96, 56)) as sink:
        sink.write(pattern(5, (192, 112)))
    assert stream_facts(out)["size"] == (96, 56)


def test_avi_is_mjpeg_at_a_constant_rate_holding_frames_over_gaps(tmp_path: Path):
    out = tmp_path / "a.avi"
    write(out, [0, 1, 2], times=[0.0, 0.1, 0.3], fps=10)
    assert stream_facts(out)["codec"] == "mjpeg"
    cap = cv2.VideoCapture(str(out))  # still readable by OpenCV-based tools
    numbers = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        numbers.append(number_in(image))
    assert numbers == [0, 1, 1, 2]


def test_a_sink_with_no_frames_closes_quietly(tmp_path: Path):
    with VideoSink(tmp_path / "empty.mp4", 30, (64, 48)) as sink:
        pass
    assert sink.frames_written == 0


def test_an_error_inside_the_block_is_the_one_raised_and_the_file_is_finished(tmp_path: Path):
    out = tmp_path / "partial.mp4"
    with pytest.raises(KeyError), VideoSink(out, 30, (192, 112)) as sink:
        for n in range(10):
            sink.write(pattern(n))
        raise KeyError("stop")
    with VideoSource(out) as src:
        assert [number_in(f.image) for f in src] == list(range(10))


def test_writing_after_close_is_a_bug(tmp_path: Path):
    sink = VideoSink(tmp_path / "a.mp4", 30, (64, 48))
    sink.close()
    sink.close()
    with pytest.raises(RuntimeError, match="closed"):
        sink.write(np.zeros((48, 64, 3), np.uint8))


@pytest.mark.parametrize("name", ["a.mov", "a.gif", "noextension"])
def test_unknown_extension_is_one_line_listing_the_known_ones(tmp_path: Path, name: str):
    with pytest.raises(OutputError) as err:
        VideoSink(tmp_path / name, 30, (64, 48))
    message = str(err.value)
    assert "\n" not in message and ("unknown video type" in message or "no video extension" in message)
    assert all(ext in message for ext in (".mp4", ".webm", ".mkv", ".avi"))
    assert not (tmp_path / name).exists()


def test_unwritable_outputs(tmp_path: Path):
    with pytest.raises(OutputError, match="does not exist"):
        VideoSink(tmp_path / "no" / "a.mp4", 30, (64, 48))
    with pytest.raises(OutputError, match="directory"):
        VideoSink(tmp_path, 30, (64, 48))
    with pytest.raises(OutputError, match="frame rate"):
        VideoSink(tmp_path / "a.mp4", 0, (64, 48))


def test_relative_names_with_a_colon_are_files_not_protocols(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    write(Path("set:1.mp4"), range(4))
    with VideoSource("set:1.mp4") as src:
        assert [number_in(f.image) for f in src] == list(range(4))


@pytest.mark.parametrize("suffix", [".mp4", ".webm", ".avi"])
def test_colours_come_back_as_written(tmp_path: Path, suffix: str):
    """Flat patches of the overlay's colours (and black and white) read back within a few
    levels: the BGR-to-YUV conversion and the range the stream is tagged with agree."""
    colours = [(0, 0, 0), (255, 255, 255), (60, 200, 60), (40, 40, 220), (0, 200, 255), (200, 120, 40)]
    image = np.zeros((96, 64 * len(colours), 3), np.uint8)
    for k, colour in enumerate(colours):
        image[:, 64 * k : 64 * (k + 1)] = colour
    with VideoSink(tmp_path / f"c{suffix}", 15.0, (image.shape[1], image.shape[0])) as sink:
        for _ in range(5):
            sink.write(image)
    with VideoSource(tmp_path / f"c{suffix}") as src:
        back = next(iter(src)).image
    for k, colour in enumerate(colours):
        patch = back[24:72, 64 * k + 16 : 64 * k + 48].reshape(-1, 3).mean(axis=0)
        assert np.abs(patch - np.array(colour)).max() <= 8, (colour, patch.round())
