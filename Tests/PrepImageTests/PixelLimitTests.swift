import Testing
import PrepImage

@Suite("Pixel limit")
struct PixelLimitTests {
    @Test("a tiny file claiming 20000x20000 is refused from its header", arguments: ["huge-header.png", "huge-header.jpg"])
    func hugeHeader(name: String) throws {
        let bytes = try Fixtures.bytes(name)
        #expect(bytes.count < 5000)
        // The header is all that is valid: decoding the pixel data would fail as .corrupt, so
        // .tooLarge shows the limit was applied before any decoding (or 1.2 GB allocation).
        #expect(try ImageDecoder.size(of: bytes) == (20000, 20000))
        #expect(throws: ImageError.tooLarge(width: 20000, height: 20000, limit: 100_000_000)) {
            try ImageDecoder.decode(bytes)
        }
        #expect(throws: ImageError.tooLarge(width: 20000, height: 20000, limit: 100_000_000)) {
            try ImageDecoder.decodeDepth(bytes)
        }
        #expect(throws: ImageError.tooLarge(width: 20000, height: 20000, limit: 399_999_999)) {
            try ImageDecoder.decode(bytes, options: DecodeOptions(maxPixels: 399_999_999))
        }
    }

    @Test("the limit is inclusive: width*height == maxPixels decodes", arguments: ["png-rgb8.png", "jpeg-baseline.jpg"])
    func boundary(name: String) throws {
        let bytes = try Fixtures.bytes(name)
        let (width, height) = try ImageDecoder.size(of: bytes)
        let exact = width * height
        #expect(try ImageDecoder.decode(bytes, options: DecodeOptions(maxPixels: exact)).width == width)
        #expect(throws: ImageError.tooLarge(width: width, height: height, limit: exact - 1)) {
            try ImageDecoder.decode(bytes, options: DecodeOptions(maxPixels: exact - 1))
        }
    }
}
