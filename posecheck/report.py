"""The analysis report: one typed object behind the JSON, the summary, batch scoring and live.

``build_report`` turns a :class:`SessionResult` plus what we know of the source and the
model into a :class:`Report` (pydantic) with rounded floats and a fixed field order, so
its JSON can be compared byte for byte as a golden file. ``Report.summary()`` renders it
as text; ``Report.result`` keeps the per-frame session data for plots and annotation.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, PrivateAttr

from posecheck import __version__
from posecheck.core import timeline
from posecheck.core.session import RepStats, SessionResult
from posecheck.errors import OutputError

REPORT_SCHEMA_VERSION = 2
_DIGITS = 3


def _r(x: float | None, digits: int = _DIGITS) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    v = round(float(x), digits)
    return 0.0 if v == 0 else v


@dataclass(frozen=True)
class SourceInfo:
    """The analysed video (or camera) as the report describes it."""

    path: str
    fps: float
    frame_count: int
    frames_decoded: int
    width: int
    height: int


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ToolInfo(_Part):
    name: str
    version: str


class SourcePart(_Part):
    path: str
    fps: float | None
    frame_count: int
    frames_decoded: int
    width: int
    height: int
    duration_s: float | None


class ModelPart(_Part):
    name: str
    sha256: str


class ViewPart(_Part):
    estimated: str | None
    shares: dict[str, float | None]


class PosturePart(_Part):
    """The position the spec needs and how long it was seen; ``suggestions`` name specs that fit what was seen."""

    name: str
    title: str
    found: bool
    seconds: float | None
    share: float | None
    seen: dict[str, float] = {}
    suggestions: list[str] = []


class StateExtreme(_Part):
    state: str
    t_s: float | None
    value: float | None


class RepItem(_Part):
    index: int
    side: str | None
    start_s: float | None
    peak_s: float | None
    end_s: float | None
    duration_s: float | None
    out_s: float | None
    at_peak_s: float | None
    back_s: float | None
    range_of_motion: float | None
    failed_cues: list[str]
    cut: Literal["start", "end", "lost"] | None = None
    states: list[StateExtreme] = []


class RepsPart(_Part):
    total: int
    partial: int
    partial_by_cut: dict[str, int]
    rejected_short: int
    per_side: dict[str, int] | None
    items: list[RepItem]
    partial_items: list[RepItem]
    rest_level: float | None = None


class SideHold(_Part):
    seconds: float | None
    good_form_seconds: float | None


class HoldPart(_Part):
    seconds: float | None
    good_form_seconds: float | None
    per_side: dict[str, SideHold] | None = None


class CuePart(_Part):
    kind: str
    message: str
    severity: str
    phase: str | None
    views: list[str] | None
    evaluated_frames: int
    failed_frames: int
    windows_s: list[list[float | None]]


class SegmentPart(_Part):
    """One stretch of the video recognised as one exercise (exercise None: nothing recognised)."""

    start_s: float | None
    end_s: float | None
    exercise: str | None
    confidence: float
    reps: int | None = None
    partial_reps: int | None = None
    hold_seconds: float | None = None
    good_form_seconds: float | None = None
    advised_against: bool = False


class RecognitionPart(_Part):
    """What exercise recognition found: the main exercise, how sure it is, and every segment."""

    exercise: str | None
    confidence: float
    segments: list[SegmentPart]


class AvoidPart(_Part):
    reason: str
    alternatives: list[str]


class Report(_Part):
    """The report of one analysis (see ``docs/report.md`` for every field)."""

    schema_version: int = REPORT_SCHEMA_VERSION
    tool: ToolInfo
    exercise: str
    exercise_title: str
    mode: str
    source: SourcePart
    model: ModelPart
    frames_with_pose: int
    person_found: bool
    max_people_seen: int
    view: ViewPart
    posture: PosturePart
    reps: RepsPart | None
    hold: HoldPart | None
    cues: dict[str, CuePart]
    dosage: dict[str, Any]
    safety: list[str]
    avoid: AvoidPart | None = None
    recognition: RecognitionPart | None = None
    warnings: list[str]
    complete: bool = True
    error: str | None = None

    _result: SessionResult | None = PrivateAttr(default=None)
    _segments: list = PrivateAttr(default_factory=list)

    @property
    def result(self) -> SessionResult | None:
        """The session data behind the report (per-frame metrics and masks), when it was built here."""
        return self._result

    @property
    def segments(self) -> list:
        """In auto mode, the recognised :class:`~posecheck.recognize.Segment` s with their session results."""
        return self._segments

    @property
    def reps_total(self) -> int | None:
        return self.reps.total if self.reps else None

    @property
    def hold_seconds(self) -> float | None:
        return self.hold.seconds if self.hold else None

    @property
    def good_form_seconds(self) -> float | None:
        return self.hold.good_form_seconds if self.hold else None

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def write_json(self, path: str | os.PathLike[str]) -> None:
        write_json(self.to_dict(), path)

    def summary(self) -> str:
        return format_summary(self)


def _rep_item(index: int, s: RepStats) -> RepItem:
    rep = s.rep
    return RepItem(
        index=index,
        side=rep.side,
        start_s=_r(rep.start_s),
        peak_s=_r(rep.peak_s),
        end_s=_r(rep.end_s),
        duration_s=_r(s.duration_s, 2),
        out_s=_r(s.out_s, 2),
        at_peak_s=_r(s.at_peak_s, 2),
        back_s=_r(s.back_s, 2),
        range_of_motion=_r(s.range_of_motion),
        failed_cues=list(s.failed_cues),
        cut=rep.partial,
        states=[StateExtreme(state=n, t_s=_r(at), value=_r(v)) for n, at, v in rep.states],
    )


def video_seconds(t) -> float:
    """How long frames at times ``t`` cover, each standing for its interval (the last for the
    median one), as every other duration in the report is counted: at a reduced analysis
    rate too, where one frame stands for several of the source's."""
    return float(timeline.frame_durations(np.asarray(t, np.float64)).sum())


