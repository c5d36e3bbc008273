import CDeflate
import Testing
@testable import PrepImage

/// `RunLengthDeflate`: every stream inflates back to its input, with two independent inflaters
/// (libdeflate here, zlib through libpng in the PNG tests), for run-heavy and run-free data.
@Suite("Run-length deflate")
struct RunLengthDeflateTests {
    /// Inflates a zlib stream with libdeflate, which checks the header, codes and Adler-32.
    static func inflate(_ stream: [UInt8], count: Int) -> [UInt8]? {
        var output = [UInt8](repeating: 0, count: max(count, 1))
        var written = 0
        let result = stream.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                guard let decompressor = libdeflate_alloc_decompressor() else { return LIBDEFLATE_BAD_DATA }
                defer { libdeflate_free_decompressor(decompressor) }
                return libdeflate_zlib_decompress(decompressor, input.baseAddress, input.count, out.baseAddress, count, &written)
            }
        }
        guard result == LIBDEFLATE_SUCCESS else { return nil }
        return Array(output.prefix(written))
    }

    static func compress(_ bytes: [UInt8]) -> [UInt8] {
        bytes.withUnsafeBytes { RunLengthDeflate.zlibCompress($0) }
    }

    /// Binary maps of several edge densities, in the 0/255 layout of prep's conditions.
    static func binaryMap(count: Int, density: Double, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Double(generator.next() % 10_000) / 10_000 < density ? 255 : 0 }
    }

    static var inputs: [(name: String, bytes: [UInt8])] {
        var generator = SeededGenerator(seed: 11)
        return [
            ("empty", []),
            ("one byte", [7]),
            ("two equal bytes", [9, 9]),
            ("all zero", [UInt8](repeating: 0, count: 100_000)),
            ("all 255", [UInt8](repeating: 255, count: 70_001)),
            ("runs of exactly 258 and 259", [1] + [UInt8](repeating: 4, count: 258) + [2] + [UInt8](repeating: 5, count: 260)),
            ("run lengths 1 to 300", (1...300).flatMap { [UInt8](repeating: UInt8($0 % 251), count: $0) }),
            ("checkerboard (no runs)", (0..<50_000).map { $0 % 2 == 0 ? 0 : 255 }),
            ("random bytes", (0..<40_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }),
            ("sparse edges", binaryMap(count: 513 * 512, density: 0.03, seed: 1)),
            ("dense edges", binaryMap(count: 513 * 512, density: 0.4, seed: 2)),
            ("more tokens than one block", (0..<(RunLengthDeflate.tokensPerBlock * 2 + 17)).map { UInt8($0 % 3) }),
        ]
    }

    @Test("libdeflate inflates every stream back to its input")
    func roundTrip() {
        for input in Self.inputs {
            let stream = Self.compress(input.bytes)
            #expect(Self.inflate(stream, count: input.bytes.count) == input.bytes, "\(input.name)")
        }
    }

    @Test("the same input gives the same bytes; runs compress")
    func deterministicAndSmall() {
        let map = Self.binaryMap(count: 513 * 512, density: 0.03, seed: 3)
        #expect(Self.compress(map) == Self.compress(map))
        #expect(Self.compress([UInt8](repeating: 0, count: 100_000)).count < 200)
        #expect(Self.compress(map).count < map.count / 4)
    }

    @Test("code lengths stay within 15 bits for skewed counts (Fibonacci-like)")
    func lengthLimit() {
        var counts = [Int](repeating: 0, count: 286)
        var a = 1, b = 1
        for symbol in 0..<30 { counts[symbol] = a; (a, b) = (b, a + b) }
        #expect((HuffmanLengths.huffman(counts).max() ?? 0) > 15, "the unlimited code would be too long")
        let limited = HuffmanLengths.limited(counts, maximum: 15)
        #expect((limited.max() ?? 0) <= 15)
        // Kraft equality: a complete prefix code, as inflaters require.
        var kraft = 0.0
        for length in limited where length > 0 { kraft += 1 / Double(1 << length) }
        #expect(kraft == 1)
        #expect(zip(counts, limited).allSatisfy { ($0 > 0) == ($1 > 0) }, "every used symbol keeps a code")

        // A stream whose literal counts are that skewed still inflates.
        var bytes: [UInt8] = []
        for (symbol, count) in counts.prefix(22).enumerated() {
            for _ in 0..<count { bytes.append(UInt8(symbol)); bytes.append(UInt8(symbol + 100)) }
        }
        #expect(Self.inflate(Self.compress(bytes), count: bytes.count) == bytes)
    }

    @Test("canonical codes: RFC 1951's example lengths give its codes (bit-reversed)")
    func canonicalCodes() {
        // RFC 1951 3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) give 010 011 100 101 110 00 1110 1111.
        let codes = HuffmanLengths.canonicalCodes([3, 3, 3, 3, 3, 2, 4, 4])
        let expected: [(UInt32, Int)] = [(0b010, 3), (0b011, 3), (0b100, 3), (0b101, 3), (0b110, 3), (0b00, 2), (0b1110, 4), (0b1111, 4)]
        for (code, (value, bits)) in zip(codes, expected) {
            var reversed: UInt32 = 0, v = value
            for _ in 0..<bits { reversed = reversed << 1 | (v & 1); v >>= 1 }
            #expect(code == reversed)
        }
    }

    @Test("binary maps go through it and come back exactly through libpng and zlib; other levels keep libpng")
    func binaryMapsInPNG() throws {
        for (width, height, density) in [(1, 1, 0.5), (1, 9, 0.5), (9, 1, 0.5), (513, 257, 0.03), (64, 64, 0.0), (31, 17, 1.0)] {
            let pixels = Self.binaryMap(count: width * height, density: density, seed: UInt64(width * height))
            let image = Image(width: width, height: height, channels: 1, pixels: pixels)
            for level in [0, 1, 6, 9] {
                let png = try PNGCodec.encode(image, compressionLevel: level)
                let decoded = try PNGCodec.decode(png)
                #expect(decoded.pixels == pixels.flatMap { [$0, $0, $0] }, "\(width)x\(height) level \(level)")
            }
            let viaWriter = try PNGCodec.encode(image, compressionLevel: 1)
            let expected = try pixels.withUnsafeBytes {
                try PNGWriter.encode($0, width: width, height: height, channels: 1, bitDepth: 8, level: 1,
                                     filter: .none, compression: .runLength)
            }
            #expect(viaWriter == expected, "levels 1...6 use the run-length writer")
        }
        #expect(PNGFilter.automatic.writerSettings(isBinaryGray: true, level: 9) == nil, "level 9 keeps zlib")
        #expect(PNGFilter.automatic.writerSettings(isBinaryGray: true, level: 0) == nil, "level 0 keeps stored blocks")
    }
}
