#!/usr/bin/env python3
"""Writes the scribble stage's golden files, Tests/PrepStagesTests/Goldens/scribble/.

Run from anywhere (needs numpy and opencv-python-headless; the Swift tests need neither):

    pip install numpy opencv-python-headless
    python3 scripts/goldens/scribble.py

Deterministic: fixed formulas and seeds, so re-running gives the same files (for a given
OpenCV build; they were made with cv2 5.0 on x86-64). Written:

  * CASE.input.png        the RGB input of each synthetic case (Examples images are read from
                          Examples/images/ by the tests instead; `large` is an integer formula
                          that the tests compute themselves, so it has no input file).
  * CASE.boundary.png     `soft_boundary(rgb)`: the numpy/cv2 twin of SoftBoundary.swift.
  * CASE.chain.png        ControlNet's fake-scribble chain (annotator/util.py `nms(x, 127, 3.0)`,
                          then cv2.GaussianBlur(sigma 3.0), `> 4 -> 255`) applied to THAT boundary,
                          reimplemented here from its description.
  * blur8.NAME.sSIGMA.png cv2.GaussianBlur(gray uint8, (0, 0), SIGMA) of a few gray inputs:
                          camera = rows 96..<224, columns 192..<320 of Examples camera.png,
                          noise = blur8.noise.input.png.
  * blurf.NAME.sSIGMA.f32 cv2.GaussianBlur(float32, (0, 0), SIGMA), raw little-endian float32,
                          row-major; its input is blurf.NAME.input.f32 (sizes in the Swift test).

Cases: the PNG Examples (not motorcycle_disparity.png, a depth map), and synthetic ones:
flat, vertical step, diagonal step, disk, seeded noise, one-pixel lines, a 1-pixel-wide
column and row, an odd 37x23, and a large 1200x900 formula image.
"""
import os

import cv2
import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
EXAMPLES = os.path.join(ROOT, "Examples", "images")
OUT = os.path.join(ROOT, "Tests", "PrepStagesTests", "Goldens", "scribble")
EXAMPLE_NAMES = ["astronaut", "brick", "camera", "chelsea", "coffee", "coins", "gravel", "horse",
                 "motorcycle_left"]

f32 = np.float32


