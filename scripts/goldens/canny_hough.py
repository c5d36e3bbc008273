#!/usr/bin/env python3
"""Golden outputs of OpenCV for the canny and hough stages (Tests/PrepStagesTests).

Run from anywhere (needs numpy and opencv-python-headless; written with cv2 5.0):

    python3 scripts/goldens/canny_hough.py

It overwrites Tests/PrepStagesTests/Goldens/canny/ and Tests/PrepStagesTests/Goldens/hough/.
Output is deterministic (OpenCV single-threaded; HoughLinesP uses its own fixed-seed cv::RNG).

Inputs
- Every PNG in Examples/images/ except motorcycle_disparity.png (16-bit depth), decoded the way
  prep's PNGCodec.decode does: gray replicated to RGB, alpha composited on white
  ((c*a + 255*(255-a) + 127) // 255), 3 channels in RGB order (cv2.imread gives BGR; OpenCV's
  Canny picks per pixel the channel with the largest gradient, so only exact ties between
  channels could depend on the order, and we feed RGB like ControlNet's annotator does).
- Synthetic images defined by integer formulas (see `synthetic_cases`), which the Swift tests
  regenerate with the same formulas instead of storing them. `pattern_hash(x, y, c)` is a
  seed-free integer hash (32-bit wrap-around arithmetic) giving 0...255.

Outputs (1-channel 0/255 images are written as 1-bit PNGs; prep's decoder reads them as 0/255)
- canny/manifest.json: per case its source, size, channels, the FNV-1a 64 hash of the input
  samples (so a test knows it decoded the same pixels) and, per (low, high) pair, the golden file.
  canny/NAME_LOW_HIGH.png = cv2.Canny(input, LOW, HIGH).
- hough/manifest.json: per case the Canny(50, 200) edge file, the HoughLinesP(rho 1, theta pi/180,
  threshold 50, minLineLength, maxLineGap) segments in OpenCV's order, and the rendering. The two
  lengths are the hough stage's defaults (50 and 10 at 512 px) scaled as the stage scales them:
  floor(length * min(width, height) / 512 + 0.5); they are recorded per case.
  hough/NAME_edges.png = cv2.Canny(input, 50, 200); hough/NAME_lines.png = each segment drawn
  with cv2.line(out, p0, p1, 255, 1) on black (LINE_8).
- hough/line_tiles.png with the segments of manifest["line_tiles"]: tile k (200x150, stacked
  vertically) holds segment k alone drawn with cv2.line on a 200x150 canvas; some segments leave
  the canvas, so the tiles also pin down OpenCV's clipping.
"""
import json
import math
import os

import cv2
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGES = os.path.join(ROOT, "Examples", "images")
GOLDENS = os.path.join(ROOT, "Tests", "PrepStagesTests", "Goldens")
CANNY_PAIRS = [(100, 200), (50, 150), (20, 60)]
HOUGH = dict(canny_low=50, canny_high=200, rho=1, theta_degrees=1, threshold=50, min_line_length=50, max_line_gap=10)
MASK32 = 0xFFFFFFFF


def pattern_hash(x, y, c):
    """Seed-free integer hash of a sample position, 0...255 (numpy arrays or ints)."""
    x = np.asarray(x, dtype=np.uint64)
    y = np.asarray(y, dtype=np.uint64)
    c = np.asarray(c, dtype=np.uint64)
    h = (x * 374761393 + y * 668265263 + c * 2246822519) & MASK32
    h = ((h ^ (h >> 13)) * 1274126177) & MASK32
    return ((h ^ (h >> 16)) & 255).astype(np.int64)


def synthetic(width, height, channels, formula):
    y, x, c = np.meshgrid(np.arange(height), np.arange(width), np.arange(channels), indexing="ij")
    values = formula(x.astype(np.int64), y.astype(np.int64), c.astype(np.int64))
    values = np.broadcast_to(values, (height, width, channels))
    image = np.clip(values, 0, 255).astype(np.uint8)
    return image[:, :, 0].copy() if channels == 1 else image.copy()


