import CPNG
import Foundation
import Testing
@testable import PrepImage

/// The fast PNG row reader behind streaming decodes (ISA-L inflate, own unfiltering): its
/// unfiltering against the specification's byte-wise definition, and its rows and errors against
/// libpng's whole decode on files cut into many chunks, with extra chunks, and damaged.
@Suite("Fast PNG rows")
struct PNGFastRowsTests {
    /// The PNG specification's reconstruction, byte by byte (section 9.2), with its branching
    /// Paeth predictor: the oracle for `cpng_unfilter_row`.
    static func referenceUnfilter(_ filter: Int, _ row: [UInt8], previous: [UInt8], bpp: Int) -> [UInt8] {
        var out = row
        for i in 0..<row.count {
            let a = i >= bpp ? Int(out[i - bpp]) : 0
            let b = Int(previous[i])
            let c = i >= bpp ? Int(previous[i - bpp]) : 0
            let prediction: Int
            switch filter {
            case 1: prediction = a
            case 2: prediction = b
            case 3: prediction = (a + b) / 2
            case 4:
                let p = a + b - c
                let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                if pa <= pb && pa <= pc {
                    prediction = a
                } else if pb <= pc {
                    prediction = b
                } else {
                    prediction = c
                }
            default: prediction = 0
            }
            out[i] = UInt8(truncatingIfNeeded: Int(row[i]) + prediction)
        }
        return out
    }

