"""Find, load and validate exercise specs; turn every problem into one clear line.

Specs are TOML: it has comments (specs carry their reasoning next to each threshold),
is read by the standard library (``tomllib``), and maps one-to-one onto the pydantic
models in :mod:`posecheck.specs.schema`.

Search path for ``load_spec("squat")``: ``$POSECHECK_SPECS`` (``os.pathsep``-separated
folders), then the ``exercise_specs/`` folder of the checkout, then the copy packaged in
the wheel.
"""

from __future__ import annotations

import os
from pathlib import Path

import tomllib
from pydantic import BaseModel, ValidationError

from posecheck.errors import SpecError, UnknownExerciseError
from posecheck.pose.landmarks import suggest
from posecheck.specs.schema import ExerciseSpec

_REPO_SPECS = Path(__file__).resolve().parents[2] / "exercise_specs"
_PACKAGED_SPECS = Path(__file__).resolve().parents[1] / "_specs"


def spec_dirs() -> list[Path]:
    """Folders searched for ``<name>.toml``, in priority order (existing ones only)."""
    dirs = [Path(p) for p in os.environ.get("POSECHECK_SPECS", "").split(os.pathsep) if p]
    dirs += [_REPO_SPECS, _PACKAGED_SPECS]
    out: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out


def spec_files() -> dict[str, Path]:
    """Every spec file found, by exercise name (the file stem); earlier folders win."""
    found: dict[str, Path] = {}
    for d in spec_dirs():
        for path in sorted(d.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def known_exercises() -> list[str]:
    return sorted(spec_files())


def _field_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after[_references()]", "function-after[_arity()]", "function-after[_bounds()]"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _allowed_fields(loc: tuple) -> list[str]:
    """Field names allowed where ``loc`` points (for did-you-mean on unknown keys)."""
    current: type[BaseModel] | None = ExerciseSpec
    dict_key_next = False
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        if dict_key_next:  # a key of a dict field, such as a metric's name
            dict_key_next = False
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            continue
        dict_key_next = getattr(field.annotation, "__origin__", None) is dict
        current = _model_in(field.annotation)
    return list(current.model_fields) if current is not None else []


def _model_in(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def format_validation_error(path: Path | str, exc: ValidationError) -> str:
    """One line per problem: ``file: field: what is wrong (did you mean ...?)``."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        field = _field_path(loc)
        if err["type"] == "extra_forbidden":
            hint = suggest(str(loc[-1]), _allowed_fields(loc))
            msg = f"unknown field{hint}"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "literal_error":
            msg = f"{err['msg'].lower()}, got {err['input']!r}"
            expected = err.get("ctx", {}).get("expected", "")
            options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",") if o.strip()]
            msg += suggest(str(err["input"]), options)
        else:
            msg = err["msg"].removeprefix("Value error, ")
            msg = msg[:1].lower() + msg[1:]
        lines.append(f"{path}: {field}: {msg}")
    return "\n".join(lines)


def load_spec_file(path: str | os.PathLike[str]) -> ExerciseSpec:
    """Parse and validate one spec file; raise :class:`SpecError` naming file and field."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"{path}: spec file not found") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec file: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: invalid TOML: {exc}") from None
    try:
        spec = ExerciseSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc)) from None
    if spec.name != path.stem:
        raise SpecError(f"{path}: name: {spec.name!r} does not match the file name; rename the file to {spec.name}.toml or fix the name")
    return spec


def load_spec(name_or_path: str | os.PathLike[str]) -> ExerciseSpec:
    """Load a spec by exercise name (searched in :func:`spec_dirs`) or by file path."""
    text = str(name_or_path)
    if text.endswith(".toml") or os.sep in text or Path(text).is_file():
        return load_spec_file(text)
    files = spec_files()
    if text not in files:
        known = sorted(files)
        raise UnknownExerciseError(
            f"unknown exercise {text!r}{suggest(text, known)}; known: {', '.join(known) or '(none found)'}"
        )
    return load_spec_file(files[text])
