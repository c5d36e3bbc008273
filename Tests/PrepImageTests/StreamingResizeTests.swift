import Foundation
import Testing
@testable import PrepImage

/// `StreamingResize`: decoding row by row into the resizer gives exactly the whole decode
/// resized, declines what it cannot stream, and fails like the whole decode on bad files.
@Suite("Streaming decode and resize")
struct StreamingResizeTests {
    /// The reference: the whole picture decoded, then resized to the geometry of its decoded size.
    static func wholeDecodeResized(_ bytes: [UInt8], options: DecodeOptions, resolution: Int, crop: CropMode) throws -> Image {
        let decoded = try ImageDecoder.decode(bytes, options: options)
        let geometry = ResizeGeometry(sourceWidth: decoded.width, sourceHeight: decoded.height, resolution: resolution, crop: crop)
        return Resizer.resize(decoded, to: geometry)
    }

    /// Every streamable layout: sizes that shrink and enlarge, both crops, DCT scaling on and off.
    static let settings: [(resolution: Int, crop: CropMode, minimumShortSide: Int?)] = [
        (5, .center, nil), (16, .center, 16), (40, .center, nil), (64, .none, nil), (100, .center, 100),
    ]

    static let photo = JPEGScaledDecodeTests.photo(width: 203, height: 150)

    static var gray: Image {
        var gray = Image(width: photo.width, height: photo.height, channels: 1)
        for i in 0..<gray.pixels.count { gray.pixels[i] = photo.pixels[3 * i + 1] }
        return gray
    }

    /// Fixture and generated files the streaming path must take, by name.
    static func streamableFiles() throws -> [(name: String, bytes: [UInt8])] {
        var files: [(String, [UInt8])] = []
        for name in ["jpeg-444.jpg", "jpeg-baseline.jpg", "jpeg-progressive.jpg", "jpeg-gray.jpg", "jpeg-orientation1.jpg",
                     "png-gray1.png", "png-gray2.png", "png-gray4.png", "png-gray8.png", "png-gray16.png", "png-gray8-trns.png",
                     "png-gray16-trns.png", "png-graya8.png", "png-graya16.png", "png-palette1.png", "png-palette8-trns.png",
                     "png-pillow-rgb8.png", "png-pillow-rgba8.png"] {
            files.append((name, try Fixtures.bytes(name)))
        }
        files.append(("photo q90 jpeg", try JPEGCodec.encode(photo, quality: 90)))
        files.append(("gray q90 jpeg", try JPEGCodec.encode(gray, quality: 90)))
        files.append(("photo png", try PNGCodec.encode(photo, compressionLevel: 1)))
        files.append(("photo png, paeth", try PNGCodec.encodeWithLibpng(photo, compressionLevel: 6, filter: .paeth)))
        files.append(("gray png", try PNGCodec.encode(gray, compressionLevel: 1)))
        return files
    }

    @Test("streaming equals decoding whole, then resizing")
    func equalsWholeDecode() throws {
        for file in try Self.streamableFiles() {
            for setting in Self.settings {
                let options = DecodeOptions(minimumShortSide: setting.minimumShortSide)
                let streamed = try StreamingResize.decodeResized(file.bytes, options: options, resolution: setting.resolution,
                                                                 crop: setting.crop)
                let expected = try Self.wholeDecodeResized(file.bytes, options: options, resolution: setting.resolution,
                                                           crop: setting.crop)
                #expect(streamed?.image == expected, "\(file.name) at \(setting)")
                let decoded = try ImageDecoder.decode(file.bytes, options: options)
                #expect(streamed?.geometry.sourceWidth == decoded.width && streamed?.geometry.sourceHeight == decoded.height,
                        "\(file.name): the geometry starts from the decoded size")
            }
        }
    }

    @Test("rotated and CMYK JPEGs, interlaced PNGs and other formats are left to the whole decode",
          arguments: ["jpeg-orientation6.jpg", "jpeg-orientation3.jpg", "jpeg-cmyk.jpg", "png-interlaced-rgb8.png",
                      "png-interlaced-palette4.png", "not-an-image.txt"])
    func declines(name: String) throws {
        #expect(try StreamingResize.decodeResized(try Fixtures.bytes(name), options: DecodeOptions(), resolution: 8,
                                                  crop: .center) == nil)
    }

    @Test("a bad file fails with the whole decode's error",
          arguments: ["bad-jpeg-truncated.jpg", "bad-jpeg-marker-in-scan.jpg", "bad-png-crc.png", "bad-png-truncated.png",
                      "bad-png-bitflip.png", "huge-header.png", "huge-header.jpg"])
    func badFiles(name: String) throws {
        let bytes = try Fixtures.bytes(name)
        let options = DecodeOptions(maxPixels: 1_000_000)
        var wholeError: ImageError?
        do { _ = try ImageDecoder.decode(bytes, options: options) } catch let error as ImageError { wholeError = error }
        #expect(wholeError != nil, "\(name) should not decode")
        var streamError: ImageError?
        do {
            _ = try StreamingResize.decodeResized(bytes, options: options, resolution: 8, crop: .center)
        } catch let error as ImageError {
            streamError = error
        }
        #expect(streamError.map { "\($0)" } == wholeError.map { "\($0)" }, "\(name)")
    }

    @Test("a truncated large JPEG and PNG fail mid-stream, not with a partial picture")
    func truncatedMidStream() throws {
        for bytes in [try JPEGCodec.encode(Self.photo, quality: 90), try PNGCodec.encode(Self.photo, compressionLevel: 1)] {
            let cut = Array(bytes.prefix(bytes.count * 2 / 3))
            #expect(throws: ImageError.self) {
                _ = try StreamingResize.decodeResized(cut, options: DecodeOptions(), resolution: 32, crop: .center)
            }
            #expect(throws: ImageError.self) { _ = try ImageDecoder.decode(cut) }
        }
    }

    @Test("depth maps: gray 16- and 8-bit PNGs stream and equal the whole decode; others are declined")
    func depthMaps() throws {
        var depth = DepthMap(width: 150, height: 97, values: [UInt16](repeating: 0, count: 150 * 97))
        for i in depth.values.indices { depth.values[i] = UInt16(truncatingIfNeeded: i &* 2_654_435_761 >> 7) }
        let files: [(String, [UInt8])] = [
            ("16-bit gray", try PNGCodec.encode(depth, compressionLevel: 1)),
            ("8-bit gray", try PNGCodec.encode(Self.gray, compressionLevel: 1)),
            ("fixture 16-bit", try Fixtures.bytes("png-gray16.png")),
        ]
        for (name, bytes) in files {
            for setting in Self.settings {
                let whole = try ImageDecoder.decodeDepth(bytes)
                let geometry = ResizeGeometry(sourceWidth: whole.width, sourceHeight: whole.height,
                                              resolution: setting.resolution, crop: setting.crop)
                let streamed = try StreamingResize.decodeDepthResized(bytes, options: DecodeOptions(),
                                                                      resolution: setting.resolution, crop: setting.crop)
                #expect(streamed?.depth == Resizer.resize(whole, to: geometry), "\(name) at \(setting)")
            }
        }
        for declined in [try PNGCodec.encode(Self.photo), try Fixtures.bytes("png-graya16.png"),
                         try Fixtures.bytes("png-interlaced-gray1.png"), try JPEGCodec.encode(Self.gray)] {
            #expect(try StreamingResize.decodeDepthResized(declined, options: DecodeOptions(), resolution: 8, crop: .center) == nil)
        }
    }
}
