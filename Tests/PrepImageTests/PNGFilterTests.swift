import Testing
@testable import PrepImage

/// `PNGFilter`: every filter is lossless and deterministic; `.automatic` treats binary 0/255
/// gray maps specially and leaves everything else as libpng's default wrote it.
@Suite("PNG filters")
struct PNGFilterTests {
    /// A binary edge map: thin lines, a filled block and isolated dots, as canny/hough/scribble make.
    static func edgeMap(width: Int = 96, height: Int = 64) -> Image {
        var image = Image(width: width, height: height, channels: 1)
        var generator = SeededGenerator(seed: 3)
        for y in 0..<height {
            for x in 0..<width {
                let line = (x * 3 + y * 2) % 37 == 0 || y == height / 2 || (x > 60 && x < 70 && y > 10 && y < 20)
                let dot = generator.next() % 97 == 0
                if line || dot { image.pixels[y * width + x] = 255 }
            }
        }
        return image
    }

    static let levels = [0, 1, 6, 7, 9]

    @Test("every filter and level keeps gray, binary, RGB and 16-bit samples exactly", arguments: PNGFilter.allCases)
    func lossless(filter: PNGFilter) throws {
        let gray = smoothImage(width: 45, height: 31, channels: 1)
        let binary = Self.edgeMap()
        let rgb = randomImage(width: 33, height: 21, channels: 3, seed: 8)
        var generator = SeededGenerator(seed: 21)
        let depth = DepthMap(width: 29, height: 17, values: (0..<29 * 17).map { _ in UInt16.random(in: 0...UInt16.max, using: &generator) })
        for level in Self.levels {
            for image in [gray, binary] {
                let decoded = try PNGCodec.decode(try PNGCodec.encode(image, compressionLevel: level, filter: filter))
                #expect(decoded.pixels == image.pixels.flatMap { [$0, $0, $0] }, "\(filter) level \(level)")
            }
            #expect(try PNGCodec.decode(try PNGCodec.encode(rgb, compressionLevel: level, filter: filter)) == rgb)
            #expect(try PNGCodec.decodeDepth(try PNGCodec.encode(depth, compressionLevel: level, filter: filter)) == depth)
        }
    }

    @Test("encoding is deterministic", arguments: PNGFilter.allCases)
    func deterministic(filter: PNGFilter) throws {
        let binary = Self.edgeMap()
        let rgb = smoothImage(width: 40, height: 30, channels: 3)
        #expect(try PNGCodec.encode(binary, filter: filter) == PNGCodec.encode(binary, filter: filter))
        #expect(try PNGCodec.encode(rgb, filter: filter) == PNGCodec.encode(rgb, filter: filter))
    }

    @Test("binary maps stay 8-bit gray PNGs")
    func binaryStaysEightBitGray() throws {
        let encoded = try PNGCodec.encode(Self.edgeMap())
        // IHDR data starts at byte 16: width, height (4 bytes each), bit depth, color type.
        #expect(encoded[24] == 8 && encoded[25] == 0)
    }

    @Test("automatic is the default; other images get the sub filter through libdeflate at every level")
    func automaticDefaults() throws {
        let gray = smoothImage(width: 45, height: 31, channels: 1)
        let rgb = smoothImage(width: 45, height: 31, channels: 3)
        let almostBinary = Image(width: 4, height: 2, channels: 1, pixels: [0, 255, 0, 255, 254, 0, 0, 0])
        for image in [gray, rgb, almostBinary] {
            for level in Self.levels {
                let automatic = try PNGCodec.encode(image, compressionLevel: level)
                #expect(automatic == (try PNGCodec.encode(image, compressionLevel: level, filter: .sub)), "level \(level)")
                let adaptive = try PNGCodec.encode(image, compressionLevel: level, filter: .adaptive)
                #expect(try PNGCodec.decode(automatic) == PNGCodec.decode(adaptive))  // lossless either way
            }
        }
        let depth = DepthMap(width: 64, height: 48, values: (0..<(64 * 48)).map { UInt16(($0 * 37) % 65536) })
        #expect(try PNGCodec.encode(depth, compressionLevel: 9) == PNGCodec.encode(depth, compressionLevel: 9, filter: .sub))
        #expect(try ImageDecoder.decodeDepth(PNGCodec.encode(depth, compressionLevel: 1)) == depth)
        let binary = Self.edgeMap()
        #expect(try PNGCodec.encode(binary) == PNGCodec.encode(binary, compressionLevel: 6, filter: .automatic))
    }

    @Test("automatic: binary maps get no filter and libpng's run-length deflate at levels 1...6")
    func automaticOnBinaryMaps() throws {
        let binary = Self.edgeMap(width: 256, height: 256)
        // Z_RLE ignores the level: levels 1...6 give the same bytes.
        let rle = try PNGCodec.encode(binary, compressionLevel: 1)
        for level in 2...6 { #expect(try PNGCodec.encode(binary, compressionLevel: level) == rle, "level \(level)") }
        #expect(rle.count * 4 < (try PNGCodec.encode(binary, compressionLevel: 0)).count)
        // Levels 7...9 use zlib's own search with no filter; level 0 stores.
        for level in [0, 7, 8, 9] {
            #expect(try PNGCodec.encode(binary, compressionLevel: level)
                == PNGCodec.encodeWithLibpng(binary, compressionLevel: level, filter: .none))
        }
    }
}
