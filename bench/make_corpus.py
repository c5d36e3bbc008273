#!/usr/bin/env python3
"""A deterministic corpus of real photographs with captions (and some depth maps) for bench/build.

    python3 bench/make_corpus.py OUT_DIR [--count 1000] [--seed 0]

Sources: only images that ship inside PyPI wheels, so a fresh machine needs no network beyond
`pip install scikit-image scikit-learn` (done here, with a message, when they are missing):

  * scikit-image's bundled files (skimage/data/*, loaded through the `skimage.data` functions;
    each file is checked to be in the wheel first, so pooch never downloads anything):
    astronaut, camera, coins, moon, chelsea, coffee, hubble_deep_field, immunohistochemistry,
    retina, rocket, stereo_motorcycle (left and right view), brick, grass, gravel, clock, text,
    page. Several are grayscale.
  * scikit-learn's `sklearn.datasets.load_sample_images()`: china.jpg and flower.jpg.

File i (0-based) is made with numpy's generator seeded by (seed, i): a source (round-robin over a
seeded permutation of slots: 4 per colour source, 1 per gray one), a crop of 45-100% of each side at a
random position, a horizontal flip with probability 1/2, a random long side of 384-1600 px
(cv2.INTER_AREA when shrinking, INTER_CUBIC when enlarging), grayscale with probability 0.08
(gray sources stay gray; about a quarter of the files are gray in all), and a format: PNG with probability 0.2, otherwise JPEG of quality 85-95.
A draw whose pixels equal an earlier file's (same source, crop, flip, size) is drawn again, so
all files are distinct.

Depth: every fourth file (i % 4 == 0) gets a 16-bit gray PNG of its size, larger = nearer
(MiDaS convention), cropped, flipped and resized exactly like the image (INTER_LINEAR on float).
For motorcycle_left it is scikit-image's bundled stereo disparity (motorcycle_disp.npz; its
non-finite pixels, the occlusions, are set to the smallest finite disparity). For every other
source it is synthetic: 0.55 * (row / height) (a ground plane, nearer at the bottom) plus
0.45 * the luminance blurred with sigma = 2% of the long side (bright = near), scaled to
1000..64000.

Captions: "<the source's description>, <crop/flip/grayscale words>", e.g. "Chelsea the cat,
close-up of the upper left, mirrored". Writes OUT_DIR/images/NNNN_SOURCE.{jpg,png},
OUT_DIR/depth/NNNN_SOURCE.png, OUT_DIR/captions.tsv (columns image, caption, depth; depth empty
when the file has none; paths relative to OUT_DIR) and OUT_DIR/corpus.json (the draws), last of
all, so its presence marks a complete corpus. Same seed and count -> same bytes (for a given
OpenCV build).
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

try:
    import cv2
    import numpy as np
except ImportError:
    sys.exit("make_corpus: needs numpy and OpenCV: python3 -m pip install numpy opencv-python-headless")


def ensure_packages():
    missing = []
    for module, package in [("skimage", "scikit-image"), ("sklearn", "scikit-learn")]:
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        print(f"make_corpus: installing {' '.join(missing)} (their wheels bundle the source photographs)",
              file=sys.stderr)
        result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing])
        if result.returncode != 0:
            sys.exit(f"make_corpus: could not install {' '.join(missing)}; run: "
                     f"{sys.executable} -m pip install {' '.join(missing)}")


# skimage.data function -> (bundled file, description). Only files shipped in the wheel.
SKIMAGE_SOURCES = {
    "astronaut": ("astronaut.png", "portrait of astronaut Eileen Collins"),
    "camera": ("camera.png", "a man with a camera on a tripod, black and white"),
    "coins": ("coins.png", "old Greek coins on a dark background"),
    "moon": ("moon.png", "the surface of the moon"),
    "chelsea": ("chelsea.png", "Chelsea the cat"),
    "coffee": ("coffee.png", "a cup of coffee on a saucer"),
    "hubble_deep_field": ("hubble_deep_field.jpg", "the Hubble deep field, galaxies in deep space"),
    "immunohistochemistry": ("ihc.png", "a stained tissue sample under a microscope"),
    "retina": ("retina.jpg", "a photograph of a human retina"),
    "rocket": ("rocket.jpg", "a rocket on its launch pad"),
    "brick": ("brick.png", "a brick wall"),
    "grass": ("grass.png", "a patch of grass"),
    "gravel": ("gravel.png", "gravel on the ground"),
    "clock": ("clock_motion.png", "a wall clock photographed with motion blur"),
    "text": ("text.png", "handwritten and printed text on paper"),
    "page": ("page.png", "a scanned page of a book"),
}
MOTORCYCLE = ("motorcycle_left.png", "motorcycle_right.png", "motorcycle_disp.npz")


def load_sources():
    """name -> (RGB or gray uint8 array, description, disparity or None)."""
    import skimage
    import skimage.data
    from sklearn.datasets import load_sample_images

    bundled = os.path.join(os.path.dirname(skimage.__file__), "data")
    sources = {}
    for name, (file, description) in SKIMAGE_SOURCES.items():
        if not os.path.exists(os.path.join(bundled, file)):
            print(f"make_corpus: skipping skimage.data.{name}: {file} is not bundled in this scikit-image "
                  f"({skimage.__version__}) and would need a download", file=sys.stderr)
            continue
        image = np.asarray(getattr(skimage.data, name)())
        if image.dtype != np.uint8:
            image = np.clip(image * 255 if image.max() <= 1 else image, 0, 255).astype(np.uint8)
        if image.ndim == 3 and image.shape[2] == 4:
            image = image[:, :, :3]
        sources[name] = (np.ascontiguousarray(image), description, None)
    if all(os.path.exists(os.path.join(bundled, f)) for f in MOTORCYCLE):
        left, right, disparity = skimage.data.stereo_motorcycle()
        disparity = np.asarray(disparity, np.float64)
        finite = np.isfinite(disparity)
        disparity[~finite] = disparity[finite].min()
        sources["motorcycle_left"] = (np.ascontiguousarray(left), "a motorcycle in a studio", disparity)
        sources["motorcycle_right"] = (np.ascontiguousarray(right), "a motorcycle in a studio, seen from the right", None)
    samples = load_sample_images()
    for file, image in zip(samples.filenames, samples.images):
        name = os.path.splitext(os.path.basename(file))[0]
        description = {"china": "a Chinese temple among trees", "flower": "a close-up of a flower"}.get(name, name)
        sources[name] = (np.ascontiguousarray(image), description, None)
    if len(sources) < 5:
        sys.exit("make_corpus: fewer than 5 bundled source images found; reinstall scikit-image and scikit-learn")
    return sources


def synthetic_inverse_depth(image):
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    height, width = gray.shape
    blurred = cv2.GaussianBlur(gray.astype(np.float64) / 255, (0, 0), 0.02 * max(height, width))
    rows = np.repeat((np.arange(height, dtype=np.float64) / max(height - 1, 1))[:, None], width, axis=1)
    return 0.55 * rows + 0.45 * blurred


def to_depth16(inverse_depth):
    lo, hi = float(inverse_depth.min()), float(inverse_depth.max())
    scaled = (inverse_depth - lo) / (hi - lo if hi > lo else 1.0)
    return np.round(1000 + scaled * 63000).astype(np.uint16)


def region_words(x0, y0, cw, ch, width, height):
    fraction = (cw * ch) / (width * height)
    if fraction > 0.85:
        return "full view"
    cx, cy = (x0 + cw / 2) / width, (y0 + ch / 2) / height
    vertical = "upper" if cy < 0.42 else "lower" if cy > 0.58 else "middle"
    horizontal = "left" if cx < 0.42 else "right" if cx > 0.58 else "centre"
    where = "centre" if (vertical, horizontal) == ("middle", "centre") else f"{vertical} {horizontal}"
    return f"{'close-up' if fraction < 0.4 else 'detail'} of the {where}"


def make(out, count, seed):
    ensure_packages()
    sources = load_sources()
    names = sorted(sources)
    # Colour sources 4 slots each, gray ones 1, in a seeded order: about a quarter of the files gray.
    slots = [name for name in names for _ in range(1 if sources[name][0].ndim == 2 else 4)]
    slots = [slots[k] for k in np.random.default_rng([seed, 1 << 20]).permutation(len(slots))]
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    os.makedirs(os.path.join(out, "depth"), exist_ok=True)
    marker = os.path.join(out, "corpus.json")
    if os.path.exists(marker):
        os.remove(marker)
    seen = set()
    rows, draws = [], []
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        name = slots[i % len(slots)]
        image, description, disparity = sources[name]
        height, width = image.shape[:2]
        for attempt in range(100):
            cw = int(round(width * rng.uniform(0.45, 1.0)))
            ch = int(round(height * rng.uniform(0.45, 1.0)))
            x0 = int(rng.integers(0, width - cw + 1))
            y0 = int(rng.integers(0, height - ch + 1))
            flip = bool(rng.random() < 0.5)
            long_side = int(rng.integers(384, 1601))
            gray = bool(rng.random() < 0.08)
            png = bool(rng.random() < 0.2)
            quality = int(rng.integers(85, 96))
            signature = (name, cw, ch, x0, y0, flip, long_side, gray or image.ndim == 2)
            if signature not in seen:
                seen.add(signature)
                break
        else:
            sys.exit(f"make_corpus: could not draw a distinct file {i}; use fewer files or more sources")
        scale = long_side / max(cw, ch)
        size = (max(1, int(round(cw * scale))), max(1, int(round(ch * scale))))
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC

        def geometry(plane):
            crop = plane[y0:y0 + ch, x0:x0 + cw]
            if flip:
                crop = crop[:, ::-1]
            return np.ascontiguousarray(crop)

        pixels = cv2.resize(geometry(image), size, interpolation=interpolation)
        if gray and pixels.ndim == 3:
            pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
        bgr = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
        stem = f"{i:04d}_{name}"
        if png:
            image_path = f"images/{stem}.png"
            ok, data = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 6])
        else:
            image_path = f"images/{stem}.jpg"
            ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        with open(os.path.join(out, image_path), "wb") as f:
            f.write(data.tobytes())

        depth_path = ""
        if i % 4 == 0:
            inverse = disparity if disparity is not None else synthetic_inverse_depth(image)
            depth = cv2.resize(geometry(inverse.astype(np.float32)), size, interpolation=cv2.INTER_LINEAR)
            depth_path = f"depth/{stem}.png"
            ok, data = cv2.imencode(".png", to_depth16(depth.astype(np.float64)), [cv2.IMWRITE_PNG_COMPRESSION, 6])
            assert ok
            with open(os.path.join(out, depth_path), "wb") as f:
                f.write(data.tobytes())

        words = [region_words(x0, y0, cw, ch, width, height)]
        if flip:
            words.append("mirrored")
        if pixels.ndim == 2 and image.ndim == 3:
            words.append("in black and white")
        caption = f"{description}, {', '.join(words)}"
        rows.append((image_path, caption, depth_path))
        draws.append({"file": image_path, "source": name, "crop": [x0, y0, cw, ch], "flip": flip,
                      "size": list(size), "gray": pixels.ndim == 2, "format": "png" if png else "jpg",
                      "quality": None if png else quality, "depth": depth_path or None})
    with open(os.path.join(out, "captions.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("image\tcaption\tdepth\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    tsv_hash = hashlib.sha256(open(os.path.join(out, "captions.tsv"), "rb").read()).hexdigest()
    with open(marker, "w") as f:
        json.dump({"count": count, "seed": seed, "sources": names, "captions_sha256": tsv_hash, "files": draws},
                  f, indent=0)
    formats = sum(1 for d in draws if d["format"] == "jpg")
    print(f"make_corpus: {count} files ({formats} JPEG, {count - formats} PNG, "
          f"{sum(1 for d in draws if d['gray'])} gray, {sum(1 for d in draws if d['depth'])} with depth) "
          f"from {len(names)} sources in {out}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.count < 1:
        sys.exit("make_corpus: --count must be at least 1")
    make(args.out, args.count, args.seed)


if __name__ == "__main__":
    main()