def synthetic_cases():
    """name -> (width, height, channels, formula(x, y, c)); mirrored in the Swift tests."""
    return {
        "flat": (64, 48, 3, lambda x, y, c: 128 + 0 * x),
        "vertical_edge": (64, 48, 1, lambda x, y, c: np.where(x < 29, 40, 200)),
        "horizontal_edge": (64, 48, 3, lambda x, y, c: np.where(y < 21, 200 - 70 * c, 20 + 70 * c)),
        "diagonal_edge": (64, 64, 3, lambda x, y, c: np.where(2 * x > 3 * y, 220 - 90 * c, 30 + 80 * c)),
        "anti_diagonal_edge": (64, 64, 1, lambda x, y, c: np.where(x + y < 70, 30, 220)),
        "step_noise": (96, 64, 3, lambda x, y, c: np.where(x < 48, 70, 170) + pattern_hash(x, y, c) % 41 - 20),
        "noise": (80, 60, 3, lambda x, y, c: pattern_hash(x, y, c)),
        "noise_gray": (80, 60, 1, lambda x, y, c: pattern_hash(x, y, c)),
        "column": (1, 50, 3, lambda x, y, c: np.where(y < 25, 50, 200) + pattern_hash(x, y, c) % 20),
        "row": (50, 1, 1, lambda x, y, c: pattern_hash(x, y, c)),
        "odd": (37, 23, 3, lambda x, y, c: (x * 29 + y * 47 + c * 83) % 256),
        "grid": (320, 240, 1, lambda x, y, c: np.where((x % 40 < 2) | (y % 30 < 2) | (np.abs(x - 2 * y) < 2), 255, 0)),
        "large": (2000, 1500, 3, lambda x, y, c: (((x - 1000) ** 2 + (y - 750) ** 2) // 20000) % 2 * 150 + 50 + 20 * c
                  + ((x // 250 + y // 250) % 2) * 30),
    }


def scaled_length(length, short_side):
    """The hough stage's scaling of a length given at 512 px (rounded half up)."""
    return int(math.floor(length * short_side / 512 + 0.5))


def decode_like_prep(path):
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image.dtype != np.uint8:
        raise SystemExit(f"{path}: only 8-bit PNGs are goldens")
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    if image.shape[2] == 4:
        rgba = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA).astype(np.int64)
        alpha = rgba[:, :, 3:4]
        return ((rgba[:, :, :3] * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def fnv1a64(array):
    h = 0xCBF29CE484222325
    for byte in np.ascontiguousarray(array).tobytes():
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def write_bilevel(path, image):
    assert image.dtype == np.uint8 and set(np.unique(image)) <= {0, 255}
    if not cv2.imwrite(path, image, [cv2.IMWRITE_PNG_BILEVEL, 1, cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise SystemExit(f"could not write {path}")


def render(segments, width, height):
    out = np.zeros((height, width), np.uint8)
    for x0, y0, x1, y1 in segments:
        cv2.line(out, (int(x0), int(y0)), (int(x1), int(y1)), 255, 1)
    return out


def clean(directory):
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".png") or name.endswith(".json"):
            os.remove(os.path.join(directory, name))


def main():
    cv2.setNumThreads(1)
    canny_dir = os.path.join(GOLDENS, "canny")
    hough_dir = os.path.join(GOLDENS, "hough")
    clean(canny_dir)
    clean(hough_dir)

    inputs = []  # (name, source, image)
    for file in sorted(os.listdir(IMAGES)):
        if file.endswith(".png") and file != "motorcycle_disparity.png":
            inputs.append((file[:-4], f"examples:{file}", decode_like_prep(os.path.join(IMAGES, file))))
    for name, (width, height, channels, formula) in synthetic_cases().items():
        inputs.append((name, f"synthetic:{name}", synthetic(width, height, channels, formula)))

    canny_cases = []
    for name, source, image in inputs:
        pairs = CANNY_PAIRS[:1] if name == "large" else CANNY_PAIRS
        outputs = {}
        for low, high in pairs:
            edges = cv2.Canny(image, low, high)
            file = f"{name}_{low}_{high}.png"
            write_bilevel(os.path.join(canny_dir, file), edges)
            outputs[f"{low}_{high}"] = {"file": file, "edge_pixels": int((edges > 0).sum())}
        canny_cases.append({
            "name": name, "source": source, "width": image.shape[1], "height": image.shape[0],
            "channels": 1 if image.ndim == 2 else 3, "input_fnv1a64": fnv1a64(image), "outputs": outputs,
        })
    with open(os.path.join(canny_dir, "manifest.json"), "w") as f:
        json.dump({"pairs": CANNY_PAIRS, "cases": canny_cases}, f, indent=1)

    hough_cases = []
    for name, source, image in inputs:
        if not (source.startswith("examples:") or name == "grid"):
            continue
        edges = cv2.Canny(image, HOUGH["canny_low"], HOUGH["canny_high"])
        short_side = min(image.shape[0], image.shape[1])
        min_line_length = scaled_length(HOUGH["min_line_length"], short_side)
        max_line_gap = scaled_length(HOUGH["max_line_gap"], short_side)
        lines = cv2.HoughLinesP(edges, HOUGH["rho"], np.pi / 180 * HOUGH["theta_degrees"], HOUGH["threshold"],
                                minLineLength=min_line_length, maxLineGap=max_line_gap)
        segments = [] if lines is None else [[int(v) for v in line] for line in np.asarray(lines).reshape(-1, 4)]
        height, width = edges.shape
        write_bilevel(os.path.join(hough_dir, f"{name}_edges.png"), edges)
        write_bilevel(os.path.join(hough_dir, f"{name}_lines.png"), render(segments, width, height))
        hough_cases.append({
            "name": name, "source": source, "width": width, "height": height, "input_fnv1a64": fnv1a64(image),
            "min_line_length": min_line_length, "max_line_gap": max_line_gap,
            "edges": f"{name}_edges.png", "lines": f"{name}_lines.png", "segments": segments,
        })

    # Single segments on a 200x150 canvas, some leaving it (clipping), plus special cases.
    tile_width, tile_height = 200, 150
    tiles = [[10, 10, 10, 10], [0, 0, 199, 149], [199, 0, 0, 149], [5, 140, 190, 140], [100, 3, 100, 146],
             [-50, 75, 250, 80], [30, -20, 60, 170], [-10, -10, -5, -5], [150, 20, 20, 25], [20, 140, 25, 10],
             [0, 0, 3, 1], [3, 1, 0, 0], [0, 0, 1, 3], [1, 3, 0, 0]]
    for k in range(48):
        tiles.append([int(pattern_hash(k, 0, 0)) + int(pattern_hash(k, 4, 0)) % 40 - 50,
                      int(pattern_hash(k, 1, 0)) % 190 - 20,
                      int(pattern_hash(k, 2, 0)) + int(pattern_hash(k, 5, 0)) % 40 - 50,
                      int(pattern_hash(k, 3, 0)) % 190 - 20])
    stacked = np.concatenate([render([t], tile_width, tile_height) for t in tiles], axis=0)
    write_bilevel(os.path.join(hough_dir, "line_tiles.png"), stacked)
    with open(os.path.join(hough_dir, "manifest.json"), "w") as f:
        json.dump({"parameters": HOUGH, "cases": hough_cases,
                   "line_tiles": {"file": "line_tiles.png", "tile_width": tile_width, "tile_height": tile_height,
                                  "segments": tiles}}, f, indent=1)


if __name__ == "__main__":
    main()
