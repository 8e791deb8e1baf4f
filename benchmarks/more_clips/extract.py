"""Extract the clips of ``labels.json`` from local clones of their public source repositories.

The footage is third-party and is not kept in this repository; each label names the file it
came from (``source.repo``, ``source.path``, ``source.commit``) and its ``sha256``. Clone the
repositories once (any folder; a clone may be named ``name``, ``owner+name`` or
``owner+name/repo``, and may be bare), then::

    python benchmarks/more_clips/extract.py CLONES_DIR CLIPS_DIR
    posecheck batch CLIPS_DIR --labels benchmarks/more_clips/labels.json --min-confidence medium

Exit status 1 when a clip is missing or its checksum differs (the others are still written),
2 when the labels file itself cannot be read.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from pathlib import Path

from posecheck.batch import load_labels
from posecheck.errors import LabelsError

LABELS = Path(__file__).with_name("labels.json")


def clone_of(clones: Path, repo: str) -> Path | None:
    """The clone of ``owner/name`` under ``clones``, by any of the namings above, bare or not."""
    owner, name = repo.split("/")
    for candidate in (clones / f"{owner}+{name}", clones / name, clones / f"{owner}+{name}" / "repo"):
        if (candidate / ".git").exists() or (candidate / "HEAD").exists():
            return candidate
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clones", type=Path, help="folder holding the clones of the source repositories")
    ap.add_argument("out", type=Path, help="folder to write the clips to (created)")
    ap.add_argument("--labels", type=Path, default=LABELS, help="labels file naming the clips' sources")
    args = ap.parse_args(argv)
    try:
        clips = load_labels(args.labels)
    except LabelsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    problems = 0
    for clip in clips:
        src = (clip.model_extra or {}).get("source") or {}
        if not all(src.get(key) for key in ("repo", "path", "commit", "sha256")):
            print(f"{clip.where}: needs source.repo, .path, .commit and .sha256", file=sys.stderr)
            problems += 1
            continue
        clone = clone_of(args.clones, src["repo"])
        if clone is None:
            print(f"{clip.file}: no clone of {src['repo']} in {args.clones}", file=sys.stderr)
            problems += 1
            continue
        shown = subprocess.run(["git", "-C", str(clone), "show", f"{src['commit']}:{src['path']}"],
                               capture_output=True, check=False)
        if shown.returncode != 0 or hashlib.sha256(shown.stdout).hexdigest() != src["sha256"]:
            print(f"{clip.file}: {src['path']} at {src['commit'][:10]} is missing or differs", file=sys.stderr)
            problems += 1
            continue
        (args.out / clip.file).write_bytes(shown.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
