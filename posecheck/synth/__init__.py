"""Synthetic exercise clips with exact ground truth.

A numpy + OpenCV renderer draws a dressed 3D humanoid doing an exercise in a small room;
the motion script knows every joint angle, so rep peaks, hold windows and injected form
faults are exact. Typical use::

    from posecheck.synth import SynthRequest, write_clip
    entry = write_clip(SynthRequest("forearm_plank", hold_s=12, faults=("hips_sagging:12@t=6-10",)),
                       "plank_sag.mp4")

``entry`` is a labels entry in posecheck's expectations format (the format of
``../shared/clips/labels.json``) with an extra ``synth`` record that regenerates the clip
(``SynthRequest.from_dict(entry["synth"]["request"])``).

Modules: :mod:`.skeleton` (body model, forward kinematics, capsules), :mod:`.motion`
(exercise scripts, faults, timeline), :mod:`.camera` (views and projection),
:mod:`.render` (rasteriser and shading), :mod:`.options` (subject and scene),
:mod:`.clip` (request -> plan -> frames -> mp4 + labels).
"""

from posecheck.synth.camera import VIEWS, Camera, view_label
from posecheck.synth.clip import (
    ClipPlan,
    FrameTruth,
    SynthRequest,
    plan_clip,
    render_frames,
    write_clip,
)
from posecheck.synth.motion import EXERCISES, FAULTS, FaultSpec, parse_fault
from posecheck.synth.options import SceneOptions, SubjectOptions
from posecheck.synth.skeleton import LANDMARK_NAMES

__all__ = [
    "EXERCISES",
    "FAULTS",
    "LANDMARK_NAMES",
    "VIEWS",
    "Camera",
    "ClipPlan",
    "FaultSpec",
    "FrameTruth",
    "SceneOptions",
    "SubjectOptions",
    "SynthRequest",
    "parse_fault",
    "plan_clip",
    "render_frames",
    "view_label",
    "write_clip",
]
