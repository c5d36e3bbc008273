import Testing
import PrepImage

/// The optimised resize (ring of rows, Float conversion once per sample, vectorised passes)
/// must give the same bytes as the straightforward separable version it replaced.
@Suite("Resize keeps its bytes")
struct ResizeRegressionTests {
    /// FNV-1a 64 of the output (RGB seed 11, gray seed 12, depth seed 13; depth as big-endian
    /// bytes) from the implementation before the optimisation.
    static let expected: [(Int, Int, Int, CropMode, UInt64, UInt64, UInt64)] = [
        (400, 300, 128, .center, 0xb79c82b3da25bd8b, 0xbd3100e5eedec2fe, 0x4763706c5bc799b8),
        (301, 403, 100, .center, 0xf3b7a24579d31e0a, 0xba9bdb11d55a3f5c, 0x3981cb08e491eb65),
        (120, 90, 300, .center, 0xc9b01b416a1258bb, 0x7ea10709d65eef67, 0x5601f6725d500879),
        (500, 260, 192, .none, 0x2bff216ebd80e5e9, 0x4dbbecefe0a827d0, 0xdb7e0f0febff4ea7),
        (97, 61, 130, .none, 0x5ebab1b53f88cfbb, 0x36624befdf06b83b, 0x0b3d5b8a515f1298),
    ]

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return hash
    }

    @Test("same output bytes as before the optimisation", arguments: expected.indices)
    func sameBytes(index: Int) {
        let (w, h, resolution, crop, rgbHash, grayHash, depthHash) = Self.expected[index]
        let g = ResizeGeometry(sourceWidth: w, sourceHeight: h, resolution: resolution, crop: crop)
        let rgb = Resizer.resize(randomImage(width: w, height: h, channels: 3, seed: 11), to: g)
        let gray = Resizer.resize(randomImage(width: w, height: h, channels: 1, seed: 12), to: g)
        var generator = SeededGenerator(seed: 13)
        let values = (0..<w * h).map { _ in UInt16.random(in: 0...UInt16.max, using: &generator) }
        let depth = Resizer.resize(DepthMap(width: w, height: h, values: values), to: g)
        #expect(Self.fnv1a(rgb.pixels) == rgbHash, "\(g) RGB")
        #expect(Self.fnv1a(gray.pixels) == grayHash, "\(g) gray")
        #expect(Self.fnv1a(depth.values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }) == depthHash, "\(g) depth")
    }

    @Test("rounding is half away from zero and saturates, for 8 and 16 bits")
    func rounding() {
        // k = 1 with a crop: weights are exactly 1, so samples pass through unchanged,
        // including both ends of the range.
        let g = ResizeGeometry(sourceWidth: 4, sourceHeight: 2, resolution: 2, crop: .center)
        let image = Image(width: 4, height: 2, channels: 1, pixels: [0, 255, 254, 1, 128, 127, 0, 255])
        #expect(Resizer.resize(image, to: g).pixels == [255, 254, 127, 0])
        let depth = DepthMap(width: 4, height: 2, values: [0, 65535, 65534, 1, 32768, 32767, 0, 65535])
        #expect(Resizer.resize(depth, to: g).values == [65535, 65534, 32767, 0])
        // A 2x2 average of (1, 2, 1, 2) is 1.5: rounds up to 2.
        let halves = Image(width: 4, height: 2, channels: 1, pixels: [1, 2, 0, 0, 1, 2, 0, 1])
        let box = ResizeGeometry(sourceWidth: 4, sourceHeight: 2, resolution: 1, crop: .center)
        #expect(Resizer.resize(halves, to: box).pixels == [2])
    }
}
