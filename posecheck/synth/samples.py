"""The curated clips in ``sample_videos/``: every exercise with a spec, clean and with each fault.

``regenerate(folder)`` renders them all and writes ``labels.json`` (posecheck's
expectations format). Same seed and same library versions give byte-identical files; the
labels record the versions (``synth.versions``) so a test can say what differs.

Choices: 15 frames/s and 640x480 keep the set under 25 MB and the CI batch short; each
exercise appears in at least two camera views, on subjects of different builds and skin
tones (drawn from the seed); hold faults cover part of the hold so the clean part is
checked too; rep faults hit only some reps. Fault sizes are at least the smallest size the
shipped specs catch (see the fault-size sweep in docs/tuning.md); the bird dog's hip roll is in
the set although no camera view tested shows it: the tool warns and batch lists it as not
checkable from that view.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from posecheck.synth.clip import SynthRequest, write_clip
from posecheck.synth.motion_file import load_motion, motion_names
from posecheck.synth.options import SceneOptions, SubjectOptions

FPS = 15.0


@dataclass(frozen=True)
class Sample:
    """One curated clip: its file stem, the motion rendered and the spec that judges it (the
    same name, unless the motion is a variant of another exercise), and how to render it."""

    name: str
    motion: str
    exercise: str
    view: str
    seed: int
    faults: tuple[str, ...] = ()
    reps: int = 3
    hold_s: float = 7.0
    tempo_s: float | None = None
    rest_between_s: float | None = None
    timing_faults: tuple[str, ...] = ()
    side: str | None = None

    def request(self) -> SynthRequest:
        return SynthRequest(
            self.motion,
            reps=self.reps,
            hold_s=self.hold_s,
            faults=self.faults,
            tempo_s=self.tempo_s,
            rest_between_s=self.rest_between_s,
            timing_faults=self.timing_faults,
            side=self.side,
            view=self.view,
            subject=SubjectOptions.sample(self.seed),
            scene=SceneOptions.sample(self.seed),
            fps=FPS,
            seed=self.seed,
        )


def _curated() -> tuple[Sample, ...]:
    """Every ``[[samples]]`` entry of every motion file, by motion name, in file order."""
    out = []
    for name in motion_names():
        motion = load_motion(name)
        for clip in motion.spec.samples:
            fields = clip.model_dump()
            fields.update(faults=tuple(clip.faults), timing_faults=tuple(clip.timing_faults))
            out.append(Sample(motion=name, exercise=motion.exercise, **fields))
    return tuple(out)


#: The curated clips, read from the motion files (adding an exercise's samples is an edit of its file).
SAMPLES: tuple[Sample, ...] = _curated()


def regenerate(folder: str | os.PathLike[str], only: list[str] | None = None, on_clip=None) -> list[dict]:
    """Render the curated clips into ``folder`` and (re)write its ``labels.json``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    labels_path = folder / "labels.json"
    existing = json.loads(labels_path.read_text()) if labels_path.is_file() else {"schema": 1, "clips": []}
    by_file = {c["file"]: c for c in existing.get("clips", [])}
    for sample in SAMPLES:
        if only and sample.name not in only:
            continue
        entry = write_clip(sample.request(), folder / f"{sample.name}.mp4")
        entry["file"] = f"{sample.name}.mp4"
        by_file[entry["file"]] = entry
        if on_clip:
            on_clip(sample, entry)
    order = [f"{s.name}.mp4" for s in SAMPLES]
    clips = [by_file[f] for f in order if f in by_file]
    labels_path.write_text(json.dumps({"schema": 1, "clips": clips}, indent=1) + "\n", encoding="utf-8")
    return clips
