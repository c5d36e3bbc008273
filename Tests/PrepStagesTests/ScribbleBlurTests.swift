import PrepImage
import Testing
@testable import PrepStages

/// Slow references for the blur and the suppression: direct 2-D sums, no separability, no
/// buffers, Double arithmetic.
enum ScribbleReference {
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var p = i
        while p < 0 || p >= n { p = p < 0 ? -p : 2 * (n - 1) - p }
        return p
    }

    /// sum over (i, j) of kx[i] * ky[j] * src(reflect(x + i - rx), reflect(y + j - ry)).
    static func blur(_ values: [Double], width: Int, height: Int, kernelX: [Double], kernelY: [Double]) -> [Double] {
        let rx = kernelX.count / 2, ry = kernelY.count / 2
        var out = [Double](repeating: 0, count: values.count)
        for y in 0..<height {
            for x in 0..<width {
                var sum = 0.0
                for j in 0..<kernelY.count {
                    let sy = reflect(y + j - ry, height)
                    for i in 0..<kernelX.count {
                        sum += kernelX[i] * kernelY[j] * values[sy * width + reflect(x + i - rx, width)]
                    }
                }
                out[y * width + x] = sum
            }
        }
        return out
    }

    static func kernels(width: Int, height: Int, sigma: Double, eightBit: Bool) -> (x: [Double], y: [Double]) {
        let size = GaussianBlur.kernelSize(sigma: sigma, eightBit: eightBit)
        func kernel() -> [Double] {
            eightBit ? GaussianBlur.fixedPointKernel(size: size, sigma: sigma).map { Double($0) / 256 }
                : GaussianBlur.kernel(size: size, sigma: sigma)
        }
        return (width == 1 ? [1] : kernel(), height == 1 ? [1] : kernel())
    }

    /// ControlNet's nms written literally: four dilations with -inf outside, then `y > t`.
    static func nms(_ b: [Float], width: Int, height: Int, threshold: Float) -> [UInt8] {
        let lines = [[(-1, 0), (1, 0)], [(0, -1), (0, 1)], [(-1, -1), (1, 1)], [(1, -1), (-1, 1)]]
        var kept = [Float](repeating: 0, count: b.count)
        for line in lines {
            for y in 0..<height {
                for x in 0..<width {
                    var dilated = b[y * width + x]
                    for (dx, dy) in line where (0..<width).contains(x + dx) && (0..<height).contains(y + dy) {
                        dilated = max(dilated, b[(y + dy) * width + x + dx])
                    }
                    if dilated == b[y * width + x] { kept[y * width + x] = b[y * width + x] }
                }
            }
        }
        return kept.map { $0 > threshold ? 255 : 0 }
    }
}

struct ScribbleBlurTests {
    static let sizes = [(1, 1), (1, 17), (17, 1), (2, 3), (5, 4), (13, 7), (37, 23), (64, 48)]

    static func randomImage(width: Int, height: Int, seed: UInt64) -> Image {
        var random = RecordRandom(seed: seed, key: "\(width)x\(height)", stream: "blur-test")
        return Image(width: width, height: height, channels: 1,
                     pixels: (0..<(width * height)).map { _ in UInt8(random.uniform(in: 0...255)) })
    }

