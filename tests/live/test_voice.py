"""The voice: queue order, rate limiting and wording on a fake clock and a fake engine (no
sound), and espeak-ng itself rendering to a WAV file."""

from __future__ import annotations

import math
import wave

import numpy as np
import pytest

from posecheck import voice
from posecheck.core.session import RepVerdict
from posecheck.setup_check import SetupProblem, SetupStatus
from posecheck.specs.loader import load_spec
from posecheck.voice import Countdown, Priority, Speaker, VoiceCoach, announcement, open_speaker, target_text
from tests.live.fakes import FakeClock, FakeEngine, state


def speaker(s_per_word: float = 0.4, **kwargs) -> tuple[Speaker, FakeEngine, FakeClock]:
    clock = FakeClock()
    engine = FakeEngine(clock, s_per_word)
    return Speaker(engine, clock, **kwargs), engine, clock


def run_for(sp: Speaker, clock: FakeClock, seconds: float, step: float = 0.05) -> None:
    for _ in range(round(seconds / step)):
        sp.update()
        clock.advance(step)


# -- Speaker: order ---------------------------------------------------------------------------


def test_safety_goes_before_form_cues_before_counts():
    sp, engine, clock = speaker()
    sp.say("three", Priority.COUNT)
    sp.say("Chest up", Priority.CUE)
    sp.say("Stop if the low back hurts", Priority.SAFETY)
    assert sp.waiting() == ["Stop if the low back hurts", "Chest up", "three"]
    run_for(sp, clock, 6)
    assert engine.texts[:2] == ["Stop if the low back hurts", "Chest up"]


def test_same_priority_keeps_arrival_order():
    sp, engine, clock = speaker()
    for text in ("Squat. 8 to 12 reps.", "Keep the heels down", "Knees follow the toes"):
        sp.say(text, Priority.SAFETY)
    run_for(sp, clock, 10)
    assert engine.texts == ["Squat. 8 to 12 reps.", "Keep the heels down", "Knees follow the toes"]


def test_a_safety_note_that_arrives_while_talking_goes_next_but_does_not_interrupt():
    sp, engine, clock = speaker()
    sp.say("one two three four five", Priority.CUE)
    sp.update()
    clock.advance(0.5)
    sp.say("four", Priority.COUNT)
    sp.say("Stop if it hurts", Priority.SAFETY)
    run_for(sp, clock, 0.5)
    assert engine.texts == ["one two three four five"]  # still talking: nothing new started
    run_for(sp, clock, 3)
    assert engine.texts[1] == "Stop if it hurts"


# -- Speaker: rate limiting -------------------------------------------------------------------


def test_never_talks_over_itself_and_leaves_a_gap():
    sp, engine, clock = speaker(s_per_word=0.3, gap_s=0.3)
    for i, text in enumerate(["Hips are sagging", "Chest up please", "Go deeper now"]):
        sp.say(text, Priority.CUE)
    run_for(sp, clock, 5, step=0.01)
    assert len(engine.texts) == 3  # FakeEngine asserts if started while busy
    for (t0, a), (t1, _) in zip(engine.said, engine.said[1:]):
        assert t1 - t0 >= 0.3 * len(a.split()) + 0.3 - 1e-6


def test_a_stale_count_is_dropped():
    sp, engine, clock = speaker()
    sp.say("This is a long safety note of many words", Priority.SAFETY)
    sp.update()
    sp.say("two", Priority.COUNT)  # waits 3.2 s behind the note: too late to be useful
    run_for(sp, clock, 6)
    assert engine.texts == ["This is a long safety note of many words"]


def test_a_safety_note_never_expires():
    sp, engine, clock = speaker()
    sp.say(" ".join(["word"] * 30), Priority.CUE)
    sp.update()
    sp.say("Stop if the low back hurts", Priority.SAFETY)
    run_for(sp, clock, 20)
    assert engine.texts[-1] == "Stop if the low back hurts"