    @Test("unfiltering equals the specification's byte-wise definition", arguments: [1, 2, 3, 4, 6, 8])
    func unfilterMatchesTheDefinition(bpp: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(bpp)
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for pixels in [1, 2, 3, 5, 16, 101] {
            let length = pixels * bpp
            for filter in 0...4 {
                // Random bytes, and smooth ones (where Paeth's three-way ties happen).
                for smooth in [false, true] {
                    let row = (0..<length).map { i in smooth ? UInt8(truncatingIfNeeded: i / 7) &+ next() % 3 : next() }
                    let previous = (0..<length).map { i in smooth ? UInt8(truncatingIfNeeded: i / 5) : next() }
                    var ours = row
                    let status = ours.withUnsafeMutableBufferPointer { out in
                        previous.withUnsafeBufferPointer { cpng_unfilter_row(Int32(filter), out.baseAddress, $0.baseAddress, length, Int32(bpp)) }
                    }
                    #expect(status == 0)
                    #expect(ours == Self.referenceUnfilter(filter, row, previous: previous, bpp: bpp),
                            "filter \(filter), bpp \(bpp), \(pixels) pixels, smooth \(smooth)")
                }
            }
        }
        var row = [UInt8](repeating: 0, count: 6)
        let previous = row
        #expect(row.withUnsafeMutableBufferPointer { cpng_unfilter_row(5, $0.baseAddress, previous, 6, Int32(bpp)) } == -1)
    }

    // MARK: - Whole files

    static let photo = JPEGScaledDecodeTests.photo(width: 203, height: 150)

    /// The chunks of a PNG file: (type, data).
    static func chunks(_ file: [UInt8]) -> [(type: String, data: [UInt8])] {
        var result: [(String, [UInt8])] = []
        var position = 8
        while position + 12 <= file.count {
            let length = file[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: file[position + 4..<position + 8], as: UTF8.self)
            result.append((type, Array(file[position + 8..<position + 8 + length])))
            position += 12 + length
        }
        return result
    }

    /// A PNG file from chunks, with correct CRCs.
    static func assemble(_ chunks: [(type: String, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        for chunk in chunks {
            let body = Array(chunk.type.utf8) + chunk.data
            out += bigEndian(UInt32(chunk.data.count)) + body + bigEndian(crc32(body))
        }
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// The file with its image data re-cut into IDATs of `size` bytes, and text chunks before
    /// and after the image data (all of which a decoder must read past).
    static func recut(_ file: [UInt8], idatSize size: Int) -> [UInt8] {
        let parts = chunks(file)
        let data = parts.filter { $0.type == "IDAT" }.flatMap(\.data)
        var out = parts.filter { $0.type == "IHDR" }
        out.append(("tEXt", Array("Comment\u{0}before the image".utf8)))
        out.append(("gAMA", [0, 0, 0xB1, 0x8F]))
        for start in stride(from: 0, to: data.count, by: size) {
            out.append(("IDAT", Array(data[start..<min(start + size, data.count)])))
        }
        out.append(("tEXt", Array("Comment\u{0}after the image".utf8)))
        out.append(("IEND", []))
        return assemble(out)
    }

    static func streamed(_ bytes: [UInt8]) throws -> (image: Image, geometry: ResizeGeometry)? {
        try StreamingResize.decodeResized(bytes, options: DecodeOptions(), resolution: 64, crop: .none)
    }

    @Test("files cut into many IDATs, with chunks around them, decode like libpng's whole decode")
    func recutFilesDecodeLikeLibpng() throws {
        var gray = Image(width: Self.photo.width, height: Self.photo.height, channels: 1)
        for i in 0..<gray.pixels.count { gray.pixels[i] = Self.photo.pixels[3 * i] }
        var depth = DepthMap(width: 97, height: 61, values: [UInt16](repeating: 0, count: 97 * 61))
        for i in depth.values.indices { depth.values[i] = UInt16(truncatingIfNeeded: i &* 40_503 >> 3) }
        let sources: [(String, [UInt8])] = [
            ("rgb paeth", try PNGCodec.encodeWithLibpng(Self.photo, compressionLevel: 6, filter: .paeth)),
            ("rgb adaptive", try PNGCodec.encodeWithLibpng(Self.photo, compressionLevel: 9, filter: .adaptive)),
            ("gray average", try PNGCodec.encodeWithLibpng(gray, compressionLevel: 6, filter: .average)),
            ("gray sub", try PNGCodec.encodeWithLibpng(gray, compressionLevel: 1, filter: .sub)),
            ("depth 16-bit", try PNGCodec.encode(depth, compressionLevel: 6, filter: .paeth)),
        ]
        for (name, original) in sources {
            for size in [1, 7, 1000, 1 << 20] {
                let bytes = Self.recut(original, idatSize: size)
                if name.hasPrefix("depth") {
                    #expect(cpng_fast_path(bytes, bytes.count, 1) == 1, "\(name) takes the fast reader")
                    let whole = try ImageDecoder.decodeDepth(bytes)
                    #expect(whole == (try ImageDecoder.decodeDepth(original)), "\(name): libpng reads the recut file")
                    let streamed = try StreamingResize.decodeDepthResized(bytes, options: DecodeOptions(), resolution: 64, crop: .none)
                    let geometry = ResizeGeometry(sourceWidth: whole.width, sourceHeight: whole.height, resolution: 64, crop: .none)
                    #expect(streamed?.depth == Resizer.resize(whole, to: geometry), "\(name), IDATs of \(size) bytes")
                } else {
                    #expect(cpng_fast_path(bytes, bytes.count, 0) == 1, "\(name) takes the fast reader")
                    let expected = try StreamingResizeTests.wholeDecodeResized(bytes, options: DecodeOptions(), resolution: 64, crop: .none)
                    #expect(try Self.streamed(bytes)?.image == expected, "\(name), IDATs of \(size) bytes")
                }
            }
        }
    }

    @Test("damaged files fail with libpng's message, whichever chunk is damaged")
    func damagedFilesFailLikeLibpng() throws {
        let original = Self.recut(try PNGCodec.encodeWithLibpng(Self.photo, compressionLevel: 6, filter: .paeth), idatSize: 4000)
        let parts = Self.chunks(original)
        var damaged: [(String, [UInt8])] = []
        // A flipped byte in the third IDAT (its CRC now wrong), in the text after the image, in IEND's CRC.
        var idatCount = 0, position = 8
        for part in parts {
            if part.type == "IDAT" { idatCount += 1 }
            if part.type == "IDAT" && idatCount == 3 || part.type == "tEXt" && position > 100 {
                var copy = original
                copy[position + 8 + part.data.count / 2] ^= 0x20
                damaged.append(("\(part.type) at \(position)", copy))
            }
            position += 12 + part.data.count
        }
        var badEnd = original
        badEnd[badEnd.count - 1] ^= 1
        damaged.append(("IEND CRC", badEnd))
        damaged.append(("cut in the image data", Array(original.prefix(original.count / 2))))
        damaged.append(("cut before IEND", Array(original.prefix(original.count - 12))))
        // Bad deflate data with a correct CRC: the first IDAT's data replaced by junk.
        damaged.append(("bad deflate data", Self.assemble(parts.map { $0.type == "IDAT" ? ($0.type, [UInt8](repeating: 0xFF, count: $0.data.count)) : $0 })))
        // Too little image data: the last half of the IDATs dropped.
        let idats = parts.filter { $0.type == "IDAT" }
        damaged.append(("missing image data", Self.assemble(parts.filter { $0.type == "IHDR" } + idats.prefix(idats.count / 2)
                                                          + [("IEND", [])])))
        #expect(damaged.count == 7)
        for (name, bytes) in damaged {
            var wholeError: String?
            do { _ = try ImageDecoder.decode(bytes) } catch { wholeError = "\(error)" }
            var streamError: String?
            do { _ = try Self.streamed(bytes) } catch { streamError = "\(error)" }
            #expect(wholeError != nil, "\(name): libpng refuses it")
            #expect(streamError == wholeError, "\(name)")
        }
    }

    /// The IHDR of `file` with another width and height (CRC recomputed).
    static func resized(_ file: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var parts = chunks(file)
        func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
        parts[0].data.replaceSubrange(0..<8, with: bigEndian(width) + bigEndian(height))
        return assemble(parts)
    }

    @Test("a header larger than the pixel limit is refused before any row buffer, like libpng")
    func hugeHeadersAreRefusedFirst() throws {
        let original = try PNGCodec.encodeWithLibpng(Self.photo, compressionLevel: 1, filter: .none)
        for (width, height) in [(UInt32(0x7FFF_FFFF), UInt32(2)), (40_000, 40_000)] {
            let bytes = Self.resized(original, width: width, height: height)
            #expect(cpng_fast_path(bytes, bytes.count, 0) == 1)
            var wholeError: String?
            do { _ = try ImageDecoder.decode(bytes) } catch { wholeError = "\(error)" }
            var streamError: String?
            do { _ = try Self.streamed(bytes) } catch { streamError = "\(error)" }
            #expect(wholeError != nil && streamError == wholeError, "\(width)x\(height): \(streamError ?? "no error")")
        }
    }

    @Test("image data beyond the last row is treated as libpng treats it")
    func extraImageDataIsTreatedLikeLibpng() throws {
        let original = try PNGCodec.encodeWithLibpng(Self.photo, compressionLevel: 6, filter: .paeth)
        let bytes = Self.resized(original, width: UInt32(Self.photo.width), height: 100)  // 150 rows of data
        var wholeError: String?
        var whole: Image?
        do { whole = try StreamingResizeTests.wholeDecodeResized(bytes, options: DecodeOptions(), resolution: 64, crop: .none) } catch {
            wholeError = "\(error)"
        }
        var streamError: String?
        var streamed: Image?
        do { streamed = try Self.streamed(bytes)?.image } catch { streamError = "\(error)" }
        #expect(streamError == wholeError)
        #expect(streamed == whole)
    }
}
