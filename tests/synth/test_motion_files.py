"""Motion files: one per spec, faults named like the spec's cues, strict validation with
one line per problem naming file, field and fix, and the search path."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from posecheck.synth import SynthRequest, motion_file
from posecheck.synth.clip import plan_clip
from posecheck.synth.motion_file import MotionFileError, load_motion, load_motion_file, motion_dirs, motion_names

REPO = Path(__file__).resolve().parents[2]
SPECS = REPO / "exercise_specs"
MOTIONS = SPECS / "motions"
TEST_MOTIONS = Path(__file__).resolve().parent / "motions"


def spec_names() -> list[str]:
    return sorted(p.stem for p in SPECS.glob("*.toml"))


def motion_file_names() -> list[str]:
    return sorted(p.stem for p in MOTIONS.glob("*.toml"))


def judged_by(motion: str) -> str:
    """The spec that judges a motion's clips: its own, or the one it is a variant of."""
    return load_motion_file(MOTIONS / f"{motion}.toml").exercise


def cue_ids(spec: str) -> set[str]:
    data = tomllib.loads((SPECS / f"{spec}.toml").read_text(encoding="utf-8"))
    return {cue["id"] for cue in data.get("cues", [])}


def test_every_spec_has_a_motion():
    missing = [name for name in spec_names() if not (MOTIONS / f"{name}.toml").is_file()]
    assert missing == [], f"specs without exercise_specs/motions/<name>.toml: {missing}"


@pytest.mark.parametrize("name", motion_file_names())
def test_motion_faults_are_cue_ids_of_its_spec(name):
    spec = judged_by(name)
    assert (SPECS / f"{spec}.toml").is_file(), f"motion {name} has no spec exercise_specs/{spec}.toml"
    faults = set(load_motion_file(MOTIONS / f"{name}.toml").spec.faults)
    assert faults <= cue_ids(spec), f"{name}: faults that are not cue ids: {sorted(faults - cue_ids(spec))}"


def test_a_variant_motion_is_labelled_with_the_spec_it_is_a_variant_of():
    straight = load_motion("side_plank_straight_arm")
    assert straight.spec.variant_of == "side_plank" and straight.exercise == "side_plank"
    assert load_motion("side_plank").exercise == "side_plank"
    assert plan_clip(SynthRequest("side_plank_straight_arm", hold_s=3.0)).labels["exercise"] == "side_plank"


@pytest.mark.parametrize("name", motion_file_names())
def test_a_fault_costs_good_form_unless_its_cue_is_a_reminder(name):
    data = tomllib.loads((SPECS / f"{judged_by(name)}.toml").read_text(encoding="utf-8"))
    reminders = {cue["id"] for cue in data.get("cues", []) if cue.get("severity") == "info"}
    faults = load_motion_file(MOTIONS / f"{name}.toml").spec.faults
    assert {f for f, d in faults.items() if not d.costs_good_form} == reminders & set(faults)


@pytest.mark.parametrize("name", motion_file_names())
def test_sample_timing_faults_are_timing_cues_of_its_spec(name):
    data = tomllib.loads((SPECS / f"{judged_by(name)}.toml").read_text(encoding="utf-8"))
    timing = {cue["id"] for cue in data.get("cues", []) if cue.get("kind") in ("tempo", "pause")}
    named = {f for s in load_motion_file(MOTIONS / f"{name}.toml").spec.samples for f in s.timing_faults}
    assert named <= timing, f"{name}: sample timing_faults that are not tempo or pause cues: {sorted(named - timing)}"


def test_shipped_motions_are_found_by_name(monkeypatch):
    monkeypatch.delenv("POSECHECK_SPECS", raising=False)
    assert motion_names() == motion_file_names()
    assert load_motion("squat").path == MOTIONS / "squat.toml"


def test_posecheck_specs_folders_come_first(monkeypatch, tmp_path):
    (tmp_path / "motions").mkdir()
    (tmp_path / "motions" / "squat.toml").write_text((TEST_MOTIONS / "dead_bug.toml").read_text())
    monkeypatch.setenv("POSECHECK_SPECS", str(tmp_path))
    assert motion_dirs()[0] == tmp_path / "motions"
    assert load_motion("squat").spec.body == "keyframed"


