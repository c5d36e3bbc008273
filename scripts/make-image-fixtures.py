#!/usr/bin/env python3
"""Writes the small image fixtures of Tests/PrepImageTests/Fixtures.

Run from the repository root (needs Pillow and numpy; the Swift tests do not):

    pip install pillow numpy
    python3 scripts/make-image-fixtures.py

Everything is deterministic (fixed seeds), so re-running gives the same files. For every
valid fixture NAME.png / NAME.jpg the expected decode is written next to it as NAME.rgb:
raw 8-bit RGB, row-major, no header (the test knows the size). PNG expectations are
computed here from the source samples with the decoder's documented rules, not by another
decoder:

  * 1/2/4-bit gray expands to 8 bits by v * 255 / (2^bits - 1)  (libpng's expansion),
  * 16-bit samples become 8-bit by (v * 255 + 32895) >> 16 = round(v * 255 / 65535),
  * tRNS makes the matching gray/RGB value (or palette entry) transparent,
  * alpha is composited on white: out = (c * a + 255 * (255 - a) + 127) // 255.

JPEG expectations are Pillow's decode (compared with a tolerance in the tests).
Sixteen-bit depth expectations are NAME.depth16: raw big-endian uint16.

The opencv-* files are resize references from OpenCV's own cv2.resize (INTER_AREA and
INTER_LANCZOS4), written only when `opencv-python-headless` is installed; without it the
existing opencv-* files are kept.

PNG files are written by the small encoder below (Pillow cannot write 16-bit color,
gray+alpha 16, low-bit palettes with tRNS or Adam7), plus a few written by Pillow.
"""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PrepImageTests", "Fixtures")
W, H = 13, 7  # every PNG fixture is 13x7: odd, wider than tall, not a multiple of 8

GRAY, RGB, PALETTE, GRAY_ALPHA, RGBA = 0, 2, 3, 4, 6
CHANNELS = {GRAY: 1, RGB: 3, PALETTE: 1, GRAY_ALPHA: 2, RGBA: 4}


