import Testing
import PrepImage

@Suite("EXIF orientation")
struct ExifOrientationTests {
    /// The 8x8 block colors of the upright pattern (scripts/make-image-fixtures.py).
    static let blocks: [[[Int]]] = [
        [[230, 25, 25], [25, 200, 25], [25, 25, 230], [230, 230, 25]],
        [[25, 230, 230], [230, 25, 230], [250, 250, 250], [10, 10, 10]],
    ]

    @Test("every orientation decodes to the upright pattern", arguments: 1...8)
    func upright(orientation: Int) throws {
        let bytes = try Fixtures.bytes("jpeg-orientation\(orientation).jpg")
        let image = try ImageDecoder.decode(bytes)
        #expect(image.width == 32 && image.height == 16)
        #expect(try ImageDecoder.size(of: bytes) == (32, 16))
        for (row, colors) in Self.blocks.enumerated() {
            for (column, color) in colors.enumerated() {
                let pixel = image[column * 8 + 4, row * 8 + 4]
                for c in 0..<3 {
                    #expect(abs(Int(pixel[pixel.startIndex + c]) - color[c]) <= 12,
                            "orientation \(orientation), block (\(column), \(row)): \(Array(pixel)) vs \(color)")
                }
            }
        }
        // And within tolerance of Pillow's decode + ImageOps.exif_transpose.
        let pillow = try Fixtures.rgb("jpeg-orientation\(orientation).rgb", width: 32, height: 16)
        #expect(difference(image, pillow).max <= 3)
    }

    @Test("the stored size of rotated files is swapped by size(of:)")
    func storedSizeSwap() throws {
        // Orientation 6 stores a 16x32 picture that displays as 32x16.
        let bytes = try Fixtures.bytes("jpeg-orientation6.jpg")
        #expect(try JPEGCodec.size(of: bytes) == (32, 16))
        let depth = try ImageDecoder.decodeDepth(bytes)
        #expect(depth.width == 32 && depth.height == 16)
    }

    @Test("malformed EXIF is ignored")
    func badExif() throws {
        let image = try ImageDecoder.decode(try Fixtures.bytes("jpeg-bad-exif.jpg"))
        let expected = try Fixtures.rgb("orientation-upright.rgb", width: 32, height: 16)
        #expect(difference(image, expected).max <= 12)
    }

    @Test("TIFF parsing reads both byte orders and rejects junk")
    func parsing() {
        let little: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]
        let big: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0]
        #expect(ExifOrientation.parse(tiff: little) == .rotate90)
        #expect(ExifOrientation.parse(tiff: big) == .rotate270)
        var outOfRange = big
        outOfRange[19] = 9
        #expect(ExifOrientation.parse(tiff: outOfRange) == nil)
        #expect(ExifOrientation.parse(tiff: Array(big.prefix(12))) == nil)  // truncated IFD
        #expect(ExifOrientation.parse(tiff: [0x4D, 0x4D, 0, 42, 0xFF, 0xFF, 0xFF, 0xF0]) == nil)
        #expect(ExifOrientation.parse(tiff: []) == nil)
    }

    @Test("orientation transforms move a corner pixel where the spec says")
    func transforms() {
        // A 3x2 image whose pixel (0, 0) is 1 and the rest distinct.
        let stored = Image(width: 3, height: 2, channels: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(stored.applying(.flipHorizontal).pixels == [3, 2, 1, 6, 5, 4])
        #expect(stored.applying(.rotate180).pixels == [6, 5, 4, 3, 2, 1])
        #expect(stored.applying(.flipVertical).pixels == [4, 5, 6, 1, 2, 3])
        #expect(stored.applying(.transpose).pixels == [1, 4, 2, 5, 3, 6])
        #expect(stored.applying(.rotate90).pixels == [4, 1, 5, 2, 6, 3])   // clockwise
        #expect(stored.applying(.transverse).pixels == [6, 3, 5, 2, 4, 1])
        #expect(stored.applying(.rotate270).pixels == [3, 6, 2, 5, 1, 4])  // counter-clockwise
        #expect(stored.applying(.rotate90).width == 2)
        let depth = DepthMap(width: 3, height: 2, values: [1, 2, 3, 4, 5, 6])
        #expect(depth.applying(.rotate90).values == [4, 1, 5, 2, 6, 3])
    }
}
