import Testing
import PrepImage

@Suite("Bad input")
struct BadInputTests {
    /// Decodes and returns the thrown ImageError (failing the test when none is thrown).
    func error(decoding name: String) throws -> ImageError? {
        let bytes = try Fixtures.bytes(name)
        do {
            _ = try ImageDecoder.decode(bytes)
        } catch let error as ImageError {
            #expect(!error.description.contains("\n"))
            return error
        }
        Issue.record("\(name) decoded without error")
        return nil
    }

    @Test("corrupt files throw .corrupt with the library's reason",
          arguments: [
              ("bad-png-truncated.png", "corrupt PNG: "),
              ("bad-png-crc.png", "CRC error"),
              ("bad-png-bitflip.png", "corrupt PNG: "),
              ("bad-png-signature-only.png", "corrupt PNG: "),
              ("bad-jpeg-truncated.jpg", "Premature end of JPEG file"),
              ("bad-jpeg-marker-in-scan.jpg", "Corrupt JPEG data"),
              ("bad-jpeg-soi-only.jpg", "corrupt JPEG: "),
          ])
    func corrupt(name: String, reason: String) throws {
        let error = try error(decoding: name)
        guard case .corrupt(let message) = error else {
            Issue.record("\(name): expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(message.contains(reason), "\(name): \(message)")
        #expect(error?.description == message)
        // The depth path and the header-only path fail the same way (or at least never crash).
        #expect(throws: ImageError.self) { try ImageDecoder.decodeDepth(try Fixtures.bytes(name)) }
    }

    @Test("recognised formats that are not decoded throw .unsupported",
          arguments: [("unsupported.gif", "gif"), ("unsupported.bmp", "bmp"), ("unsupported.webp", "webp"),
                      ("unsupported.tiff", "tiff")])
    func unsupportedFormat(name: String, format: String) throws {
        #expect(try error(decoding: name) == .unsupported("unsupported format: \(format)"))
        #expect(try error(decoding: name)?.description == "unsupported format: \(format)")
    }

    @Test("JPEG variants libjpeg refuses throw .unsupported with its reason",
          arguments: [("unsupported-jpeg-12bit.jpg", "precision 12"), ("unsupported-jpeg-lossless.jpg", "SOF type 0xc3")])
    func unsupportedJPEG(name: String, reason: String) throws {
        let error = try error(decoding: name)
        guard case .unsupported(let message) = error else {
            Issue.record("\(name): expected .unsupported, got \(String(describing: error))")
            return
        }
        #expect(message.hasPrefix("unsupported JPEG: ") && message.contains(reason), "\(message)")
    }

    @Test("a text file is not an image")
    func textFile() throws {
        #expect(try error(decoding: "not-an-image.txt") == .notAnImage)
        #expect(ImageFormat.detect(try Fixtures.bytes("not-an-image.txt")) == nil)
        #expect(ImageError.notAnImage.description.contains("not an image"))
    }

    @Test("an empty file is .empty everywhere")
    func emptyFile() throws {
        #expect(try error(decoding: "empty.bin") == .empty)
        #expect(throws: ImageError.empty) { try ImageDecoder.size(of: []) }
        #expect(throws: ImageError.empty) { try ImageDecoder.decodeDepth([]) }
        #expect(throws: ImageError.empty) { try PNGCodec.decode([]) }
        #expect(throws: ImageError.empty) { try JPEGCodec.decode([]) }
        #expect(ImageError.empty.description == "empty file (0 bytes)")
    }

    @Test("every prefix of a valid file fails cleanly or decodes", arguments: ["png-interlaced-rgba16.png", "jpeg-progressive.jpg"])
    func everyPrefix(name: String) throws {
        let bytes = try Fixtures.bytes(name)
        for length in stride(from: 0, to: bytes.count, by: 7) {
            do {
                _ = try ImageDecoder.decode(Array(bytes.prefix(length)))
                Issue.record("\(name) cut to \(length) bytes decoded")
            } catch let error as ImageError {
                switch error {
                case .empty: #expect(length == 0)
                case .corrupt, .notAnImage: break
                default: Issue.record("\(name) cut to \(length) bytes: unexpected \(error)")
                }
            }
        }
    }

    @Test("descriptions are one-line reasons")
    func descriptions() {
        #expect(ImageError.tooLarge(width: 12000, height: 9000, limit: 100_000_000).description
            == "image is 12000x9000 = 108.0 MP, over the 100 MP limit (--max-pixels)")
        #expect(ImageError.tooLarge(width: 13, height: 7, limit: 50).description
            == "image is 13x7 = 91 pixels, over the 50 pixels limit (--max-pixels)")
        #expect(ImageError.corrupt("corrupt JPEG: a\nb").description == "corrupt JPEG: a b")
        #expect(ImageError.encodingFailed("PNG: x").description == "encoding failed: PNG: x")
    }
}
