#!/usr/bin/env python3
"""`prep build` as people write it today in Python + OpenCV: the baseline of bench/build.

    python3 bench/python_pipeline.py SOURCE.tsv OUT_DIR [--workers N] [--seed 0]
                                     [--scribble paper|chain] [--cv-threads 1]

One process per core (multiprocessing.Pool, fork, `imap` with ordered results, chunksize 4).
Per source row, in a worker:
  * read the image file's bytes, sha256 them, `cv2.imdecode(IMREAD_COLOR)` (EXIF orientation is
    applied by OpenCV), BGR -> RGB;
  * resize the short side to 512 (INTER_AREA when shrinking, INTER_LANCZOS4 when enlarging),
    center crop to 512x512;
  * canny: `cv2.Canny(rgb, low, high)`, low uniform in 50..150, high uniform in
    min(low + 50, 255)..255, from numpy's generator seeded by (seed, row, stage);
  * hough: `cv2.Canny(rgb, 50, 200)`, `cv2.HoughLinesP(edges, 1, pi/180, 50, minLineLength=50,
    maxLineGap=10)`, each segment drawn with `cv2.line(255, 1 px)` on black;
  * scribble: scripts/goldens/scribble.py's `soft_boundary` (numpy + cv2.GaussianBlur, the
    classical HED stand-in prep uses), then with `--scribble paper` (default, what `prep build`
    does by default) the paper's augmentations written the obvious way: ControlNet's
    `nms(boundary, t, s)` (scribble.py's `controlnet_nms`) with t uniform in 80..160 and s in
    1.5..4.5, `cv2.connectedComponents(8)` and a random 0-50% of the strokes masked out,
    `cv2.dilate` with an ellipse of a random width 1..24 px, and with probability 1/2 a random
    dilate/erode/open/close (square or ellipse, radius 1..2); with `--scribble chain` only
    ControlNet's fake-scribble chain (`controlnet_chain`: nms(127, 3.0), GaussianBlur 3, > 4);
  * for rows with a depth map: `cv2.imdecode(IMREAD_UNCHANGED)` (16-bit), resized and cropped
    with the image's geometry; normal = scripts/goldens/normal.py's `annotator_normal(depth, 2 pi,
    0.1, 255)` (ControlNet's MiDaS annotator); depth = the resized 16-bit map. Rows without one
    get all-black normal and depth members (as prep does, so every record has the same members);
  * caption dropout: one uniform draw < 0.5;
  * encode: the image `cv2.imencode(".jpg", IMWRITE_JPEG_QUALITY 95)`, every condition
    `cv2.imencode(".png")` with cv2's defaults (no parameters: OpenCV's PNG encoder then uses
    zlib's Z_RLE strategy at its fast default level; prep's level is its `png_compression` option), `KEY.txt` (the
    caption), `KEY.json` (key, source row and columns, caption, caption_dropped, sha256, sizes,
    resize, per stage status, density and parameters; `json.dumps(sort_keys=True)`).
In the parent: members appended with `tarfile` (ustar, mtime 0, mode 0644) to
OUT/shards/shard-NNNNNN.tar, a new shard every 1000 records, and an sqlite3 index OUT/index.sqlite
with `samples` (one row per source row, failed rows with their error) and `members` (key, member,
shard, data offset, size) rows, committed once per shard. Keys are the 0-based row, 9 digits.
No resume, no fsync, no atomic renames: what a typical script does.

Prints `N ok, M failed in S s (R records/s)` and, per record, the mean worker time of each step
(decode, resize, each stage, encode, json) and the parent's tar + sqlite time, to stderr.
"""
import argparse
import hashlib
import io
import json
import multiprocessing
import os
import sqlite3
import sys
import tarfile
import time

try:
    import cv2
    import numpy as np
except ImportError:
    sys.exit("python_pipeline: needs numpy and OpenCV: python3 -m pip install numpy opencv-python-headless")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "goldens"))
import normal as normal_reference  # noqa: E402
import scribble as scribble_reference  # noqa: E402

RESOLUTION = 512
SHARD_SIZE = 1000
STAGES = ["canny", "hough", "scribble", "normal", "depth"]
STEPS = ["read+decode", "resize", "canny", "hough", "scribble", "normal", "depth", "encode", "json"]

CONFIG = {}


def init_worker(base_dir, seed, scribble_mode, cv_threads):
    CONFIG.update(base_dir=base_dir, seed=seed, scribble=scribble_mode)
    if cv_threads >= 0:
        cv2.setNumThreads(cv_threads)


