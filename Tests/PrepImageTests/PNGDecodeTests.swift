import Testing
import PrepImage

@Suite("PNG decoding")
struct PNGDecodeTests {
    static let names: [String] = {
        var names: [String] = []
        for bits in [1, 2, 4, 8, 16] { names += ["png-gray\(bits)", "png-gray\(bits)-trns"] }
        for bits in [8, 16] { names += ["png-graya\(bits)", "png-rgb\(bits)", "png-rgb\(bits)-trns", "png-rgba\(bits)"] }
        for bits in [1, 2, 4, 8] { names += ["png-palette\(bits)", "png-palette\(bits)-trns"] }
        names += ["png-interlaced-rgb8", "png-interlaced-gray1", "png-interlaced-rgba16", "png-interlaced-palette4"]
        names += ["png-pillow-rgb8", "png-pillow-rgba8"]
        return names
    }()

    @Test("every PNG type decodes to the expected RGB exactly", arguments: names)
    func decodesExactly(name: String) throws {
        let bytes = try Fixtures.bytes(name + ".png")
        let expected = try Fixtures.rgb(name + ".rgb", width: 13, height: 7)
        let image = try ImageDecoder.decode(bytes)
        #expect(image.width == 13 && image.height == 7 && image.channels == 3)
        #expect(image == expected, "\(name): max diff \(difference(image, expected).max)")
        #expect(try PNGCodec.decode(bytes) == image)
        #expect(ImageFormat.detect(bytes) == .png)
        #expect(try ImageDecoder.size(of: bytes) == (13, 7))
    }

    @Test("16-bit samples are rounded to 8 bits, not truncated")
    func sixteenBitRounding() throws {
        // round(v * 255 / 65535): 0xFF00 -> 254 and 0x0081 -> 1, where v >> 8 gives 255 and 0.
        let depth = DepthMap(width: 4, height: 1, values: [0xFF00, 0x0081, 0x0080, 0xFFFF])
        let image = try PNGCodec.decode(try PNGCodec.encode(depth))
        #expect(image.pixels == [254, 254, 254, 1, 1, 1, 0, 0, 0, 255, 255, 255])
    }

    @Test("alpha composites on white with rounding")
    func compositingFormula() throws {
        // png-graya8 puts alpha 255, 0 and 127 in its first three pixels.
        let image = try ImageDecoder.decode(try Fixtures.bytes("png-graya8.png"))
        let depth = try PNGCodec.decodeDepth(try Fixtures.bytes("png-graya8.png"))  // gray, alpha ignored
        let gray = Int(depth.values[2] / 257)
        #expect(Int(image.pixels[3]) == 255)  // fully transparent -> white
        #expect(Int(image.pixels[0]) == Int(depth.values[0] / 257))  // opaque -> unchanged
        #expect(Int(image.pixels[6]) == (gray * 127 + 255 * 128 + 127) / 255)
    }
}
