import Foundation
import PrepImage
import Testing
@testable import PrepStages

/// Reading Goldens/scribble (written by scripts/goldens/scribble.py) and Examples/images.
enum ScribbleGoldens {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let directory = testsDirectory.appendingPathComponent("Goldens/scribble")
    /// Tests/PrepStagesTests -> package root.
    static let packageRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()

    static let exampleNames = ["astronaut", "brick", "camera", "chelsea", "coffee", "coins", "gravel", "horse",
                               "motorcycle_left"]
    static let syntheticNames = ["flat", "step", "diagonal", "disk", "noise", "thin_lines", "column", "row",
                                 "odd_37x23"]

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// A golden PNG as the decoder gives it (RGB).
    static func rgb(_ name: String) throws -> Image {
        try PNGCodec.decode(bytes(directory.appendingPathComponent(name)))
    }

    /// A golden gray PNG (decoded as RGB with equal channels) as one channel.
    static func gray(_ name: String) throws -> Image {
        firstChannel(try rgb(name))
    }

    static func firstChannel(_ image: Image) -> Image {
        if image.channels == 1 { return image }
        return Image(width: image.width, height: image.height, channels: 1,
                     pixels: stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] })
    }

    /// Raw little-endian float32.
    static func floats(_ name: String) throws -> [Float] {
        let raw = try bytes(directory.appendingPathComponent(name))
        return stride(from: 0, to: raw.count, by: 4).map {
            Float(bitPattern: UInt32(raw[$0]) | UInt32(raw[$0 + 1]) << 8 | UInt32(raw[$0 + 2]) << 16 | UInt32(raw[$0 + 3]) << 24)
        }
    }

    /// The RGB input of a golden case: an Examples PNG, a synthetic `.input.png`, or `large`.
    static func input(_ name: String) throws -> Image {
        if name == "large" { return largeFormula() }
        if exampleNames.contains(name) {
            let url = packageRoot.appendingPathComponent("Examples/images/\(name).png")
            return try ImageDecoder.decode(bytes(url))
        }
        return try rgb("\(name).input.png")
    }

    /// The 1200x900 formula image of scribble.py's `large_formula`.
    static func largeFormula() -> Image {
        let width = 1200, height = 900
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let dx = x - 600, dy = y - 450
                pixels[i] = dx * dx + dy * dy < 300 * 300 ? 220 : 20
                pixels[i + 1] = (x / 150 + y / 150) % 2 == 0 ? 60 : 190
                pixels[i + 2] = UInt8((x / 100 * 40 + y / 300 * 70) % 256)
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Largest absolute difference and count of differing samples.
    static func compare(_ a: Image, _ b: Image) -> (max: Int, differing: Int) {
        precondition(a.pixels.count == b.pixels.count, "sizes differ")
        var largest = 0, differing = 0
        for (x, y) in zip(a.pixels, b.pixels) where x != y {
            largest = max(largest, abs(Int(x) - Int(y)))
            differing += 1
        }
        return (largest, differing)
    }
}

/// Golden agreement with OpenCV / ControlNet / the numpy twin.
struct ScribbleGoldenTests {
    @Test func eightBitBlurIsBitExactWithOpenCV() throws {
        let inputs = [
            "camera": ScribbleGoldens.firstChannel(try ScribbleGoldens.input("camera")).cropped(x: 192, y: 96, width: 128, height: 128),
            "noise": try ScribbleGoldens.gray("blur8.noise.input.png"),
        ]
        for (name, gray) in inputs.sorted(by: { $0.key < $1.key }) {
            for sigma in [0.8, 1.5, 3.0, 4.5] {
                let expected = try ScribbleGoldens.gray("blur8.\(name).s\(sigma).png")
                let ours = GaussianBlur.blur(gray, sigma: sigma)
                let (largest, differing) = ScribbleGoldens.compare(ours, expected)
                print("blur8 \(name) sigma \(sigma): max diff \(largest), differing \(differing) of \(ours.pixels.count)")
                #expect(largest == 0, "blur8 \(name) sigma \(sigma)")
            }
        }
    }

    @Test func floatBlurMatchesOpenCV() throws {
        let width = 53, height = 41
        let input = try ScribbleGoldens.floats("blurf.mixed.input.f32")
        #expect(input.count == width * height)
        for sigma in [1.0, 2.0, 3.0, 4.5] {
            let expected = try ScribbleGoldens.floats("blurf.mixed.s\(sigma).f32")
            let ours = GaussianBlur.blur(input, width: width, height: height, sigma: sigma)
            var largest: Float = 0, identical = 0
            for (a, b) in zip(ours, expected) {
                largest = max(largest, abs(a - b))
                if a == b { identical += 1 }
            }
            let unfused = GaussianBlur.blur(input, width: width, height: height, sigma: sigma, fused: false)
            let unfusedLargest = zip(unfused, expected).map { abs($0 - $1) }.max() ?? 0
            print("blurf sigma \(sigma): fused max diff \(largest), identical \(identical) of \(ours.count); unfused max diff \(unfusedLargest)")
            #expect(largest <= 1e-3)
            #expect(identical == ours.count, "fused float blur is bit-identical to cv2 (AVX2 build)")
            #expect(unfusedLargest <= 1e-3)
            let emulated = GaussianBlur.blur(input, width: width, height: height, sigma: sigma, fused: true, portable: true)
            #expect(emulated == expected, "the portable FMA emulation is bit-identical to cv2 too")
        }
    }