def test_a_newer_count_replaces_the_waiting_one():
    sp, engine, clock = speaker()
    sp.say("two words", Priority.CUE)
    sp.update()
    sp.say("one", Priority.COUNT, key="count")
    sp.say("two", Priority.COUNT, key="count")
    assert sp.waiting() == ["two"]
    run_for(sp, clock, 3)
    assert engine.texts == ["two words", "two"]


def test_a_lasting_fault_is_not_repeated_every_frame():
    sp, engine, clock = speaker()
    for _ in range(300):  # 15 s of frames asking for the same cue
        sp.say("Hips are sagging", Priority.CUE)
        sp.update()
        clock.advance(0.05)
    repeats = [t for t, text in engine.said if text == "Hips are sagging"]
    assert len(repeats) == 2  # at 0 s and again once repeat_after_s (8 s) passed
    assert repeats[1] - repeats[0] >= voice.POLICIES[Priority.CUE].repeat_after_s


def test_the_queue_is_bounded_and_sheds_the_least_urgent():
    sp, _, _ = speaker(max_waiting=3)
    sp.say("safety", Priority.SAFETY)
    sp.say("cue one", Priority.CUE)
    sp.say("cue two", Priority.CUE)
    assert sp.say("count", Priority.COUNT) is False
    assert sp.waiting() == ["safety", "cue one", "cue two"]


def test_a_silent_speaker_accepts_everything_and_says_nothing():
    sp = Speaker(None)
    with sp:
        assert sp.say("anything", Priority.SAFETY) is False
        assert sp.update() is None
    assert not sp.enabled


def test_the_background_thread_speaks_and_stops_with_the_block():
    import time

    class Quick:
        def __init__(self):
            self.texts, self.closed = [], False

        def start(self, text):
            self.texts.append(text)

        def busy(self):
            return False

        def close(self):
            self.closed = True

    engine = Quick()
    with Speaker(engine, background=True, gap_s=0.0) as sp:
        sp.say("one", Priority.COUNT)
        sp.say("Keep the heels down", Priority.SAFETY)
        deadline = time.monotonic() + 2
        while len(engine.texts) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert engine.texts == ["Keep the heels down", "one"]
    assert engine.closed and sp._thread is None


# -- availability ----------------------------------------------------------------------------


def test_no_voice_is_silent_without_a_word():
    lines: list[str] = []
    sp = open_speaker(False, lines.append)
    assert not sp.enabled and lines == []


def test_without_espeak_it_says_so_once_and_carries_on(monkeypatch):
    monkeypatch.setattr(voice, "find_espeak", lambda: None)
    lines: list[str] = []
    sp = open_speaker(None, lines.append)
    assert not sp.enabled
    assert len(lines) == 1 and "espeak-ng is not installed" in lines[0]
    sp.say("three", Priority.COUNT)  # no error, no sound


def test_without_an_audio_device_it_says_so_once(monkeypatch):
    monkeypatch.setattr(voice, "find_espeak", lambda: "/usr/bin/espeak-ng")
    monkeypatch.setattr(voice, "audio_output_available", lambda: False)
    lines: list[str] = []
    sp = open_speaker(True, lines.append)
    assert not sp.enabled and lines == ["voice off: no audio output device found"]


def test_audio_detection_finds_a_playback_device_or_a_sound_server(tmp_path):
    snd = tmp_path / "snd"
    snd.mkdir()
    run = tmp_path / "run"
    (run / "pulse").mkdir(parents=True)
    env = {"XDG_RUNTIME_DIR": str(run)}
    assert voice.audio_output_available(snd, env, "linux") is False
    (snd / "pcmC0D0c").touch()  # a capture device only
    assert voice.audio_output_available(snd, env, "linux") is False
    (snd / "pcmC0D0p").touch()
    assert voice.audio_output_available(snd, env, "linux") is True
    assert voice.audio_output_available(tmp_path / "none", {"PULSE_SERVER": "tcp:host"}, "linux") is True
    (run / "pulse" / "native").touch()
    assert voice.audio_output_available(tmp_path / "none", env, "linux") is True
    assert voice.audio_output_available(tmp_path / "none", {}, "darwin") is True


