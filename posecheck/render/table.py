"""The batch results table for the terminal (rich), kept apart from the scoring."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from posecheck.batch import ClipScore, summarize

_STATUS = {"pass": "[green]pass[/]", "fail": "[red]FAIL[/]", "error": "[red]error[/]", "skipped": "[dim]skipped[/]"}


def _reps(s: ClipScore) -> str:
    lab = s.label
    if lab.reps is None:
        return ""
    expected = f"{lab.reps}"
    if lab.partial_reps:
        expected += f"(+{lab.partial_reps})"
    if lab.reps_tolerance:
        expected += f"±{lab.reps_tolerance}"
    measured = "-" if s.reps is None else f"{s.reps}" + (f"(+{s.partial})" if s.partial else "")
    return f"{expected} / {measured}"


def _hold(s: ClipScore) -> str:
    lab = s.label
    if lab.hold_s is None:
        return ""
    measured = "-" if s.good_form_s is None else f"{s.good_form_s:.1f}"
    return f"{lab.hold_s:.1f}±{lab.hold_tolerance_s or 1.0:g} / {measured}"


def _faults(s: ClipScore) -> str:
    parts = []
    for f in s.faults_expected:
        mark = "✓" if f in s.faults_flagged else "✗" if f in s.faults_missed else "n/a"
        parts.append(f"{f} {mark}")
    for f, share in s.false_alarms.items():
        if share > 0.0:
            parts.append(f"+{f} {100 * share:.0f}%")
    return ", ".join(parts)


def batch_table(scores: list[ClipScore]) -> Table:
    table = Table(title="posecheck batch", show_lines=False)
    for col in ("clip", "exercise", "conf", "reps exp/got", "hold s exp/got", "faults (exp ✓/✗, +unlabelled)", "result"):
        table.add_column(col)
    for s in scores:
        result = _STATUS[s.status] + (f" {s.reason}" if s.reason else "")
        table.add_row(s.label.file, s.label.exercise, s.label.confidence, _reps(s), _hold(s), _faults(s), result)
    return table


def print_batch_table(scores: list[ClipScore], console: Console | None = None) -> None:
    console = console or Console(width=200)
    console.print(batch_table(scores))
    summary = summarize(scores)
    r, h = summary["reps_within_tolerance"], summary["holds_within_tolerance"]
    console.print(
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['errors']} errors, "
        f"{summary['skipped']} skipped; reps within tolerance {r[0]}/{r[1]}, holds within tolerance {h[0]}/{h[1]}"
    )