def build_report(
    result: SessionResult,
    source: SourceInfo,
    model_name: str,
    model_sha256: str,
    warnings: list[str] | None = None,
    error: str | None = None,
    posture_seen: dict[str, float] | None = None,
    suggestions: list[str] | None = None,
) -> Report:
    """The typed report of one session (see ``docs/report.md`` for every field)."""
    spec = result.spec
    t = result.t
    detected = int(result.detected.sum())
    views = {v: _r(n / detected, 3) for v, n in sorted(result.views.items())} if detected else {}
    counted = spec.reps is not None or spec.sequence is not None
    reps = None
    if counted:
        reps = RepsPart(
            total=len(result.reps),
            partial=len(result.partial_reps),
            partial_by_cut={cut: sum(r.rep.partial == cut for r in result.partial_reps) for cut in ("start", "end", "lost")},
            rejected_short=result.rejected_reps,
            per_side=result.per_side,
            items=[_rep_item(i + 1, r) for i, r in enumerate(result.reps)],
            partial_items=[_rep_item(i + 1, r) for i, r in enumerate(result.partial_reps)],
            rest_level=_r(result.rest_level, 2),
        )
    hold = None
    if spec.hold is not None:
        per_side = None
        if result.hold_per_side is not None:
            per_side = {s: SideHold(seconds=_r(a, 2), good_form_seconds=_r(b, 2)) for s, (a, b) in result.hold_per_side.items()}
        hold = HoldPart(seconds=_r(result.hold_s, 2), good_form_seconds=_r(result.good_form_s, 2), per_side=per_side)
    cues = {
        cid: CuePart(
            kind=c.spec.kind,
            message=c.spec.message,
            severity=c.spec.severity,
            phase=getattr(c.spec, "phase", None),
            views=c.spec.views,
            evaluated_frames=c.evaluated_frames,
            failed_frames=c.failed_frames,
            windows_s=[[_r(a, 2), _r(b, 2)] for a, b in c.windows_s],
        )
        for cid, c in result.cues.items()
    }
    duration = video_seconds(t)
    posture = spec.posture
    report = Report(
        tool=ToolInfo(name="posecheck", version=__version__),
        exercise=spec.name,
        exercise_title=spec.title,
        mode=spec.mode,
        source=SourcePart(
            path=source.path,
            fps=_r(source.fps),
            frame_count=source.frame_count,
            frames_decoded=source.frames_decoded,
            width=source.width,
            height=source.height,
            duration_s=_r(duration, 2),
        ),
        model=ModelPart(name=model_name, sha256=model_sha256),
        frames_with_pose=detected,
        person_found=detected > 0,
        max_people_seen=int(result.people.max()) if result.people.size else 0,
        view=ViewPart(estimated=result.dominant_view, shares=views),
        posture=PosturePart(
            name=spec.posture_name,
            title=getattr(posture, "title", spec.posture_name),
            found=result.posture_found,
            seconds=_r(result.posture_s, 2),
            share=_r(result.posture_s / duration, 3) if duration else None,
            seen=dict(sorted((posture_seen or {}).items())),
            suggestions=list(suggestions or []),
        ),
        reps=reps,
        hold=hold,
        cues=cues,
        dosage=spec.dosage.model_dump(mode="json"),
        safety=list(spec.safety),
        avoid=AvoidPart(reason=spec.avoid.reason, alternatives=list(spec.avoid.alternatives)) if spec.avoid else None,
        warnings=list(warnings or []) + list(result.warnings),
        complete=error is None,
        error=error,
    )
    report._result = result
    return report


