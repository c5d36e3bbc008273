import Testing
import PrepImage

@Suite("JPEG decoding")
struct JPEGDecodeTests {
    @Test("JPEG variants decode within tolerance of Pillow",
          arguments: ["jpeg-baseline", "jpeg-progressive", "jpeg-444", "jpeg-gray", "jpeg-cmyk"])
    func matchesPillow(name: String) throws {
        let bytes = try Fixtures.bytes(name + ".jpg")
        let image = try ImageDecoder.decode(bytes)
        #expect(image.width == 29 && image.height == 19 && image.channels == 3)
        let expected = try Fixtures.rgb(name + ".rgb", width: 29, height: 19)
        let diff = difference(image, expected)
        #expect(diff.max <= 3, "\(name): max diff \(diff.max)")
        #expect(diff.mean <= 0.5, "\(name): mean diff \(diff.mean)")
        #expect(try JPEGCodec.decode(bytes) == image)
        #expect(ImageFormat.detect(bytes) == .jpeg)
    }

    @Test("grayscale JPEG is replicated into R, G and B")
    func grayIsReplicated() throws {
        let image = try ImageDecoder.decode(try Fixtures.bytes("jpeg-gray.jpg"))
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            #expect(image.pixels[i] == image.pixels[i + 1] && image.pixels[i] == image.pixels[i + 2])
        }
    }

    @Test("CMYK JPEG keeps its red and blue rectangles")
    func cmykColors() throws {
        // jpeg_pattern() in the fixture script: (200, 30, 40) at rows 4..<12, columns 6..<14.
        let image = try ImageDecoder.decode(try Fixtures.bytes("jpeg-cmyk.jpg"))
        let red = Array(image[9, 8]), blue = Array(image[22, 13])
        #expect(abs(Int(red[0]) - 200) <= 8 && abs(Int(red[1]) - 30) <= 8 && abs(Int(red[2]) - 40) <= 8, "\(red)")
        #expect(abs(Int(blue[0]) - 20) <= 8 && abs(Int(blue[1]) - 60) <= 8 && abs(Int(blue[2]) - 210) <= 8, "\(blue)")
    }
}

@Suite("JPEG YCCK")
struct YCCKTests {
    @Test("YCCK (Photoshop's CMYK JPEG) decodes through inverted CMYK to RGB")
    func ycck() throws {
        // Adobe-inverted CMYK: C' = 255 - C etc.; expected RGB = C' * K' / 255.
        let (width, height) = (24, 16)
        var cmyk: [UInt8] = []
        var expected: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                let c = UInt8(255 - x * 8), m = UInt8(255 - y * 12), yellow = UInt8(200), k = UInt8(x < 12 ? 255 : 180)
                cmyk += [c, m, yellow, k]
                expected += [c, m, yellow].map { UInt8((Int($0) * Int(k) + 127) / 255) }
            }
        }
        let bytes = try JPEGCodec.encodeYCCK(cmyk: cmyk, width: width, height: height, quality: 100)
        // APP14 "Adobe" with transform 2 (YCCK): FF EE, length, "Adobe", version, flags0, flags1, transform.
        let adobe = Array("Adobe".utf8)
        let at = (0..<bytes.count - 12).first { Array(bytes[$0..<$0 + 5]) == adobe }
        #expect(at.map { bytes[$0 + 11] } == 2)
        let image = try ImageDecoder.decode(bytes)
        let diff = difference(image, Image(width: width, height: height, channels: 3, pixels: expected))
        #expect(diff.max <= 10 && diff.mean <= 3, "max \(diff.max), mean \(diff.mean)")
    }
}
