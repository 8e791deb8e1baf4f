"""The analysis report: a stable JSON contract and a summary a person can read.

``build_report`` turns a :class:`SessionResult` plus what we know of the source and the
model into a plain dict with rounded floats and a fixed key order, so a report can be
compared byte for byte as a golden file. ``format_summary`` renders that dict as text.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecheck import __version__
from posecheck.core.reps import Rep
from posecheck.core.session import SessionResult
from posecheck.errors import OutputError

REPORT_SCHEMA_VERSION = 1
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


def _rep_item(index: int, rep: Rep, failed: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "index": index,
        "side": rep.side,
        "start_s": _r(rep.start_s),
        "peak_s": _r(rep.peak_s),
        "end_s": _r(rep.end_s),
        "failed_cues": failed,
    }
    if rep.partial:
        item["cut"] = rep.partial
    return item


def build_report(
    result: SessionResult,
    source: SourceInfo,
    model_name: str,
    model_sha256: str,
    warnings: list[str] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """The report dict (see ``docs/report.md`` for every field)."""
    spec = result.spec
    t = result.t
    detected = int(result.detected.sum())
    views = {v: _r(n / detected, 3) for v, n in sorted(result.views.items())} if detected else {}
    reps = None
    if spec.reps is not None:
        reps = {
            "total": len(result.reps),
            "partial": len(result.partial_reps),
            "partial_by_cut": {cut: sum(r.partial == cut for r in result.partial_reps) for cut in ("start", "end", "lost")},
            "rejected_short": result.rejected_reps,
            "per_side": result.per_side,
            "items": [_rep_item(i + 1, r, result.rep_failed_cues(r)) for i, r in enumerate(result.reps)],
            "partial_items": [
                _rep_item(i + 1, r, result.rep_failed_cues(r)) for i, r in enumerate(result.partial_reps)
            ],
        }
    hold = None
    if spec.hold is not None:
        hold = {"seconds": _r(result.hold_s, 2), "good_form_seconds": _r(result.good_form_s, 2)}
    cues = {
        cid: {
            "message": c.spec.message,
            "severity": c.spec.severity,
            "phase": c.spec.phase,
            "views": c.spec.views,
            "evaluated_frames": c.evaluated_frames,
            "failed_frames": c.failed_frames,
            "windows_s": [[_r(a, 2), _r(b, 2)] for a, b in c.windows_s],
        }
        for cid, c in result.cues.items()
    }
    report: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": "posecheck", "version": __version__},
        "exercise": spec.name,
        "exercise_title": spec.title,
        "mode": spec.mode,
        "source": {
            "path": source.path,
            "fps": _r(source.fps),
            "frame_count": source.frame_count,
            "frames_decoded": source.frames_decoded,
            "width": source.width,
            "height": source.height,
            "duration_s": _r(float(t[-1] - t[0]) + 1.0 / source.fps if t.size and source.fps else 0.0, 2),
        },
        "model": {"name": model_name, "sha256": model_sha256},
        "frames_with_pose": detected,
        "person_found": detected > 0,
        "max_people_seen": int(result.people.max()) if result.people.size else 0,
        "view": {"estimated": result.dominant_view, "shares": views},
        "reps": reps,
        "hold": hold,
        "cues": cues,
        "dosage": spec.dosage.model_dump(mode="json"),
        "safety": list(spec.safety),
        "warnings": list(warnings or []) + list(result.warnings),
    }
    if error:
        report["error"] = error
        report["complete"] = False
    else:
        report["complete"] = True
    return report


def write_json(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a report deterministically (2-space indent, trailing newline)."""
    try:
        Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write report {path}: {exc.strerror}") from None


def _fmt_windows(windows: list[list[float]]) -> str:
    shown = ", ".join(f"{a:.1f}-{b:.1f} s" for a, b in windows[:6])
    return shown + (f" (+{len(windows) - 6} more)" if len(windows) > 6 else "")


def format_summary(report: dict[str, Any]) -> str:
    """A short plain-text summary of a report, for the terminal."""
    src = report["source"]
    lines = [
        f"{report['exercise_title']} — {Path(src['path']).name} "
        f"({src['duration_s']:.1f} s, {src['frames_decoded']} frames at {src['fps']:g} fps, model {report['model']['name']})"
    ]
    if not report["person_found"]:
        lines.append("No person was detected in this video.")
    else:
        share = 100 * report["frames_with_pose"] / max(1, src["frames_decoded"])
        view = report["view"]["estimated"]
        lines.append(f"Person found in {report['frames_with_pose']} frames ({share:.0f}%), seen mostly from the {view}.")
    reps = report.get("reps")
    if reps is not None:
        line = f"Reps: {reps['total']} complete"
        if reps["per_side"]:
            line += " (" + ", ".join(f"{k} {v}" for k, v in reps["per_side"].items()) + ")"
        if reps["partial"]:
            line += f", {reps['partial']} partial (cut at the start or end)"
        lines.append(line)
        for item in reps["items"]:
            verdict = "good" if not item["failed_cues"] else "check: " + ", ".join(item["failed_cues"])
            side = f" {item['side']}" if reps["per_side"] else ""
            lines.append(f"  rep {item['index']}{side} at {item['peak_s']:.1f} s — {verdict}")
    hold = report.get("hold")
    if hold is not None and (report["mode"] == "hold" or (hold["seconds"] or 0) > 0):
        lines.append(f"Hold: {hold['seconds']:.1f} s in position, {hold['good_form_seconds']:.1f} s with good form")
    for cid, cue in report["cues"].items():
        if cue["evaluated_frames"] == 0:
            lines.append(f"  {cid}: not checked (never in the phase it applies to with the joints visible)")
        elif cue["windows_s"]:
            lines.append(f"  {cid}: FAILED at {_fmt_windows(cue['windows_s'])} — {cue['message']}")
        else:
            lines.append(f"  {cid}: ok")
    for w in report["warnings"]:
        lines.append(f"Note: {w}")
    if report.get("error"):
        lines.append(f"Stopped early: {report['error']}")
    return "\n".join(lines)
