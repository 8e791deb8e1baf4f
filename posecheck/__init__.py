"""posecheck: check exercise form from video with MediaPipe pose landmarks.

The public API is small; the CLI (``posecheck``) is a thin layer over it::

    from posecheck import analyze_video, load_spec
    report = analyze_video("clip.mp4", load_spec("glute_bridge"))
    print(report.summary())
"""

__version__ = "0.1.0"

from posecheck.analyze import AnalyzeOptions, Report, analyze_frames, analyze_video  # noqa: E402
from posecheck.specs.loader import known_exercises, load_spec  # noqa: E402

__all__ = ["AnalyzeOptions", "Report", "analyze_frames", "analyze_video", "known_exercises", "load_spec", "__version__"]
