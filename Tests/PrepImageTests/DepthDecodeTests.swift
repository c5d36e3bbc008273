import Testing
import PrepImage

@Suite("Depth decoding")
struct DepthDecodeTests {
    @Test("16-bit gray PNG is kept exactly")
    func gray16Exact() throws {
        let depth = try ImageDecoder.decodeDepth(try Fixtures.bytes("png-gray16.png"))
        #expect(depth.width == 13 && depth.height == 7)
        #expect(depth.values == (try Fixtures.depth16("png-gray16.depth16")))
    }

    @Test("16-bit RGB PNG becomes Rec. 601 luma of the 16-bit values")
    func rgb16Luma() throws {
        let depth = try ImageDecoder.decodeDepth(try Fixtures.bytes("png-rgb16.png"))
        #expect(depth.values == (try Fixtures.depth16("png-rgb16.depth16")))
    }

    @Test("8-bit and sub-8-bit gray PNG are widened by 257",
          arguments: ["png-gray1", "png-gray2", "png-gray4", "png-gray8", "png-interlaced-gray1"])
    func grayWidened(name: String) throws {
        let depth = try ImageDecoder.decodeDepth(try Fixtures.bytes(name + ".png"))
        let rgb = try Fixtures.rgb(name + ".rgb", width: 13, height: 7)
        #expect(depth.values == stride(from: 0, to: rgb.pixels.count, by: 3).map { UInt16(rgb.pixels[$0]) * 257 })
    }

    @Test("gray JPEG is widened by 257; color JPEG becomes luma")
    func jpegDepth() throws {
        let gray = try ImageDecoder.decodeDepth(try Fixtures.bytes("jpeg-gray.jpg"))
        let grayRGB = try ImageDecoder.decode(try Fixtures.bytes("jpeg-gray.jpg"))
        #expect(gray.values == stride(from: 0, to: grayRGB.pixels.count, by: 3).map { UInt16(grayRGB.pixels[$0]) * 257 })

        let color = try ImageDecoder.decodeDepth(try Fixtures.bytes("jpeg-baseline.jpg"))
        let rgb = try ImageDecoder.decode(try Fixtures.bytes("jpeg-baseline.jpg"))
        for i in 0..<(color.width * color.height) {
            let (r, g, b) = (Int(rgb.pixels[3 * i]) * 257, Int(rgb.pixels[3 * i + 1]) * 257, Int(rgb.pixels[3 * i + 2]) * 257)
            #expect(Int(color.values[i]) == (299 * r + 587 * g + 114 * b + 500) / 1000)
        }
    }
}
