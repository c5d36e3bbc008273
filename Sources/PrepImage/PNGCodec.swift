import CPNG

/// PNG decoding and encoding through libpng (via the CPNG shim).
public enum PNGCodec {
    /// Decodes any PNG (bit depth 1...16; gray, gray+alpha, RGB, RGBA, palette; tRNS;
    /// Adam7) to 8-bit RGB. Sixteen-bit samples are rounded to 8 bits (png_set_scale_16:
    /// round(v * 255 / 65535)); alpha is then composited on white (`AlphaCompositing`).
    public static func decode(_ bytes: [UInt8], options: DecodeOptions = .init()) throws -> Image {
        let decoded = try decodeSamples(bytes, options: options, keep16Bits: false)
        guard case .eightBit(let samples) = decoded.samples else { preconditionFailure("libpng kept 16 bits") }
        let rgb = ColorConversion.rgb8(from: samples, pixelCount: decoded.width * decoded.height,
                                       channels: decoded.channels)
        return Image(width: decoded.width, height: decoded.height, channels: 3, pixels: rgb)
    }

    /// Decodes a PNG to a 16-bit depth map: 16-bit gray exactly; 8-bit (and expanded 1/2/4-bit)
    /// gray as v * 257; color via Rec. 601 luma (`ColorConversion.gray16`); alpha ignored.
    public static func decodeDepth(_ bytes: [UInt8], options: DecodeOptions = .init()) throws -> DepthMap {
        let decoded = try decodeSamples(bytes, options: options, keep16Bits: true)
        let samples16: [UInt16]
        switch decoded.samples {
        case .eightBit(let samples): samples16 = ColorConversion.widen(samples)
        case .sixteenBit(let samples): samples16 = samples
        }
        let gray = ColorConversion.gray16(from: samples16, pixelCount: decoded.width * decoded.height,
                                          channels: decoded.channels)
        return DepthMap(width: decoded.width, height: decoded.height, values: gray)
    }

    /// Width and height from the IHDR chunk, without decoding pixels.
    public static func size(of bytes: [UInt8]) throws -> (width: Int, height: Int) {
        if bytes.isEmpty { throw ImageError.empty }
        var header = cpng_header()
        let (status, message) = CodecMessage.capture { message, capacity in
            bytes.withUnsafeBufferPointer { cpng_read_header($0.baseAddress, $0.count, &header, message, capacity) }
        }
        try check(status, message: message, header: header, limit: 0)
        return (Int(header.width), Int(header.height))
    }

    /// Encodes an 8-bit gray (1 channel) or RGB (3 channels) image. `compressionLevel` 0...9.
    /// `filter` `.automatic` writes binary 0/255 gray maps with no row filter and other images
    /// with the sub filter; `.automatic`, `.none`, `.sub` and `.up` go through `PNGWriter`
    /// (libdeflate), the others through libpng and zlib; see `PNGFilter`.
    public static func encode(_ image: Image, compressionLevel: Int = 6, filter: PNGFilter = .automatic) throws -> [UInt8] {
        let level = min(max(compressionLevel, 0), 9)
        return try image.pixels.withUnsafeBufferPointer { pixels in
            let isBinary = image.channels == 1 && PNGFilter.isBinary(pixels)
            if let writer = filter.writerSettings(isBinaryGray: isBinary, level: level) {
                return try PNGWriter.encode(UnsafeRawBufferPointer(pixels), width: image.width, height: image.height,
                                            channels: image.channels, bitDepth: 8, level: level, filter: writer.filter,
                                            compression: writer.compression)
            }
            return try encodeWithLibpng(UnsafeRawBufferPointer(pixels), width: image.width, height: image.height,
                                        channels: image.channels, bitDepth: 8, compressionLevel: level,
                                        settings: filter.settings(level: level, isBinaryGray: isBinary))
        }
    }

    /// Encodes a depth map as a 16-bit gray PNG (values kept exactly); `.automatic` as for
    /// non-binary images.
    public static func encode(_ depth: DepthMap, compressionLevel: Int = 6, filter: PNGFilter = .automatic) throws -> [UInt8] {
        let level = min(max(compressionLevel, 0), 9)
        return try depth.values.withUnsafeBytes { values in
            if let writer = filter.writerSettings(isBinaryGray: false, level: level) {
                return try PNGWriter.encode(values, width: depth.width, height: depth.height, channels: 1, bitDepth: 16,
                                            level: level, filter: writer.filter, compression: writer.compression)
            }
            return try encodeWithLibpng(values, width: depth.width, height: depth.height, channels: 1,
                                        bitDepth: 16, compressionLevel: level,
                                        settings: filter.settings(level: level, isBinaryGray: false))
        }
    }

