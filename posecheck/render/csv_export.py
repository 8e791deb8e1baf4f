"""CSV export of a report: one row per frame and one row per rep, for spreadsheets and pandas.

``--csv PREFIX`` writes two files, ``PREFIX.frames.csv`` and ``PREFIX.reps.csv`` (a
``.csv`` at the end of the prefix is dropped first, so ``--csv out.csv`` and ``--csv out``
both give ``out.frames.csv`` and ``out.reps.csv``; a folder gives ``frames.csv`` and
``reps.csv`` inside it). Both files are always written, the reps file with its header
only for exercises that count no reps, so scripts can rely on them.

Frames (``docs/report.md`` lists every column): ``frame, t, detected, people, in_posture,
[in_position], side, [view], rep, <each metric>, fail_<each cue>``. Flags are 0/1,
missing values are empty cells (NaN in pandas). Reps: ``index, kind, cut, side,
start_s, peak_s, end_s, duration_s, out_s, at_peak_s, back_s, range_of_motion,
failed_cues, fail_<each cue>`` and, for sequences, ``<state>_t_s, <state>_value`` per
state. Rep figures are the report's (rounded the same way as the JSON).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from posecheck.errors import OutputError
from posecheck.report import RepItem, Report

FRAME_SUFFIX = ".frames.csv"
REPS_SUFFIX = ".reps.csv"


def csv_paths(prefix: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The (frames, reps) files for ``--csv PREFIX``."""
    prefix = Path(prefix)
    if prefix.is_dir():
        return prefix / "frames.csv", prefix / "reps.csv"
    name = prefix.name
    if name.lower().endswith(".csv"):
        name = name[:-4]
    name = name or "posecheck"
    return prefix.with_name(name + FRAME_SUFFIX), prefix.with_name(name + REPS_SUFFIX)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return "" if not math.isfinite(v) else f"{v:.6g}"
    return value


def frame_columns(report: Report) -> list[str]:
    result = report.result
    if result is None:
        raise OutputError("cannot write the per-frame CSV: the report has no per-frame data (it was loaded from JSON)")
    from posecheck.render.html import frame_views

    cols = ["frame", "t", "detected", "people", "in_posture"]
    if result.in_position is not None:
        cols.append("in_position")
    cols.append("side")
    if frame_views(result) is not None:
        cols.append("view")
    cols.append("rep")
    cols += list(result.metrics)
    cols += [f"fail_{cid}" for cid in result.cues]
    return cols


def frame_rows(report: Report) -> Iterable[list[object]]:
    """The per-frame table, one list per frame in :func:`frame_columns` order."""
    from posecheck.render.html import frame_views

    result = report.result
    frame_columns(report)  # raises without per-frame data
    t = result.t
    rep_of = np.zeros(t.size, np.int32)
    for item in report.reps.items if report.reps else []:
        if item.start_s is not None and item.end_s is not None:
            rep_of[(t >= item.start_s - 1e-9) & (t <= item.end_s + 1e-9)] = item.index
    views = frame_views(result)
    metrics = [np.asarray(v, np.float64) for v in result.metrics.values()]
    fails = [np.asarray(c.fail_mask, bool) for c in result.cues.values()]
    for i in range(t.size):
        row: list[object] = [i, f"{t[i]:.4f}", int(result.detected[i]), int(result.people[i])]
        row.append(int(result.in_posture[i]))
        if result.in_position is not None:
            row.append(int(result.in_position[i]))
        row.append(result.sides[i] or "")
        if views is not None:
            row.append(views[i] or "")
        row.append(int(rep_of[i]) or "")
        row += [_cell(m[i]) for m in metrics]
        row += [int(f[i]) for f in fails]
        yield row


def _state_names(report: Report) -> list[str]:
    names: list[str] = []
    for item in (report.reps.items + report.reps.partial_items) if report.reps else []:
        for s in item.states:
            if s.state not in names:
                names.append(s.state)
    return names


def rep_columns(report: Report) -> list[str]:
    cols = ["index", "kind", "cut", "side", "start_s", "peak_s", "end_s", "duration_s", "out_s", "at_peak_s",
            "back_s", "range_of_motion", "failed_cues"]
    cols += [f"fail_{cid}" for cid in report.cues]
    for name in _state_names(report):
        cols += [f"{name}_t_s", f"{name}_value"]
    return cols


def _rep_row(item: RepItem, kind: str, cues: list[str], states: list[str]) -> list[object]:
    row = [item.index, kind, item.cut or "", item.side or ""]
    row += [_cell(getattr(item, k)) for k in ("start_s", "peak_s", "end_s", "duration_s", "out_s", "at_peak_s",
                                               "back_s", "range_of_motion")]
    row.append(";".join(item.failed_cues))
    row += [int(c in item.failed_cues) for c in cues]
    by_state = {s.state: s for s in item.states}
    for name in states:
        s = by_state.get(name)
        row += [_cell(s.t_s if s else None), _cell(s.value if s else None)]
    return row


def rep_rows(report: Report) -> Iterable[list[object]]:
    """Complete reps (``kind`` = ``complete``) then partial ones (``partial``, with ``cut``)."""
    if report.reps is None:
        return
    cues, states = list(report.cues), _state_names(report)
    for item in report.reps.items:
        yield _rep_row(item, "complete", cues, states)
    for item in report.reps.partial_items:
        yield _rep_row(item, "partial", cues, states)


def _write(path: Path, header: list[str], rows: Iterable[list[object]]) -> None:
    try:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as exc:
        raise OutputError(f"cannot write CSV {path}: {exc.strerror}") from None


def write_csv(report: Report, prefix: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``PREFIX.frames.csv`` and ``PREFIX.reps.csv``; returns their paths."""
    frames, reps = csv_paths(prefix)
    _write(frames, frame_columns(report), frame_rows(report))
    _write(reps, rep_columns(report), rep_rows(report))
    return frames, reps


#: Columns of ``batch --csv``, one row a clip.
BATCH_COLUMNS = [
    "file", "exercise", "confidence", "status", "reason", "reps_expected", "reps_partial_allowed", "reps_tolerance",
    "reps_measured", "reps_measured_partial", "hold_expected_s", "hold_tolerance_s", "hold_measured_good_form_s",
    "faults_expected", "faults_flagged", "faults_missed", "recognised", "recognised_ok",
]


def write_batch_csv(scores, path: str | os.PathLike[str]) -> Path:
    """The batch results as CSV: one row a clip, lists joined with ``;``, empty cells where nothing applies."""
    rows = []
    for score in scores:
        d = score.as_dict()
        r, h, f, g = d["reps"], d["hold"], d["faults"], d["recognition"]
        rows.append([
            d["file"], d["exercise"], d["confidence"], d["status"], d["reason"], r["expected"], r["partial_allowed"],
            r["tolerance"], r["measured"], r["measured_partial"], h["expected_s"], h["tolerance_s"],
            h["measured_good_form_s"], ";".join(f["expected"]), ";".join(f["flagged"]), ";".join(f["missed"]),
            g["recognised"], g["ok"],
        ])
    path = Path(path)
    _write(path, BATCH_COLUMNS, rows)
    return path
