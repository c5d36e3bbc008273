#!/usr/bin/env python3
"""The same operations as prep's condition stages, in OpenCV + numpy, single thread.

    python3 bench/opencv_stages.py DIR [REPEATS]

DIR holds image-*.png (RGB, already 512x512) and depth-*.png (16-bit) from `prep-bench prepare`.
Prints one JSON object per stage: the mean over images of the median time of REPEATS runs, in ms.
Operations (what ControlNet's annotators do):
  canny     cv2.Canny(rgb, 100, 200)
  hough     cv2.Canny(rgb, 50, 200), cv2.HoughLinesP(rho 1, theta 1 deg, threshold 50,
            minLineLength 50, maxLineGap 10), cv2.line(255, 1 px) per segment
  scribble  the soft boundary stand-in, ControlNet's nms(t=127, s=3.0), GaussianBlur sigma 3, > 4
            (scripts/goldens/scribble.py holds the numpy twins)
  normal    the MiDaS annotator's normal branch (scripts/goldens/normal.py)
"""
import glob
import json
import os
import sys
import time

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "goldens"))
import normal as normal_reference  # noqa: E402

cv2.setNumThreads(1)


def canny(rgb):
    return cv2.Canny(rgb, 100, 200)


def hough(rgb):
    edges = cv2.Canny(rgb, 50, 200)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 180, 50, minLineLength=50, maxLineGap=10)
    out = np.zeros(edges.shape, np.uint8)
    if lines is not None:
        for x0, y0, x1, y1 in lines.reshape(-1, 4):
            cv2.line(out, (int(x0), int(y0)), (int(x1), int(y1)), 255, 1)
    return out


def scribble(rgb):
    import scribble as scribble_reference
    return scribble_reference.controlnet_chain(scribble_reference.soft_boundary(rgb))


def normal(depth16):
    return normal_reference.annotator_normal(depth16, 2 * np.pi, 0.1, 255.0)


def main(directory, repeats):
    images = [cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2RGB) for p in sorted(glob.glob(os.path.join(directory, "image-*.png")))]
    depths = [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in sorted(glob.glob(os.path.join(directory, "depth-*.png")))]
    for name, function, inputs in [("canny", canny, images), ("hough", hough, images),
                                   ("scribble", scribble, images), ("normal", normal, depths)]:
        try:
            function(inputs[0])
        except Exception as error:  # a reference that is not there yet
            print(json.dumps({"stage": name, "error": str(error)}))
            continue
        per_image = []
        for value in inputs:
            times = []
            for attempt in range(repeats + 2):
                start = time.perf_counter()
                function(value)
                if attempt >= 2:
                    times.append((time.perf_counter() - start) * 1000)
            per_image.append(sorted(times)[len(times) // 2])
        print(json.dumps({"stage": name, "images": len(inputs), "ms": round(sum(per_image) / len(per_image), 3)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20)
