import CJPEG

/// JPEG decoding and encoding through libjpeg-turbo (via the CJPEG shim).
public enum JPEGCodec {
    /// Decodes a baseline or progressive JPEG (gray, YCbCr, RGB, CMYK or YCCK) to 8-bit RGB,
    /// upright according to its EXIF orientation. Gray is replicated into R, G and B; CMYK is
    /// converted as described in `ColorConversion.rgb8`. With `options.minimumShortSide` the
    /// picture may come out reduced by libjpeg's DCT scaling (1/2, 1/4 or 1/8; see `DecodeOptions`).
    public static func decode(_ bytes: [UInt8], options: DecodeOptions = .init()) throws -> Image {
        let decoded = try decodeSamples(bytes, options: options)
        let rgb = ColorConversion.rgb8(from: decoded.pixels, pixelCount: decoded.width * decoded.height,
                                       channels: decoded.channels, invertedCMYK: true)
        return Image(width: decoded.width, height: decoded.height, channels: 3, pixels: rgb)
            .applying(decoded.orientation)
    }

    /// Decodes a JPEG to a 16-bit depth map, upright: gray as v * 257; color through
    /// 8-bit RGB, widened by * 257, then Rec. 601 luma (`ColorConversion.gray16`).
    /// `options.minimumShortSide` applies as in `decode`.
    public static func decodeDepth(_ bytes: [UInt8], options: DecodeOptions = .init()) throws -> DepthMap {
        let decoded = try decodeSamples(bytes, options: options)
        let count = decoded.width * decoded.height
        let gray: Image
        if decoded.channels == 1 {
            gray = Image(width: decoded.width, height: decoded.height, channels: 1, pixels: decoded.pixels)
        } else {
            let rgb = ColorConversion.rgb8(from: decoded.pixels, pixelCount: count,
                                           channels: decoded.channels, invertedCMYK: true)
            let values = ColorConversion.gray16(from: ColorConversion.widen(rgb), pixelCount: count, channels: 3)
            let depth = DepthMap(width: decoded.width, height: decoded.height, values: values)
            return depth.applying(decoded.orientation)
        }
        let upright = gray.applying(decoded.orientation)
        return DepthMap(width: upright.width, height: upright.height, values: ColorConversion.widen(upright.pixels))
    }

    /// Width and height of the upright picture (swapped for EXIF orientations 5...8), from
    /// the markers before the first scan, without decoding pixels.
    public static func size(of bytes: [UInt8]) throws -> (width: Int, height: Int) {
        if bytes.isEmpty { throw ImageError.empty }
        var header = cjpeg_header()
        let (status, message) = CodecMessage.capture { message, capacity in
            bytes.withUnsafeBufferPointer { cjpeg_read_header($0.baseAddress, $0.count, &header, message, capacity) }
        }
        let orientation = takeOrientation(&header)
        try check(status, message: message, header: header, limit: 0)
        let (w, h) = (Int(header.width), Int(header.height))
        return orientation.swapsDimensions ? (h, w) : (w, h)
    }

    /// Encodes an 8-bit gray or RGB image as a baseline JPEG (RGB with 4:2:0 chroma
    /// subsampling, libjpeg's standard tables scaled to `quality` 1...100). Deterministic.
    ///
    /// Settings, measured on a 512x512 photo crop at q95 (libjpeg-turbo 2.1.5, release, thread
    /// CPU time; PSNR of the decoded file against the input):
    ///
    ///     DCT     Huffman tables   chroma   ms     bytes     PSNR dB
    ///     ISLOW   standard         4:2:0    1.01   117 769   38.70   <- used
    ///     IFAST   standard         4:2:0    1.01   118 866   38.40
    ///     ISLOW   optimized        4:2:0    2.90   112 527   38.70
    ///     ISLOW   standard         4:4:4    1.64   149 137   42.43
    ///     IFAST   standard         4:4:4    1.71   149 970   41.71
    ///
    /// ISLOW is SIMD code in libjpeg-turbo, as fast as IFAST here and more accurate (IFAST
    /// loses 0.3-0.7 dB at q95 and makes larger files). Optimized Huffman tables save 4.5% for
    /// 2.9x the time. 4:2:0 is what Pillow and OpenCV write by default, so training images look
    /// like the JPEGs models usually see; 4:4:4 would be 27% larger.
    public static func encode(_ image: Image, quality: Int = 95) throws -> [UInt8] {
        try encode(image.pixels, width: image.width, height: image.height, channels: image.channels, quality: quality)
    }

    /// Writes CMYK samples (4 per pixel, interleaved) as a YCCK JPEG with an Adobe marker, the
    /// way Photoshop saves CMYK. Samples follow the Adobe convention (inverted: 255 = no ink)
    /// if `decode` is to read them back as the same colors. Mainly for tests: Pillow cannot
    /// write YCCK.
    public static func encodeYCCK(cmyk: [UInt8], width: Int, height: Int, quality: Int = 95) throws -> [UInt8] {
        precondition(cmyk.count == width * height * 4, "CMYK needs 4 samples per pixel")
        return try encode(cmyk, width: width, height: height, channels: 4, quality: quality)
    }

