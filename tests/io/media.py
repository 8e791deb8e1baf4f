"""Test videos made with PyAV: chosen timestamps, containers, codecs and rotations.

Every frame carries its own number as a row of black and white blocks (one per bit), big
enough to survive lossy coding, so a test can tell which source frame it got back and
whether it is upright.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

BITS = 9  # frame numbers up to 511
BLOCK = 16


def pattern(number: int, size: tuple[int, int] = (192, 112)) -> np.ndarray:
    """A BGR frame showing ``number`` in binary (bit 0 leftmost) on the top row, and a
    red square in the bottom-left corner that shows which way is up."""
    w, h = size
    img = np.full((h, w, 3), 96, np.uint8)
    for bit in range(BITS):
        x = 4 + bit * (BLOCK + 4)
        img[4 : 4 + BLOCK, x : x + BLOCK] = 255 if number >> bit & 1 else 0
    img[h - 28 : h - 4, 4:28] = (0, 0, 220)
    return img


def number_in(image: np.ndarray) -> int:
    """The number :func:`pattern` drew, read back from an upright decoded frame."""
    value = 0
    for bit in range(BITS):
        x = 4 + bit * (BLOCK + 4)
        if image[4 + BLOCK // 2, x + BLOCK // 2].mean() > 128:
            value |= 1 << bit
    return value


def is_upright(image: np.ndarray) -> bool:
    """The red marker is in the bottom-left corner."""
    h = image.shape[0]
    b, g, r = (int(v) for v in image[h - 16, 16])
    return r > 150 and b < 100 and g < 100


class NonSeekable(io.RawIOBase):
    """A write-only stream that cannot seek, as FFmpeg sees a pipe: muxers cannot go back
    to fill in durations, frame counts or indexes."""

    def __init__(self, path: Path):
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data) -> int:
        return self._file.write(bytes(data))

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
        super().close()


def encode(
    target: Path | NonSeekable,
    numbers: Iterable[int],
    *,
    pts: Sequence[int] | None = None,
    rate: int = 30,
    time_base: Fraction | None = None,
    codec: str = "libx264",
    fmt: str | None = None,
    size: tuple[int, int] = (192, 112),
    rotation: int | None = None,
    pix_fmt: str = "yuv420p",
    container_options: dict[str, str] | None = None,
) -> None:
    """Encode pattern frames ``numbers`` into ``target``.

    ``pts`` are the frames' timestamps in ``time_base`` units (default ``1/rate``, one
    tick per frame); ``rotation`` is a display-matrix rotation in degrees counter-clockwise.
    """
    numbers = list(numbers)
    out = av.open(target if isinstance(target, io.IOBase) else str(target), "w", format=fmt,
                  container_options=container_options or {})
    stream = out.add_stream(codec, rate=rate)
    stream.width, stream.height = size
    stream.pix_fmt = pix_fmt
    if codec == "libx264":
        stream.codec_context.options = {"preset": "ultrafast"}
    tb = time_base or Fraction(1, rate)
    stream.codec_context.time_base = tb
    if rotation is not None:
        stream.set_display_rotation(rotation)
    for i, number in enumerate(numbers):
        frame = av.VideoFrame.from_ndarray(pattern(number, size), format="bgr24")
        if pix_fmt != "yuv420p":
            frame = frame.reformat(format=pix_fmt)
        frame.pts = pts[i] if pts is not None else i
        frame.time_base = tb
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    if isinstance(target, io.IOBase):
        target.close()


def vfr_selection(frames: int = 300, fps: int = 30) -> list[int]:
    """The frames FFmpeg's ``select='lt(t,3.5)+not(mod(n,3))'`` keeps: all of the first
    3.5 s, then every third one."""
    return [n for n in range(frames) if n / fps < 3.5 or n % 3 == 0]


#: Matroska's DefaultDuration element ID (the declared frame duration).
DEFAULT_DURATION_ID = bytes.fromhex("23E383")


def without_default_duration(path: Path) -> Path:
    """Rename the track's DefaultDuration element to an unknown ID the demuxer skips, so
    the file no longer declares a frame rate."""
    data = path.read_bytes()
    assert data.count(DEFAULT_DURATION_ID) == 1, "expected exactly one DefaultDuration element"
    path.write_bytes(data.replace(DEFAULT_DURATION_ID, bytes.fromhex("23E384")))
    return path


def remux_faststart(src: Path, dst: Path) -> Path:
    """Copy ``src``'s video packets into an MP4 with the index (moov) in front."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", container_options={"movflags": "+faststart"}) as out:
        in_stream = inp.streams.video[0]
        out_stream = out.add_stream_from_template(in_stream)
        for packet in inp.demux(in_stream):
            if packet.dts is None:
                continue
            packet.stream = out_stream
            out.mux(packet)
    return dst