def generator(row, stage):
    return np.random.default_rng([CONFIG["seed"], row, STAGES.index(stage) if stage in STAGES else 99])


def resize_geometry(width, height):
    scale = RESOLUTION / min(width, height)
    scaled_w = max(RESOLUTION, int(round(width * scale)))
    scaled_h = max(RESOLUTION, int(round(height * scale)))
    return scale, scaled_w, scaled_h, (scaled_w - RESOLUTION) // 2, (scaled_h - RESOLUTION) // 2


def resize_crop(image, geometry):
    scale, scaled_w, scaled_h, x, y = geometry
    if (scaled_w, scaled_h) != (image.shape[1], image.shape[0]):
        image = cv2.resize(image, (scaled_w, scaled_h),
                           interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LANCZOS4)
    return np.ascontiguousarray(image[y:y + RESOLUTION, x:x + RESOLUTION])


def canny(rgb, rng):
    low = int(rng.integers(50, 151))
    high = int(rng.integers(min(low + 50, 255), 256))
    return cv2.Canny(rgb, low, high), {"low": low, "high": high}


def hough(rgb):
    edges = cv2.Canny(rgb, 50, 200)
    lines = cv2.HoughLinesP(edges, 1, np.pi / 180, 50, minLineLength=50, maxLineGap=10)
    out = np.zeros(edges.shape, np.uint8)
    count = 0
    if lines is not None:
        for x0, y0, x1, y1 in np.asarray(lines).reshape(-1, 4):
            cv2.line(out, (int(x0), int(y0)), (int(x1), int(y1)), 255, 1)
            count += 1
    return out, {"lines": count}


MORPHOLOGY = [("dilate", cv2.MORPH_DILATE), ("erode", cv2.MORPH_ERODE), ("open", cv2.MORPH_OPEN),
              ("close", cv2.MORPH_CLOSE)]