    private static func encode(_ samples: [UInt8], width: Int, height: Int, channels: Int, quality: Int) throws -> [UInt8] {
        guard width > 0, height > 0, width <= 65_500, height <= 65_500 else {
            throw ImageError.encodingFailed("JPEG: cannot encode a \(width)x\(height) image (1...65500 per side)")
        }
        var out: UnsafeMutablePointer<UInt8>?
        var outSize = 0
        let (status, message) = CodecMessage.capture { message, capacity in
            samples.withUnsafeBufferPointer {
                cjpeg_encode($0.baseAddress, UInt32(width), UInt32(height), Int32(channels),
                             Int32(quality), &out, &outSize, message, capacity)
            }
        }
        defer { cjpeg_free(out) }
        guard Int(status) == CJPEG_OK, let out else { throw ImageError.encodingFailed("JPEG: \(message)") }
        return Array(UnsafeBufferPointer(start: out, count: outSize))
    }

    // MARK: - Internals

    /// Pixels as libjpeg hands them out (1 gray, 3 RGB or 4 inverted CMYK channels), still
    /// in stored orientation, plus the EXIF orientation to apply.
    struct DecodedSamples {
        var width: Int
        var height: Int
        var channels: Int
        var pixels: [UInt8]
        var orientation: ExifOrientation
    }

    static func decodeSamples(_ bytes: [UInt8], options: DecodeOptions) throws -> DecodedSamples {
        if bytes.isEmpty { throw ImageError.empty }
        let limit = UInt64(max(0, options.maxPixels))
        // Two passes over the markers: the plan (header, EXIF, pixel limit, DCT scale, output
        // size), then the decode straight into the array's storage. Decoding into a malloc'd
        // buffer and copying it into an Array cost 14.6 ms for 1600x1200 instead of 6.6 ms
        // (mostly page faults on the two fresh 5.8 MB buffers).
        var (header, plan, orientation) = try planDecode(bytes, options: options)

        let count = Int(plan.width) * Int(plan.height) * Int(plan.channels)
        var decodeStatus = Int32(CJPEG_OK), decodeMessage = ""
        var image = cjpeg_image()
        let pixels = [UInt8](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
            (decodeStatus, decodeMessage) = CodecMessage.capture { message, capacity in
                bytes.withUnsafeBufferPointer {
                    cjpeg_decode_into($0.baseAddress, $0.count, limit, plan.scale_denom, buffer.baseAddress, count,
                                      &header, &image, message, capacity)
                }
            }
            initialized = decodeStatus == CJPEG_OK ? count : 0
        }
        try check(decodeStatus, message: decodeMessage, header: header, limit: options.maxPixels)
        precondition(Int(image.width) * Int(image.height) * Int(image.channels) == count, "libjpeg changed its plan")
        return DecodedSamples(width: Int(image.width), height: Int(image.height), channels: Int(image.channels),
                              pixels: pixels, orientation: orientation)
    }

    /// The header, the decode plan (DCT scale, output size, channels) and the EXIF orientation,
    /// from the markers before the first scan; throws the decode's error (e.g. `.tooLarge`).
    static func planDecode(_ bytes: [UInt8], options: DecodeOptions) throws -> (cjpeg_header, cjpeg_plan, ExifOrientation) {
        let limit = UInt64(max(0, options.maxPixels))
        let minimumShortSide = UInt32(clamping: max(0, options.minimumShortSide ?? 0))
        var header = cjpeg_header()
        var plan = cjpeg_plan()
        let (status, message) = CodecMessage.capture { message, capacity in
            bytes.withUnsafeBufferPointer {
                cjpeg_plan_decode($0.baseAddress, $0.count, limit, minimumShortSide, &header, &plan, message, capacity)
            }
        }
        let orientation = takeOrientation(&header)
        try check(status, message: message, header: header, limit: options.maxPixels)
        return (header, plan, orientation)
    }

    /// Parses and frees the EXIF copy the shim made; missing or bad EXIF means `.normal`.
    static func takeOrientation(_ header: inout cjpeg_header) -> ExifOrientation {
        guard let exif = header.exif else { return .normal }
        defer { cjpeg_free(exif); header.exif = nil; header.exif_size = 0 }
        let tiff = Array(UnsafeBufferPointer(start: exif, count: header.exif_size))
        return ExifOrientation.parse(tiff: tiff) ?? .normal
    }

    static func check(_ status: Int32, message: String, header: cjpeg_header, limit: Int) throws {
        switch Int(status) {
        case CJPEG_OK: return
        case CJPEG_ERR_TOO_LARGE:
            throw ImageError.tooLarge(width: Int(header.width), height: Int(header.height), limit: limit)
        case CJPEG_ERR_UNSUPPORTED: throw ImageError.unsupported("unsupported JPEG: \(message)")
        case CJPEG_ERR_NO_MEMORY: throw ImageError.corrupt("JPEG: out of memory while decoding")
        default: throw ImageError.corrupt("corrupt JPEG: \(message)")
        }
    }
}
