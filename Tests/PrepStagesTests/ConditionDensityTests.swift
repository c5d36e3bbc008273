import PrepImage
import Testing
@testable import PrepStages

@Suite("Condition density")
struct ConditionDensityTests {
    /// The slow, obvious count: pixels with any non-zero channel.
    static func expectedDensity(_ pixels: [UInt8], channels: Int) -> Double {
        let count = pixels.count / channels
        let nonZero = (0..<count).filter { i in (0..<channels).contains { pixels[i * channels + $0] != 0 } }.count
        return Double(nonZero) / Double(count)
    }

    @Test(arguments: [1, 3])
    func countsPixelsWithAnyNonZeroChannel(channels: Int) {
        var state: UInt32 = 99
        let width = 37, height = 11
        let pixels = (0..<width * height * channels).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return state >> 29 == 0 ? UInt8(truncatingIfNeeded: state >> 8) : 0  // mostly zeros
        }
        let condition = Condition.image(Image(width: width, height: height, channels: channels, pixels: pixels))
        #expect(condition.density == Self.expectedDensity(pixels, channels: channels))
        #expect(condition.density > 0 && condition.density < 1)
    }

    /// The 16-lane counter at lengths around its block sizes (16 bytes, 255 blocks) and tails.
    @Test func vectorCountMatchesTheObviousCount() {
        var state: UInt32 = 7
        for count in [0, 1, 15, 16, 17, 255 * 16 - 1, 255 * 16, 255 * 16 + 1, 3 * 255 * 16 + 37, 70_000] {
            let bytes = (0..<count).map { _ -> UInt8 in
                state = state &* 1_664_525 &+ 1_013_904_223
                return state >> 30 == 0 ? 255 : (state >> 28 == 1 ? UInt8(truncatingIfNeeded: state >> 9) : 0)
            }
            let expected = bytes.filter { $0 != 0 }.count
            #expect(bytes.withUnsafeBytes { Condition.countNonZero($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, bytes: count) } == expected,
                    "\(count) bytes")
        }
    }

    @Test func depthAndEdgeCases() {
        let depth = DepthMap(width: 4, height: 2, values: [0, 1, 0, 65535, 0, 0, 256, 0])
        #expect(Condition.depth(depth).density == 3.0 / 8.0)
        #expect(Condition.image(Image(width: 3, height: 1, channels: 3, pixels: [0, 0, 0, 0, 0, 1, 255, 0, 0])).density == 2.0 / 3.0)
        #expect(Condition.image(Image(width: 0, height: 0, channels: 1, pixels: [])).density == 0)
    }
}