def scribble(rgb, rng):
    boundary = scribble_reference.soft_boundary(rgb)
    if CONFIG["scribble"] == "chain":
        return scribble_reference.controlnet_chain(boundary), {"threshold": 127, "sigma": 3.0}
    t = int(rng.integers(80, 161))
    s = float(rng.uniform(1.5, 4.5))
    morph = bool(rng.random() < 0.5)
    operation, op_code = MORPHOLOGY[int(rng.integers(0, 4))]
    element = ["square", "disk"][int(rng.integers(0, 2))]
    radius = int(rng.integers(1, 3))
    fraction = float(rng.uniform(0.0, 0.5))
    width = int(rng.integers(1, 25))
    lines = scribble_reference.controlnet_nms(boundary, t, s)
    count, labels = cv2.connectedComponents(lines, connectivity=8)
    components = count - 1
    masked = int(round(fraction * components))
    if masked:
        drop = np.zeros(count, bool)
        drop[rng.choice(np.arange(1, count), masked, replace=False)] = True
        lines[drop[labels]] = 0
    width_px = max(1, int(round(width * min(rgb.shape[:2]) / 512)))
    if width_px > 1:
        lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width_px, width_px)))
    applied = "none"
    if morph:
        if operation in ("erode", "open"):
            radius = min(radius, (width_px - 1) // 2)
        if radius > 0:
            shape = cv2.MORPH_RECT if element == "square" else cv2.MORPH_ELLIPSE
            lines = cv2.morphologyEx(lines, op_code, cv2.getStructuringElement(shape, (2 * radius + 1,) * 2))
            applied = operation
    return lines, {"threshold": t, "sigma": s, "components": components, "masked_components": masked,
                   "masked_fraction": fraction, "stroke_width": width, "stroke_width_px": width_px,
                   "morphology": applied, "morphology_element": element if applied != "none" else "none"}


def density(plane):
    return np.count_nonzero(plane) / plane.size


def process(task):
    """One source row -> (row, key, sample fields, [(member, bytes)], error, timings)."""
    row, fields = task
    key = f"{row:09d}"
    timings = dict.fromkeys(STEPS, 0.0)
    clock = time.perf_counter()

    def lap(step):
        nonlocal clock
        now = time.perf_counter()
        timings[step] += now - clock
        clock = now

    sample = {"image_path": fields.get("image"), "depth_path": fields.get("depth") or None,
              "caption": fields.get("caption")}
    try:
        if not fields.get("image"):
            raise ValueError("source: empty image column")
        if not fields.get("caption"):
            raise ValueError("source: empty caption")
        with open(os.path.join(CONFIG["base_dir"], fields["image"]), "rb") as f:
            data = f.read()
        sha256 = hashlib.sha256(data).hexdigest()
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError("decode: cv2.imdecode could not decode the image")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        depth16, depth_reason = None, "no depth map: the row's 'depth' column is empty"
        if fields.get("depth"):
            with open(os.path.join(CONFIG["base_dir"], fields["depth"]), "rb") as f:
                depth16 = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_UNCHANGED)
            if depth16 is not None and depth16.ndim == 3:
                depth16 = depth16[:, :, 0]
            if depth16 is None or depth16.shape != rgb.shape[:2]:
                depth16, depth_reason = None, "depth map unreadable or of another size"
        lap("read+decode")

        height, width = rgb.shape[:2]
        geometry = resize_geometry(width, height)
        rgb = resize_crop(rgb, geometry)
        if depth16 is not None:
            depth16 = resize_crop(depth16, geometry)
        lap("resize")

        conditions, stages = {}, {}
        conditions["canny"], parameters = canny(rgb, generator(row, "canny"))
        stages["canny"] = {"status": "ok", "reason": "", "parameters": parameters}
        lap("canny")
        conditions["hough"], parameters = hough(rgb)
        stages["hough"] = {"status": "ok", "reason": "", "parameters": parameters}
        lap("hough")
        conditions["scribble"], parameters = scribble(rgb, generator(row, "scribble"))
        stages["scribble"] = {"status": "ok", "reason": "", "parameters": parameters}
        lap("scribble")
        if depth16 is not None:
            conditions["normal"] = normal_reference.annotator_normal(depth16, 2 * np.pi, 0.1, 255.0)
            background = depth16.astype(np.float32) - depth16.min()
            background_fraction = float(np.mean(background / max(float(background.max()), 1e-12) < 0.1))
            stages["normal"] = {"status": "ok", "reason": "", "parameters": {"background_fraction": background_fraction}}
            lap("normal")
            conditions["depth"] = depth16
            stages["depth"] = {"status": "ok", "reason": "",
                               "parameters": {"depth_min": int(depth16.min()), "depth_max": int(depth16.max())}}
            lap("depth")
        else:
            conditions["normal"] = np.zeros((RESOLUTION, RESOLUTION, 3), np.uint8)
            stages["normal"] = {"status": "skipped", "reason": depth_reason, "parameters": {"background_fraction": 0.0}}
            conditions["depth"] = np.zeros((RESOLUTION, RESOLUTION), np.uint16)
            stages["depth"] = {"status": "skipped", "reason": depth_reason, "parameters": {"depth_min": 0, "depth_max": 0}}
            lap("depth")
        caption_dropped = bool(generator(row, "caption").random() < 0.5)

        members = []
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
        members.append(("jpg", jpeg.tobytes()))
        pngs = []
        for stage in STAGES:
            plane = conditions[stage]
            if plane.ndim == 3:
                plane = plane[:, :, ::-1]  # RGB -> BGR for imencode
            ok, png = cv2.imencode(".png", plane)
            if not ok:
                raise ValueError(f"encode: {stage}")
            pngs.append((f"{stage}.png", png.tobytes()))
            stages[stage]["density"] = density(conditions[stage])
        lap("encode")

        scale, scaled_w, scaled_h, crop_x, crop_y = geometry
        record = {"key": key, "source_row": row, "source": fields, "caption": fields["caption"],
                  "caption_dropped": caption_dropped, "source_sha256": sha256,
                  "original_width": width, "original_height": height,
                  "width": RESOLUTION, "height": RESOLUTION, "seed": CONFIG["seed"],
                  "resize": {"resolution": RESOLUTION, "crop": "center",
                             "filter": "area" if scale < 1 else "lanczos4", "scaled_width": scaled_w,
                             "scaled_height": scaled_h, "crop_x": crop_x, "crop_y": crop_y},
                  "stages": stages}
        members.append(("txt", fields["caption"].encode("utf-8")))
        members.append(("json", json.dumps(record, sort_keys=True).encode("utf-8")))
        members.extend(pngs)
        sample.update(key=key, caption_dropped=int(caption_dropped), width=RESOLUTION, height=RESOLUTION,
                      original_width=width, original_height=height, source_sha256=sha256)
        lap("json")
        return row, key, sample, members, None, timings
    except Exception as error:  # a failed row is data, the run goes on
        return row, key, sample, [], f"{type(error).__name__}: {error}".splitlines()[0], timings


