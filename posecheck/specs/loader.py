"""Find, load and validate exercise specs; turn every problem into one clear line.

Specs are TOML: it has comments (specs carry their reasoning next to each threshold),
is read by the standard library (``tomllib``), and maps one-to-one onto the pydantic
models in :mod:`posecheck.specs.schema`.

Search path for ``load_spec("squat")``: ``$POSECHECK_SPECS`` (``os.pathsep``-separated
folders), then the ``exercise_specs/`` folder of the checkout, then the copy packaged in
the wheel. Named postures (``posture = "supine"``) are looked up in the ``postures/``
subfolder of the same folders; a loaded spec always carries its resolved
:class:`~posecheck.specs.schema.PostureSpec`. Exercise names are matched against spec
names and their ``aliases``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

import tomllib
from pydantic import BaseModel, ValidationError

from posecheck.errors import SpecError, UnknownExerciseError
from posecheck.pose.landmarks import suggest
from posecheck.specs.schema import ExerciseSpec, PostureSpec

#: A model read from a file named after it (spec, posture, routine).
Named = TypeVar("Named", bound=BaseModel)

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


def toml_files(subfolder: str = "") -> dict[str, Path]:
    """Every ``*.toml`` in ``subfolder`` of the spec folders, by name (the file stem); earlier folders win."""
    found: dict[str, Path] = {}
    for d in spec_dirs():
        for path in sorted((d / subfolder).glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def spec_files() -> dict[str, Path]:
    """Every spec file found, by exercise name (the file stem); earlier folders win."""
    return toml_files()


def posture_files() -> dict[str, Path]:
    """Every posture file found in the ``postures/`` subfolders, by name; earlier folders win."""
    return toml_files("postures")


def known_exercises() -> list[str]:
    return sorted(spec_files())


_CUE_TAGS = ("frame", "rep", "pause", "tempo")


def _clean_loc(loc: tuple) -> tuple:
    """``loc`` without pydantic's validator steps and union tags (``cues.0.rep.metric`` -> ``cues.0.metric``)."""
    out: list = []
    for part in loc:
        if isinstance(part, str) and (part.startswith("function-") or (out and isinstance(out[-1], int) and part in _CUE_TAGS)):
            continue
        out.append(part)
    return tuple(out)


def _field_path(loc: tuple) -> str:
    out = ""
    for part in _clean_loc(loc):
        name = str(part) if str(part).isprintable() else repr(str(part))
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + name
    return out or "(top level)"


def _allowed_fields(loc: tuple, model: type[BaseModel]) -> list[str]:
    """Field names allowed where ``loc`` points (for did-you-mean on unknown keys)."""
    tag = next((p for p in loc if isinstance(p, str) and p in _CUE_TAGS), None)
    current: type[BaseModel] | None = model
    dict_key_next = False
    for part in _clean_loc(loc)[:-1]:
        if isinstance(part, int) or current is None:
            continue
        if dict_key_next:  # a key of a dict field, such as a metric's name
            dict_key_next = False
            continue
        field = current.model_fields.get(str(part))
        if field is None:
            continue
        dict_key_next = getattr(field.annotation, "__origin__", None) is dict
        current = _model_in(field.annotation, tag)
    return list(current.model_fields) if current is not None else []


