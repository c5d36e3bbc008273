import CVectorKernels
import PrepImage

/// A classical stand-in for HED: a soft 0...255 boundary map from an RGB (or gray) image, the
/// multi-scale, scale-normalised gradient magnitude of the luminance, normalised by a high
/// percentile. Bright, several-pixel-wide ridges on object outlines and strong texture, dark on
/// flat areas: the input ControlNet's fake-scribble chain expects. All arithmetic is Float32, in
/// this order (`scripts/goldens/scribble.py` has the numpy/cv2 twin):
///
///     L      = (0.299 R + 0.587 G) + 0.114 B                     (gray: R = G = B = value)
///     for each sigma in scale * [1, 2, 4]:
///         S  = GaussianBlur(L, sigma)          (float path, REFLECT_101, unfused: fast, and within
///                                               a few ulps of cv2.GaussianBlur)
///         gx = S[y][x+1] - S[y][x-1],  gy = S[y+1][x] - S[y-1][x]  (REFLECT_101 at the edges)
///         M += (sigma / 2) * sqrt(gx*gx + gy*gy)
///     M     /= 3
///     q      = the k-th smallest value of M (0-based), k = (W*H - 1) * 98 / 100  (integer division)
///     norm   = max(q, 8)
///     B      = uint8(min(M / norm, 1) * 255 + 0.5)                (truncation)
///
/// `sigma / 2` makes each scale's central difference the derivative per pixel times sigma
/// (Lindeberg's scale normalisation), so a step edge responds about equally at every scale. The
/// 98th percentile maps to white (about the brightest 2% saturate, like HED's confident edges);
/// the floor of 8 keeps flat or nearly flat images dark instead of amplifying their noise.
/// Measured against the twin (`Goldens/scribble/*.boundary.png`): at most 1 level apart, on at
/// most 29 pixels of a 512x512 Examples image (the unfused blur's last-ulp differences). On
/// processors with AVX2 the blur, gradient and normalisation run as vector kernels
/// (`CVectorKernels`) with the same bits as the Swift loops (`portable: true`; tested).
// reference: Lindeberg, "Edge detection and ridge detection with automatic scale selection" (1998)
// reference: Xie & Tu, "Holistically-Nested Edge Detection" (2015), the map this stands in for
public enum SoftBoundary {
    /// The base scales, multiplied by the `scale` argument.
    public static let baseSigmas: [Double] = [1, 2, 4]
    /// Which order statistic of the magnitude maps to white, in percent.
    public static let percentile = 98
    /// The smallest normaliser: a magnitude of 8 (about a 20-level step) or more is white.
    public static let normaliserFloor: Float = 8

    /// The soft boundary map of `image` (1 or 3 channels): one channel, the image's size.
    public static func map(_ image: Image, scale: Double = 1) -> Image {
        map(image, scale: scale, portable: !VectorKernels.available)
    }

    static func map(_ image: Image, scale: Double, portable: Bool) -> Image {
        let width = image.width, height = image.height
        let count = width * height
        var output = Image(width: width, height: height, channels: 1)
        guard count > 0 else { return output }

        let luminance = luminance(image)
        var magnitude = [Float](repeating: 0, count: count)
        for base in baseSigmas {
            let sigma = base * scale
            let smooth = GaussianBlur.blur(luminance, width: width, height: height, sigma: sigma, fused: false, portable: portable)
            accumulateGradientMagnitude(smooth, width: width, height: height, weight: Float(sigma / 2), portable: portable, into: &magnitude)
        }
        let scales = Float(baseSigmas.count)
        magnitude.withUnsafeMutableBufferPointer { m in
            for i in 0..<count { m[i] = m[i] / scales }
        }

        let k = (count - 1) * percentile / 100
        let quantile = magnitude.withUnsafeBufferPointer { orderStatistic(ofNonNegative: $0, k: k) }
        let norm = max(quantile, normaliserFloor)
        magnitude.withUnsafeBufferPointer { m in
            output.pixels.withUnsafeMutableBufferPointer { out in
                if !portable {
                    cvector_normalise_to_bytes(out.baseAddress!, m.baseAddress!, norm, count)
                } else {
                    for i in 0..<count {
                        let v = min(m[i] / norm, 1) * 255 + 0.5
                        out[i] = UInt8(v)
                    }
                }
            }
        }
        return output
    }

    /// `(0.299 R + 0.587 G) + 0.114 B` in Float32; a gray image counts as R = G = B.
    static func luminance(_ image: Image) -> [Float] {
        let count = image.width * image.height
        var result = [Float].uninitialized(count: count)  // every element is written below
        let wr: Float = 0.299, wg: Float = 0.587, wb: Float = 0.114
        image.pixels.withUnsafeBufferPointer { p in
            result.withUnsafeMutableBufferPointer { out in
                if image.channels == 3 {
                    for i in 0..<count {
                        out[i] = (wr * Float(p[3 * i]) + wg * Float(p[3 * i + 1])) + wb * Float(p[3 * i + 2])
                    }
                } else {
                    for i in 0..<count {
                        let v = Float(p[i])
                        out[i] = (wr * v + wg * v) + wb * v
                    }
                }
            }
        }
        return result
    }

    /// `m += weight * sqrt(gx^2 + gy^2)` with central differences and REFLECT_101 borders.
    static func accumulateGradientMagnitude(_ s: [Float], width: Int, height: Int, weight: Float, portable: Bool,
                                            into magnitude: inout [Float]) {
        s.withUnsafeBufferPointer { s in
            magnitude.withUnsafeMutableBufferPointer { m in
                for y in 0..<height {
                    let row = s.baseAddress! + y * width
                    let up = s.baseAddress! + GaussianBlur.reflect101(y - 1, height) * width
                    let down = s.baseAddress! + GaussianBlur.reflect101(y + 1, height) * width
                    let out = m.baseAddress! + y * width
                    @inline(__always) func add(_ x: Int, _ gx: Float) {
                        let gy = down[x] - up[x]
                        out[x] = out[x] + weight * (gx * gx + gy * gy).squareRoot()
                    }
                    if width == 1 {
                        add(0, 0)
                        continue
                    }
                    add(0, row[1] - row[1])
                    if width > 2 {
                        if !portable {
                            cvector_gradient_magnitude_accumulate(out + 1, up + 1, row + 1, down + 1, weight, width - 2)
                        } else {
                            for x in 1..<(width - 1) { add(x, row[x + 1] - row[x - 1]) }
                        }
                    }
                    add(width - 1, row[width - 2] - row[width - 2])
                }
            }
        }
    }

    /// The `k`-th smallest (0-based) of non-negative floats, exactly, by a two-pass radix
    /// selection on the bit patterns (which order like the values for non-negative floats).
    static func orderStatistic(ofNonNegative values: UnsafeBufferPointer<Float>, k: Int) -> Float {
        precondition(k >= 0 && k < values.count)
        var histogram = [Int](repeating: 0, count: 1 << 16)
        var high: UInt32 = 0, rank = k
        histogram.withUnsafeMutableBufferPointer { h in
            for v in values { h[Int(v.bitPattern >> 16)] += 1 }
            var bin = 0
            while rank >= h[bin] { rank -= h[bin]; bin += 1 }
            high = UInt32(bin)
            for i in 0..<h.count { h[i] = 0 }
            for v in values where v.bitPattern >> 16 == high { h[Int(v.bitPattern & 0xffff)] += 1 }
            bin = 0
            while rank >= h[bin] { rank -= h[bin]; bin += 1 }
            high = high << 16 | UInt32(bin)
        }
        return Float(bitPattern: high)
    }
}