def read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        header = f.readline().rstrip("\r\n").split("\t")
        if "image" not in header or "caption" not in header:
            sys.exit(f"python_pipeline: {path}: the header needs 'image' and 'caption' columns")
        row = 0
        for line in f:
            line = line.rstrip("\r\n")
            if not line:
                continue
            yield row, dict(zip(header, line.split("\t")))
            row += 1


SCHEMA = """
CREATE TABLE samples (source_row INTEGER PRIMARY KEY, key TEXT UNIQUE, image_path TEXT, depth_path TEXT,
    caption TEXT, caption_dropped INTEGER, width INTEGER, height INTEGER, original_width INTEGER,
    original_height INTEGER, source_sha256 TEXT, status TEXT NOT NULL, error TEXT, shard TEXT);
CREATE TABLE members (key TEXT NOT NULL, member TEXT NOT NULL, shard TEXT NOT NULL, offset INTEGER NOT NULL,
    size INTEGER NOT NULL, PRIMARY KEY (key, member));
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source")
    parser.add_argument("out")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scribble", choices=["paper", "chain"], default="paper")
    parser.add_argument("--cv-threads", type=int, default=1,
                        help="cv2.setNumThreads in each worker (default 1: one process per core; -1 leaves OpenCV's default)")
    args = parser.parse_args()
    if os.path.exists(args.out):
        sys.exit(f"python_pipeline: {args.out} exists; remove it first")
    os.makedirs(os.path.join(args.out, "shards"))
    db = sqlite3.connect(os.path.join(args.out, "index.sqlite"))
    db.executescript(SCHEMA)

    start = time.perf_counter()
    totals = dict.fromkeys(STEPS, 0.0)
    writing = 0.0
    ok = failed = 0
    shard_index, in_shard, tar, shard_name = 0, 0, None, None
    base_dir = os.path.dirname(os.path.abspath(args.source))
    with multiprocessing.Pool(args.workers, initializer=init_worker,
                              initargs=(base_dir, args.seed, args.scribble, args.cv_threads)) as pool:
        for row, key, sample, members, error, timings in pool.imap(process, read_rows(args.source), chunksize=4):
            began = time.perf_counter()
            for step, seconds in timings.items():
                totals[step] += seconds
            if error is not None:
                failed += 1
                db.execute("INSERT INTO samples (source_row, image_path, depth_path, caption, status, error) "
                           "VALUES (?, ?, ?, ?, 'failed', ?)",
                           (row, sample["image_path"], sample["depth_path"], sample["caption"], error))
                writing += time.perf_counter() - began
                continue
            if tar is None:
                shard_name = f"shard-{shard_index:06d}.tar"
                tar = tarfile.open(os.path.join(args.out, "shards", shard_name), "w", format=tarfile.USTAR_FORMAT)
            for member, data in members:
                info = tarfile.TarInfo(f"{key}.{member}")
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                tar.addfile(info, io.BytesIO(data))
                offset = tar.offset - (len(data) + 511) // 512 * 512  # the data ends the archive, padded to 512
                db.execute("INSERT INTO members VALUES (?, ?, ?, ?, ?)", (key, member, shard_name, offset, len(data)))
            db.execute("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', NULL, ?)",
                       (row, key, sample["image_path"], sample["depth_path"], sample["caption"],
                        sample["caption_dropped"], sample["width"], sample["height"], sample["original_width"],
                        sample["original_height"], sample["source_sha256"], shard_name))
            ok += 1
            in_shard += 1
            if in_shard == SHARD_SIZE:
                tar.close()
                db.commit()
                tar, in_shard, shard_index = None, 0, shard_index + 1
            writing += time.perf_counter() - began
    began = time.perf_counter()
    if tar is not None:
        tar.close()
    db.commit()
    db.close()
    writing += time.perf_counter() - began
    seconds = time.perf_counter() - start
    print(f"python_pipeline: {ok} ok, {failed} failed in {seconds:.1f} s ({(ok + failed) / seconds:.1f} records/s)",
          file=sys.stderr)
    records = max(ok + failed, 1)
    worker_total = sum(totals.values())
    print("python_pipeline: mean time per record (worker CPU-side wall time, summed over workers):", file=sys.stderr)
    for step in STEPS:
        print(f"  {step:12} {totals[step] / records * 1000:8.2f} ms  {100 * totals[step] / max(worker_total, 1e-9):5.1f}%",
              file=sys.stderr)
    print(f"  {'total':12} {worker_total / records * 1000:8.2f} ms  (parent tar + sqlite: "
          f"{writing / records * 1000:.2f} ms/record)", file=sys.stderr)


if __name__ == "__main__":
    main()