    @Test func kernelSizesAndWeightsFollowOpenCV() {
        #expect(GaussianBlur.kernelSize(sigma: 3.0, eightBit: true) == 19)
        #expect(GaussianBlur.kernelSize(sigma: 3.0, eightBit: false) == 25)
        #expect(GaussianBlur.kernelSize(sigma: 1.5, eightBit: true) == 11)  // round(10) | 1
        #expect(GaussianBlur.kernelSize(sigma: 0.25, eightBit: true) == 3)  // round(2.5) = 2 (half even) | 1
        // The 8-bit path's integer weights, as recovered from cv2.GaussianBlur's bit-exact output.
        #expect(GaussianBlur.fixedPointKernel(size: 19, sigma: 3.0)
            == [0, 1, 3, 4, 9, 14, 20, 28, 32, 34, 32, 28, 20, 14, 9, 4, 3, 1, 0])
        #expect(GaussianBlur.fixedPointKernel(size: 7, sigma: 1.0) == [1, 14, 62, 102, 62, 14, 1])
        let weights = GaussianBlur.kernel(size: 25, sigma: 3.0)
        #expect(abs(weights.reduce(0, +) - 1) < 1e-12)
        #expect(weights == weights.reversed())
    }

    /// The separable integer path equals the direct 2-D sum with the same integer weights
    /// (rounded half up from 16 fraction bits), and within 2.5 of the exact Gaussian (the weights
    /// are quantised to 1/256).
    @Test(arguments: [0.8, 1.5, 3.0, 4.5])
    func eightBitBlurEqualsTheDirectSum(_ sigma: Double) {
        for (width, height) in Self.sizes {
            let image = Self.randomImage(width: width, height: height, seed: 1)
            let fast = GaussianBlur.blur(image, sigma: sigma)
            let values = image.pixels.map { Double($0) }
            let fixed = ScribbleReference.kernels(width: width, height: height, sigma: sigma, eightBit: true)
            let direct = ScribbleReference.blur(values, width: width, height: height, kernelX: fixed.x, kernelY: fixed.y)
            #expect(fast.pixels == direct.map { UInt8(($0 * 65536 + 32768) / 65536) }, "\(width)x\(height) sigma \(sigma)")
            let exact = ScribbleReference.blur(values, width: width, height: height,
                                               kernelX: width == 1 ? [1] : GaussianBlur.kernel(size: fixed.x.count, sigma: sigma),
                                               kernelY: height == 1 ? [1] : GaussianBlur.kernel(size: fixed.y.count, sigma: sigma))
            let largest = zip(fast.pixels, exact).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(largest <= 2.5, "\(width)x\(height) sigma \(sigma): \(largest)")
        }
    }

    @Test func eightBitBlurHandlesThreeChannelsAsThreePlanes() {
        let r = Self.randomImage(width: 9, height: 6, seed: 2), g = Self.randomImage(width: 9, height: 6, seed: 3)
        let b = Self.randomImage(width: 9, height: 6, seed: 4)
        var rgb = [UInt8]()
        for i in 0..<54 { rgb += [r.pixels[i], g.pixels[i], b.pixels[i]] }
        let blurred = GaussianBlur.blur(Image(width: 9, height: 6, channels: 3, pixels: rgb), sigma: 1.2)
        let planes = [r, g, b].map { GaussianBlur.blur($0, sigma: 1.2).pixels }
        for i in 0..<54 {
            #expect(Array(blurred.pixels[(3 * i)..<(3 * i + 3)]) == [planes[0][i], planes[1][i], planes[2][i]])
        }
    }

    @Test(arguments: [1.0, 2.0, 3.0, 4.5])
    func floatBlurEqualsTheDirectSum(_ sigma: Double) {
        for (width, height) in Self.sizes {
            let image = Self.randomImage(width: width, height: height, seed: 5)
            let values = image.pixels.map { Float($0) + 0.25 }
            let fast = GaussianBlur.blur(values, width: width, height: height, sigma: sigma)
            let k = ScribbleReference.kernels(width: width, height: height, sigma: sigma, eightBit: false)
            let slow = ScribbleReference.blur(values.map { Double($0) }, width: width, height: height, kernelX: k.x, kernelY: k.y)
            let largest = zip(fast, slow).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(largest <= 1e-3, "\(width)x\(height) sigma \(sigma): \(largest)")
        }
    }

    @Test func suppressionEqualsTheLiteralDilationForm() {
        for (width, height) in Self.sizes {
            let image = Self.randomImage(width: width, height: height, seed: 6)
            // Quantised values make ties (plateaus) common.
            let values = image.pixels.map { Float($0 / 32 * 32) }
            for threshold in [Float(0), 60, 127] {
                let fast = FakeScribble.nonMaximumSuppression(blurred: values, width: width, height: height, threshold: Double(threshold))
                #expect(fast.pixels == ScribbleReference.nms(values, width: width, height: height, threshold: threshold),
                        "\(width)x\(height) t \(threshold)")
            }
        }
    }

    @Test func suppressionKeepsRidgesAndIgnoresOutsideNeighbours() {
        // A vertical ridge at x = 2 and a bright pixel in the corner (no neighbours outside count).
        let width = 5, height = 3
        var b = [Float](repeating: 0, count: width * height)
        for y in 0..<height { b[y * width + 1] = 100; b[y * width + 2] = 200; b[y * width + 3] = 100 }
        b[4] = 150
        let out = FakeScribble.nonMaximumSuppression(blurred: b, width: width, height: height, threshold: 127)
        #expect(out.pixels == [0, 0, 255, 0, 255,
                               0, 0, 255, 0, 0,
                               0, 0, 255, 0, 0])
    }
}
