#!/usr/bin/env python3
"""Golden outputs of ControlNet's normal-from-depth annotator, for Tests/PrepStagesTests.

    pip install opencv-python-headless numpy
    python3 scripts/goldens/normal.py

Writes Tests/PrepStagesTests/Goldens/normal/: for each depth map (Examples' motorcycle disparity
and small synthetic maps, stored as 16-bit PNGs under inputs/), the annotator's normal map as
RGB PNGs named INPUT-a{a}-bg{bg}-s{scale}.png, and cases.json listing them. The computation is
the annotator's (lllyasviel/ControlNet annotator/midas/__init__.py, controlnet_aux midas), on
depth = value / 65535 * scale in float32, with channels written in controlnet_aux's (z, y, x)
order. Deterministic: running it twice writes the same bytes.
"""
import json
import os

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "PrepStagesTests", "Goldens", "normal")


def annotator_normal(depth16, a, bg_th, scale):
    depth = depth16.astype(np.float32) / np.float32(65535) * np.float32(scale)
    depth_pt = depth.copy()
    depth_pt -= np.min(depth_pt)
    with np.errstate(invalid="ignore", divide="ignore"):
        depth_pt /= np.max(depth_pt)
    x = cv2.Sobel(depth, cv2.CV_32F, 1, 0, ksize=3)
    y = cv2.Sobel(depth, cv2.CV_32F, 0, 1, ksize=3)
    z = np.ones_like(x) * a
    x[depth_pt < bg_th] = 0
    y[depth_pt < bg_th] = 0
    normal = np.stack([x, y, z], axis=2)
    normal /= np.sum(normal ** 2.0, axis=2, keepdims=True) ** 0.5
    image = (normal * 127.5 + 127.5).clip(0, 255).astype(np.uint8)
    return image[:, :, ::-1]  # channels (z, y, x), as controlnet_aux returns them


def synthetic():
    yy, xx = np.mgrid[0:48, 0:64].astype(np.float64)
    cases = {
        "ramp": (xx * 900).astype(np.uint16),
        "bump": (30000 + 30000 * np.exp(-((xx - 30) ** 2 + (yy - 20) ** 2) / 120)).astype(np.uint16),
        "step": np.where(xx < 32, 10000, 50000).astype(np.uint16),
        "flat": np.full((48, 64), 1234, np.uint16),
        "noise": np.random.default_rng(7).integers(0, 65536, size=(37, 23), dtype=np.uint16),
        "column": (np.arange(40, dtype=np.float64)[:, None] * 1500).astype(np.uint16),
        "row": (np.arange(40, dtype=np.float64)[None, :] * 1500).astype(np.uint16),
    }
    return cases


def main():
    os.makedirs(os.path.join(OUT, "inputs"), exist_ok=True)
    inputs = synthetic()
    motorcycle = cv2.imread(os.path.join(ROOT, "Examples", "images", "motorcycle_disparity.png"), cv2.IMREAD_UNCHANGED)
    assert motorcycle.dtype == np.uint16, motorcycle.dtype
    cases = []
    for name, depth in inputs.items():
        cv2.imwrite(os.path.join(OUT, "inputs", name + ".png"), depth)
    settings = [(2 * np.pi, 0.1, 255.0), (2 * np.pi, 0.4, 255.0), (1.0, 0.1, 4000.0)]
    for name, depth in list(inputs.items()) + [("motorcycle_disparity", motorcycle)]:
        for a, bg, scale in settings if name != "motorcycle_disparity" else settings[:1]:
            out = f"{name}-a{a:.4f}-bg{bg}-s{scale:g}.png"
            normal = annotator_normal(depth, a, bg, scale)
            cv2.imwrite(os.path.join(OUT, out), normal[:, :, ::-1])  # imwrite takes BGR
            source = "Examples/images/motorcycle_disparity.png" if name == "motorcycle_disparity" else f"inputs/{name}.png"
            cases.append({"input": source, "output": out, "a": float(a), "background_threshold": bg, "depth_scale": scale})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
