"""The HTML report: one self-contained page a person opens, built from a :class:`Report`.

Drawing comes last and only reads: the page is made from the report and, when present,
the per-frame session data behind it (``Report.result``), plus a few frames decoded from
the video for the thumbnails. Everything is inline (CSS, matplotlib SVG plots, JPEG
thumbnails as data URIs, the annotated video as a data URI when small), so the file
opens offline and can be mailed as is. There is no script on the page.

What the page shows, top to bottom: the summary figures and notes, the advice the spec
carries (avoid note, dosage against what was done, safety), the rep table, the cues with
the worst frame of each fault, the plots over time (a person/posture/side/view/cue
timeline, then the driving metric and every cue metric with their bounds and failure
windows), and the annotated video.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from posecheck.core import timeline
from posecheck.errors import OutputError, PosecheckError
from posecheck.report import Report

if TYPE_CHECKING:
    from posecheck.core.session import SessionResult
    from posecheck.specs.schema import ExerciseSpec

#: ``auto`` embeds an annotated video up to this size in the page, larger ones are linked.
INLINE_VIDEO_MAX_BYTES = 2 * 1024 * 1024
#: Longer series are thinned (keeping each bucket's minimum and maximum) before plotting.
MAX_PLOT_POINTS = 1600
THUMB_WIDTH = 320
VIDEO_CHOICES = ("auto", "inline", "link", "none")
_VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".mkv": "video/x-matroska"}

#: Metric kinds measured in degrees (the others are ratios of body lengths).
_DEGREE_KINDS = {"angle", "tilt", "elevation", "lean", "facing", "segment_angle"}

# One colour per cue (in spec order), used in the plots, the timeline and the thumbnails.
_CUE_COLOURS = ["#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]
_DRIVE = "#1f5fa8"
_OK = "#2e7d32"
_HOLD = "#43a047"
_SIDE_COLOURS = {"left": "#26a69a", "right": "#ef8f3a"}
_VIEW_COLOURS = {"side": "#5c6bc0", "front": "#8d6e63", "oblique": "#78909c", "rear": "#ab47bc"}
_LEFT_MARGIN = 0.14  # the same in every figure, so their time axes line up
_RIGHT_EDGE = 0.95
_FIG_WIDTH_IN = 9.6


@dataclass(frozen=True)
class HtmlOptions:
    """How to build the page.

    Attributes:
        annotated: the annotated video written by the same run (shown on the page, and
            the thumbnails are taken from it so they show the skeleton).
        video: ``auto`` (inline up to :data:`INLINE_VIDEO_MAX_BYTES`, else a relative
            link), ``inline``, ``link`` or ``none``.
        thumbnails: decode the worst frame of each fault from the video.
        banner: a line shown above everything (a batch verdict, say).
        back_link: ``(href, text)`` of a link shown at the top (to the batch page).
    """

    annotated: Path | None = None
    video: Literal["auto", "inline", "link", "none"] = "auto"
    thumbnails: bool = True
    banner: str | None = None
    banner_ok: bool = True
    back_link: tuple[str, str] | None = None


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _s(x: float | None, digits: int = 1, unit: str = " s") -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}f}{unit}"


def _num(x: float | None, unit: str = "") -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:.0f}{unit}" if unit == "°" else f"{x:.3g}{unit}"


# -- figures -------------------------------------------------------------------------------------


def _thin(t: np.ndarray, v: np.ndarray, max_points: int = MAX_PLOT_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``max_points`` points, keeping each bucket's lowest and highest value (and gaps)."""
    n = t.size
    if n <= max_points:
        return t, v
    size = math.ceil(n / (max_points // 2))
    keep: list[int] = []
    for start in range(0, n, size):
        chunk = v[start : start + size]
        finite = np.isfinite(chunk)
        if not finite.any():
            keep.append(start)  # a NaN keeps the gap in the line
            continue
        keep.extend(sorted({start + int(np.nanargmin(chunk)), start + int(np.nanargmax(chunk))}))
    idx = np.asarray(keep)
    return t[idx], v[idx]


def _svg(fig) -> str:
    """A matplotlib figure as inline SVG markup (no XML prolog, text kept as text)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _figure(height_in: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(_FIG_WIDTH_IN, height_in), dpi=100)


def _rc():
    import matplotlib

    return matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "posecheck",
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial"],
            "font.size": 8.5,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.edgecolor": "#9e9e9e",
            "axes.titlesize": 9.5,
            "axes.titleweight": "bold",
            "xtick.color": "#555555",
            "ytick.color": "#555555",
            "path.simplify": True,
        }
    )


def _end_s(t: np.ndarray) -> float:
    return float(t[-1] + timeline.frame_durations(t)[-1]) if t.size else 1.0


def _spans(mask: np.ndarray, t: np.ndarray) -> list[tuple[float, float]]:
    """``(start, width)`` pairs for ``broken_barh``."""
    return [(a, b - a) for a, b in timeline.windows_s(np.asarray(mask, bool), t)]


def frame_views(result: SessionResult) -> list[str | None] | None:
    """The camera view of every frame, when the session recorded it (``frame_views``)."""
    views = getattr(result, "frame_views", None)
    return list(views) if views is not None and len(views) == len(result.t) else None


def _cue_colours(report: Report) -> dict[str, str]:
    return {cid: _CUE_COLOURS[i % len(_CUE_COLOURS)] for i, cid in enumerate(report.cues)}


def timeline_svg(report: Report, result: SessionResult) -> str:
    """One row per fact over time: person found, in position, holding, reps, side, view, each cue failing."""
    t = result.t
    rows: list[tuple[str, list[tuple[list[tuple[float, float]], str]], list[tuple[float, str]]]] = []
    duration = _end_s(t) - (float(t[0]) if t.size else 0.0)
    rows.append(("person found", [(_spans(result.detected, t), "#607d8b")], []))
    rows.append(("in position", [(_spans(result.in_posture, t), "#546e7a")], []))
    if result.in_position is not None:
        rows.append(("holding", [(_spans(result.in_position, t), _HOLD)], []))
    if report.reps is not None:
        bars, labels = [], []
        for item in report.reps.items:
            if item.start_s is not None and item.end_s is not None:
                colour = _OK if not item.failed_cues else _CUE_COLOURS[0]
                bars.append(([(item.start_s, item.end_s - item.start_s)], colour))
                if item.end_s - item.start_s >= 0.015 * duration:  # room for the number
                    labels.append(((item.start_s + item.end_s) / 2, str(item.index)))
        for item in report.reps.partial_items:
            if item.start_s is not None and item.end_s is not None:
                bars.append(([(item.start_s, item.end_s - item.start_s)], "#bdbdbd"))
        rows.append(("reps (red: faults)" if report.mode != "sequence" else "cycles", bars, labels))

    def categories(values: list[str | None], colours: dict[str, str]):
        arr = np.asarray([v or "" for v in values])
        bars, texts = [], []
        for name, colour in colours.items():
            spans = _spans(arr == name, t)
            bars.append((spans, colour))
            texts += [(a + w / 2, name) for a, w in spans if w >= 0.07 * duration]
        return bars, texts

    if any(s in _SIDE_COLOURS for s in result.sides):
        rows.append(("working side", *categories(result.sides, _SIDE_COLOURS)))
    views = frame_views(result)
    if views is not None:
        rows.append(("camera view", *categories(views, _VIEW_COLOURS)))
    colours = _cue_colours(report)
    for cid, cue in result.cues.items():
        rows.append((f"{cid}", [(_spans(cue.fail_mask, t), colours[cid])], []))

    with _rc():
        fig = _figure(0.32 * len(rows) + 0.55)
        ax = fig.add_axes((_LEFT_MARGIN, 0.45 / (0.32 * len(rows) + 0.55), _RIGHT_EDGE - _LEFT_MARGIN,
                           (0.32 * len(rows)) / (0.32 * len(rows) + 0.55)))
        for i, (_, bars, labels) in enumerate(rows):
            y = len(rows) - 1 - i
            ax.axhspan(y - 0.5, y + 0.5, color="#f5f5f5" if i % 2 else "#ffffff", zorder=0, lw=0)
            for spans, colour in bars:
                if spans:
                    ax.broken_barh(spans, (y - 0.32, 0.64), facecolors=colour, zorder=2)
            for x, text in labels:
                ax.text(x, y, text, ha="center", va="center", color="white", fontsize=7, fontweight="bold", zorder=3)
        ax.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)])
        ax.set_ylim(-0.5, len(rows) - 0.5)
        ax.set_xlim(float(t[0]) if t.size else 0.0, _end_s(t))
        ax.set_xlabel("time (s)")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        return _svg(fig)


def _metric_unit(result: SessionResult, name: str) -> str:
    spec = result.spec.metrics.get(name)
    return "°" if spec is not None and spec.kind in _DEGREE_KINDS else ""


def driving_metric(result: SessionResult) -> str | None:
    """The metric that counts reps (or cycles), or times the hold."""
    spec = result.spec
    if spec.reps is not None:
        return spec.reps.metric
    if spec.sequence is not None and spec.sequence.metric is not None:
        return spec.sequence.metric
    if spec.hold is not None:
        return spec.hold.require[0].metric
    return None


def _rep_lines(spec: ExerciseSpec, report: Report) -> list[tuple[str, float]]:
    """The rep rule's rest and peak lines on its metric's plot, shifted by a learned rest level."""
    if spec.reps is None:
        return []
    base = report.reps.rest_level if report.reps is not None and report.reps.rest_level is not None else 0.0
    return [("rest", base + spec.reps.rest), ("peak", base + spec.reps.peak)]


def metric_svg(report: Report, result: SessionResult, name: str) -> str:
    """One metric over time: its line, the thresholds of the rule it drives, the bounds of
    the cues judging it (outside shaded) and their failure windows."""
    spec = result.spec
    t = result.t
    values = np.asarray(result.metrics[name], np.float64)
    unit = _metric_unit(result, name)
    colours = _cue_colours(report)
    cues = [(cid, c) for cid, c in result.cues.items() if getattr(c.spec, "metric", None) == name]
    drives = driving_metric(result) == name
    finite = values[np.isfinite(values)]
    levels = [float(np.min(finite)), float(np.max(finite))] if finite.size else []
    for _, c in cues:
        levels += [b for b in (c.spec.min, c.spec.max) if b is not None]
    rep_lines = _rep_lines(spec, report)
    if drives and spec.reps is not None:
        levels += [level for _, level in rep_lines]
    elif drives and spec.hold is not None:
        levels += [spec.hold.require[0].enter, spec.hold.require[0].exit]
    if not levels:
        levels = [0.0, 1.0]
    lo, hi = min(levels), max(levels)
    pad = (hi - lo) * 0.08 or 0.5
    lo, hi = lo - pad, hi + pad

    from matplotlib.patches import Patch

    with _rc():
        fig = _figure(2.25)
        ax = fig.add_axes((_LEFT_MARGIN, 0.2, _RIGHT_EDGE - _LEFT_MARGIN, 0.66))
        x0, x1 = (float(t[0]) if t.size else 0.0), _end_s(t)
        handles = []
        if drives and result.in_position is not None and spec.reps is None:
            for a, w in _spans(result.in_position, t):
                ax.axvspan(a, a + w, color=_HOLD, alpha=0.12, lw=0)
        if drives and report.reps is not None:
            for item in report.reps.items:
                if item.start_s is not None and item.end_s is not None:
                    ax.axvspan(item.start_s, item.end_s, color=_DRIVE, alpha=0.06, lw=0)
        for cid, c in cues:
            colour = colours[cid]
            if c.spec.min is not None:
                ax.axhspan(lo, c.spec.min, color=colour, alpha=0.045, lw=0)
                ax.axhline(c.spec.min, color=colour, ls="--", lw=0.9)
            if c.spec.max is not None:
                ax.axhspan(c.spec.max, hi, color=colour, alpha=0.045, lw=0)
                ax.axhline(c.spec.max, color=colour, ls="--", lw=0.9)
            for a, w in _spans(c.fail_mask, t):
                ax.axvspan(a, a + w, color=colour, alpha=0.2, lw=0)
            bound = " and ".join(
                f"{label} {_num(b, unit)}" for label, b in (("min", c.spec.min), ("max", c.spec.max)) if b is not None
            )
            handles.append(Patch(facecolor=colour, alpha=0.45, label=f"{cid} fails ({bound})"))
        if drives and spec.reps is not None:
            for label, level in rep_lines:
                ax.axhline(level, color=_DRIVE, ls=":", lw=0.9)
                ax.annotate(label, (1.0, level), xycoords=("axes fraction", "data"), xytext=(2, 0),
                            textcoords="offset points", va="center", fontsize=7, color=_DRIVE)
        if drives and spec.reps is None and spec.hold is not None:
            cond = spec.hold.require[0]
            for label, level in (("enter", cond.enter), ("exit", cond.exit)):
                ax.axhline(level, color=_HOLD, ls=":", lw=0.9)
                ax.annotate(label, (1.0, level), xycoords=("axes fraction", "data"), xytext=(2, 0),
                            textcoords="offset points", va="center", fontsize=7, color=_HOLD)
        tt, vv = _thin(t, values)
        (line,) = ax.plot(tt, vv, color=_DRIVE if drives else "#37474f", lw=1.3, label=name)
        if drives and report.reps is not None:
            for item in report.reps.items:
                if item.peak_s is None or not t.size:
                    continue
                i = int(np.argmin(np.abs(t - item.peak_s)))
                if np.isfinite(values[i]):
                    bad = bool(item.failed_cues)
                    ax.plot([t[i]], [values[i]], marker="X" if bad else "o", ms=6,
                            color=_CUE_COLOURS[0] if bad else _OK, zorder=4, ls="none")
        ax.set_xlim(x0, x1)
        ax.set_ylim(lo, hi)
        ax.set_xlabel("time (s)")
        ax.set_ylabel(f"{name}{' (deg)' if unit else ''}")
        what = "drives the count" if drives and spec.reps is not None else "drives the hold" if drives else ""
        ax.set_title(name + (f" — {what}" if what else ""), loc="left")
        legend = [line, *handles]
        ax.legend(handles=legend, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(legend), frameon=False,
                  fontsize=7.5, handlelength=1.4, columnspacing=1.2, borderaxespad=0.1)
        return _svg(fig)


def plotted_metrics(result: SessionResult) -> list[str]:
    """The driving metric first, then each cue's metric once, in spec order."""
    names: list[str] = []
    drive = driving_metric(result)
    if drive is not None and drive in result.metrics:
        names.append(drive)
    for c in result.cues.values():
        m = getattr(c.spec, "metric", None)
        if m is not None and m in result.metrics and m not in names:
            names.append(m)
    return names


# -- thumbnails ----------------------------------------------------------------------------------


def worst_frames(result: SessionResult) -> dict[str, int]:
    """Per failed cue, the index (into ``result.t``) of the frame where its metric is
    furthest outside its bound; for cues without a metric, the middle of the longest
    failure window."""
    out: dict[str, int] = {}
    for cid, cue in result.cues.items():
        mask = np.asarray(cue.fail_mask, bool)
        if not mask.any():
            continue
        metric = getattr(cue.spec, "metric", None)
        if metric is not None and metric in result.metrics:
            v = np.asarray(result.metrics[metric], np.float64)
            excess = np.full(v.shape, -np.inf)
            if cue.spec.min is not None:
                excess = np.maximum(excess, cue.spec.min - v)
            if cue.spec.max is not None:
                excess = np.maximum(excess, v - cue.spec.max)
            excess = np.where(mask & np.isfinite(excess), excess, -np.inf)
            if np.isfinite(excess.max()):
                out[cid] = int(np.argmax(excess))
                continue
        i0, i1 = max(timeline.runs(mask), key=lambda r: r[1] - r[0])
        out[cid] = (i0 + i1 - 1) // 2
    return out


def decode_frames(
    path: str | os.PathLike[str], times_s: Sequence[float], width: int = THUMB_WIDTH
) -> dict[float, bytes]:
    """JPEG thumbnails of the frames nearest the given times, read in one pass up to the last one.

    Frames are found by time, not by index, so this works on a video analysed at a lower
    rate (``--analysis-fps``) and on the annotated copy alike.
    """
    import cv2

    from posecheck.io.video import VideoSource

    wanted = sorted(set(times_s))
    if not wanted:
        return {}
    best: dict[float, tuple[float, object]] = {}
    with VideoSource(path) as src:
        horizon = wanted[-1] + 2.0 / max(src.info.fps, 1.0)
        try:
            for frame in src:
                for ts in wanted:
                    gap = abs(frame.t - ts)
                    if ts not in best or gap < best[ts][0]:
                        best[ts] = (gap, frame.image)
                if frame.t > horizon:
                    break
        except PosecheckError:
            pass  # a truncated file: use what was decoded
    out: dict[float, bytes] = {}
    for ts, (_, image) in best.items():
        h, w = image.shape[:2]
        size = (width, max(1, round(h * width / w)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 82])
        if ok:
            out[ts] = buf.tobytes()
    return out


def _thumbnails(report: Report, result: SessionResult, options: HtmlOptions) -> tuple[dict[str, bytes], str | None]:
    """Per failed cue its worst frame as a JPEG, and a note when they could not be made.

    The annotated video is preferred (it shows the skeleton coloured by the cues)."""
    worst = {cid: float(result.t[i]) for cid, i in worst_frames(result).items()}
    if not worst or not options.thumbnails:
        return {}, None
    sources = [Path(p) for p in (options.annotated, report.source.path) if p is not None and Path(p).is_file()]
    for source in sources:
        try:
            jpegs = decode_frames(source, list(worst.values()))
        except (PosecheckError, OSError):
            continue
        if jpegs:
            return {cid: jpegs[ts] for cid, ts in worst.items() if ts in jpegs}, None
    return {}, f"the worst frames could not be read from {report.source.path}"


# -- page ----------------------------------------------------------------------------------------

_CSS = """
:root{--fg:#1d2329;--mut:#5f6b76;--line:#e3e7eb;--bg:#f6f7f9;--ok:#2e7d32;--bad:#c62828;--warn:#b26a00;--acc:#1f5fa8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1000px;margin:0 auto;padding:20px 20px 40px}
h1{font-size:24px;margin:0 0 2px}h2{font-size:17px;margin:0 0 10px}
.sub{color:var(--mut);margin:0 0 14px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:0 0 14px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(128px,1fr));gap:10px;background:none;border:0;padding:0}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.card b{display:block;font-size:22px;line-height:1.2}.card span{color:var(--mut);font-size:12.5px}
.card.bad b{color:var(--bad)}.card.ok b{color:var(--ok)}
.note{border-left:4px solid var(--warn);background:#fff8e6;padding:8px 12px;border-radius:4px;margin:0 0 10px}
.note.bad{border-color:var(--bad);background:#fdecec}.note.ok{border-color:var(--ok);background:#edf7ee}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--mut);font-weight:600;font-size:12px;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.fail td{background:#fff5f5}tr.partial td{color:var(--mut)}
.pill{display:inline-block;white-space:nowrap;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
color:#fff;margin:1px 2px 1px 0}
.pill.ok{background:var(--ok)}.pill.fail{background:var(--bad)}.pill.idle{background:#9e9e9e}
.two{display:grid;grid-template-columns:1fr 1fr;gap:14px}
@media (max-width:760px){.two{grid-template-columns:1fr}}
.thumbs{display:flex;flex-wrap:wrap;gap:12px;margin-top:12px}
figure{margin:0;width:320px}figure img{width:100%;border-radius:6px;border:3px solid}
figcaption{font-size:12.5px;color:var(--mut)}
svg{max-width:100%;height:auto;display:block}
video{display:block;width:100%;max-width:720px;background:#000;border-radius:6px}
td.cue{white-space:nowrap}
.mut{color:var(--mut)}ul{margin:4px 0 0;padding-left:20px}
footer{color:var(--mut);font-size:12px;margin-top:18px}
a{color:var(--acc)}
"""


def _page(title: str, body: list[str]) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n<footer>Made by posecheck. Form cues, not medical advice: stop any exercise that causes pain "
        "rather than effort, and ask a health professional about back pain that persists.</footer>\n"
        "</main>\n</body>\n</html>\n"
    )


def _cards(report: Report) -> str:
    cards: list[tuple[str, str, str]] = []
    src = report.source
    reps = report.reps
    if reps is not None and (report.mode in ("reps", "sequence") or reps.total):
        noun = "cycles" if report.mode == "sequence" else "reps"
        faulty = sum(bool(i.failed_cues) for i in reps.items)
        extra = f", {reps.partial} partial" if reps.partial else ""
        if reps.per_side:
            extra += " (" + ", ".join(f"{k} {v}" for k, v in reps.per_side.items()) + ")"
        cards.append((str(reps.total), f"{noun} complete{extra}", "ok" if reps.total and not faulty else ""))
        if reps.total:
            cards.append((f"{reps.total - faulty}/{reps.total}", f"{noun} with good form", "bad" if faulty else "ok"))
    hold = report.hold
    if hold is not None and (report.mode == "hold" or (hold.seconds or 0) >= 0.05):
        cards.append((_s(hold.good_form_seconds), f"good form, of {_s(hold.seconds)} in position", ""))
        for side, h in (hold.per_side or {}).items():
            cards.append((_s(h.good_form_seconds), f"{side} side good form, of {_s(h.seconds)}", ""))
    share = 100 * report.frames_with_pose / max(1, src.frames_decoded)
    found = f"of frames with a person ({report.frames_with_pose})"
    cards.append((f"{share:.0f}%", found, "" if share >= 50 else "bad"))
    posture = report.posture
    cards.append((_s(posture.seconds), f"in position ({posture.title})", "" if posture.found else "bad"))
    failed = [cid for cid, c in report.cues.items() if c.windows_s]
    cards.append((str(len(failed)), "cues failed" if len(failed) != 1 else "cue failed", "bad" if failed else "ok"))
    if report.view.estimated:
        shares = ", ".join(f"{v} {100 * (s or 0):.0f}%" for v, s in report.view.shares.items())
        cards.append((report.view.estimated, f"camera view ({shares})", ""))
    return '<section class="cards">' + "".join(
        f'<div class="card {cls}"><b>{_e(big)}</b><span>{_e(small)}</span></div>' for big, small, cls in cards
    ) + "</section>"


def _range(r: Sequence[float] | None, unit: str = "") -> str | None:
    if not r:
        return None
    lo, hi = r
    return f"{lo:g}{unit}" if lo == hi else f"{lo:g}–{hi:g}{unit}"


def _dosage(report: Report) -> str:
    d = report.dosage
    per_side = " per side" if d.get("per_side") else ""
    recommended: list[str] = []
    done: list[str] = []
    sets = f", {d['sets']} sets" if d.get("sets") else ""
    if d.get("reps"):
        recommended.append(f"{_range(d['reps'])} reps{per_side}{sets}")
    if d.get("hold_s"):
        recommended.append(f"hold {_range(d['hold_s'], ' s')}{per_side}{sets}")
    if not recommended and d.get("sets"):
        recommended.append(f"{d['sets']} sets")
    if d.get("rest_s"):
        recommended.append(f"rest {d['rest_s']:g} s between sets")
    reps = report.reps
    if reps is not None and (report.mode != "hold"):
        line = f"{reps.total} reps"
        if reps.per_side:
            line += " (" + ", ".join(f"{k} {v}" for k, v in reps.per_side.items()) + ")"
        if d.get("reps"):
            lo, hi = d["reps"]
            counts = list(reps.per_side.values()) if reps.per_side and d.get("per_side") else [reps.total]
            verdict = "within" if all(lo <= c <= hi for c in counts) else "below" if max(counts) < lo else "outside"
            line += f", {verdict} the recommended range"
        done.append(line)
    hold = report.hold
    if hold is not None and (report.mode == "hold" or (hold.seconds or 0) >= 0.05):
        if hold.per_side and d.get("per_side"):
            done += [f"{side}: {_s(h.good_form_seconds)} good form ({_s(h.seconds)} in position)"
                     for side, h in hold.per_side.items()]
        else:
            done.append(f"{_s(hold.good_form_seconds)} good form ({_s(hold.seconds)} in position)")
    if not done:
        done.append("nothing counted")
    rows = (
        f"<tr><th>recommended</th><td>{_e('; '.join(recommended) or 'no dosage in the spec')}</td></tr>"
        f"<tr><th>this clip</th><td>{_e('; '.join(done))}</td></tr>"
    )
    note = f'<p class="mut">{_e(d["note"])}</p>' if d.get("note") else ""
    return f"<div><h2>Dosage</h2><table>{rows}</table>{note}</div>"


def _safety(report: Report) -> str:
    items = "".join(f"<li>{_e(s)}</li>" for s in report.safety) or "<li>No safety notes in the spec.</li>"
    return f"<div><h2>Safety</h2><ul>{items}</ul></div>"


def _rep_table(report: Report, result: SessionResult | None) -> str:
    reps = report.reps
    if reps is None:
        return ""
    noun = "Cycles" if report.mode == "sequence" else "Reps"
    items = [(i, False) for i in reps.items] + [(i, True) for i in reps.partial_items]
    if not items:
        return f"<section><h2>{noun}</h2><p class=\"mut\">No {noun.lower()} were counted.</p></section>"
    unit = ""
    if result is not None:
        drive = driving_metric(result)
        unit = _metric_unit(result, drive) if drive else ""
    sided = any(i.side for i, _ in items) and (reps.per_side is not None or len({i.side for i, _ in items}) > 1)
    head = ["#"] + (["side"] if sided else []) + ["start", "peak", "duration", "out", "at peak", "back",
                                                  "range of motion", "failed cues"]
    numeric = {"start", "peak", "duration", "out", "at peak", "back", "range of motion"}
    out = ["<table><thead><tr>" + "".join(f'<th class="{"n" if h in numeric else ""}">{h}</th>' for h in head)
           + "</tr></thead><tbody>"]
    for item, partial in items:
        if partial:
            label, cls = f"({item.index})", "partial"
        else:
            label, cls = str(item.index), "fail" if item.failed_cues else ""
        cues = "".join(f'<span class="pill fail">{_e(c)}</span>' for c in item.failed_cues)
        if partial:
            cues += f'<span class="mut">partial: cut at the {_e(item.cut)}</span>' if item.cut != "lost" else \
                '<span class="mut">partial: person lost</span>'
        elif not cues:
            cues = '<span class="pill ok">good</span>'
        cells = [label] + ([_e(item.side or "")] if sided else []) + [
            _s(item.start_s), _s(item.peak_s), _s(item.duration_s, 2), _s(item.out_s, 2), _s(item.at_peak_s, 2),
            _s(item.back_s, 2), _num(item.range_of_motion, unit),
        ]
        tds = "".join(f'<td class="n">{c}</td>' if i > (1 if sided else 0) else f"<td>{c}</td>"
                      for i, c in enumerate(cells))
        out.append(f'<tr class="{cls}">{tds}<td>{cues}</td></tr>')
    out.append("</tbody></table>")
    extra = []
    if reps.rejected_short:
        extra.append(f"{reps.rejected_short} movement(s) too short to count as a rep were left out")
    if reps.partial:
        extra.append("partial reps (in brackets) were cut by the clip's start or end, or the person was lost; "
                     "they are not in the total")
    note = f'<p class="mut">{_e("; ".join(extra))}.</p>' if extra else ""
    return f'<section id="reps"><h2>{noun}</h2>{"".join(out)}{note}</section>'


def _cue_section(report: Report, result: SessionResult | None, thumbs: dict[str, bytes], thumb_note: str | None) -> str:
    if not report.cues:
        return ""
    colours = _cue_colours(report)
    rows = []
    for cid, cue in report.cues.items():
        if cue.evaluated_frames == 0:
            status, cls = "not checked", "idle"
        elif cue.windows_s:
            status, cls = "failed", "fail"
        else:
            status, cls = "ok", "ok"
        when = ", ".join(f"{a:.1f}–{b:.1f} s" for a, b in cue.windows_s[:8])
        if len(cue.windows_s) > 8:
            when += f" (+{len(cue.windows_s) - 8} more)"
        swatch = f'<span style="color:{colours[cid]}">■</span> '
        rows.append(
            f'<tr><td class="cue">{swatch}<b>{_e(cid)}</b><br>'
            f'<span class="mut">{_e(cue.kind)}, {_e(cue.severity)}</span></td>'
            f'<td><span class="pill {cls}">{status}</span></td><td>{_e(cue.message)}</td>'
            f'<td class="n">{cue.failed_frames}/{cue.evaluated_frames}</td><td>{_e(when)}</td></tr>'
        )
    table = ("<table><thead><tr><th>cue</th><th>result</th><th>what to do</th>"
             '<th class="n">frames failed/judged</th><th>when</th></tr></thead><tbody>'
             + "".join(rows) + "</tbody></table>")
    figures = []
    if result is not None and thumbs:
        worst = worst_frames(result)
        for cid, jpeg in thumbs.items():
            i = worst[cid]
            cue = result.cues[cid]
            metric = getattr(cue.spec, "metric", None)
            caption = f"<b>{_e(cid)}</b> at {result.t[i]:.2f} s"
            if metric is not None:
                unit = _metric_unit(result, metric)
                value = float(result.metrics[metric][i])
                bounds = " / ".join(f"{k} {_num(b, unit)}" for k, b in (("min", cue.spec.min), ("max", cue.spec.max))
                                    if b is not None)
                caption += f": {_e(metric)} {_num(value, unit)} ({bounds})"
            data = base64.b64encode(jpeg).decode("ascii")
            figures.append(
                f'<figure><img alt="worst frame of {_e(cid)}" src="data:image/jpeg;base64,{data}" '
                f'style="border-color:{colours[cid]}"><figcaption>{caption}</figcaption></figure>'
            )
    thumbs_html = ""
    if figures:
        thumbs_html = ("<h2 style=\"margin-top:14px\">Worst frame of each fault</h2>"
                       f'<div class="thumbs">{"".join(figures)}</div>')
    elif thumb_note:
        thumbs_html = f'<p class="mut">{_e(thumb_note)}.</p>'
    return f'<section id="cues"><h2>Form cues</h2>{table}{thumbs_html}</section>'


def _poster(video: Path, report: Report) -> str:
    """A still for the ``<video>`` before it plays: the first rep's peak, else the middle of the clip."""
    t = (report.source.duration_s or 0.0) / 2
    if report.reps is not None and report.reps.items and report.reps.items[0].peak_s is not None:
        t = report.reps.items[0].peak_s
    try:
        still = decode_frames(video, [t], width=min(640, report.source.width or 640))
    except (PosecheckError, OSError):
        return ""
    return f' poster="data:image/jpeg;base64,{base64.b64encode(still[t]).decode("ascii")}"' if t in still else ""


def _video_section(report: Report, options: HtmlOptions, page_path: Path) -> str:
    video = options.annotated
    if video is None or options.video == "none" or not Path(video).is_file():
        return ""
    video = Path(video)
    mime = _VIDEO_TYPES.get(video.suffix.lower())
    try:
        rel = Path(os.path.relpath(video.resolve(), page_path.resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        rel = video.resolve().as_uri()
    link = f'<a href="{_e(rel)}">{_e(video.name)}</a>'
    if mime is None:  # .avi (MJPEG): browsers do not play it
        return f"<section><h2>Annotated video</h2><p>Written to {link} (browsers do not play this format; " \
               "write an .mp4 or .webm to see it here).</p></section>"
    size = video.stat().st_size
    inline = options.video == "inline" or (options.video == "auto" and size <= INLINE_VIDEO_MAX_BYTES)
    if inline:
        src = f"data:{mime};base64," + base64.b64encode(video.read_bytes()).decode("ascii")
        where = f"embedded in this page ({size / 1e6:.1f} MB); also written to {link}"
    else:
        src = _e(rel)
        where = f"linked, not embedded: keep {link} next to this page"
    return (f'<section id="video"><h2>Annotated video</h2><video controls muted preload="metadata"'
            f'{_poster(video, report)} src="{src}"></video><p class="mut">{where}.</p></section>')


def render_html(report: Report, page_path: str | os.PathLike[str], options: HtmlOptions | None = None) -> str:
    """The page for one report (``page_path`` only decides the relative link to the video)."""
    options = options or HtmlOptions()
    page_path = Path(page_path)
    result = report.result
    src = report.source
    body: list[str] = []
    if options.back_link is not None:
        body.append(f'<p><a href="{_e(options.back_link[0])}">← {_e(options.back_link[1])}</a></p>')
    body.append(f"<h1>{_e(report.exercise_title)}</h1>")
    body.append(
        f'<p class="sub">{_e(Path(src.path).name)} · {_s(src.duration_s)} · {src.frames_decoded} frames at '
        f"{src.fps or 0:g} fps · {src.width}×{src.height} · model {_e(report.model.name)} · "
        f"posecheck {_e(report.tool.version)} · spec <code>{_e(report.exercise)}</code></p>"
    )
    if options.banner:
        body.append(f'<p class="note {"ok" if options.banner_ok else "bad"}">{_e(options.banner)}</p>')
    if report.avoid is not None:
        body.append(f'<p class="note bad"><b>Advised against.</b> {_e(report.avoid.reason)} '
                    f"Safer instead: {_e(', '.join(report.avoid.alternatives))}.</p>")
    if not report.complete:
        body.append(f'<p class="note bad"><b>Incomplete:</b> analysis stopped early ({_e(report.error)}); '
                    "the figures cover the frames analysed.</p>")
    if not report.person_found:
        body.append('<p class="note bad">No person was detected in this video.</p>')
    elif not report.posture.found:
        line = f"Position not found: nobody was {report.posture.title}, so nothing was counted."
        if report.posture.suggestions:
            line += f" The video fits: {', '.join(report.posture.suggestions)}."
        body.append(f'<p class="note bad">{_e(line)}</p>')
    body.append(_cards(report))
    for w in report.warnings:
        body.append(f'<p class="note">{_e(w)}</p>')
    body.append(f'<section class="two">{_dosage(report)}{_safety(report)}</section>')
    body.append(_rep_table(report, result))
    thumbs, thumb_note = ({}, None) if result is None else _thumbnails(report, result, options)
    body.append(_cue_section(report, result, thumbs, thumb_note))
    if result is not None and result.t.size:
        plots = [timeline_svg(report, result)] + [metric_svg(report, result, m) for m in plotted_metrics(result)]
        body.append('<section id="plots"><h2>Over time</h2>'
                    '<p class="mut">Shaded spans: where a cue failed (in its colour), reps (blue), holding (green); '
                    "dashed lines: a cue's bound, with the failing side lightly shaded; dotted lines: the "
                    "thresholds of the rep rule (rest, peak) or of the hold (enter, exit).</p>" + "".join(f'<div class="plot">{p}</div>' for p in plots)
                    + "</section>")
    else:
        body.append('<section><h2>Over time</h2><p class="mut">No per-frame data: this report was rebuilt from '
                    "its JSON (by a batch on another engine, say), so there are no plots or thumbnails.</p></section>")
    body.append(_video_section(report, options, page_path))
    title = f"{report.exercise_title} — {Path(src.path).name} — posecheck"
    return _page(title, [b for b in body if b])


def _write_text(path: Path, text: str, what: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {what} {path}: {exc.strerror}") from None


def write_html(report: Report, path: str | os.PathLike[str], options: HtmlOptions | None = None) -> Path:
    """Write the page for one report; one-line :class:`OutputError` when it cannot be written."""
    path = Path(path)
    _write_text(path, render_html(report, path, options), "HTML report")
    return path


# -- batch ---------------------------------------------------------------------------------------


def clip_page_path(page: str | os.PathLike[str], clip_file: str) -> Path:
    """Where a clip's page goes: next to the batch page, ``<page stem>.<clip path, flattened>.html``."""
    page = Path(page)
    flat = Path(clip_file).with_suffix("").as_posix().replace("../", "").replace("/", "__").lstrip(".") or "clip"
    return page.with_name(f"{page.stem}.{flat}.html")


def clip_pages(page: str | os.PathLike[str], files: Sequence[str]) -> dict[str, Path]:
    """One page path per clip file, unique even when flattened names collide."""
    out: dict[str, Path] = {}
    taken: set[str] = set()
    for f in files:
        p = clip_page_path(page, f)
        n = 2
        while p.name in taken:
            p = p.with_name(f"{clip_page_path(page, f).stem}-{n}.html")
            n += 1
        taken.add(p.name)
        out[f] = p
    return out


@dataclass(frozen=True)
class BatchRow:
    """One clip of a batch as the page shows it: ``cells`` under the page's headers (the
    clip and its result come first and last), and the clip's report for its own page."""

    clip: str
    status: Literal["pass", "fail", "error", "skipped"]
    cells: tuple[str, ...]
    reason: str = ""
    report: Report | None = None


def write_batch_html(
    rows: Sequence[BatchRow], headers: Sequence[str], path: str | os.PathLike[str], summary_line: str,
    error: str | None = None,
) -> list[Path]:
    """The batch table as a page, linking to a page per analysed clip written next to it
    (see :func:`clip_pages`). Returns the paths written, the batch page first."""
    path = Path(path)
    pages = clip_pages(path, [r.clip for r in rows])
    written: list[Path] = []
    cls = {"pass": "ok", "fail": "fail", "error": "fail", "skipped": "idle"}
    trs = []
    for row in rows:
        clip = _e(row.clip)
        if row.report is not None:
            page = pages[row.clip]
            verdict = f"Batch check: {row.status}" + (f" — {row.reason}" if row.reason else "")
            options = HtmlOptions(
                banner=verdict, banner_ok=row.status == "pass", back_link=(path.name, "batch results")
            )
            written.append(write_html(row.report, page, options))
            clip = f'<a href="{_e(page.name)}">{clip}</a>'
        cells = "".join(f"<td>{_e(c)}</td>" for c in row.cells)
        trs.append(
            f'<tr class="{"fail" if row.status in ("fail", "error") else ""}"><td>{clip}</td>{cells}'
            f'<td><span class="pill {cls[row.status]}">{_e(row.status)}</span> {_e(row.reason)}</td></tr>'
        )
    head = "".join(f"<th>{_e(h)}</th>" for h in ["clip", *headers, "result"])
    body = ["<h1>posecheck batch</h1>", f'<p class="sub">{_e(summary_line)}</p>']
    if error:
        body.append(f'<p class="note bad"><b>Incomplete:</b> {_e(error)}</p>')
    body.append(f"<section><table><thead><tr>{head}</tr></thead><tbody>{''.join(trs)}</tbody></table></section>")
    _write_text(path, _page("posecheck batch", body), "HTML report")
    return [path, *written]
