"""The labelled clips a benchmark re-scores: the shared command-line options and loading.

Used by ``sweep.py``, ``robustness.py`` and ``margins.py``, which re-score the same clips
from their stored pose traces.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from posecheck.batch import ClipLabel, load_labels, plan_batch


def add_clip_arguments(ap: argparse.ArgumentParser) -> None:
    """Where the clips, their labels and their traces are, which model, which confidence."""
    ap.add_argument("--clips", default=os.environ.get("POSECHECK_CLIPS", "../shared/clips"))
    ap.add_argument("--labels", default=None)
    ap.add_argument("--trace-cache", default=".cache/traces")
    ap.add_argument("--model", default=None)
    ap.add_argument("--min-confidence", default="medium")


def labelled_clips(
    args: argparse.Namespace, exercises: list[str] | None = None
) -> tuple[list[tuple[ClipLabel, Path, Path]], set[str]]:
    """The runnable (label, video, spec file) rows, optionally of some exercises only, and the
    fault names the labels use."""
    labels = load_labels(args.labels or Path(args.clips) / "labels.json")
    vocabulary = {f.fault for label in labels for f in label.faults}
    runnable, _ = plan_batch(args.clips, labels, args.min_confidence, exercises)
    return runnable, vocabulary
