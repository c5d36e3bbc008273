import Testing
import PrepImage

@Suite("Encode and decode round trips")
struct RoundTripTests {
    @Test("PNG keeps 8-bit gray and RGB exactly", arguments: [1, 3])
    func pngExact(channels: Int) throws {
        let image = randomImage(width: 37, height: 23, channels: channels, seed: UInt64(channels))
        let encoded = try PNGCodec.encode(image, compressionLevel: 9)
        #expect(ImageFormat.detect(encoded) == .png)
        let decoded = try PNGCodec.decode(encoded)
        if channels == 3 {
            #expect(decoded == image)
        } else {
            #expect(decoded.pixels == image.pixels.flatMap { [$0, $0, $0] })
        }
        // Level 0 (stored) decodes the same.
        #expect(try PNGCodec.decode(try PNGCodec.encode(image, compressionLevel: 0)) == decoded)
    }

    @Test("PNG keeps a 16-bit depth map exactly")
    func pngDepthExact() throws {
        var generator = SeededGenerator(seed: 16)
        let values = (0..<(41 * 17)).map { _ in UInt16.random(in: 0...UInt16.max, using: &generator) }
        let depth = DepthMap(width: 41, height: 17, values: values + [])
        let encoded = try PNGCodec.encode(depth)
        #expect(try PNGCodec.decodeDepth(encoded) == depth)
        #expect(try ImageDecoder.decodeDepth(encoded) == depth)
    }

    @Test("JPEG q95 stays close to the original", arguments: [1, 3])
    func jpegClose(channels: Int) throws {
        let image = smoothImage(width: 64, height: 48, channels: channels)
        let encoded = try JPEGCodec.encode(image, quality: 95)
        #expect(ImageFormat.detect(encoded) == .jpeg)
        #expect(try JPEGCodec.encode(image, quality: 95) == encoded)  // deterministic
        var decoded = try JPEGCodec.decode(encoded)
        if channels == 1 {
            #expect(decoded.pixels.enumerated().allSatisfy { $0.element == decoded.pixels[$0.offset / 3 * 3] })
            decoded = Image(width: decoded.width, height: decoded.height, channels: 1,
                            pixels: stride(from: 0, to: decoded.pixels.count, by: 3).map { decoded.pixels[$0] })
        }
        let diff = difference(decoded, image)
        #expect(diff.mean < 2.0, "mean abs error \(diff.mean)")
        // Lower quality is smaller and worse.
        let low = try JPEGCodec.encode(image, quality: 20)
        #expect(low.count < encoded.count)
    }

    @Test("encoders refuse what they cannot write")
    func encoderErrors() {
        let empty = Image(width: 0, height: 0, channels: 3)
        #expect(throws: ImageError.self) { try PNGCodec.encode(empty) }
        #expect(throws: ImageError.self) { try JPEGCodec.encode(empty) }
        do {
            _ = try JPEGCodec.encode(Image(width: 70_000, height: 1, channels: 1))
            Issue.record("a 70000-pixel-wide JPEG was written")
        } catch let error as ImageError {
            guard case .encodingFailed(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("70000x1"))
        } catch { Issue.record("\(error)") }
    }
}
