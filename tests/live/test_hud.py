"""The HUD: what it shows (plain data), text wrapping that never drops a word, colour-blind
safe fault marking, the form-message feed, and --mirror keeping words and sides right."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from posecheck.core.session import RepVerdict
from posecheck.render import hud
from posecheck.render.annotate import Annotator
from posecheck.render.hud import CueFeed, Hud, HudInfo, hud_content, wrap_text
from posecheck.setup_check import SetupProblem, SetupStatus
from posecheck.specs.loader import load_spec
from tests.helpers import pose_frame, standing_joints
from tests.live.fakes import state


def colour_mask(img: np.ndarray, bgr, tol: int = 12) -> np.ndarray:
    return (np.abs(img.astype(int) - np.array(bgr)) <= tol).all(axis=2)


# -- content ----------------------------------------------------------------------------------


def test_reps_with_target_and_progress():
    c = hud_content(load_spec("squat"), state(reps=6), info=HudInfo(set_index=2))
    assert (c.big, c.unit, c.target) == ("6", "reps", "/ 8-12")
    assert c.progress == pytest.approx(6 / 8) and not c.target_met
    assert c.set_text == "Set 2 of 3" and c.title == "Bodyweight squat"
    assert hud_content(load_spec("squat"), state(reps=9)).target_met


def test_hold_timer_against_its_target():
    c = hud_content(load_spec("forearm_plank"), state(hold_s=12.7, in_position=True))
    assert (c.big, c.unit, c.target) == ("12", "s held", "/ 10-20 s")
    assert c.progress == 1.0 and c.target_met and c.status == "GOOD FORM"
    paused = hud_content(load_spec("forearm_plank"), state(hold_s=4.0, in_position=False))
    assert paused.status == "HOLD PAUSED" and paused.status_kind == "idle"


def test_per_side_counts_and_target():
    c = hud_content(load_spec("bird_dog"), state(reps=5, per_side={"left": 3, "right": 2}))
    assert c.sides == "L 3   R 2"
    assert c.target == "/ 5-10 each side"
    assert c.progress == pytest.approx(2 / 5)  # the side that is behind


def test_fault_status_is_told_by_word_not_only_colour():
    spec = load_spec("forearm_plank")
    c = hud_content(spec, state(in_position=True), faults=("Hips are sagging",))
    assert (c.status, c.status_kind) == ("FIX FORM", "fault")
    assert hud_content(spec, state(detected=False)).status == "NO PERSON"
    assert hud_content(spec, state(in_posture=False)).status == "GET INTO POSITION"


def test_setup_message_while_not_ready_and_the_avoid_warning():
    problem = SetupProblem("feet_out", "Step back: your feet are out of the picture")
    c = hud_content(load_spec("crunch"), state(), info=HudInfo(setup=SetupStatus(0.0, False, problem, 0.0)))
    assert c.setup == problem.message
    assert c.caution.startswith("CAUTION") and "forearm plank" in c.caution
    checking = hud_content(load_spec("squat"), state(), info=HudInfo(setup=SetupStatus(0.0, False, None, 0.2)))
    assert checking.setup == "Checking the camera view..."
    assert hud_content(load_spec("squat"), state(), info=HudInfo(setup=SetupStatus(2.0, True, None, 1.5))).setup is None


# -- wrapping ---------------------------------------------------------------------------------

LONG = ("Hips are too high: lower them until the shoulders, hips and ankles line up, and keep "
        "breathing steadily while the belly stays braced")


@pytest.mark.parametrize("width", [120, 300, 620])
def test_wrapping_keeps_every_word_and_fits(width):
    lines = wrap_text(LONG, width, 0.9, 2)
    assert "".join(lines).replace(" ", "") == LONG.replace(" ", "")  # nothing dropped, nothing added
    if width >= 300:  # wide enough for every word: breaks only at spaces
        assert " ".join(lines) == LONG
    assert all(hud.text_width(line, 0.9, 2) <= width for line in lines)


def test_a_word_wider_than_the_line_is_split_not_dropped():
    word = "Supercalifragilisticexpialidocious"
    lines = wrap_text(word, 80, 0.9, 2)
    assert len(lines) > 1 and "".join(lines) == word


def test_long_messages_are_drawn_in_full_on_a_small_frame():
    """The old overlay cut messages short with '...'; the HUD wraps them and its panel grows."""

    def panel_top(faults) -> int:
        img = np.full((240, 320, 3), 128, np.uint8)
        Hud().draw(img, hud_content(load_spec("squat"), state(reps=1), faults=faults))
        rule = np.flatnonzero(colour_mask(img, hud.FAULT, 5).sum(axis=1) > 0.9 * img.shape[1])
        return int(rule.min())

    short = panel_top(("Chest up",))
    long = panel_top((LONG, "Chest up: the trunk is tipping too far forward"))
    assert long < short - 40  # room for the extra lines
    assert long >= 240 * 0.55 - 1  # the font shrinks before the panel covers half the picture


# -- drawing ----------------------------------------------------------------------------------


def test_faults_are_drawn_with_a_symbol_in_the_fault_colour_and_good_with_a_tick():
    spec = load_spec("forearm_plank")
    bad, good = np.zeros((480, 640, 3), np.uint8), np.zeros((480, 640, 3), np.uint8)
    Hud().draw(bad, hud_content(spec, state(in_position=True, hold_s=3), faults=("Hips are sagging",)))
    Hud().draw(good, hud_content(spec, state(in_position=True, hold_s=3)))
    assert colour_mask(bad, hud.FAULT).sum() > 500 and colour_mask(bad, hud.GOOD).sum() < colour_mask(good, hud.GOOD).sum()
    assert colour_mask(good, hud.FAULT).sum() == 0
    # the bottom panel exists only with a fault, and carries white text
    assert (bad[420:, :, :] > 240).all(axis=2).sum() > 200
    assert (good[420:, :, :] > 240).all(axis=2).sum() == 0


def test_the_count_is_big_enough_to_read_from_across_the_room():
    img = np.zeros((480, 640, 3), np.uint8)
    Hud().draw(img, hud_content(load_spec("squat"), state(reps=7)))
    white = (img[:, :120] > 240).all(axis=2)
    rows = np.flatnonzero(white.any(axis=1))
    assert rows.max() - rows.min() >= 480 / 8  # the digit is at least an eighth of the frame high


def test_annotator_draws_the_hud_at_any_frame_size():
    spec = load_spec("squat")
    for size in [(180, 240), (480, 640), (1080, 1920)]:
        img = np.full((*size, 3), 90, np.uint8)
        out = Annotator(spec).draw(img, pose_frame(0, standing_joints()), state(reps=3), info=HudInfo(key_hint="q: quit"))
        assert out.shape == img.shape and not np.array_equal(out, img)


# -- the feed of form messages ----------------------------------------------------------------


def test_frame_cues_show_at_once_and_rep_cues_at_the_bottom_of_the_rep():
    spec = load_spec("squat")
    feed = CueFeed(spec)
    lean = spec.cue("excessive_forward_lean").message
    # on the way down: hip angle falling, past the peak threshold, lean failing
    msgs = [feed.update(state(0.05 * k, phase="peak", metrics={"hip_angle": 100 - k},
                              cues={"excessive_forward_lean": "fail"})) for k in range(10)]
    assert msgs[0] == () and lean in msgs[-1]  # after PEAK_FAULT_S
    # on the way back up the value no longer says how far the trunk tipped: not shown
    up = feed.update(state(0.6, phase="peak", metrics={"hip_angle": 100.0}, cues={"excessive_forward_lean": "fail"}))
    assert up == ()


def test_the_verdict_on_the_last_rep_shows_for_two_seconds():
    spec = load_spec("squat")
    feed = CueFeed(spec)
    verdict = RepVerdict(1, "left", 3.0, 3.0, ("insufficient_depth",))
    msg = "Last rep: " + spec.cue("insufficient_depth").message
    assert feed.update(state(3.5, reps=1, last_rep=verdict)) == (msg,)
    assert feed.update(state(5.5, reps=1, last_rep=verdict)) == ()


def test_frame_cue_messages_for_a_hold():
    spec = load_spec("forearm_plank")
    cue = spec.cues[0]
    assert CueFeed(spec).update(state(1.0, in_position=True, cues={cue.id: "fail"})) == (cue.message,)


# -- mirror -----------------------------------------------------------------------------------


def test_mirror_flips_the_skeleton_but_not_the_words():
    spec = load_spec("forearm_plank")
    cue_id = spec.cues[0].id
    # on the left of the picture, below the top panel
    joints = {name: (x - 150.0, 0.8 * y + 90.0) for name, (x, y) in standing_joints().items()}
    pose = pose_frame(0, joints)
    st = state(0, in_position=True, hold_s=5, cues={cue_id: "fail"})
    img = np.full((480, 640, 3), 90, np.uint8)
    plain = Annotator(spec).draw(img, pose, st, mirror=False, faults=())
    mirrored = Annotator(spec).draw(img, pose, st, mirror=True, faults=())
    body = slice(130, 400)  # between the top panel and the bottom
    fault_cols = np.flatnonzero(colour_mask(plain[body], hud.FAULT).any(axis=0))
    mirror_cols = np.flatnonzero(colour_mask(mirrored[body], hud.FAULT).any(axis=0))
    assert fault_cols.size and fault_cols.max() < 320  # the failing joints: left half ...
    assert mirror_cols.min() > 320  # ... and flipped to the right half
    np.testing.assert_array_equal(plain[:110], mirrored[:110])  # the HUD reads the same way


def test_mirror_keeps_the_persons_own_side_names():
    spec = load_spec("bird_dog")
    st = state(0, reps=3, per_side={"left": 2, "right": 1})
    img = np.full((480, 640, 3), 90, np.uint8)
    pose = pose_frame(0, {name: (x, 0.8 * y + 90.0) for name, (x, y) in standing_joints().items()})
    a = Annotator(spec).draw(img, pose, st, mirror=False, faults=())
    b = Annotator(spec).draw(img, pose, st, mirror=True, faults=())
    assert hud_content(spec, st).sides == "L 2   R 1"  # anatomical sides, from the unflipped analysis
    np.testing.assert_array_equal(a[:110], b[:110])


def test_text_is_not_mirrored_in_the_output():
    spec = load_spec("squat")
    img = np.full((480, 640, 3), 90, np.uint8)
    pose = pose_frame(0, {name: (x, 0.8 * y + 90.0) for name, (x, y) in standing_joints().items()})
    out = Annotator(spec).draw(img, pose, state(reps=7), mirror=True, faults=())
    reference = np.full((480, 640, 3), 90, np.uint8)
    Hud().draw(reference, hud_content(spec, state(reps=7)))
    np.testing.assert_array_equal(out[:110, :200], reference[:110, :200])  # the count, unflipped
    assert cv2.countNonZero(cv2.cvtColor(out[:110, :200], cv2.COLOR_BGR2GRAY)) > 0


def test_a_routine_target_replaces_the_specs():
    from posecheck.specs.schema import Dosage

    c = hud_content(load_spec("squat"), state(reps=4), info=HudInfo(set_index=1, sets=2, dosage=Dosage(reps=(5, 5))))
    assert (c.target, c.set_text) == ("/ 5", "Set 1 of 2")
    assert c.progress == pytest.approx(0.8)