def load_rgb(path):
    """The image as prep's decoder hands it out: 8-bit RGB, gray replicated, alpha over white."""
    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert image.dtype == np.uint8
    if image.ndim == 2:
        return np.stack([image] * 3, axis=-1)
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.int64)
        color = image[:, :, :3].astype(np.int64)
        image = ((color * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)
    return np.ascontiguousarray(image[:, :, ::-1])


def soft_boundary(rgb, scale=1.0):
    """Twin of SoftBoundary.map: multi-scale gradient magnitude normalised by the 98th
    order statistic (floor 8), Float32 throughout, same operation order."""
    c = rgb.astype(f32)
    lum = (f32(0.299) * c[:, :, 0] + f32(0.587) * c[:, :, 1]) + f32(0.114) * c[:, :, 2]
    magnitude = np.zeros(lum.shape, f32)
    sigmas = [1.0, 2.0, 4.0]
    for base in sigmas:
        sigma = base * scale
        smooth = cv2.GaussianBlur(lum, (0, 0), sigma)
        padded = cv2.copyMakeBorder(smooth, 1, 1, 1, 1, cv2.BORDER_REFLECT_101)
        gx = padded[1:-1, 2:] - padded[1:-1, :-2]
        gy = padded[2:, 1:-1] - padded[:-2, 1:-1]
        magnitude = magnitude + f32(sigma / 2) * np.sqrt(gx * gx + gy * gy)
    magnitude = magnitude / f32(len(sigmas))
    flat = magnitude.ravel()
    k = (flat.size - 1) * 98 // 100
    norm = max(np.partition(flat, k)[k], f32(8))
    value = np.minimum(magnitude / norm, f32(1)) * f32(255) + f32(0.5)
    return value.astype(np.uint8)


def controlnet_nms(x, t, s):
    """annotator/util.py nms(x, t, s): float blur, keep local maxima along any of the four 3x3
    line kernels (cv2.dilate, default border), 255 where the kept value > t."""
    blurred = cv2.GaussianBlur(x.astype(np.float32), (0, 0), s)
    lines = [[[0, 0, 0], [1, 1, 1], [0, 0, 0]], [[0, 1, 0], [0, 1, 0], [0, 1, 0]],
             [[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[0, 0, 1], [0, 1, 0], [1, 0, 0]]]
    kept = np.zeros_like(blurred)
    for line in lines:
        kernel = np.array(line, dtype=np.uint8)
        mask = cv2.dilate(blurred, kernel=kernel) == blurred
        kept[mask] = blurred[mask]
    out = np.zeros(kept.shape, dtype=np.uint8)
    out[kept > t] = 255
    return out


def controlnet_chain(boundary):
    """gradio_fake_scribble2image.py after the detector: nms(127, 3.0), 8-bit blur 3.0, > 4."""
    lines = controlnet_nms(boundary, 127, 3.0)
    blurred = cv2.GaussianBlur(lines, (0, 0), 3.0)
    return np.where(blurred > 4, 255, 0).astype(np.uint8)


def large_formula():
    """1200x900 RGB, integer formula (ScribbleGoldenTests computes the same)."""
    y, x = np.mgrid[0:900, 0:1200].astype(np.int64)
    r = np.where((x - 600) ** 2 + (y - 450) ** 2 < 300 * 300, 220, 20)
    g = np.where((x // 150 + y // 150) % 2 == 0, 60, 190)
    b = (x // 100 * 40 + y // 300 * 70) % 256
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def synthetic_cases():
    rng = np.random.default_rng(20240601)
    cases = {}
    cases["flat"] = np.full((48, 64, 3), 128, np.uint8)
    step = np.zeros((48, 64, 3), np.uint8)
    step[:, 32:] = 200
    cases["step"] = step
    y, x = np.mgrid[0:64, 0:64]
    cases["diagonal"] = np.repeat(np.where(x + y > 60, 230, 30)[:, :, None], 3, axis=2).astype(np.uint8)
    cases["disk"] = np.repeat(np.where((x - 30) ** 2 + (y - 34) ** 2 < 400, 250, 10)[:, :, None], 3,
                              axis=2).astype(np.uint8)
    cases["noise"] = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    lines = np.full((50, 70, 3), 255, np.uint8)
    lines[10, 5:65] = 0
    lines[5:45, 40] = 0
    for i in range(30):
        lines[15 + i, 10 + i] = 0
    cases["thin_lines"] = lines
    cases["column"] = np.repeat((np.arange(41) * 6 % 256).astype(np.uint8)[:, None, None], 3, axis=2)
    cases["row"] = np.repeat((np.arange(53) * 37 % 256).astype(np.uint8)[None, :, None], 3, axis=2)
    odd = rng.integers(0, 256, (23, 37, 3), dtype=np.uint8)
    odd[5:18, 8:30] = (240, 20, 90)
    cases["odd_37x23"] = odd
    return cases


def write_png(name, image):
    if image.ndim == 3:
        image = image[:, :, ::-1]  # cv2 writes BGR
    cv2.imwrite(os.path.join(OUT, name), image, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = {name: load_rgb(os.path.join(EXAMPLES, name + ".png")) for name in EXAMPLE_NAMES}
    for name, rgb in synthetic_cases().items():
        write_png(name + ".input.png", rgb)
        cases[name] = rgb
    cases["large"] = large_formula()
    for name, rgb in cases.items():
        boundary = soft_boundary(rgb)
        write_png(name + ".boundary.png", boundary)
        write_png(name + ".chain.png", controlnet_chain(boundary))

    # 8-bit blur references.
    gray_inputs = {
        "camera": cv2.imread(os.path.join(EXAMPLES, "camera.png"), cv2.IMREAD_GRAYSCALE)[96:224, 192:320],
        "noise": np.random.default_rng(7).integers(0, 256, (31, 45), dtype=np.uint8),
    }
    write_png("blur8.noise.input.png", gray_inputs["noise"])
    for name, gray in gray_inputs.items():
        for sigma in [0.8, 1.5, 3.0, 4.5]:
            write_png(f"blur8.{name}.s{sigma}.png", cv2.GaussianBlur(gray, (0, 0), sigma))

    # Float blur references: a 53x41 float image (integers plus a smooth fraction).
    y, x = np.mgrid[0:41, 0:53].astype(np.float32)
    values = (np.random.default_rng(11).integers(0, 256, (41, 53)).astype(np.float32)
              + np.sin(x * f32(0.3)) * np.cos(y * f32(0.2))).astype(np.float32)
    values.astype("<f4").tofile(os.path.join(OUT, "blurf.mixed.input.f32"))
    for sigma in [1.0, 2.0, 3.0, 4.5]:
        cv2.GaussianBlur(values, (0, 0), sigma).astype("<f4").tofile(
            os.path.join(OUT, f"blurf.mixed.s{sigma}.f32"))


if __name__ == "__main__":
    main()
