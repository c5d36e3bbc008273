import Testing
@testable import PrepImage

/// `PNGWriter` (libdeflate) against its oracle, libpng: whatever the filter, level and layout,
/// libpng decodes the writer's file (checking every CRC and the zlib checksum) to the samples
/// that went in, the same pixels as libpng's own encoding gives.
@Suite("PNG writer")
struct PNGWriterTests {
    static let sizes = [(1, 1), (2, 1), (1, 3), (3, 2), (17, 5), (64, 33)]
    static let filters: [PNGWriter.RowFilter] = [.none, .sub, .up]

    @Test("gray and RGB: libpng reads back exactly what went in", arguments: [1, 3])
    func eightBit(channels: Int) throws {
        for (width, height) in Self.sizes {
            let image = randomImage(width: width, height: height, channels: channels, seed: UInt64(width * 31 + height))
            let oracle = try PNGCodec.encodeWithLibpng(image, compressionLevel: 6, filter: .adaptive)
            for filter in Self.filters {
                for level in [0, 1, 6, 9, 12] {
                    let encoded = try image.pixels.withUnsafeBytes {
                        try PNGWriter.encode($0, width: width, height: height, channels: channels, bitDepth: 8,
                                             level: level, filter: filter)
                    }
                    let decoded = try PNGCodec.decode(encoded)
                    let expected = channels == 3 ? image : Image(width: width, height: height, channels: 3,
                                                                 pixels: image.pixels.flatMap { [$0, $0, $0] })
                    #expect(decoded == expected, "\(width)x\(height) \(filter) level \(level)")
                    #expect(decoded == (try PNGCodec.decode(oracle)))
                }
            }
        }
    }

    @Test("16-bit gray keeps every value (big-endian in the file)")
    func sixteenBit() throws {
        var generator = SeededGenerator(seed: 5)
        for (width, height) in Self.sizes {
            let values = (0..<width * height).map { _ in UInt16.random(in: 0...UInt16.max, using: &generator) }
            let depth = DepthMap(width: width, height: height, values: values)
            for filter in Self.filters {
                let encoded = try values.withUnsafeBytes {
                    try PNGWriter.encode($0, width: width, height: height, channels: 1, bitDepth: 16, level: 1, filter: filter)
                }
                #expect(try PNGCodec.decodeDepth(encoded) == depth, "\(width)x\(height) \(filter)")
                // IHDR: bit depth 16, color type 0 (gray); the first sample's high byte comes first.
                #expect(encoded[24] == 16 && encoded[25] == 0)
            }
        }
    }

    @Test("the header names the layout; the file ends with IEND")
    func chunks() throws {
        let image = randomImage(width: 300, height: 2, channels: 3, seed: 1)
        let encoded = try PNGCodec.encode(image, compressionLevel: 1)
        #expect(Array(encoded[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(Array(encoded[12..<16]) == Array("IHDR".utf8))
        #expect(Array(encoded[16..<24]) == [0, 0, 1, 44, 0, 0, 0, 2])  // 300 x 2
        #expect(encoded[24] == 8 && encoded[25] == 2)  // 8-bit RGB
        #expect(Array(encoded[(encoded.count - 12)...]) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    }

    @Test("a damaged file is refused by the reader (the CRCs are real)")
    func crcsAreChecked() throws {
        var encoded = try PNGCodec.encode(randomImage(width: 20, height: 20, channels: 1, seed: 2), compressionLevel: 1)
        encoded[40] ^= 0x01  // inside IDAT
        #expect(throws: ImageError.self) { try PNGCodec.decode(encoded) }
    }
}
