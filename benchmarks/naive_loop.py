"""The loop people write when they first put MediaPipe on a video: the baseline posecheck is timed against.

Decode with OpenCV, convert BGR to RGB, run the pose landmarker in VIDEO mode for one
person, keep the landmarks. No counting, no cues, no report. ``--inference-only`` decodes
every frame first and prints the seconds spent in the model alone.

    python benchmarks/naive_loop.py CLIP [--model lite|full|PATH] [--inference-only]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("GLOG_minloglevel", "2")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("clip")
    ap.add_argument("--model", default="full")
    ap.add_argument("--inference-only", action="store_true")
    args = ap.parse_args(argv)

    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python.core.base_options import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    from posecheck.pose.models import resolve_model

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model(args.model).path)),
        running_mode=RunningMode.VIDEO,
        num_poses=1,
    )
    cap = cv2.VideoCapture(args.clip)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    landmarks = []
    with PoseLandmarker.create_from_options(options) as landmarker:
        if args.inference_only:
            images = []
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                images.append(mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
            start = time.perf_counter()
            for i, image in enumerate(images):
                landmarks.append(landmarker.detect_for_video(image, int(i * 1000 / fps)).pose_landmarks)
            print(f"inference {time.perf_counter() - start:.3f} s for {len(images)} frames")
        else:
            index = 0
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                image = mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                landmarks.append(landmarker.detect_for_video(image, int(index * 1000 / fps)).pose_landmarks)
                index += 1
    return 0 if landmarks else 1


if __name__ == "__main__":
    sys.exit(main())