def test_packaging_ships_the_motions_with_the_specs():
    """The wheel force-includes exercise_specs as posecheck/_specs, motions/ included; the
    loader's packaged folder is that copy's motions/."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include["exercise_specs"] == "posecheck/_specs"
    assert MOTIONS.parent == REPO / "exercise_specs"


def test_an_exercise_with_a_motion_file_can_be_requested(monkeypatch):
    monkeypatch.setenv("POSECHECK_SPECS", str(TEST_MOTIONS.parent))
    req = SynthRequest("dead_bug", reps=2, faults=("leg_too_low:8@reps=2",), side="alternate_right")
    assert req.elevation == 15.0 and req.azimuth == 0.0
    with pytest.raises(ValueError, match="valid: alternate, alternate_right, left, right"):
        SynthRequest("dead_bug", side="both")


# --------------------------------------------------------------------------- validation

BRIDGE = (MOTIONS / "glute_bridge.toml").read_text()
DEAD_BUG = (TEST_MOTIONS / "dead_bug.toml").read_text()
PLANK = (MOTIONS / "forearm_plank.toml").read_text()


#: (file text, text to replace, replacement, field named in the error line, words of the fix)
BROKEN = [
    (BRIDGE, "mode = ", "mdoe = ", "mdoe", "did you mean 'mode'"),
    (BRIDGE, 'channel = "hip_line"\nchange = { hip_line = -1.0 }', 'chanel = "hip_line"\nchange = { hip_line = -1.0 }',
     "faults.hips_too_low.chanel", "did you mean 'channel'"),
    (BRIDGE, "rest_s = 0.5\n", "", "tempo.rest_s", "add it"),
    (BRIDGE, "rest_s = 0.5\n", "rest_s = 0.5\nlift_s = 1.0\n", "tempo.lift_s", "remove it"),
    (BRIDGE, 'mode = "reps"', 'mode = "rep"', "mode", "did you mean 'reps'"),
    (BRIDGE, 'view = "side"', 'view = "sid"', "camera.view", "did you mean 'side'"),
    (BRIDGE, "default_deg = 15.0\nmax_deg = 25.0", "default_deg = 30.0\nmax_deg = 25.0", "faults.lumbar_arch",
     "lower it or raise max_deg"),
    (BRIDGE, '"hips pushed {m:g} deg', '"hips pushed deg', "faults.lumbar_arch.meaning", "include {m:g}"),
    (BRIDGE, 'solver = "glute_bridge"', 'solver = "glute_brige"', "solver", "did you mean 'glute_bridge'"),
    (BRIDGE, "change = { hip_line = 1.0 }", "change = { hipline = 1.0 }", "faults.lumbar_arch.change.hipline",
     "did you mean 'hip_line'"),
    (BRIDGE, 'sides = "symmetric"', 'sides = "alternating"', "sides", 'sides = "symmetric"'),
    (BRIDGE, 'body = "solver"\n', "", "body", 'body = "keyframed"'),
    (BRIDGE, "lateral = [1.0, 0.0, 0.0]", "lateral = [1.0, 0.5, 0.0]", "camera", "horizontal unit vector"),
    (BRIDGE, "lateral = [1.0, 0.0, 0.0]   # the subject's left\n", "", "camera.lateral", "must give it"),
    (BRIDGE, 'rest = "lying', 'position = "x"\nrest = "lying', "text.position", "remove it"),
    (BRIDGE, "[faults.lumbar_arch]", "[faults.Lumbar-Arch]", "faults.Lumbar-Arch", "lower-case letters"),
    (BRIDGE, "seed = 11\n", 'seed = 11\ntiming_faults = ["too_fast"]\n', "samples[0].timing_faults", "add tempo_s"),
    (BRIDGE, "seed = 11\n", 'seed = 11\nside = "left"\n', "samples[0].side", "a symmetric motion"),
    (PLANK, 'view = "side"\nseed', 'view = "side"\nrest_between_s = 1.0\nseed', "samples[0].rest_between_s",
     "a hold has no reps"),
    (DEAD_BUG, "moving_knee_flex = 5.0", "moving_kne_flex = 5.0", "keyframes[1].angles.moving_kne_flex",
     "did you mean 'moving_knee_flex'"),
    (DEAD_BUG, "moving_knee_flex = 5.0", "left_knee_flex = 5.0", "keyframes[1].angles.left_knee_flex",
     "moving_knee_flex"),
    (DEAD_BUG, "both_knee_flex = 90.0", "moving_knee_flex = 90.0", "keyframes[0].angles.moving_knee_flex",
     "use both_ angles"),
    (DEAD_BUG, "at = 1.0", "at = 0.8", "keyframes", "end at 1.0"),
    (DEAD_BUG, "moving_knee_flex = 5.0", "moving_knee_flex = 5.0\nboth_knee_flex = 3.0",
     "keyframes[1].angles.both_knee_flex", "keep one"),
    (DEAD_BUG, "moving_knee_flex = 5.0", "moving_knee_flex = 500.0", "keyframes[1].angles.moving_knee_flex", "180"),
    (DEAD_BUG, 'base = "supine"', 'base = "supine"\nanchor = "moving_ankel"', "anchor", "did you mean 'moving_ankle'"),
    (DEAD_BUG, 'base = "supine"', 'base = "side_lying"', "base", 'sides = "one_side"'),
    (DEAD_BUG, 'base = "supine"', 'base = "supin"', "base", "did you mean 'supine'"),
    (DEAD_BUG, "change = { spine_flex = -1.0 }", "change = { spine_flx = -1.0 }", "faults.back_arching.change.spine_flx",
     "did you mean 'spine_flex'"),
    (DEAD_BUG, "at = 1.0", "at = 1.0\nease = true", "keyframes[1].ease", "allowed here: at, angles, offsets"),
    (DEAD_BUG, 'base = "supine"', 'base = "supine"\nsolver = "squat"', "solver", "remove it"),
    (DEAD_BUG, 'base = "supine"', 'base = "supine"\nvariant_of = "Dead Bug"', "variant_of", "lower-case letters"),
    (DEAD_BUG, 'base = "supine"', 'base = "supine"\nvariant_of = "dead_bugg"', "variant_of", "did you mean 'dead_bug'"),
    (DEAD_BUG, "elevation_deg = 15.0", "elevation_deg = 15.0\nheading = [0.0, 0.0, 1.0]", "camera.heading",
     "from its base; remove it"),
]


@pytest.mark.parametrize("source,old,new,field,fix", [pytest.param(*case, id=case[3]) for case in BROKEN])
def test_bad_motion_files_name_file_field_and_fix(tmp_path, source, old, new, field, fix):
    assert old in source
    path = tmp_path / "broken.toml"
    path.write_text(source.replace(old, new, 1))
    with pytest.raises(MotionFileError) as err:
        load_motion_file(path)
    lines = str(err.value).splitlines()
    line = next((x for x in lines if x.startswith(f"{path}: {field}: ")), None)
    assert line is not None, lines
    assert fix in line


@pytest.mark.parametrize("text,match", [("mode = = 1", "invalid TOML"), (None, "motion file not found")])
def test_unreadable_motion_files(tmp_path, text, match):
    path = tmp_path / "m.toml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(MotionFileError, match=f"^{path}: {match}"):
        load_motion_file(path)


def test_unknown_exercise_suggests_and_lists(monkeypatch):
    monkeypatch.delenv("POSECHECK_SPECS", raising=False)
    with pytest.raises(ValueError, match="did you mean 'side_plank'.*valid: .*bird_dog, .*forearm_plank"):
        load_motion("side_plnk")


def test_the_format_example_in_the_docs_is_a_valid_motion_file(tmp_path):
    example = motion_file.__doc__.split("A file holds::\n\n")[1].split("\nSided motions")[0]
    path = tmp_path / "knees_to_chest.toml"
    path.write_text("\n".join(line.removeprefix("    ") for line in example.splitlines()))
    assert load_motion_file(path).spec.faults["knees_not_to_chest"].change == {"both_hip_flex": -1.0}