    /// The vector kernels (FMA instructions for fused steps, AVX2 for unfused ones) and the
    /// portable Swift loops (fused steps emulated in Double) give the same bits on
    /// every width (vector bodies and scalar tails of both passes), height and kernel size.
    @Test func fmaKernelsEqualDoubleEmulation() {
        guard VectorKernels.available else { return }
        var state: UInt64 = 12345
        for (width, height) in [(1, 7), (2, 2), (7, 5), (8, 9), (9, 3), (17, 16), (31, 40), (64, 1), (100, 37)] {
            let values = (0..<width * height).map { _ -> Float in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(state >> 40) / Float(1 << 24) * 255
            }
            for sigma in [0.8, 1.5, 3.0, 4.5] {
                for fused in [true, false] {
                    let fast = GaussianBlur.blur(values, width: width, height: height, sigma: sigma, fused: fused, portable: false)
                    let slow = GaussianBlur.blur(values, width: width, height: height, sigma: sigma, fused: fused, portable: true)
                    #expect(fast == slow, "\(width)x\(height) sigma \(sigma) fused \(fused)")
                }
            }
        }
    }

    /// The soft boundary's vector kernels (blur, gradient, normalisation) give the portable Swift
    /// loops' bits: a photo, and random images whose widths exercise every vector body and tail.
    @Test func softBoundaryKernelsEqualPortableLoops() throws {
        guard VectorKernels.available else { return }
        let photo = try ScribbleGoldens.input("coffee")
        #expect(SoftBoundary.map(photo, scale: 1, portable: false) == SoftBoundary.map(photo, scale: 1, portable: true))
        var state: UInt64 = 777
        for (width, height) in [(1, 5), (2, 3), (3, 9), (9, 2), (10, 11), (33, 7), (41, 40), (67, 13)] {
            for channels in [1, 3] {
                let pixels = (0..<(width * height * channels)).map { _ -> UInt8 in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return UInt8(truncatingIfNeeded: state >> 56)
                }
                let image = Image(width: width, height: height, channels: channels, pixels: pixels)
                for scale in [0.5, 1.0] {
                    let fast = SoftBoundary.map(image, scale: scale, portable: false)
                    let slow = SoftBoundary.map(image, scale: scale, portable: true)
                    #expect(fast == slow, "\(width)x\(height)x\(channels) scale \(scale)")
                }
            }
        }
    }

    /// ControlNet's chain on the golden boundary: differing pixels at most 1% of the golden's
    /// white pixels (exactly equal when the golden is empty).
    @Test(arguments: ScribbleGoldens.exampleNames + ScribbleGoldens.syntheticNames + ["large"])
    func deterministicChainMatchesControlNet(_ name: String) throws {
        let boundary = try ScribbleGoldens.gray("\(name).boundary.png")
        let expected = try ScribbleGoldens.gray("\(name).chain.png")
        let ours = ScribbleStage.scribble(boundary: boundary)
        #expect(ours.width == boundary.width && ours.height == boundary.height && ours.channels == 1)
        #expect(ours.pixels.allSatisfy { $0 == 0 || $0 == 255 })
        let edges = expected.pixels.filter { $0 != 0 }.count
        let (_, differing) = ScribbleGoldens.compare(ours, expected)
        print("chain \(name): \(differing) differing of \(edges) edge pixels (\(ours.pixels.count) total)")
        #expect(Double(differing) <= 0.01 * Double(edges), "chain \(name)")
    }

    /// SoftBoundary against its numpy twin: at most 1 level apart anywhere.
    @Test(arguments: ScribbleGoldens.exampleNames + ScribbleGoldens.syntheticNames + ["large"])
    func softBoundaryMatchesTheNumpyTwin(_ name: String) throws {
        let image = try ScribbleGoldens.input(name)
        let expected = try ScribbleGoldens.gray("\(name).boundary.png")
        let ours = ScribbleStage.softBoundary(image)
        #expect(ours.width == image.width && ours.height == image.height && ours.channels == 1)
        let (largest, differing) = ScribbleGoldens.compare(ours, expected)
        print("soft boundary \(name): max diff \(largest), differing \(differing) of \(ours.pixels.count)")
        #expect(largest <= 1, "soft boundary \(name)")
        #expect(differing <= max(2, ours.pixels.count / 5000), "soft boundary \(name): last-ulp differences only")
    }
}

extension Image {
    /// A one-channel crop (tests only).
    fileprivate func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(channels == 1)
        var out = [UInt8]()
        out.reserveCapacity(w * h)
        for row in y..<(y + h) { out += pixels[(row * width + x)..<(row * width + x + w)] }
        return Image(width: w, height: h, channels: 1, pixels: out)
    }
}
