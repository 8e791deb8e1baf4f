"""posecheck: check exercise form from video with MediaPipe pose landmarks.

The public API is small; the CLI (``posecheck``) is a thin layer over it::

    from posecheck import analyze_video, load_spec
    report = analyze_video("clip.mp4", load_spec("glute_bridge"))
    print(report.summary())

The names below are imported on first use, so ``import posecheck`` (and the start of the
``posecheck`` command) does not load OpenCV, numpy or pydantic.
"""

__version__ = "0.1.0"

_LAZY = {
    "AnalyzeOptions": "posecheck.analyze",
    "Report": "posecheck.report",
    "analyze_frames": "posecheck.analyze",
    "analyze_video": "posecheck.analyze",
    "known_exercises": "posecheck.specs.loader",
    "load_spec": "posecheck.specs.loader",
}

__all__ = ["AnalyzeOptions", "Report", "analyze_frames", "analyze_video", "known_exercises", "load_spec", "__version__"]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'posecheck' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
