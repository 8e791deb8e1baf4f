"""What to say to the person, and for how long: wording and timing kept out of the core.

The core reports which cues fail on a frame and which per-rep cues the last rep failed;
this module turns that into the messages the overlay, the terminal and the voice use.
Imports neither cv2 nor mediapipe.
"""

from __future__ import annotations

from posecheck.core.session import FrameState
from posecheck.specs.schema import ExerciseSpec

#: How long the verdict on the last rep stays on screen.
REP_MESSAGE_S = 2.0


def cue_messages(spec: ExerciseSpec, state: FrameState) -> tuple[str, ...]:
    """What to tell the person now: every frame cue failing at this moment, then, for a
    couple of seconds after a rep is counted, the per-rep cues that rep failed."""
    cues = [spec.cue(cid) for cid in state.failing]
    messages = [cue.message for cue in cues if cue.kind == "frame"]
    last = state.last_rep
    if last is not None and last.failed and state.t - last.counted_s <= REP_MESSAGE_S:
        messages += [f"Last rep: {spec.cue(cid).message}" for cid in last.failed]
    return tuple(messages)
