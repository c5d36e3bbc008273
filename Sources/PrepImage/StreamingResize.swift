import CJPEG
import CPNG

/// Decoding and resizing in one pass: the decoder hands out source rows as it makes them and
/// `Resizer` turns them into output rows at once, so the decoded picture never exists whole.
/// A record's memory then depends on the training resolution, not on the source's size (a
/// 1600x1200 JPEG decoded at 1/2 is 2.9 MB of rows `ImageDecoder.decode` would hold; here a
/// few rows), and the allocator sees no picture-sized buffers of varying size, which is what
/// fragments its heap over many records.
///
/// The output is exactly `Resizer.resize(ImageDecoder.decode(bytes, options), to: geometry)`:
/// the same rows in the same order through the same arithmetic (tests compare the two). JPEGs
/// stored upright (EXIF orientation 1) in gray or RGB and non-interlaced PNGs stream;
/// `decodeResized` returns nil for the others (rotated or CMYK JPEGs, Adam7 PNGs), and the
/// caller decodes them whole. Depth maps: non-interlaced gray PNGs (`decodeDepthResized`).
public enum StreamingResize {
    /// The picture decoded (with `options`, including DCT scaling) and resized to
    /// `ResizeGeometry(decoded size, resolution, crop)`, or nil when it cannot stream. Throws
    /// the `ImageError` that `ImageDecoder.decode` would throw for the same bytes.
    public static func decodeResized(
        _ bytes: [UInt8], options: DecodeOptions, resolution: Int, crop: CropMode
    ) throws -> (image: Image, geometry: ResizeGeometry)? {
        switch ImageFormat.detect(bytes) {
        case .png?: return try decodePNGResized(bytes, options: options, resolution: resolution, crop: crop)
        case .jpeg?: break
        case nil: return nil
        }
        let limit = UInt64(max(0, options.maxPixels))
        let (_, plan, orientation) = try JPEGCodec.planDecode(bytes, options: options)
        guard orientation == .normal, plan.channels == 1 || plan.channels == 3, plan.width > 0, plan.height > 0 else {
            return nil
        }

        let geometry = ResizeGeometry(sourceWidth: Int(plan.width), sourceHeight: Int(plan.height),
                                      resolution: resolution, crop: crop)
        let pixels = try bytes.withUnsafeBufferPointer { data in
            try resizeJPEGRows(data, limit: limit, scaleDenominator: plan.scale_denom,
                               channels: Int(plan.channels), geometry: geometry, maxPixels: options.maxPixels)
        }
        let image = Image(width: geometry.outputWidth, height: geometry.outputHeight, channels: 3, pixels: pixels)
        return (image, geometry)
    }

    /// A PNG through libpng row by row (8-bit samples, converted to RGB as `PNGCodec.decode`
    /// does), or nil for an interlaced one.
    private static func decodePNGResized(
        _ bytes: [UInt8], options: DecodeOptions, resolution: Int, crop: CropMode
    ) throws -> (image: Image, geometry: ResizeGeometry)? {
        try streamPNGRows(bytes, options: options, keep16Bits: false, resolution: resolution, crop: crop) {
            (plan: cpng_plan) -> RowConversion<UInt8>? in
            let width = Int(plan.width), channels = Int(plan.channels)
            return RowConversion(outputChannels: 3) { input, output in
                ColorConversion.rgb8(from: UnsafeRawPointer(input).assumingMemoryBound(to: UInt8.self), into: output,
                                     pixelCount: width, channels: channels)
            }
        }.map { pixels, geometry in
            (Image(width: geometry.outputWidth, height: geometry.outputHeight, channels: 3, pixels: pixels), geometry)
        }
    }

    /// A depth map decoded and resized to `ResizeGeometry(its size, resolution, crop)` row by
    /// row, exactly as `Resizer.resize(ImageDecoder.decodeDepth(bytes, options), to:)`; nil
    /// unless it is a non-interlaced gray PNG (8-bit gray is widened by * 257, as there).
    public static func decodeDepthResized(
        _ bytes: [UInt8], options: DecodeOptions, resolution: Int, crop: CropMode
    ) throws -> (depth: DepthMap, geometry: ResizeGeometry)? {
        guard ImageFormat.detect(bytes) == .png else { return nil }
        return try streamPNGRows(bytes, options: options, keep16Bits: true, resolution: resolution, crop: crop) {
            (plan: cpng_plan) -> RowConversion<UInt16>? in
            guard plan.channels == 1 else { return nil }
            let width = Int(plan.width)
            if plan.bit_depth == 16 {
                return RowConversion(outputChannels: 1) { input, output in
                    output.update(from: UnsafeRawPointer(input).assumingMemoryBound(to: UInt16.self), count: width)
                }
            }
            return RowConversion(outputChannels: 1) { input, output in
                let samples = UnsafeRawPointer(input).assumingMemoryBound(to: UInt8.self)
                for x in 0..<width { output[x] = UInt16(samples[x]) &* 257 }
            }
        }.map { values, geometry in
            (DepthMap(width: geometry.outputWidth, height: geometry.outputHeight, values: values), geometry)
        }
    }

    /// How a decoded row becomes a resizer row: `convert(decoded row, output row)`.
    struct RowConversion<Sample> {
        let outputChannels: Int
        let convert: (UnsafeMutableRawPointer, UnsafeMutablePointer<Sample>) -> Void
    }

