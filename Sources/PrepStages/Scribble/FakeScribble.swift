import PrepImage

/// ControlNet's released "fake scribble" chain, which turns a soft boundary map (HED, PiDiNet or
/// `SoftBoundary`) into white scribbles on black:
///
/// 1. `nonMaximumSuppression(boundary, threshold: t, sigma: s)` (ControlNet's `nms(x, t, s)`):
///    `b = GaussianBlur(float(x), sigma s)` (fused rounding, bit-identical to cv2's AVX2 path, so
///    the ties and threshold comparisons below fall exactly as in ControlNet); a pixel is kept where `b` equals the grey dilation of
///    `b` by at least one of the four 3x3 line kernels (horizontal, vertical, main diagonal,
///    anti-diagonal), i.e. where `b >= both neighbours` along that line. Neighbours outside the
///    image do not count (`cv2.dilate`'s default border is -infinity). Output 255 where the pixel
///    is kept and `b > t`, else 0.
/// 2. `thicken`: `GaussianBlur(uint8, sigma 3.0)` (8-bit, bit-exact), then `> 4 -> 255`, else 0.
// reference: lllyasviel/ControlNet annotator/util.py (nms), gradio_fake_scribble2image.py (process)
public enum FakeScribble {
    /// ControlNet's `nms(x, t, s)` on a one-channel 0...255 map; 0/255 thin lines.
    public static func nonMaximumSuppression(_ boundary: Image, threshold: Double, sigma: Double) -> Image {
        let gray = oneChannel(boundary)
        let width = gray.width, height = gray.height
        let values = [Float](unsafeUninitializedCapacity: gray.pixels.count) { values, initialized in
            gray.pixels.withUnsafeBufferPointer { pixels in
                for i in 0..<pixels.count { values[i] = Float(pixels[i]) }
            }
            initialized = gray.pixels.count
        }
        let blurred = GaussianBlur.blur(values, width: width, height: height, sigma: sigma)
        return nonMaximumSuppression(blurred: blurred, width: width, height: height, threshold: threshold)
    }

    /// The suppression and threshold of `nms` on an already blurred map.
    static func nonMaximumSuppression(blurred: [Float], width: Int, height: Int, threshold: Double) -> Image {
        var output = Image(width: width, height: height, channels: 1)
        guard width > 0, height > 0 else { return output }
        // `y > t` with y = kept value: the comparison is done in Float, like numpy on float32.
        let t = Float(threshold)
        // Every candidate must be > t >= 0 (a pixel that is not kept reads 0 and 0 > t fails).
        let limit = t < 0 ? -Float.infinity : t
        blurred.withUnsafeBufferPointer { b in
            output.pixels.withUnsafeMutableBufferPointer { out in
                let lastX = width - 1, lastY = height - 1
                let limits = SIMD8<Float>(repeating: limit)
                let raw = UnsafeRawPointer(b.baseAddress!)
                for y in 0..<height {
                    let row = y * width
                    let hasUp = y > 0, hasDown = y < lastY
                    var x = 0
                    while x < width {
                        // Most of a blurred boundary map is below the threshold: skip it 8 at a time.
                        if x + 8 <= width, !any(raw.loadUnaligned(fromByteOffset: 4 * (row + x), as: SIMD8<Float>.self) .> limits) {
                            x += 8
                            continue
                        }
                        let v = b[row + x]
                        if v > limit {
                            let hasLeft = x > 0, hasRight = x < lastX
                            // A missing neighbour never exceeds v (dilation with a -inf border).
                            @inline(__always) func atMost(_ dx: Int, _ dy: Int, _ exists: Bool) -> Bool {
                                !exists || b[row + dy * width + x + dx] <= v
                            }
                            let kept =
                                (atMost(-1, 0, hasLeft) && atMost(1, 0, hasRight))
                                || (atMost(0, -1, hasUp) && atMost(0, 1, hasDown))
                                || (atMost(-1, -1, hasLeft && hasUp) && atMost(1, 1, hasRight && hasDown))
                                || (atMost(1, -1, hasRight && hasUp) && atMost(-1, 1, hasLeft && hasDown))
                            if kept { out[row + x] = 255 }
                        }
                        x += 1
                    }
                }
            }
        }
        return output
    }

    /// The chain's thickening: 8-bit Gaussian blur with `sigma` (3.0 in ControlNet), then
    /// `> 4 -> 255`, else 0.
    public static func thicken(_ lines: Image, sigma: Double = 3.0) -> Image {
        var blurred = GaussianBlur.blur(oneChannel(lines), sigma: sigma)
        blurred.pixels.withUnsafeMutableBufferPointer { pixels in
            for i in 0..<pixels.count { pixels[i] = pixels[i] > 4 ? 255 : 0 }
        }
        return blurred
    }

    /// The whole deterministic chain: `thicken(nonMaximumSuppression(boundary, t, s))`.
    public static func scribble(boundary: Image, threshold: Double = 127, sigma: Double = 3.0) -> Image {
        thicken(nonMaximumSuppression(boundary, threshold: threshold, sigma: sigma))
    }

    /// A one-channel view of a boundary map: a 3-channel map (HED maps are often saved as RGB
    /// with equal channels) becomes the rounded mean of its channels.
    public static func oneChannel(_ image: Image) -> Image {
        if image.channels == 1 { return image }
        var gray = Image(width: image.width, height: image.height, channels: 1)
        image.pixels.withUnsafeBufferPointer { rgb in
            gray.pixels.withUnsafeMutableBufferPointer { out in
                for i in 0..<out.count {
                    let sum = Int(rgb[3 * i]) + Int(rgb[3 * i + 1]) + Int(rgb[3 * i + 2])
                    out[i] = UInt8((sum + 1) / 3)
                }
            }
        }
        return gray
    }
}