    /// The same image through libpng and zlib with `filter`'s settings: the oracle of the
    /// `PNGWriter` path in the tests, and the encoder of `.adaptive`, `.average` and `.paeth`.
    static func encodeWithLibpng(_ image: Image, compressionLevel: Int, filter: PNGFilter) throws -> [UInt8] {
        try image.pixels.withUnsafeBufferPointer { pixels in
            let isBinary = image.channels == 1 && PNGFilter.isBinary(pixels)
            return try encodeWithLibpng(UnsafeRawBufferPointer(pixels), width: image.width, height: image.height,
                                        channels: image.channels, bitDepth: 8, compressionLevel: compressionLevel,
                                        settings: filter.settings(level: compressionLevel, isBinaryGray: isBinary))
        }
    }

    // MARK: - Internals

    enum Samples {
        case eightBit([UInt8])
        case sixteenBit([UInt16])
    }

    /// Pixels as libpng hands them out after expanding palette/low-bit gray/tRNS:
    /// 1 to 4 channels of 8 or 16 bits.
    struct DecodedSamples {
        var width: Int
        var height: Int
        var channels: Int
        var samples: Samples
    }

    /// Two passes over the chunks: the plan (header, pixel limit, transforms, output layout),
    /// then the decode straight into the array's storage, so the full-size pixels exist once
    /// (a malloc'd buffer copied into an Array held them twice, and its page faults twice).
    static func decodeSamples(_ bytes: [UInt8], options: DecodeOptions, keep16Bits: Bool) throws -> DecodedSamples {
        if bytes.isEmpty { throw ImageError.empty }
        var header = cpng_header()
        var plan = cpng_plan()
        let limit = UInt64(max(0, options.maxPixels))
        let keep: Int32 = keep16Bits ? 1 : 0
        let (status, message) = CodecMessage.capture { message, capacity in
            bytes.withUnsafeBufferPointer {
                cpng_plan_decode($0.baseAddress, $0.count, limit, keep, &header, &plan, message, capacity)
            }
        }
        try check(status, message: message, header: header, limit: options.maxPixels)

        let width = Int(plan.width), height = Int(plan.height), channels = Int(plan.channels)
        let count = width * height * channels
        precondition(plan.row_bytes * height == count * Int(plan.bit_depth) / 8, "libpng's rows are not packed")
        var decodeStatus = Int32(CPNG_OK), decodeMessage = ""
        func decode(into buffer: UnsafeMutableRawPointer, capacity: Int) {
            (decodeStatus, decodeMessage) = CodecMessage.capture { message, messageCapacity in
                bytes.withUnsafeBufferPointer {
                    cpng_decode_into($0.baseAddress, $0.count, limit, keep, buffer, capacity,
                                     &header, &plan, message, messageCapacity)
                }
            }
        }
        let samples: Samples
        if plan.bit_depth == 16 {
            samples = .sixteenBit([UInt16](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
                decode(into: buffer.baseAddress!, capacity: count * 2)
                initialized = decodeStatus == CPNG_OK ? count : 0
            })
        } else {
            samples = .eightBit([UInt8](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
                decode(into: buffer.baseAddress!, capacity: count)
                initialized = decodeStatus == CPNG_OK ? count : 0
            })
        }
        try check(decodeStatus, message: decodeMessage, header: header, limit: options.maxPixels)
        precondition(Int(plan.width) == width && Int(plan.height) == height && Int(plan.channels) == channels,
                     "libpng changed its plan")
        return DecodedSamples(width: width, height: height, channels: channels, samples: samples)
    }

    static func check(_ status: Int32, message: String, header: cpng_header, limit: Int) throws {
        switch Int(status) {
        case CPNG_OK: return
        case CPNG_ERR_TOO_LARGE:
            throw ImageError.tooLarge(width: Int(header.width), height: Int(header.height), limit: limit)
        case CPNG_ERR_NO_MEMORY: throw ImageError.corrupt("PNG: out of memory while decoding")
        default: throw ImageError.corrupt("corrupt PNG: \(message)")
        }
    }

    private static func encodeWithLibpng(_ samples: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int,
                                         bitDepth: Int, compressionLevel: Int,
                               settings: (filters: Int32, strategy: Int32)) throws -> [UInt8] {
        guard width > 0, height > 0, width <= Int(UInt32.max), height <= Int(UInt32.max) else {
            throw ImageError.encodingFailed("PNG: cannot encode a \(width)x\(height) image")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var outSize = 0
        let (status, message) = CodecMessage.capture { message, capacity in
            cpng_encode(samples.baseAddress, UInt32(width), UInt32(height), Int32(channels), Int32(bitDepth),
                        Int32(compressionLevel), settings.filters, settings.strategy, &out, &outSize, message, capacity)
        }
        defer { cpng_free(out) }
        guard Int(status) == CPNG_OK, let out else { throw ImageError.encodingFailed("PNG: \(message)") }
        return Array(UnsafeBufferPointer(start: out, count: outSize))
    }
}
