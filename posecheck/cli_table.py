"""The batch results table the CLI prints (rich): part of the command-line layer, apart from the scoring."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from posecheck.batch import ClipScore, summarize

#: Width of the table when stdout is not a terminal and ``$COLUMNS`` is not set (files, pipes).
UNBOUNDED_WIDTH = 200

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


def _result(s: ClipScore) -> str:
    return _STATUS[s.status] + (f" {s.reason}" if s.reason else "")


#: (header, cell); the order of the columns on screen.
_COLUMNS: list[tuple[str, Callable[[ClipScore], str]]] = [
    ("clip", lambda s: s.label.file),
    ("exercise", lambda s: s.label.exercise),
    ("conf", lambda s: s.label.confidence),
    ("reps exp/got", _reps),
    ("hold s exp/got", _hold),
    ("faults (exp ✓/✗, +unlabelled)", _faults),
    ("recognised", lambda s: "" if s.recognised_ok is None else f"{s.recognised or '-'} {'✓' if s.recognised_ok else '✗'}"),
    ("result", _result),
]
#: Columns dropped, in this order, when the table is wider than the terminal; the others fold.
_DROP_FIRST = ("conf", "exercise")


def batch_table(scores: list[ClipScore], width: int | None = None) -> Table:
    """The results table; with ``width``, columns that are empty on every row are left out
    and the least important ones (confidence, exercise) dropped until it fits, and the
    remaining cells fold instead of being cut."""
    columns = list(_COLUMNS)
    if width is not None:
        columns = [c for c in columns if c[0] in ("clip", "result") or any(c[1](s) for s in scores)]

    def build(cols: list[tuple[str, Callable[[ClipScore], str]]]) -> Table:
        table = Table(title="posecheck batch", show_lines=False)
        for header, _ in cols:
            table.add_column(header, overflow="fold")
        for s in scores:
            table.add_row(*(cell(s) for _, cell in cols))
        return table

    table = build(columns)
    if width is None:
        return table
    unbounded = Console(width=10_000)  # measures the width the table wants, not what it is given
    for name in _DROP_FIRST:
        if Measurement.get(unbounded, unbounded.options, table).maximum <= width:
            break
        columns = [c for c in columns if c[0] != name]
        table = build(columns)
    return table


def table_width() -> int:
    """The terminal's width; ``$COLUMNS`` or :data:`UNBOUNDED_WIDTH` when stdout is not a terminal."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return Console().width
    return UNBOUNDED_WIDTH


def print_batch_table(scores: list[ClipScore], console: Console | None = None) -> None:
    console = console or Console(width=table_width())
    console.print(batch_table(scores, width=console.width))
    console.print(summary_line(summarize(scores)), highlight=False)


def summary_line(summary: dict) -> str:
    """``3 passed, 0 failed, ...; reps within tolerance 2/2, holds within tolerance 1/1``;
    a tolerance with no clips of its kind is left out rather than shown as 0/0."""
    line = (
        f"{summary['passed']} passed, {summary['failed']} failed, {summary['errors']} errors, "
        f"{summary['skipped']} skipped"
    )
    parts = []
    for key, what in (("reps_within_tolerance", "reps within tolerance"), ("holds_within_tolerance", "holds within tolerance"),
                      ("recognised", "exercise recognised")):
        ok, checked = summary.get(key, (0, 0))
        if checked:
            parts.append(f"{what} {ok}/{checked}")
    return line + ("; " + ", ".join(parts) if parts else "")


#: Columns of the HTML batch page between the clip and the result (``batch --html``).
HTML_COLUMNS = [c for c in _COLUMNS if c[0] not in ("clip", "result")]


def html_rows(scores: list[ClipScore]) -> list:
    """The table's rows for :func:`posecheck.render.html.write_batch_html`."""
    from posecheck.render.html import BatchRow

    return [
        BatchRow(s.label.file, s.status, tuple(cell(s) for _, cell in HTML_COLUMNS), s.reason, s.report)
        for s in scores
    ]