# -- what the coach says ----------------------------------------------------------------------


def test_announcement_and_target_in_words():
    squat = load_spec("squat")
    assert target_text(squat) == "8 to 12 reps"
    assert announcement(squat, 1) == "Bodyweight squat. Set 1 of 3. 8 to 12 reps."
    plank = load_spec("forearm_plank")
    assert "hold 10 to 20 seconds" in target_text(plank)


def test_start_announces_then_the_safety_notes_before_anything_else():
    sp, engine, clock = speaker(s_per_word=0.05)
    spec = load_spec("squat")
    coach = VoiceCoach(sp, spec)
    sp.say("one", Priority.COUNT)
    coach.start(set_index=1)
    run_for(sp, clock, 10)
    assert engine.texts[0].startswith("Bodyweight squat. Set 1 of 3.")
    assert engine.texts[1:1 + len(spec.safety)] == spec.safety


def test_an_advised_against_move_is_announced_with_its_warning():
    sp, engine, clock = speaker(s_per_word=0.02)
    coach = VoiceCoach(sp, load_spec("crunch"))
    coach.start(safety=False)
    run_for(sp, clock, 5)
    assert engine.texts[1].startswith("Careful: this move is advised against")
    assert "forearm plank" in engine.texts[1]


def test_counts_each_rep_and_says_when_the_target_is_reached():
    sp, engine, clock = speaker(s_per_word=0.1)
    coach = VoiceCoach(sp, load_spec("squat"))
    for n in range(1, 9):
        coach.update(state(clock(), reps=n))
        run_for(sp, clock, 2)
    assert engine.texts[:3] == ["one", "two", "three"]
    assert engine.texts[-1] == "eight. That's the target."


def test_a_rep_with_a_fault_is_counted_and_corrected_in_one_breath():
    sp, engine, clock = speaker(s_per_word=0.1)
    spec = load_spec("squat")
    coach = VoiceCoach(sp, spec)
    verdict = RepVerdict(index=1, side="left", end_s=3.0, counted_s=3.0, failed=("excessive_forward_lean",))
    coach.update(state(3.0, reps=1, last_rep=verdict), messages=("Last rep: " + spec.cue("excessive_forward_lean").message,))
    run_for(sp, clock, 3)
    assert engine.texts == ["one. " + spec.cue("excessive_forward_lean").message]
    assert sp.spoken[0].priority == Priority.CUE


def test_alternating_sides_are_counted_per_side():
    sp, engine, clock = speaker(s_per_word=0.1)
    coach = VoiceCoach(sp, load_spec("bird_dog"))
    coach.update(state(0, reps=1, per_side={"left": 1, "right": 0}))
    run_for(sp, clock, 1)
    coach.update(state(1, reps=2, per_side={"left": 1, "right": 1}))
    run_for(sp, clock, 1)
    assert engine.texts == ["left one", "right one"]


def test_hold_countdown_to_the_target():
    sp, engine, clock = speaker(s_per_word=0.1)
    coach = VoiceCoach(sp, load_spec("forearm_plank"))  # target 10-20 s
    for k in range(240):
        t = k * 0.05
        coach.update(state(t, in_position=t >= 0.5, hold_s=max(0.0, t - 0.5)))
        sp.update()
        clock.advance(0.05)
    assert engine.texts == ["Hold.", "three", "two", "one", "10 seconds. Target reached."]


def test_setup_problems_are_spoken_and_the_all_clear_once_fixed():
    sp, engine, clock = speaker(s_per_word=0.1)
    coach = VoiceCoach(sp, load_spec("squat"))
    problem = SetupProblem("feet_out", "Step back: your feet are out of the picture")
    for k in range(40):
        ready = k >= 30
        coach.update(state(k * 0.1), setup=SetupStatus(k * 0.1, ready, None if ready else problem, 0.0))
        run_for(sp, clock, 0.1)
    assert engine.texts == [problem.message, "Good, the camera can see you. Go ahead."]


