import Foundation
import PrepImage
import Testing
@testable import PrepDataset

struct PerceptualHashTests {
    /// The definition, directly: each cell's mean luma in Double, then the 64 comparisons.
    static func oracle(_ image: Image) -> UInt64 {
        func mean(_ i: Int, _ j: Int) -> Double {
            var sum = 0.0, count = 0.0
            for y in PerceptualHash.cellRange(j, count: 8, size: image.height) {
                for x in PerceptualHash.cellRange(i, count: 9, size: image.width) {
                    let p = image[x, y]
                    sum += image.channels == 3
                        ? 0.299 * Double(p[p.startIndex]) + 0.587 * Double(p[p.startIndex + 1]) + 0.114 * Double(p[p.startIndex + 2])
                        : Double(p[p.startIndex])
                    count += 1
                }
            }
            return sum / count
        }
        var hash: UInt64 = 0
        for j in 0..<8 { for i in 0..<8 { hash = hash << 1 | (mean(i, j) > mean(i + 1, j) ? 1 : 0) } }
        return hash
    }

    static func noise(width: Int, height: Int, channels: Int = 3, seed: UInt64) -> Image {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var image = Image(width: width, height: height, channels: channels)
        for i in image.pixels.indices {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            image.pixels[i] = UInt8(truncatingIfNeeded: state >> 24)
        }
        return image
    }

    @Test func equalsTheDefinitionOnRandomImagesOfEverySize() {
        for (n, size) in [(3, 2), (9, 8), (10, 9), (17, 31), (64, 48), (97, 80), (200, 13)].enumerated() {
            for channels in [1, 3] {
                let image = Self.noise(width: size.0, height: size.1, channels: channels, seed: UInt64(n * 2 + channels))
                #expect(PerceptualHash.dHash(image) == Self.oracle(image), "\(size) x\(channels)")
            }
        }
        // Smooth pictures too (noise gives random bits; gradients give runs).
        let pattern = TestDataset.pattern(width: 150, height: 110, seed: 4)
        #expect(PerceptualHash.dHash(pattern) == Self.oracle(pattern))
    }

    @Test func copiesStayCloseAndOtherPicturesFar() throws {
        let original = TestDataset.pattern(width: 160, height: 120, seed: 1)
        let hash = PerceptualHash.dHash(original)
        let recompressed = try ImageDecoder.decode(JPEGCodec.encode(original, quality: 70))
        let smaller = Resizer.resize(original, to: ResizeGeometry(sourceWidth: 160, sourceHeight: 120, resolution: 90, crop: .none))
        #expect(PerceptualHash.hammingDistance(hash, PerceptualHash.dHash(recompressed)) <= 4)
        #expect(PerceptualHash.hammingDistance(hash, PerceptualHash.dHash(smaller)) <= 4)
        let other = TestDataset.pattern(width: 160, height: 120, seed: 7)
        #expect(PerceptualHash.hammingDistance(hash, PerceptualHash.dHash(other)) > 10)
    }

    @Test func hexRoundTripsAndBrightnessDirectionSetsTheBits() {
        // Brighter on the left everywhere: every bit set.
        var ramp = Image(width: 90, height: 80, channels: 1)
        for y in 0..<80 { for x in 0..<90 { ramp.pixels[y * 90 + x] = UInt8(255 - x * 2) } }
        #expect(PerceptualHash.dHash(ramp) == ~0)
        #expect(PerceptualHash.hex(0x00ab_0000_0000_0001) == "00ab000000000001")
        #expect(PerceptualHash.parse(hex: "00ab000000000001") == 0x00ab_0000_0000_0001)
        #expect(PerceptualHash.parse(hex: "xyz") == nil)
    }

    @Test func nearDuplicateIndexFindsWhatALinearScanFinds() {
        var state: UInt64 = 12345
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        for maxDistance in [0, 1, 4, 9] {
            var index = NearDuplicateIndex(maxDistance: maxDistance)
            var kept: [(UInt64, String)] = []
            for n in 0..<400 {
                // Half the hashes are a kept one with a few bits flipped.
                var hash = next()
                if n % 2 == 1, !kept.isEmpty {
                    let base = kept[Int(next() % UInt64(kept.count))]
                    hash = base.0
                    for _ in 0..<Int(next() % 12) { hash ^= 1 << (next() % 64) }
                }
                let expected = kept.enumerated()
                    .map { (distance: PerceptualHash.hammingDistance(hash, $0.element.0), order: $0.offset, key: $0.element.1) }
                    .filter { $0.distance <= maxDistance }
                    .min { ($0.distance, $0.order) < ($1.distance, $1.order) }
                let found = index.nearest(to: hash)
                #expect(found?.key == expected?.key && found?.distance == expected?.distance, "max \(maxDistance), hash \(n)")
                if found == nil {
                    index.insert(hash, key: "k\(n)")
                    kept.append((hash, "k\(n)"))
                }
            }
            #expect(index.count == kept.count)
        }
    }
}
