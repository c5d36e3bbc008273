import Testing
import PrepImage

/// `DecodeOptions.minimumShortSide`: JPEG decoded with libjpeg's DCT scaling (1/2, 1/4, 1/8).
@Suite("JPEG scaled decoding")
struct JPEGScaledDecodeTests {
    /// FNV-1a 64 of the RGB samples the decoder gave before scaled decoding existed (and of
    /// the depth map's big-endian bytes): nil must keep exactly these pixels.
    static let fullDecodeHashes: [(name: String, width: Int, height: Int, rgb: UInt64, depth: UInt64)] = [
        ("jpeg-444.jpg", 29, 19, 0x7044cd11903e6e5d, 0x14ae748ab7f582a6),
        ("jpeg-baseline.jpg", 29, 19, 0xc7ddaa1e85521f26, 0x9f3f514b096309ec),
        ("jpeg-progressive.jpg", 29, 19, 0xc7ddaa1e85521f26, 0x9f3f514b096309ec),
        ("jpeg-cmyk.jpg", 29, 19, 0x9dce5840fd56b70b, 0xc8b79d563c77ea12),
        ("jpeg-gray.jpg", 29, 19, 0x55f9f6e543d83718, 0x20bb756fae91f407),
        ("jpeg-orientation1.jpg", 32, 16, 0x7cc897e92f809365, 0xd0d1c928459697a5),
        ("jpeg-orientation6.jpg", 32, 16, 0x7cc897e92f809365, 0xd0d1c928459697a5),
        ("jpeg-orientation7.jpg", 32, 16, 0x7cc897e92f809365, 0xd0d1c928459697a5),
    ]

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return hash
    }

    @Test("nil (the default) decodes the exact pixels of the full-size decoder")
    func nilIsFullDecode() throws {
        for entry in Self.fullDecodeHashes {
            let bytes = try Fixtures.bytes(entry.name)
            let image = try ImageDecoder.decode(bytes)
            #expect(image.width == entry.width && image.height == entry.height, "\(entry.name)")
            #expect(Self.fnv1a(image.pixels) == entry.rgb, "\(entry.name)")
            #expect(try ImageDecoder.decode(bytes, options: DecodeOptions(minimumShortSide: nil)) == image)
            let depth = try ImageDecoder.decodeDepth(bytes)
            #expect(Self.fnv1a(depth.values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }) == entry.depth, "\(entry.name)")
        }
    }

    /// A photo-like test picture: smooth gradients, hard edges and fine texture.
    static func photo(width: Int, height: Int) -> Image {
        var image = smoothImage(width: width, height: height, channels: 3)
        var generator = SeededGenerator(seed: 5)
        for i in image.pixels.indices {
            let noise = Int(generator.next() % 17) - 8
            image.pixels[i] = UInt8(clamping: Int(image.pixels[i]) + noise)
        }
        return image
    }

    static let photoJPEG: [UInt8] = try! JPEGCodec.encode(photo(width: 203, height: 150), quality: 90)

    @Test("the decoded size is libjpeg's ceil(side * scale) for the largest reduction that keeps the short side",
          arguments: [
            // (minimumShortSide, expected width, expected height) for a 203x150 JPEG; <= 0 is full size.
            (1, 26, 19), (19, 26, 19), (20, 51, 38), (38, 51, 38), (39, 102, 75), (75, 102, 75),
            (76, 203, 150), (150, 203, 150), (151, 203, 150), (10_000, 203, 150), (0, 203, 150), (-3, 203, 150),
          ])
    func scaledSize(minimum: Int, width: Int, height: Int) throws {
        let image = try JPEGCodec.decode(Self.photoJPEG, options: DecodeOptions(minimumShortSide: minimum))
        #expect(image.width == width && image.height == height, "minimum \(minimum): \(image.width)x\(image.height)")
        #expect(min(image.width, image.height) >= min(minimum, 150))
    }

    @Test("the scale never goes below the short side after EXIF rotation")
    func orientation() throws {
        // Every fixture is upright 32x16; orientations 5...8 store it as 16x32.
        for n in 1...8 {
            let bytes = try Fixtures.bytes("jpeg-orientation\(n).jpg")
            let full = try ImageDecoder.decode(bytes)
            for minimum in [1, 2, 3, 4, 5, 8, 9, 16] {
                let image = try ImageDecoder.decode(bytes, options: DecodeOptions(minimumShortSide: minimum))
                #expect(min(image.width, image.height) >= minimum, "orientation \(n), minimum \(minimum)")
                // Same aspect as the upright full decode: landscape stays landscape.
                #expect((image.width >= image.height) == (full.width >= full.height), "orientation \(n)")
            }
            let eighth = try ImageDecoder.decode(bytes, options: DecodeOptions(minimumShortSide: 2))
            #expect(eighth.width == 4 && eighth.height == 2, "orientation \(n): \(eighth.width)x\(eighth.height)")
        }
    }

    @Test("the scaled decode resized to the target is close to full decode + resize",
          arguments: [(64, 1.25), (40, 1.25), (18, 2.5)])
    func closeToFullDecode(resolution: Int, bound: Double) throws {
        let full = try JPEGCodec.decode(Self.photoJPEG)
        let scaled = try JPEGCodec.decode(Self.photoJPEG, options: DecodeOptions(minimumShortSide: resolution))
        #expect(scaled.width < full.width)
        func resized(_ image: Image) -> Image {
            Resizer.resize(image, to: ResizeGeometry(sourceWidth: image.width, sourceHeight: image.height,
                                                      resolution: resolution, crop: .center))
        }
        let diff = difference(resized(scaled), resized(full))
        // Measured on this noisy 203x150 q90 picture (worse than a photo): mean abs diff 0.95
        // (64: decoded at 1/2), 0.69 (40: 1/2), 1.99 (18: 1/8, where the partial last block row
        // shifts the grid by up to a quarter of an output pixel). A 1600x1200 photo decoded at
        // 1/2 for 512 differs by 0.5. The bounds leave some room.
        #expect(diff.mean <= bound, "resolution \(resolution): mean abs diff \(diff.mean), max \(diff.max)")
    }

    @Test("gray and CMYK JPEGs scale too", arguments: ["jpeg-gray.jpg", "jpeg-cmyk.jpg", "jpeg-progressive.jpg"])
    func otherLayouts(name: String) throws {
        let bytes = try Fixtures.bytes(name)  // 29x19
        let quarter = try ImageDecoder.decode(bytes, options: DecodeOptions(minimumShortSide: 5))
        #expect(quarter.width == 8 && quarter.height == 5 && quarter.channels == 3)
        let depth = try ImageDecoder.decodeDepth(bytes, options: DecodeOptions(minimumShortSide: 5))
        #expect(depth.width == 8 && depth.height == 5)
    }

    @Test("the pixel limit is checked on the full header size")
    func pixelLimitOnFullSize() throws {
        let options = DecodeOptions(maxPixels: 203 * 150 - 1, minimumShortSide: 19)
        #expect(throws: ImageError.tooLarge(width: 203, height: 150, limit: 203 * 150 - 1)) {
            try JPEGCodec.decode(Self.photoJPEG, options: options)
        }
        #expect(try JPEGCodec.decode(Self.photoJPEG, options: DecodeOptions(maxPixels: 203 * 150, minimumShortSide: 19)).width == 26)
    }

    @Test("PNG ignores minimumShortSide and decodes at full size")
    func pngFullSize() throws {
        let png = try PNGCodec.encode(Self.photo(width: 40, height: 30), compressionLevel: 1)
        let image = try ImageDecoder.decode(png, options: DecodeOptions(minimumShortSide: 4))
        #expect(image.width == 40 && image.height == 30)
    }

    @Test("scaled decoding is deterministic")
    func deterministic() throws {
        let a = try JPEGCodec.decode(Self.photoJPEG, options: DecodeOptions(minimumShortSide: 38))
        let b = try JPEGCodec.decode(Self.photoJPEG, options: DecodeOptions(minimumShortSide: 38))
        #expect(a == b)
    }
}