def test_form_cues_are_spoken_but_not_the_last_rep_repeats():
    sp, engine, clock = speaker(s_per_word=0.1)
    coach = VoiceCoach(sp, load_spec("forearm_plank"))
    coach.update(state(0), messages=("Hips are sagging", "Last rep: something"))
    run_for(sp, clock, 2)
    assert engine.texts == ["Hips are sagging"]


def test_rest_timer_for_a_routine_runner():
    sp, engine, clock = speaker(s_per_word=0.05)
    coach = VoiceCoach(sp, load_spec("squat"))
    for k in range(31 * 10):
        coach.rest(30 - k * 0.1, next_up="bird dog")
        sp.update()
        clock.advance(0.1)
    assert engine.texts == ["Rest 30 seconds. Next: bird dog.", "ten", "three", "two", "one", "Go."]


def test_countdown_marks_once_each_and_rearms_when_time_goes_back():
    c = Countdown((3, 2, 1))
    said = [c.update(r) for r in np.arange(4.0, 0.0, -0.25)]
    assert [m for m in said if m is not None] == [3, 2, 1]
    assert c.update(5.0) is None and c.update(2.9) == 3


# -- espeak-ng for real, into a file ----------------------------------------------------------


@pytest.mark.skipif(voice.find_espeak() is None, reason="espeak-ng not installed (apt-get install espeak-ng)")
@pytest.mark.parametrize("text", ["three", "Step back: your feet are out of the picture"])
def test_espeak_renders_speech_of_a_plausible_length(tmp_path, text):
    path = voice.render_wav(text, tmp_path / "say.wav", rate_wpm=160)
    with wave.open(str(path)) as w:
        rate, n = w.getframerate(), w.getnframes()
        samples = np.frombuffer(w.readframes(n), np.int16).astype(np.float64)
    seconds = n / rate
    words = len(text.split())
    expected = words * 60 / 160
    assert 0.3 * expected <= seconds <= 2.5 * expected + 0.8, seconds
    rms = math.sqrt(np.mean(samples**2))
    assert rms > 500, rms  # not silence (full scale is 32767)
    loud = np.abs(samples) > 2000
    assert loud.mean() > 0.1


def test_espeak_engine_command_line(monkeypatch):
    args = voice.espeak_args("/usr/bin/espeak-ng", 150, "en-gb")
    assert args == ["/usr/bin/espeak-ng", "-s", "150", "-v", "en-gb"]


def test_a_routine_sets_its_own_target():
    from posecheck.specs.schema import Dosage

    sp, engine, clock = speaker(s_per_word=0.05)
    coach = VoiceCoach(sp, load_spec("squat"))
    coach.start(set_index=2, sets=2, safety=False, dosage=Dosage(reps=(5, 5)))
    for n in range(1, 6):
        coach.update(state(n, reps=n))
        run_for(sp, clock, 1.5)
    assert engine.texts[0] == "Bodyweight squat. Set 2 of 2. 5 reps."
    assert engine.texts[-1] == "five. That's the target."


def test_an_engine_that_fails_leaves_the_session_running_silently():
    class Broken:
        def start(self, text):
            raise FileNotFoundError("espeak-ng vanished")

        def busy(self):
            return False

        def close(self):
            pass

    sp = Speaker(Broken())
    sp.say("three", Priority.COUNT)
    assert sp.update() is None and not sp.enabled
    assert sp.say("four", Priority.COUNT) is False


def test_the_espeak_engine_runs_one_process_per_utterance(tmp_path):
    """A stand-in program with espeak-ng's command line: reads the text, 'speaks' for a moment."""
    import time

    heard = tmp_path / "heard.txt"
    program = tmp_path / "fake-espeak"
    program.write_text(f"#!/bin/sh\ncat >> {heard}\necho >> {heard}\nsleep 0.3\n")
    program.chmod(0o755)
    engine = voice.EspeakEngine(str(program))
    engine.start("three")
    assert engine.busy()
    deadline = time.monotonic() + 5
    while engine.busy() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not engine.busy()
    engine.start("Stop if it hurts")
    engine.close()  # stops it at once
    assert not engine.busy()
    assert heard.read_text().splitlines()[0] == "three"
