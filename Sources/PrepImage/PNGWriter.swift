import CDeflate

/// A PNG encoder for prep's own members: 8-bit gray or RGB, or 16-bit gray; one row filter for
/// every row (none, sub or up); the zlib stream made by libdeflate (or, for binary maps,
/// `RunLengthDeflate`), in one IDAT chunk (or as
/// many as the 2^31 - 1 byte chunk limit needs); no ancillary chunks. Every PNG reader opens the
/// result; `PNGCodec`'s libpng encoder is its oracle in the tests (same pixels back).
///
/// Why not libpng + zlib: on prep's 512x512 maps libdeflate compresses 2-3.5x faster than zlib's
/// fastest settings (run-length at level 1) and, on the RGB normal maps and 16-bit depth maps,
/// 3-10% smaller. Binary edge maps would come out 5-20% larger than with run-length deflate,
/// hence `RunLengthDeflate` for them.
/// reference: PNG specification (ISO/IEC 15948, W3C PNG 2nd edition), sections 5 (datastream),
///            9 (filtering, filter types 0-2), 11.2 (IHDR, IDAT, IEND); RFC 1950 (zlib stream).
enum PNGWriter {
    enum RowFilter: UInt8 {
        case none = 0
        case sub = 1
        case up = 2
    }

    /// `samples`: rows of `width * channels` samples of `bitDepth` bits (8: UInt8; 16: native
    /// UInt16), top to bottom. `level`: libdeflate's 0 (stored) ... 12; prep passes zlib's 0...9.
    /// How the scanlines are compressed: libdeflate at `level`, or `RunLengthDeflate` (runs
    /// only, for binary maps; `level` is then ignored).
    enum Compression {
        case libdeflate
        case runLength
    }

    static func encode(_ samples: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int, bitDepth: Int,
                       level: Int, filter: RowFilter, compression: Compression = .libdeflate) throws -> [UInt8] {
        precondition((channels == 1 || channels == 3) && (bitDepth == 8 || (bitDepth == 16 && channels == 1)),
                     "PNGWriter writes 8-bit gray/RGB or 16-bit gray, not \(channels) channels of \(bitDepth) bits")
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw ImageError.encodingFailed("PNG: cannot encode a \(width)x\(height) image")
        }
        let pixelBytes = channels * bitDepth / 8
        let rowBytes = width * pixelBytes
        precondition(samples.count >= rowBytes * height, "PNGWriter: \(samples.count) bytes for \(width)x\(height)")

        let scanlines = filteredScanlines(samples, height: height, rowBytes: rowBytes, pixelBytes: pixelBytes,
                                          bigEndian16: bitDepth == 16, filter: filter)
        let stream = compression == .runLength
            ? scanlines.withUnsafeBytes { RunLengthDeflate.zlibCompress($0) }
            : try zlibCompress(scanlines, level: level)

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png.reserveCapacity(8 + 25 + stream.count + 12 * (1 + stream.count / maxChunkLength) + 12)
        var header: [UInt8] = []
        appendBigEndian(UInt32(width), to: &header)
        appendBigEndian(UInt32(height), to: &header)
        header += [UInt8(bitDepth), channels == 3 ? 2 : 0, 0, 0, 0]  // color type, deflate, adaptive filtering, no interlace
        appendChunk("IHDR", header[...], to: &png)
        var start = 0
        repeat {
            let end = min(start + maxChunkLength, stream.count)
            appendChunk("IDAT", stream[start..<end], to: &png)
            start = end
        } while start < stream.count
        appendChunk("IEND", [][...], to: &png)
        return png
    }

    /// PNG's limit on a chunk's data length.
    static let maxChunkLength = Int(Int32.max)

    /// Each row as its filter-type byte and filtered bytes. 16-bit samples go big-endian first
    /// (the filters work on the stored bytes; "previous pixel" is `pixelBytes` back).
    private static func filteredScanlines(_ samples: UnsafeRawBufferPointer, height: Int, rowBytes: Int, pixelBytes: Int,
                                          bigEndian16: Bool, filter: RowFilter) -> [UInt8] {
        let lineLength = rowBytes + 1
        var previous = [UInt8](repeating: 0, count: rowBytes)
        var current = [UInt8](repeating: 0, count: rowBytes)
        return [UInt8](unsafeUninitializedCapacity: lineLength * height) { output, initialized in
            let source = samples.baseAddress!.assumingMemoryBound(to: UInt8.self)
            previous.withUnsafeMutableBufferPointer { previous in
            current.withUnsafeMutableBufferPointer { current in
                var above = previous.baseAddress!, row = current.baseAddress!
                for y in 0..<height {
                    let raw = source + y * rowBytes
                    if bigEndian16 {
                        for i in stride(from: 0, to: rowBytes, by: 2) {
                            let value = UnsafeRawPointer(raw).loadUnaligned(fromByteOffset: i, as: UInt16.self)
                            row[i] = UInt8(truncatingIfNeeded: value >> 8)  // PNG is big-endian
                            row[i + 1] = UInt8(truncatingIfNeeded: value)
                        }
                    } else {
                        row.update(from: raw, count: rowBytes)
                    }
                    let line = output.baseAddress! + y * lineLength
                    line[0] = filter.rawValue
                    let out = line + 1
                    switch filter {
                    case .none:
                        out.update(from: row, count: rowBytes)
                    case .sub:
                        for i in 0..<min(pixelBytes, rowBytes) { out[i] = row[i] }
                        for i in pixelBytes..<max(pixelBytes, rowBytes) { out[i] = row[i] &- row[i - pixelBytes] }
                    case .up:
                        for i in 0..<rowBytes { out[i] = row[i] &- above[i] }
                    }
                    swap(&above, &row)
                }
            }
            }
            initialized = lineLength * height
        }
    }

    private static func zlibCompress(_ data: [UInt8], level: Int) throws -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(Int32(min(max(level, 0), 12))) else {
            throw ImageError.encodingFailed("PNG: libdeflate could not allocate a compressor")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_zlib_compress_bound(compressor, data.count)
        var written = 0
        let stream = [UInt8](unsafeUninitializedCapacity: bound) { output, initialized in
            written = data.withUnsafeBytes { input in
                libdeflate_zlib_compress(compressor, input.baseAddress, input.count, output.baseAddress, bound)
            }
            initialized = written
        }
        // The bound is a worst case libdeflate guarantees; 0 would mean it did not fit.
        guard written > 0 else { throw ImageError.encodingFailed("PNG: libdeflate could not compress the image") }
        return stream
    }

    private static func appendBigEndian(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
                  UInt8(truncatingIfNeeded: value)]
    }

    /// Length, type, data, and the CRC-32 of type and data.
    private static func appendChunk(_ type: String, _ data: ArraySlice<UInt8>, to png: inout [UInt8]) {
        appendBigEndian(UInt32(data.count), to: &png)
        let typeStart = png.count
        png += Array(type.utf8)
        png += data
        let crc = png[typeStart...].withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }
        appendBigEndian(crc, to: &png)
    }
}
