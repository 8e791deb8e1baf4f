"""The curated clips in ``sample_videos/``: every exercise with a spec, clean and with each fault.

``regenerate(folder)`` renders them all and writes ``labels.json`` (posecheck's
expectations format). Same seed and same library versions give byte-identical files; the
labels record the versions (``synth.versions``) so a test can say what differs.

Choices: 15 frames/s and 640x480 keep the set under 25 MB and the CI batch short; each
exercise appears in at least two camera views, on subjects of different builds and skin
tones (drawn from the seed); hold faults cover part of the hold so the clean part is
checked too; rep faults hit only some reps. Fault sizes are at least the smallest size the
shipped specs catch (see the fault-size sweep in the README); the bird dog's hip roll is in
the set although no camera view tested shows it: the tool warns and batch lists it as not
checkable from that view.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from posecheck.synth.clip import SynthRequest, write_clip
from posecheck.synth.options import SceneOptions, SubjectOptions

FPS = 15.0


@dataclass(frozen=True)
class Sample:
    """One curated clip: its file stem and how to render it."""

    name: str
    exercise: str
    view: str
    seed: int
    faults: tuple[str, ...] = ()
    reps: int = 3
    hold_s: float = 7.0

    def request(self) -> SynthRequest:
        return SynthRequest(
            self.exercise,
            reps=self.reps,
            hold_s=self.hold_s,
            faults=self.faults,
            view=self.view,
            subject=SubjectOptions.sample(self.seed),
            scene=SceneOptions.sample(self.seed),
            fps=FPS,
            seed=self.seed,
        )


SAMPLES: tuple[Sample, ...] = (
    Sample("bridge_clean_oblique", "glute_bridge", "oblique", 11),
    Sample("bridge_low_side", "glute_bridge", "side", 12, ("hips_too_low:20@reps=2,3",)),
    Sample("bridge_arch_side", "glute_bridge", "side", 13, ("lumbar_arch:25@reps=2",)),
    Sample("plank_clean_side", "forearm_plank", "side", 21),
    Sample("plank_sag_oblique", "forearm_plank", "oblique", 22, ("hips_sagging:22@t=3-6",)),
    Sample("plank_pike_side", "forearm_plank", "side", 23, ("hips_piked:35@t=2.5-5.5",)),
    Sample("sideplank_clean_front", "side_plank", "front", 31),
    Sample("sideplank_low_front", "side_plank", "front", 32, ("hips_too_low:15@t=3-6",)),
    Sample("sideplank_high_oblique", "side_plank", "oblique", 33, ("hips_too_high:15@t=3-6",)),
    Sample("sideplank_elbow_front", "side_plank", "front", 34, ("elbow_not_under_shoulder:20",)),
    Sample("squat_clean_side", "squat", "side", 41),
    Sample("squat_clean_front", "squat", "front", 42),
    Sample("squat_lean_oblique", "squat", "oblique", 43, ("excessive_forward_lean:20@reps=2,3",)),
    Sample("squat_shallow_side", "squat", "side", 44, ("insufficient_depth:30@reps=1,3",)),
    Sample("birddog_clean_side", "bird_dog", "side", 51, reps=4),
    Sample("birddog_leghigh_oblique", "bird_dog", "oblique", 52, ("leg_too_high:20@reps=2,3",), reps=4),
    Sample("birddog_hiproll_oblique", "bird_dog", "oblique", 53, ("hips_not_level:15@reps=1,2",), reps=4),
)


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
