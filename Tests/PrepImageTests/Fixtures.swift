import Foundation
import PrepImage

/// Reading the files of Tests/PrepImageTests/Fixtures (made by scripts/make-image-fixtures.py).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// A raw RGB expectation file as an Image of the given size.
    static func rgb(_ name: String, width: Int, height: Int) throws -> Image {
        Image(width: width, height: height, channels: 3, pixels: try bytes(name))
    }

    /// A raw big-endian uint16 expectation file.
    static func depth16(_ name: String) throws -> [UInt16] {
        let raw = try bytes(name)
        return stride(from: 0, to: raw.count, by: 2).map { UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]) }
    }
}

/// Largest and mean absolute sample difference of two equally sized images.
func difference(_ a: Image, _ b: Image) -> (max: Int, mean: Double) {
    precondition(a.pixels.count == b.pixels.count)
    var largest = 0, total = 0
    for (x, y) in zip(a.pixels, b.pixels) {
        let d = abs(Int(x) - Int(y))
        largest = max(largest, d)
        total += d
    }
    return (largest, a.pixels.isEmpty ? 0 : Double(total) / Double(a.pixels.count))
}

/// Deterministic pseudo-random samples (SplitMix64), so tests need no global RNG state.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomImage(width: Int, height: Int, channels: Int, seed: UInt64) -> Image {
    var generator = SeededGenerator(seed: seed)
    let pixels = (0..<width * height * channels).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
}

/// A smooth image with some edges: what photos look like to a lossy codec.
func smoothImage(width: Int, height: Int, channels: Int) -> Image {
    var image = Image(width: width, height: height, channels: channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                var v = x * 150 / max(1, width - 1) + y * 60 / max(1, height - 1) + c * 15
                if x > width / 3 && x < width / 2 && y > height / 4 { v = 40 + c * 50 }
                image.pixels[(y * width + x) * channels + c] = UInt8(v)
            }
        }
    }
    return image
}
