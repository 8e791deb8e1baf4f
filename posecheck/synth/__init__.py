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

A routine (several exercises with transitions, one subject, room and camera) is a
:class:`RoutineRequest`; ``write_clip``, ``plan_clip``, ``render_frames`` and
``clip.truth_pose_frames`` take it (or its plan) like a clip's request, and its labels
entry lists the exercises in ``segments``::

    from posecheck.synth import RoutineRequest, write_clip
    entry = write_clip(RoutineRequest("glute_bridge:reps=3,forearm_plank:hold=8,squat:reps=3"), "routine.mp4")

Each exercise is one motion file, ``exercise_specs/motions/<name>.toml`` beside its spec
(:mod:`.motion_file`): tempo, camera, texts, sides, faults, and either angle keyframes or the
name of an exact pose solver.

Modules: :mod:`.skeleton` (body model, forward kinematics, capsules), :mod:`.motion_file`
(motion files), :mod:`.motion` (exercises and faults), :mod:`.solvers` (exact pose
solvers), :mod:`.keyframed` (keyframed motions), :mod:`.timeline` (reps, holds and fault
windows over time), :mod:`.camera` (views and projection),
:mod:`.render` (rasteriser and shading), :mod:`.options` (subject and scene),
:mod:`.clip` (request -> plan -> frames -> mp4 + labels), :mod:`.routine` (several
exercises in one clip).
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
from posecheck.synth.motion import FaultSpec, parse_fault
from posecheck.synth.motion_file import load_motion, motion_names
from posecheck.synth.options import SceneOptions, SubjectOptions
from posecheck.synth.routine import RoutinePlan, RoutineRequest, Segment, parse_routine, plan_routine
from posecheck.synth.skeleton import LANDMARK_NAMES

__all__ = [
    "LANDMARK_NAMES",
    "VIEWS",
    "Camera",
    "ClipPlan",
    "FaultSpec",
    "FrameTruth",
    "RoutinePlan",
    "RoutineRequest",
    "Segment",
    "SceneOptions",
    "SubjectOptions",
    "SynthRequest",
    "load_motion",
    "motion_names",
    "parse_fault",
    "parse_routine",
    "plan_clip",
    "plan_routine",
    "render_frames",
    "view_label",
    "write_clip",
]