def write_json(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write JSON deterministically (2-space indent, trailing newline)."""
    try:
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write report {path}: {exc.strerror}") from None


def _fmt_windows(windows: list[list[float | None]]) -> str:
    shown = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in windows[:6])
    return shown + (f" (+{len(windows) - 6} more)" if len(windows) > 6 else "")


def format_summary(report: Report) -> str:
    """A short plain-text summary of a report, for the terminal."""
    src = report.source
    lines = [
        f"{report.exercise_title} — {Path(src.path).name} "
        f"({src.duration_s or 0:.1f} s, {src.frames_decoded} frames at {src.fps or 0:g} fps, model {report.model.name})"
    ]
    if report.recognition is not None:
        rec = report.recognition
        if rec.exercise is None:
            lines.append("Recognised: no exercise with confidence; the numbers below are the best guess.")
        else:
            lines.append(f"Recognised: {rec.exercise} (confidence {rec.confidence:.2f}).")
        if len(rec.segments) > 1:
            for seg in rec.segments:
                what = seg.exercise or "nothing recognised"
                lines.append(f"  {seg.start_s or 0:.1f}-{seg.end_s or 0:.1f} s: {what}")
    if report.avoid is not None:
        lines.append(
            f"Advised against: {report.avoid.reason} Safer instead: {', '.join(report.avoid.alternatives)}."
        )
    if not report.person_found:
        lines.append("No person was detected in this video.")
    else:
        share = 100 * report.frames_with_pose / max(1, src.frames_decoded)
        lines.append(
            f"Person found in {report.frames_with_pose} frames ({share:.0f}%), seen mostly from the {report.view.estimated}."
        )
        posture = report.posture
        if posture.found:
            lines.append(f"Position: {posture.title}, {posture.seconds or 0:.1f} s.")
        else:
            line = f"Position not found: nobody was {posture.title} ({posture.name.replace('_', '-')}), so nothing was counted."
            if posture.suggestions:
                line += f" The video fits: {', '.join(posture.suggestions)}."
            lines.append(line)
    reps = report.reps
    if reps is not None and (report.mode in ("reps", "sequence") or reps.total or reps.partial):
        noun = "Cycles" if report.mode == "sequence" else "Reps"
        line = f"{noun}: {reps.total} complete"
        if reps.per_side:
            line += " (" + ", ".join(f"{k} {v}" for k, v in reps.per_side.items()) + ")"
        if reps.partial:
            line += f", {reps.partial} partial (cut at the start or end)"
        lines.append(line)
        for item in reps.items:
            verdict = "good" if not item.failed_cues else "check: " + ", ".join(item.failed_cues)
            side = f" {item.side}" if reps.per_side else ""
            lines.append(f"  {noun.lower()[:-1]} {item.index}{side} at {item.peak_s or 0:.1f} s — {verdict}")
    hold = report.hold
    # a rep exercise shows its hold only when there is one to show (not "Hold: 0.0 s")
    if hold is not None and (report.mode == "hold" or round(hold.seconds or 0, 1) > 0):
        lines.append(f"Hold: {hold.seconds or 0:.1f} s in position, {hold.good_form_seconds or 0:.1f} s with good form")
        for side, h in (hold.per_side or {}).items():
            lines.append(f"  {side}: {h.seconds or 0:.1f} s in position, {h.good_form_seconds or 0:.1f} s with good form")
    for cid, cue in report.cues.items():
        if cue.evaluated_frames == 0:
            lines.append(f"  {cid}: not checked (never in the phase it applies to with the joints visible)")
        elif cue.windows_s:
            lines.append(f"  {cid}: FAILED at {_fmt_windows(cue.windows_s)} — {cue.message}")
        else:
            lines.append(f"  {cid}: ok")
    for w in report.warnings:
        lines.append(f"Note: {w}")
    if report.error:
        lines.append(f"Stopped early: {report.error}")
    return "\n".join(lines)


def segment_part(start_s: float, end_s: float, exercise: str | None, confidence: float,
                 result: SessionResult | None) -> SegmentPart:
    """A recognised segment for the report, with the counts its own session found."""
    if result is None:
        return SegmentPart(start_s=_r(start_s, 2), end_s=_r(end_s, 2), exercise=exercise, confidence=confidence)
    counted = result.spec.reps is not None or result.spec.sequence is not None
    return SegmentPart(
        start_s=_r(start_s, 2),
        end_s=_r(end_s, 2),
        exercise=exercise,
        confidence=confidence,
        reps=len(result.reps) if counted else None,
        partial_reps=len(result.partial_reps) if counted else None,
        hold_seconds=_r(result.hold_s, 2),
        good_form_seconds=_r(result.good_form_s, 2),
        advised_against=result.spec.avoid is not None,
    )
