"""A heads-up display readable from across the room: big count or hold timer, progress, form messages.

Two halves, kept apart so each can be tested on its own:

* :func:`hud_content` (plain data, no drawing) decides *what* to show from the spec, the
  session's :class:`~posecheck.core.session.FrameState`, the form messages of
  :class:`CueFeed` and a :class:`HudInfo` from the caller (camera set-up status, set number,
  key hint, a routine runner's banner);
* :class:`Hud` draws a :class:`HudContent` onto a BGR frame with OpenCV.

Readability rules: sizes follow the frame height (the count is about a seventh of it);
form messages are wrapped to the frame width and never cut short; every state is told by
colour *and* by a symbol and a word (a triangle with "!" and FIX FORM for a fault, a tick
and GOOD FORM when all is well), in colours from the Okabe–Ito palette that stay apart for
the common kinds of colour blindness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from posecheck.core.reps import PEAK
from posecheck.core.session import FrameState
from posecheck.render.messages import REP_MESSAGE_S
from posecheck.setup_check import SetupStatus
from posecheck.specs.schema import Dosage, ExerciseSpec

# Okabe–Ito colours, BGR
GOOD = (115, 158, 0)  # bluish green
FAULT = (0, 94, 213)  # vermillion
CAUTION = (0, 159, 230)  # orange
INFO = (233, 180, 86)  # sky blue
WHITE = (250, 250, 250)
BLACK = (0, 0, 0)
MUTED = (185, 185, 185)
PANEL = (28, 28, 28)

FONT = cv2.FONT_HERSHEY_DUPLEX
#: A per-rep cue must fail this long at the bottom of a rep before it is shown (a rep on its
#: way down passes the peak threshold before it reaches its full depth).
PEAK_FAULT_S = 0.3
#: The key hint of the live window.
QUIT_HINT = "q / Esc: quit"


# -- what to say ------------------------------------------------------------------------------


class CueFeed:
    """The form messages to show on each frame, in the order the faults started.

    * frame cues failing now (the core already waits for their minimum duration);
    * per-rep cues failing at the bottom of the rep in progress, once they have failed for
      :data:`PEAK_FAULT_S` and only until the rep turns back (past its extreme the value
      no longer tells how deep or how bent the rep was: the verdict follows at its end);
      so the person is told "chest up" during the rep, not only after it;
    * for :data:`~posecheck.render.messages.REP_MESSAGE_S` after a rep is counted, the
      per-rep cues it failed ("Last rep: ..."), unless the same cue is already showing.
    """

    #: The rep has turned back once the driving metric is this share of the rest-to-peak
    #: distance away from its extreme.
    TURN_BACK = 0.15

    def __init__(self, spec: ExerciseSpec, peak_fault_s: float = PEAK_FAULT_S):
        self.spec = spec
        self.peak_fault_s = peak_fault_s
        self._rep_cues = {c.id for c in spec.cues if c.kind != "frame"}
        self._since: dict[str, float] = {}
        self._extreme = math.nan

    def _turned_back(self, state: FrameState) -> bool:
        """Whether the rep in progress is past its extreme and on its way back (reps rules only)."""
        rule = self.spec.reps
        if rule is None or state.phase != PEAK:
            self._extreme = math.nan
            return rule is None
        v = state.metrics.get(rule.metric, math.nan)
        if not math.isfinite(v):
            return False
        sign = 1.0 if rule.direction == "up" else -1.0
        if not math.isfinite(self._extreme) or sign * (v - self._extreme) > 0:
            self._extreme = v
        return sign * (self._extreme - v) > self.TURN_BACK * abs(rule.peak - rule.rest)

    def update(self, state: FrameState) -> tuple[str, ...]:
        failing = set(state.failing)
        for cid in list(self._since):
            if cid not in failing:
                del self._since[cid]
        for cid in failing:
            self._since.setdefault(cid, state.t)
        turned_back = self._turned_back(state)
        now: list[str] = []
        for cid in sorted(failing, key=lambda c: (self._since[c], c)):
            cue = self.spec.cue(cid)
            settled = not turned_back and state.t - self._since[cid] >= self.peak_fault_s
            if cue.kind == "frame" or settled:
                now.append(cue.message)
        last = state.last_rep
        if last is not None and last.failed and state.t - last.counted_s <= REP_MESSAGE_S:
            now += [f"Last rep: {self.spec.cue(c).message}" for c in last.failed if self.spec.cue(c).message not in now]
        return tuple(dict.fromkeys(now))


@dataclass(frozen=True)
class HudInfo:
    """What the caller adds to the session state: set-up status, set number, key hint, banner.

    A routine runner fills ``set_index``/``sets``, ``dosage`` (its own target for this
    set, in place of the spec's) and ``banner`` ("Rest 20 s, next: bird dog").
    """

    setup: SetupStatus | None = None
    set_index: int | None = None
    sets: int | None = None
    key_hint: str | None = None
    banner: str | None = None
    dosage: Dosage | None = None


@dataclass(frozen=True)
class HudContent:
    """Everything the HUD shows on one frame, as plain values."""

    title: str
    set_text: str | None
    big: str  #: the count, or the held seconds
    unit: str  #: "reps", "cycles" or "s held"
    target: str | None  #: "/ 8-12" or "/ 20 s"
    progress: float | None  #: 0..1 toward the low end of the target; None without a target
    target_met: bool
    sides: str | None  #: "L 3   R 2"
    status: str  #: GOOD FORM, FIX FORM, GET INTO POSITION, NO PERSON, HOLD PAUSED
    status_kind: str  #: "good" | "fault" | "idle"
    faults: tuple[str, ...]
    setup: str | None  #: set-up message while the set-up is not confirmed
    caution: str | None  #: the spec's avoid note
    key_hint: str | None
    banner: str | None


def _range(low: float, high: float, unit: str = "") -> str:
    text = f"{low:g}" if low == high else f"{low:g}-{high:g}"
    return text + unit


def caution_text(spec: ExerciseSpec) -> str | None:
    if spec.avoid is None:
        return None
    instead = ", ".join(a.replace("_", " ") for a in spec.avoid.alternatives)
    return f"CAUTION - advised against for a sore back. {spec.avoid.reason} Safer instead: {instead}."


def hud_content(
    spec: ExerciseSpec, state: FrameState, faults: Sequence[str] = (), info: HudInfo | None = None
) -> HudContent:
    """What to show for ``state``; ``faults`` are the form messages (see :class:`CueFeed`)."""
    info = info or HudInfo()
    dosage = info.dosage or spec.dosage
    each = " each side" if dosage.per_side else ""
    progress: float | None = None
    target_met = False
    sides = None
    timed = spec.mode == "hold" or (info.dosage is not None and dosage.reps is None and dosage.hold_s is not None)
    if not timed:
        big, unit = str(state.reps), "reps" if spec.mode == "reps" else "cycles"
        target = f"/ {_range(*dosage.reps)}{each}" if dosage.reps else None
        done = min(state.per_side.values()) if (state.per_side and dosage.per_side) else state.reps
        if dosage.reps:
            progress = min(1.0, done / dosage.reps[0])
            target_met = done >= dosage.reps[0]
        if state.per_side:
            sides = "   ".join(f"{s[0].upper()} {n}" for s, n in state.per_side.items())
    else:
        big, unit = f"{int(state.hold_s)}", "s held"
        target = f"/ {_range(*dosage.hold_s, ' s')}{each}" if dosage.hold_s else None
        if dosage.hold_s:
            progress = min(1.0, state.hold_s / dosage.hold_s[0])
            target_met = state.hold_s >= dosage.hold_s[0]
        if state.hold_per_side:
            held = state.hold_per_side.items()
            sides = "   ".join(f"{s[0].upper()} {v:.0f} s" for s, v in held if s in ("left", "right"))
    if not timed and spec.hold is not None and state.hold_s > 0:
        sides = ((sides + "   ") if sides else "") + f"hold {state.hold_s:.0f} s"

    if not state.detected:
        status, kind = "NO PERSON", "idle"
    elif faults:
        status, kind = "FIX FORM", "fault"
    elif not state.in_posture:
        status, kind = "GET INTO POSITION", "idle"
    elif timed and not state.in_position:
        status, kind = ("HOLD PAUSED" if state.hold_s > 0 else "GET INTO POSITION"), "idle"
    else:
        status, kind = "GOOD FORM", "good"

    setup = None
    if info.setup is not None and not info.setup.ready:
        setup = info.setup.message or "Checking the camera view..."
    set_text = None
    if info.set_index is not None:
        total = info.sets or dosage.sets
        set_text = f"Set {info.set_index} of {total}" if total else f"Set {info.set_index}"
    return HudContent(
        title=spec.title, set_text=set_text, big=big, unit=unit, target=target, progress=progress,
        target_met=target_met, sides=sides, status=status, status_kind=kind, faults=tuple(faults),
        setup=setup, caution=caution_text(spec), key_hint=info.key_hint, banner=info.banner,
    )


def rest_content(next_spec: ExerciseSpec, left_s: float, total_s: float, info: HudInfo | None = None) -> HudContent:
    """The HUD of a rest between two sets: the seconds left, big, and what comes next."""
    info = info or HudInfo()
    dosage = info.dosage or next_spec.dosage
    target = None
    if dosage.reps or dosage.hold_s:
        low = dosage.reps[0] if dosage.reps else None
        target = f"{low} reps" if low is not None else f"{_range(*dosage.hold_s, ' s')} hold"
        target += " each side" if dosage.per_side else ""
    set_text = None
    if info.set_index is not None:
        total = info.sets or dosage.sets
        set_text = f"Set {info.set_index} of {total}" if total else f"Set {info.set_index}"
    return HudContent(
        title=f"Next: {next_spec.title}", set_text=set_text, big=str(max(0, math.ceil(round(left_s, 3)))), unit="s rest",
        target=f"then {target}" if target else None,
        progress=min(1.0, max(0.0, 1.0 - left_s / total_s)) if total_s > 0 else None, target_met=False,
        sides=None, status="REST", status_kind="idle", faults=(), setup=None, caution=caution_text(next_spec),
        key_hint=info.key_hint, banner=info.banner,
    )


# -- drawing ----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def text_width(text: str, scale: float, thickness: int, font: int = FONT) -> int:
    return cv2.getTextSize(text, font, scale, thickness)[0][0]


def wrap_text(text: str, max_width: int, scale: float, thickness: int, font: int = FONT) -> list[str]:
    """Break ``text`` into lines no wider than ``max_width`` pixels: at spaces, and inside a
    word only when the word alone is wider than the line. Nothing is dropped."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if text_width(trial, scale, thickness, font) <= max_width:
            line = trial
            continue
        if line:
            lines.append(line)
        while len(word) > 1 and text_width(word, scale, thickness, font) > max_width:
            cut = 1
            while cut < len(word) - 1 and text_width(word[: cut + 1], scale, thickness, font) <= max_width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _shade(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour=PANEL, alpha: float = 0.78) -> None:
    """Darken a rectangle: a panel that still lets the picture show through a little."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    roi[:] = cv2.addWeighted(roi, 1 - alpha, _solid(roi.shape, tuple(colour)), alpha, 0)


@lru_cache(maxsize=16)
def _solid(shape: tuple[int, ...], colour: tuple[int, ...]) -> np.ndarray:
    """A block of one colour, kept between frames: the panels are the same size every frame."""
    block = np.empty(shape, np.uint8)
    block[:] = colour
    block.flags.writeable = False
    return block


def _text(img, text: str, x: int, y: int, scale: float, colour, thickness: int) -> None:
    cv2.putText(img, text, (x, y), FONT, scale, colour, thickness, cv2.LINE_AA)


def _fault_icon(img, cx: int, cy: int, r: int, thickness: int) -> None:
    """A warning triangle with an exclamation mark."""
    pts = np.array([[cx, cy - r], [cx - r, cy + int(0.8 * r)], [cx + r, cy + int(0.8 * r)]], np.int32)
    cv2.fillPoly(img, [pts], FAULT, cv2.LINE_AA)
    cv2.line(img, (cx, cy - r // 3), (cx, cy + r // 4), WHITE, max(2, thickness), cv2.LINE_AA)
    cv2.circle(img, (cx, cy + int(0.55 * r)), max(1, thickness // 2 + 1), WHITE, -1, cv2.LINE_AA)


def _good_icon(img, cx: int, cy: int, r: int, thickness: int) -> None:
    """A tick in a filled circle."""
    cv2.circle(img, (cx, cy), r, GOOD, -1, cv2.LINE_AA)
    pts = np.array([[cx - r // 2, cy], [cx - r // 8, cy + r // 2 - 2], [cx + r // 2 + 1, cy - r // 2 + 1]], np.int32)
    cv2.polylines(img, [pts], False, WHITE, max(2, thickness), cv2.LINE_AA)


def _idle_icon(img, cx: int, cy: int, r: int, thickness: int) -> None:
    """A hollow circle: nothing to judge yet."""
    cv2.circle(img, (cx, cy), r, MUTED, max(2, thickness), cv2.LINE_AA)


def _info_icon(img, cx: int, cy: int, r: int, thickness: int) -> None:
    """An "i" in a circle: set-up help."""
    cv2.circle(img, (cx, cy), r, INFO, -1, cv2.LINE_AA)
    cv2.line(img, (cx, cy - r // 6), (cx, cy + r // 2), BLACK, max(2, thickness), cv2.LINE_AA)
    cv2.circle(img, (cx, cy - r // 2), max(1, thickness // 2 + 1), BLACK, -1, cv2.LINE_AA)


_ICONS = {"good": _good_icon, "fault": _fault_icon, "idle": _idle_icon}
_STATUS_COLOUR = {"good": GOOD, "fault": FAULT, "idle": MUTED}


class Hud:
    """Draws a :class:`HudContent` onto a frame (in place)."""

    def draw(self, img: np.ndarray, c: HudContent) -> None:
        h, w = img.shape[:2]
        u = max(0.5, min(h / 480, w / 640))
        top = self._top(img, c, u)
        if c.caution:
            top = self._strip(img, c.caution, top, u, CAUTION, BLACK)
        if c.banner:
            top = self._strip(img, c.banner, top, u, INFO, BLACK)
        bottom = self._faults(img, c.faults, u) if c.faults else h
        if c.setup:
            self._setup(img, c.setup, top, bottom, u)

    # the top panel: big number, target, title, status, progress, key hint
    def _top(self, img: np.ndarray, c: HudContent, u: float) -> int:
        w = img.shape[1]
        pad = int(10 * u)
        big_scale, big_th = 3.0 * u, max(2, round(5 * u))
        (bw, bh), _ = cv2.getTextSize(c.big, FONT, big_scale, big_th)
        base = pad + bh
        x = pad + bw + int(8 * u)
        small, small_th = 0.62 * u, max(1, round(1.4 * u))
        x_after = x + text_width(c.unit, small, small_th)
        if c.target:
            x_after = max(x_after, x + text_width(c.target, 0.8 * u, max(1, round(2 * u))))
        r = int(13 * u)

        # title, set, sides: between the number and the chip, wrapped; the panel grows to hold them
        col_x = x_after + int(22 * u)
        col_w = max(int(80 * u), w - pad - col_x)
        first_y = pad + r * 2 + int(26 * u)
        title_scale, title_th = 0.72 * u, max(1, round(1.6 * u))
        info_lines = wrap_text(c.title, col_w, title_scale, title_th)
        extra = [t for t in (c.set_text, c.sides) if t]
        last_y = first_y + int(24 * u) * (len(info_lines) + len(extra) - 1)
        panel_h = max(int(112 * u), last_y + int(20 * u))

        _shade(img, 0, 0, w, panel_h)
        _text(img, c.big, pad, base, big_scale, WHITE, big_th)
        _text(img, c.unit, x, base - int(34 * u), small, MUTED, small_th)
        if c.target:
            _text(img, c.target, x, base, 0.8 * u, WHITE, max(1, round(2 * u)))

        # status chip, top right: icon and word
        chip_scale, chip_th = 0.72 * u, max(1, round(2 * u))
        chip_w = text_width(c.status, chip_scale, chip_th)
        cx_icon = w - pad - chip_w - int(10 * u) - r
        cy = pad + r + int(2 * u)
        _ICONS[c.status_kind](img, cx_icon, cy, r, max(2, round(2.5 * u)))
        _text(img, c.status, w - pad - chip_w, cy + int(9 * u), chip_scale, _STATUS_COLOUR[c.status_kind], chip_th)

        line_y = first_y
        for line in info_lines + extra:
            _text(img, line, col_x, line_y, title_scale, WHITE if line in info_lines else MUTED, title_th)
            line_y += int(24 * u)
        if c.key_hint:
            kw = text_width(c.key_hint, 0.5 * u, max(1, round(u)))
            _text(img, c.key_hint, w - pad - kw, panel_h - int(22 * u), 0.5 * u, MUTED, max(1, round(u)))

        # progress toward the target, full width along the bottom of the panel
        y0, y1 = panel_h - int(14 * u), panel_h - int(4 * u)
        if c.progress is not None:
            cv2.rectangle(img, (pad, y0), (w - pad, y1), (70, 70, 70), -1)
            fill = pad + int((w - 2 * pad) * max(0.0, min(1.0, c.progress)))
            cv2.rectangle(img, (pad, y0), (fill, y1), GOOD, -1)
            if c.target_met:
                _good_icon(img, w - pad - int(7 * u), (y0 + y1) // 2, int(9 * u), max(2, round(2 * u)))
        return panel_h

    def _strip(self, img: np.ndarray, text: str, y: int, u: float, bg, fg) -> int:
        """A full-width coloured strip of wrapped text under ``y``; returns its bottom."""
        w = img.shape[1]
        pad = int(10 * u)
        scale, th = 0.55 * u, max(1, round(1.3 * u))
        lines = wrap_text(text, w - 2 * pad, scale, th)
        line_h = int(22 * u)
        bottom = y + pad // 2 + line_h * len(lines) + pad // 2
        cv2.rectangle(img, (0, y), (w, bottom), bg, -1)
        for k, line in enumerate(lines):
            _text(img, line, pad, y + pad // 2 + line_h * (k + 1) - int(6 * u), scale, fg, th)
        return bottom

    def _faults(self, img: np.ndarray, faults: Sequence[str], u: float) -> int:
        """Form messages along the bottom, each with a warning triangle; returns the panel's top."""
        h, w = img.shape[:2]
        pad = int(10 * u)
        r = int(14 * u)
        text_x = pad + 2 * r + int(10 * u)
        scale, th = 0.9 * u, max(1, round(2 * u))
        while True:
            line_h = int(38 * scale / 0.9)
            wrapped = [wrap_text(m, w - text_x - pad, scale, th) for m in faults]
            height = sum(len(lines) for lines in wrapped) * line_h + pad * (len(faults) + 1)
            if height <= 0.45 * h or scale <= 0.5 * u:
                break
            scale *= 0.88
        top = h - height
        _shade(img, 0, top, w, h, alpha=0.85)
        cv2.rectangle(img, (0, top), (w, top + max(3, int(4 * u))), FAULT, -1)
        y = top + pad
        for lines in wrapped:
            _fault_icon(img, pad + r, y + line_h // 2, r, max(2, round(2 * u)))
            for line in lines:
                _text(img, line, text_x, y + line_h - int(10 * scale / 0.9), scale, WHITE, th)
                y += line_h
            y += pad
        return top

    def _setup(self, img: np.ndarray, message: str, top: int, bottom: int, u: float) -> None:
        """Set-up guidance in the middle of the picture, large."""
        w = img.shape[1]
        pad = int(14 * u)
        r = int(16 * u)
        scale, th = 1.0 * u, max(1, round(2 * u))
        box_w = int(w * 0.86)
        text_x0 = (w - box_w) // 2 + pad + 2 * r + int(12 * u)
        lines = wrap_text(message, (w + box_w) // 2 - pad - text_x0, scale, th)
        line_h = int(40 * u)
        label_h = int(26 * u)
        box_h = pad * 2 + label_h + line_h * len(lines)
        y0 = max(top + int(8 * u), (top + bottom) // 2 - box_h // 2)
        x0 = (w - box_w) // 2
        _shade(img, x0, y0, x0 + box_w, y0 + box_h, alpha=0.85)
        cv2.rectangle(img, (x0, y0), (x0 + box_w, y0 + box_h), INFO, max(2, int(3 * u)))
        _info_icon(img, x0 + pad + r, y0 + pad + r, r, max(2, round(2.5 * u)))
        _text(img, "CAMERA SET-UP", text_x0, y0 + pad + int(20 * u), 0.6 * u, INFO, max(1, round(1.5 * u)))
        y = y0 + pad + label_h
        for line in lines:
            _text(img, line, text_x0, y + line_h - int(10 * u), scale, WHITE, th)
            y += line_h