def _model_in(annotation, tag: str | None = None) -> type[BaseModel] | None:
    """The pydantic model inside a field's annotation; in a union of cue kinds, the one tagged ``tag``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    candidates = []
    for arg in (getattr(annotation, "__args__", None) or ()) + tuple(getattr(annotation, "__metadata__", None) or ()):
        found = _model_in(arg, tag)
        if found is not None:
            candidates.append(found)
    if hasattr(annotation, "__origin__") and not candidates:
        found = _model_in(annotation.__origin__, tag)
        candidates += [found] if found is not None else []
    for model in candidates:
        kind = model.model_fields.get("kind")
        if tag is None or kind is None or kind.default == tag or f"'{tag}'" in str(kind.annotation):
            return model
    return candidates[0] if candidates else None


def format_validation_error(path: Path | str, exc: ValidationError, model: type[BaseModel] = ExerciseSpec) -> str:
    """One line per problem: ``file: field: what is wrong (did you mean ...?)``."""
    lines = []
    errors = exc.errors()
    # A named posture is a string, an inline one a table: report the branch that was meant.
    def posture_branch(loc: tuple) -> bool:
        return len(loc) > 1 and loc[0] == "posture" and "PostureSpec" in str(loc[1])

    inline = any(posture_branch(tuple(e["loc"])) for e in errors)
    for err in errors:
        loc = tuple(err["loc"])
        if loc[:2] == ("posture", "str") and inline:
            continue
        if posture_branch(loc):
            loc = ("posture",) + loc[2:]
        field = _field_path(loc)
        if err["type"] == "extra_forbidden":
            hint = suggest(str(loc[-1]), _allowed_fields(loc, model))
            msg = f"unknown field{hint}"
        elif err["type"] == "union_tag_invalid":
            tags = [t.strip().strip("'") for t in str(err["ctx"]["expected_tags"]).split(",")]
            field = f"{field}.kind"
            msg = f"unknown kind {err['ctx']['tag']!r}{suggest(str(err['ctx']['tag']), tags)}; kinds: {', '.join(tags)}"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "literal_error":
            msg = f"{err['msg'].lower()}, got {_short(err['input'])}"
            expected = err.get("ctx", {}).get("expected", "")
            options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",") if o.strip()]
            msg += suggest(str(err["input"]), options)
        else:
            msg = err["msg"].removeprefix("Value error, ")
            msg = msg[:1].lower() + msg[1:]
        lines.append(f"{path}: {field}: {msg}")
    return "\n".join(lines)


#: Tables nested deeper than this are refused before parsing (no spec needs more than 5).
MAX_NESTING = 32


def _nesting_depth(text: str) -> int:
    """How deeply a TOML text nests inline tables and arrays, outside strings and comments."""
    depth = deepest = 0
    quote = ""
    comment = False
    for ch in text:
        if comment:
            comment = ch != "\n"
        elif quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            comment = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(0, depth - 1)
    return deepest


def _data_depth(data: object) -> int:
    """How deeply parsed TOML nests (dotted keys nest too), measured without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _short(value: object) -> str:
    """A value for an error message: scalars as written, containers by type only."""
    text = repr(value) if isinstance(value, (str, int, float, bool)) else f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def read_toml(path: Path, what: str) -> dict:
    """Read a TOML file into a dict; every problem is one :class:`SpecError` line naming the file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a folder, not a {what} file") from None
    except ValueError:  # a NUL byte in the path
        raise SpecError(f"{path!r}: not a valid file path") from None
    except OSError as exc:
        raise SpecError(f"{path}: cannot read {what} file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a UTF-8 text file") from None
    if _nesting_depth(text) > MAX_NESTING:
        raise SpecError(f"{path}: arrays or tables nested more than {MAX_NESTING} levels deep; a {what} needs at most 5")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: invalid TOML: {exc}") from None
    except ValueError as exc:  # e.g. an integer longer than Python converts (4300 digits)
        raise SpecError(f"{path}: invalid TOML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply to read") from None
    if _data_depth(data) > MAX_NESTING + 8:  # a few table levels above the deepest brackets
        raise SpecError(f"{path}: keys or tables nested more than {MAX_NESTING} levels deep; a {what} needs at most 5")
    return data


def read_named(path: str | os.PathLike[str], what: str, model: type[Named]) -> Named:
    """Read a TOML file of ``what`` (a spec, a posture, a routine), validate it as ``model``
    and check that its ``name`` is the file's; :class:`SpecError` naming file and field."""
    path = Path(path)
    data = read_toml(path, what)
    try:
        item = model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(format_validation_error(path, exc, model)) from None
    except RecursionError:
        raise SpecError(f"{path}: nested too deeply to validate") from None
    if item.name != path.stem:
        raise SpecError(f"{path}: name: {item.name!r} does not match the file name; rename the file to {item.name}.toml or fix the name")
    return item


def load_posture_file(path: str | os.PathLike[str]) -> PostureSpec:
    """Parse and validate one posture file of the posture library."""
    return read_named(path, "posture", PostureSpec)


def load_posture(name: str, where: str = "") -> PostureSpec:
    """A named posture from the library; :class:`SpecError` listing the known ones."""
    files = posture_files()
    if name not in files:
        known = sorted(files)
        prefix = f"{where}: posture: " if where else ""
        raise SpecError(f"{prefix}unknown posture {name!r}{suggest(name, known)}; known: {', '.join(known) or '(none found)'}")
    return load_posture_file(files[name])


def resolve_posture(spec: ExerciseSpec, where: str = "") -> ExerciseSpec:
    """The spec with a named posture replaced by its definition from the library."""
    if isinstance(spec.posture, PostureSpec):
        return spec
    return spec.model_copy(update={"posture": load_posture(spec.posture, where)})


def load_spec_file(path: str | os.PathLike[str]) -> ExerciseSpec:
    """Parse and validate one spec file; raise :class:`SpecError` naming file and field."""
    path = Path(path)
    spec = read_named(path, "spec", ExerciseSpec)
    if spec.avoid is not None:
        known = sorted(spec_files())
        for i, alt in enumerate(spec.avoid.alternatives):
            if alt not in known:
                raise SpecError(f"{path}: avoid.alternatives[{i}]: no spec named {alt!r}{suggest(alt, known)}")
    return resolve_posture(spec, str(path))


def spec_aliases() -> dict[str, str]:
    """Every alias any spec declares, mapped to that spec's name (specs that fail to load are left out)."""
    out: dict[str, str] = {}
    for name, path in spec_files().items():
        try:
            data = read_toml(path, "spec")
        except SpecError:
            continue
        aliases = data.get("aliases", [])
        if isinstance(aliases, list):
            for alias in aliases:
                if isinstance(alias, str) and alias not in out:
                    out[alias] = name
    return out


def canonical_exercise(name: str) -> str | None:
    """The spec name for an exercise name or alias; None when no spec knows it."""
    if name in spec_files():
        return name
    return spec_aliases().get(name)


def load_spec(name_or_path: str | os.PathLike[str]) -> ExerciseSpec:
    """Load a spec by exercise name (searched in :func:`spec_dirs`) or by file path."""
    text = str(name_or_path)
    try:
        is_file = Path(text).is_file()
    except OSError:  # a name too long to be a path, for one
        is_file = False
    if text.endswith(".toml") or os.sep in text or is_file:
        return load_spec_file(text)
    files = spec_files()
    name = canonical_exercise(text)
    if name is None:
        known = sorted(files)
        raise UnknownExerciseError(
            f"unknown exercise {text!r}{suggest(text, known + sorted(spec_aliases()))}; known: {', '.join(known) or '(none found)'}"
        )
    return load_spec_file(files[name])