    /// Plans the PNG, asks `conversion` how its rows become resizer rows (nil: do not stream),
    /// then resizes row by row and reads the file to its end (CRCs, IEND).
    private static func streamPNGRows<Sample: FixedWidthInteger & UnsignedInteger>(
        _ bytes: [UInt8], options: DecodeOptions, keep16Bits: Bool, resolution: Int, crop: CropMode,
        conversion: (cpng_plan) -> RowConversion<Sample>?
    ) throws -> ([Sample], ResizeGeometry)? {
        let limit = UInt64(max(0, options.maxPixels))
        let keep: Int32 = keep16Bits ? 1 : 0
        var header = cpng_header()
        var plan = cpng_plan()
        let (status, message) = CodecMessage.capture { message, capacity in
            bytes.withUnsafeBufferPointer {
                cpng_plan_decode($0.baseAddress, $0.count, limit, keep, &header, &plan, message, capacity)
            }
        }
        try PNGCodec.check(status, message: message, header: header, limit: options.maxPixels)
        guard header.interlaced == 0, plan.width > 0, plan.height > 0, let conversion = conversion(plan) else { return nil }

        let geometry = ResizeGeometry(sourceWidth: Int(plan.width), sourceHeight: Int(plan.height),
                                      resolution: resolution, crop: crop)
        let maximum: Float = Sample.bitWidth == 16 ? 65535 : 255
        let samples = try bytes.withUnsafeBufferPointer { data -> [Sample] in
            var stream: OpaquePointer?
            var streamPlan = cpng_plan()
            let (status, message) = CodecMessage.capture { message, capacity in
                cpng_stream_open(data.baseAddress, data.count, limit, keep, &stream, &header, &streamPlan, message, capacity)
            }
            defer { cpng_stream_close(stream) }
            try PNGCodec.check(status, message: message, header: header, limit: options.maxPixels)
            guard streamPlan.width == plan.width, streamPlan.height == plan.height, streamPlan.row_bytes == plan.row_bytes else {
                throw ImageError.corrupt("corrupt PNG: libpng changed its plan")
            }
            let decodedRow = UnsafeMutableRawPointer.allocate(byteCount: max(plan.row_bytes, 1), alignment: 16)
            defer { decodedRow.deallocate() }
            let resizerRow = UnsafeMutablePointer<Sample>.allocate(capacity: geometry.sourceWidth * conversion.outputChannels)
            defer { resizerRow.deallocate() }
            var nextRow = 0
            let samples = try Resizer.resample(channels: conversion.outputChannels, geometry: geometry, maximum: maximum) {
                (wanted: Int) -> UnsafePointer<Sample> in
                precondition(wanted == nextRow - 1 || wanted >= nextRow, "rows asked for out of order")
                if wanted >= nextRow {
                    while nextRow <= wanted {
                        let (status, message) = CodecMessage.capture { message, capacity in
                            cpng_stream_read(stream, decodedRow, 1, message, capacity)
                        }
                        try PNGCodec.check(status, message: message, header: header, limit: options.maxPixels)
                        nextRow += 1
                    }
                    conversion.convert(decodedRow, resizerRow)
                }
                return UnsafePointer(resizerRow)
            }
            let (finishStatus, finishMessage) = CodecMessage.capture { message, capacity in
                cpng_stream_finish(stream, message, capacity)
            }
            try PNGCodec.check(finishStatus, message: finishMessage, header: header, limit: options.maxPixels)
            return samples
        }
        return (samples, geometry)
    }

    /// Opens libjpeg on `data`, feeds its scanlines (gray expanded to RGB, as
    /// `ColorConversion.rgb8` does) to the resizer, then reads the rest of the file (so a
    /// truncated or damaged tail fails as in a whole decode).
    private static func resizeJPEGRows(
        _ data: UnsafeBufferPointer<UInt8>, limit: UInt64, scaleDenominator: Int32, channels: Int,
        geometry: ResizeGeometry, maxPixels: Int
    ) throws -> [UInt8] {
        var header = cjpeg_header()
        var image = cjpeg_image()
        var stream: OpaquePointer?
        let (status, message) = CodecMessage.capture { message, capacity in
            cjpeg_stream_open(data.baseAddress, data.count, limit, scaleDenominator, &stream, &header, &image,
                              message, capacity)
        }
        try JPEGCodec.check(status, message: message, header: header, limit: maxPixels)
        defer { cjpeg_stream_close(stream) }
        guard Int(image.width) == geometry.sourceWidth, Int(image.height) == geometry.sourceHeight,
              Int(image.channels) == channels else {
            throw ImageError.corrupt("JPEG: libjpeg changed its plan")
        }

        let width = geometry.sourceWidth
        var row = [UInt8](repeating: 0, count: width * channels)
        var rgb = [UInt8](repeating: 0, count: channels == 1 ? width * 3 : 0)
        var nextRow = 0
        let pixels = try row.withUnsafeMutableBufferPointer { row in
            try rgb.withUnsafeMutableBufferPointer { rgb in
                try Resizer.resample(channels: 3, geometry: geometry, maximum: 255) { (wanted: Int) -> UnsafePointer<UInt8> in
                    precondition(wanted >= nextRow - 1, "rows asked for out of order")
                    while nextRow <= wanted {
                        let (status, message) = CodecMessage.capture { message, capacity in
                            cjpeg_stream_read(stream, row.baseAddress, 1, message, capacity)
                        }
                        try JPEGCodec.check(status, message: message, header: header, limit: maxPixels)
                        nextRow += 1
                    }
                    guard channels == 1 else { return UnsafePointer(row.baseAddress!) }
                    for x in 0..<width {
                        let v = row[x]
                        rgb[3 * x] = v; rgb[3 * x + 1] = v; rgb[3 * x + 2] = v
                    }
                    return UnsafePointer(rgb.baseAddress!)
                }
            }
        }
        let (finishStatus, finishMessage) = CodecMessage.capture { message, capacity in
            cjpeg_stream_finish(stream, message, capacity)
        }
        try JPEGCodec.check(finishStatus, message: finishMessage, header: header, limit: maxPixels)
        return pixels
    }
}