def save(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- PNG encoder

def chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def pack_row(row, bits):
    """One row of samples (flat) as PNG bytes: MSB-first bit packing below 8 bits."""
    if bits == 16:
        return b"".join(struct.pack(">H", int(v)) for v in row)
    if bits == 8:
        return bytes(int(v) for v in row)
    per_byte = 8 // bits
    out = bytearray()
    for i in range(0, len(row), per_byte):
        byte = 0
        group = list(row[i:i + per_byte]) + [0] * (per_byte - len(row[i:i + per_byte]))
        for v in group:
            byte = (byte << bits) | int(v)
        out.append(byte)
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png(samples, bits, color_type, palette=None, trns=None, interlace=False):
    """samples: (H, W, C) integer array. Filter type 0 on every row."""
    h, w, c = samples.shape
    ihdr = struct.pack(">IIBBBBB", w, h, bits, color_type, 0, 0, 1 if interlace else 0)
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for row in sub:
            raw += b"\x00" + pack_row(row.reshape(-1), bits)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if palette is not None:
        out += chunk(b"PLTE", bytes(int(v) for v in np.asarray(palette).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    return out + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")


# ---------------------------------------------------------------- expected values

def to8(v, bits):
    v = np.asarray(v, dtype=np.int64)
    if bits == 16:
        return (v * 255 + 32895) >> 16
    return v * 255 // ((1 << bits) - 1)


def over_white(c, a):
    return (c * a + 255 * (255 - a) + 127) // 255


def expected_rgb(samples, bits, color_type, palette=None, palette_alpha=None, trns_key=None):
    s = np.asarray(samples, dtype=np.int64)
    if color_type == PALETTE:
        rgb = np.asarray(palette, dtype=np.int64)[s[..., 0]]
        if palette_alpha is None:
            return rgb
        a = np.asarray(palette_alpha, dtype=np.int64)[s[..., 0]][..., None]
        return over_white(rgb, a)
    if color_type in (GRAY, RGB):
        color = to8(s, bits)
        if color_type == GRAY:
            color = np.repeat(color, 3, axis=2)
        if trns_key is None:
            return color
        transparent = np.all(s == np.asarray(trns_key), axis=2)[..., None]
        return np.where(transparent, 255, color)
    color, a = to8(s[..., :-1], bits), to8(s[..., -1:], bits)
    if color_type == GRAY_ALPHA:
        color = np.repeat(color, 3, axis=2)
    return over_white(color, a)


def save_rgb(name, rgb):
    save(name, np.asarray(rgb, dtype=np.uint8).tobytes())


def save_depth16(name, values):
    save(name, np.asarray(values, dtype=">u2").tobytes())


# ---------------------------------------------------------------- PNG fixtures

def png_fixtures(rng):
    def samples(bits, channels):
        return rng.integers(0, 1 << bits, size=(H, W, channels))

    for bits in (1, 2, 4, 8, 16):
        s = samples(bits, 1)
        s[0, 0, 0], s[0, 1, 0] = 0, (1 << bits) - 1  # both extremes always present
        save(f"png-gray{bits}.png", png(s, bits, GRAY))
        save_rgb(f"png-gray{bits}.rgb", expected_rgb(s, bits, GRAY))
        if bits == 16:
            save_depth16("png-gray16.depth16", s[..., 0])
        # tRNS on gray: one gray value (present in the image) is transparent.
        key = int(s[1, 2, 0])
        save(f"png-gray{bits}-trns.png", png(s, bits, GRAY, trns=struct.pack(">H", key)))
        save_rgb(f"png-gray{bits}-trns.rgb", expected_rgb(s, bits, GRAY, trns_key=[key]))

    for bits in (8, 16):
        for name, color_type in (("graya", GRAY_ALPHA), ("rgb", RGB), ("rgba", RGBA)):
            s = samples(bits, CHANNELS[color_type])
            if color_type in (GRAY_ALPHA, RGBA):  # opaque, transparent and half alpha present
                top = (1 << bits) - 1
                s[0, 0, -1], s[0, 1, -1], s[0, 2, -1] = top, 0, top // 2
            save(f"png-{name}{bits}.png", png(s, bits, color_type))
            save_rgb(f"png-{name}{bits}.rgb", expected_rgb(s, bits, color_type))
            if name == "rgb" and bits == 16:
                luma = (299 * s[..., 0] + 587 * s[..., 1] + 114 * s[..., 2] + 500) // 1000
                save_depth16("png-rgb16.depth16", luma)
            if name == "rgb":
                key = [int(v) for v in s[3, 4]]
                save(f"png-rgb{bits}-trns.png", png(s, bits, RGB, trns=struct.pack(">HHH", *key)))
                save_rgb(f"png-rgb{bits}-trns.rgb", expected_rgb(s, bits, RGB, trns_key=key))

    for bits in (1, 2, 4, 8):
        entries = min(1 << bits, 40)
        palette = rng.integers(0, 256, size=(entries, 3))
        s = rng.integers(0, entries, size=(H, W, 1))
        save(f"png-palette{bits}.png", png(s, bits, PALETTE, palette=palette))
        save_rgb(f"png-palette{bits}.rgb", expected_rgb(s, bits, PALETTE, palette=palette))
        # tRNS shorter than the palette: the missing entries are opaque.
        alpha = rng.integers(0, 256, size=max(1, entries - 1))
        alpha[0] = 0
        full_alpha = np.concatenate([alpha, np.full(entries - len(alpha), 255)])
        save(f"png-palette{bits}-trns.png", png(s, bits, PALETTE, palette=palette, trns=bytes(int(a) for a in alpha)))
        save_rgb(f"png-palette{bits}-trns.rgb", expected_rgb(s, bits, PALETTE, palette=palette, palette_alpha=full_alpha))

    # Adam7: 13x7 leaves some passes with partial or empty rows.
    s = samples(8, 3)
    save("png-interlaced-rgb8.png", png(s, 8, RGB, interlace=True))
    save_rgb("png-interlaced-rgb8.rgb", expected_rgb(s, 8, RGB))
    s = samples(1, 1)
    save("png-interlaced-gray1.png", png(s, 1, GRAY, interlace=True))
    save_rgb("png-interlaced-gray1.rgb", expected_rgb(s, 1, GRAY))
    s = samples(16, 4)
    save("png-interlaced-rgba16.png", png(s, 16, RGBA, interlace=True))
    save_rgb("png-interlaced-rgba16.rgb", expected_rgb(s, 16, RGBA))
    palette = rng.integers(0, 256, size=(16, 3))
    s = rng.integers(0, 16, size=(H, W, 1))
    save("png-interlaced-palette4.png", png(s, 4, PALETTE, palette=palette, interlace=True))
    save_rgb("png-interlaced-palette4.rgb", expected_rgb(s, 4, PALETTE, palette=palette))

    # Written by Pillow (zlib with adaptive row filters, unlike the encoder above).
    s = samples(8, 3)
    buf = io.BytesIO()
    Image.fromarray(s.astype(np.uint8), "RGB").save(buf, "PNG")
    save("png-pillow-rgb8.png", buf.getvalue())
    save_rgb("png-pillow-rgb8.rgb", s)
    s = samples(8, 4)
    buf = io.BytesIO()
    Image.fromarray(s.astype(np.uint8), "RGBA").save(buf, "PNG")
    save("png-pillow-rgba8.png", buf.getvalue())
    save_rgb("png-pillow-rgba8.rgb", expected_rgb(s, 8, RGBA))

    # Cross-check the encoder above with Pillow on the types Pillow reads losslessly.
    for name in ("png-gray8", "png-rgb8", "png-palette4", "png-interlaced-rgb8", "png-interlaced-palette4"):
        decoded = np.asarray(Image.open(os.path.join(OUT, name + ".png")).convert("RGB"))
        expected = np.frombuffer(open(os.path.join(OUT, name + ".rgb"), "rb").read(), np.uint8).reshape(H, W, 3)
        assert (decoded == expected).all(), name


# ---------------------------------------------------------------- JPEG fixtures

def jpeg_pattern():
    """29x19: a smooth gradient with a few hard-edged rectangles."""
    y, x = np.mgrid[0:19, 0:29]
    rgb = np.stack([x * 255 // 28, y * 255 // 18, (x + y) * 255 // 46], axis=2)
    rgb[4:12, 6:14] = [200, 30, 40]
    rgb[10:17, 18:26] = [20, 60, 210]
    return rgb.astype(np.uint8)


def jpeg_bytes(image, **options):
    buf = io.BytesIO()
    image.save(buf, "JPEG", **options)
    return buf.getvalue()


def save_jpeg_with_expectation(name, data):
    save(name + ".jpg", data)
    save_rgb(name + ".rgb", np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))


def exif_orientation(value, big_endian):
    """An APP1 Exif payload whose IFD0 holds only Orientation (tag 0x0112, SHORT)."""
    e = ">" if big_endian else "<"
    tiff = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    tiff += struct.pack(e + "H", 1) + struct.pack(e + "HHIHH", 0x0112, 3, 1, value, 0) + struct.pack(e + "I", 0)
    return b"Exif\x00\x00" + tiff


# Upright orientation test pattern: 32x16, 4x2 blocks of 8x8 in distinct colors.
ORIENTATION_COLORS = [
    [[230, 25, 25], [25, 200, 25], [25, 25, 230], [230, 230, 25]],
    [[25, 230, 230], [230, 25, 230], [250, 250, 250], [10, 10, 10]],
]

# The stored image for each orientation: the inverse of what the viewer applies.
TO_STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,   # viewer rotates 90° clockwise (PIL's ROTATE_270)
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,  # viewer rotates 90° counter-clockwise (PIL's ROTATE_90)
}


def jpeg_fixtures():
    from PIL import ImageOps

    pattern = Image.fromarray(jpeg_pattern(), "RGB")
    save_jpeg_with_expectation("jpeg-baseline", jpeg_bytes(pattern, quality=90))
    save_jpeg_with_expectation("jpeg-progressive", jpeg_bytes(pattern, quality=90, progressive=True))
    save_jpeg_with_expectation("jpeg-444", jpeg_bytes(pattern, quality=90, subsampling=0))
    gray = pattern.convert("L")
    save_jpeg_with_expectation("jpeg-gray", jpeg_bytes(gray, quality=90))
    # Pillow writes CMYK with an Adobe marker and inverted values, as Photoshop does.
    cmyk = pattern.convert("CMYK")
    save_jpeg_with_expectation("jpeg-cmyk", jpeg_bytes(cmyk, quality=95))

    upright = np.repeat(np.repeat(np.array(ORIENTATION_COLORS, dtype=np.uint8), 8, axis=0), 8, axis=1)
    save_rgb("orientation-upright.rgb", upright)
    for value in range(1, 9):
        image = Image.fromarray(upright, "RGB")
        if TO_STORED[value] is not None:
            image = image.transpose(TO_STORED[value])
        data = jpeg_bytes(image, quality=95, subsampling=0, exif=exif_orientation(value, big_endian=value % 2 == 1))
        save(f"jpeg-orientation{value}.jpg", data)
        shown = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
        assert shown.shape == upright.shape and np.abs(shown.astype(int) - upright).max() < 16, value
        save_rgb(f"jpeg-orientation{value}.rgb", shown)

    # Malformed EXIF (IFD offset past the end) must be ignored, not fail the decode.
    bad_exif = b"Exif\x00\x00MM\x00\x2a\x00\x00\xff\xf0"
    image = Image.fromarray(upright, "RGB")
    save_jpeg_with_expectation("jpeg-bad-exif", jpeg_bytes(image, quality=95, subsampling=0, exif=bad_exif))
    return pattern


# ---------------------------------------------------------------- bad files

def find_marker(data, marker):
    i = data.find(bytes([0xFF, marker]))
    assert i > 0, hex(marker)
    return i


def bad_fixtures(pattern):
    good_png = open(os.path.join(OUT, "png-rgb8.png"), "rb").read()
    good_jpeg = open(os.path.join(OUT, "jpeg-baseline.jpg"), "rb").read()

    save("bad-png-truncated.png", good_png[: len(good_png) // 2])
    damaged = bytearray(good_png)
    idat = good_png.find(b"IDAT")
    damaged[idat + 10] ^= 0x55  # inside the compressed data: zlib fails before the CRC is read
    save("bad-png-bitflip.png", bytes(damaged))
    damaged = bytearray(good_png)
    idat_length = struct.unpack(">I", good_png[idat - 4:idat])[0]
    damaged[idat + 4 + idat_length] ^= 0x01  # the IDAT CRC itself; the data is intact
    save("bad-png-crc.png", bytes(damaged))
    save("bad-png-signature-only.png", good_png[:8])

    save("bad-jpeg-truncated.jpg", good_jpeg[: len(good_jpeg) * 2 // 3])
    sos = find_marker(good_jpeg, 0xDA)
    middle = (sos + len(good_jpeg)) // 2
    damaged = bytearray(good_jpeg)
    damaged[middle:middle + 2] = b"\xff\xd5"  # a stray RST5 marker inside the scan
    save("bad-jpeg-marker-in-scan.jpg", bytes(damaged))
    save("bad-jpeg-soi-only.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")

    # Valid-looking frame headers for variants libjpeg-turbo 2.x does not decode.
    sof = find_marker(good_jpeg, 0xC0)
    twelve_bit = bytearray(good_jpeg)
    twelve_bit[sof + 4] = 12  # sample precision
    save("unsupported-jpeg-12bit.jpg", bytes(twelve_bit))
    lossless = bytearray(good_jpeg)
    lossless[sof + 1] = 0xC3  # SOF3: lossless
    save("unsupported-jpeg-lossless.jpg", bytes(lossless))

    # Tiny files whose headers claim 20000x20000: refused by the pixel limit, never decoded.
    huge = bytearray(good_png)
    huge[16:24] = struct.pack(">II", 20000, 20000)
    huge[29:33] = struct.pack(">I", zlib.crc32(bytes(huge[12:29])) & 0xFFFFFFFF)
    save("huge-header.png", bytes(huge))
    huge = bytearray(good_jpeg)
    huge[sof + 5:sof + 9] = struct.pack(">HH", 20000, 20000)
    save("huge-header.jpg", bytes(huge))

    small = Image.fromarray(jpeg_pattern()[:5, :5], "RGB")
    for fmt, ext in (("GIF", "gif"), ("BMP", "bmp"), ("TIFF", "tiff"), ("WEBP", "webp")):
        buf = io.BytesIO()
        small.save(buf, fmt)
        save(f"unsupported.{ext}", buf.getvalue())
    save("not-an-image.txt", b"<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n")
    save("empty.bin", b"")


# ---------------------------------------------------------------- resize references

def opencv_fixtures():
    """Random sources and OpenCV's resize of them to the ResizeGeometry of the Swift tests:
    cv2.resize to the scaled size, then the center crop (k <= 1: AREA, else LANCZOS4)."""
    import cv2

    rng = np.random.default_rng(7)
    # (width, height, resolution): scaled 31x23 crop x=4 (area), scaled 37x20 crop x=8 (Lanczos).
    for w, h, resolution, scaled, crop_x, filter_name, interpolation in (
        (50, 37, 23, (31, 23), 4, "area", cv2.INTER_AREA),
        (13, 7, 20, (37, 20), 8, "lanczos4", cv2.INTER_LANCZOS4),
    ):
        rgb = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        depth = rng.integers(0, 65536, size=(h, w), dtype=np.uint16)
        save_rgb(f"opencv-input-{w}x{h}.rgb", rgb)
        save_depth16(f"opencv-input-{w}x{h}.depth16", depth)
        out_rgb = cv2.resize(rgb, scaled, interpolation=interpolation)[:, crop_x:crop_x + resolution]
        out_depth = cv2.resize(depth, scaled, interpolation=interpolation)[:, crop_x:crop_x + resolution]
        assert out_rgb.shape == (resolution, resolution, 3)
        save_rgb(f"opencv-{filter_name}-{w}x{h}-r{resolution}.rgb", out_rgb)
        save_depth16(f"opencv-{filter_name}-{w}x{h}-r{resolution}.depth16", out_depth)


def main():
    os.makedirs(OUT, exist_ok=True)
    try:
        import cv2  # noqa: F401
        have_opencv = True
    except ImportError:
        have_opencv = False
        print("cv2 not installed: keeping the existing opencv-* fixtures")
    for name in os.listdir(OUT):
        if have_opencv or not name.startswith("opencv-"):
            os.remove(os.path.join(OUT, name))
    if have_opencv:
        opencv_fixtures()
    rng = np.random.default_rng(20240601)
    png_fixtures(rng)
    pattern = jpeg_fixtures()
    bad_fixtures(pattern)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
