/// The entry point for untrusted files: sniffs the format and decodes JPEG or PNG.
public enum ImageDecoder {
    /// Decodes a JPEG or PNG to 8-bit RGB (3 channels), upright. Throws `ImageError`:
    /// `.empty`, `.notAnImage`, `.unsupported` (GIF, WebP, BMP, TIFF, ... or a JPEG variant
    /// libjpeg refuses), `.tooLarge` (checked on the header, before decoding) or `.corrupt`.
    public static func decode(_ bytes: [UInt8], options: DecodeOptions = .init()) throws -> Image {
        switch try format(of: bytes) {
        case .jpeg: return try JPEGCodec.decode(bytes, options: options)
        case .png: return try PNGCodec.decode(bytes, options: options)
        }
    }

    /// Decodes a JPEG or PNG to a 16-bit depth map (see `PNGCodec.decodeDepth` and
    /// `JPEGCodec.decodeDepth` for how 8-bit and color input are converted).
    public static func decodeDepth(_ bytes: [UInt8], options: DecodeOptions = .init()) throws -> DepthMap {
        switch try format(of: bytes) {
        case .jpeg: return try JPEGCodec.decodeDepth(bytes, options: options)
        case .png: return try PNGCodec.decodeDepth(bytes, options: options)
        }
    }

    /// The upright size from the header alone (JPEG: after the EXIF orientation swap).
    public static func size(of bytes: [UInt8]) throws -> (width: Int, height: Int) {
        switch try format(of: bytes) {
        case .jpeg: return try JPEGCodec.size(of: bytes)
        case .png: return try PNGCodec.size(of: bytes)
        }
    }

    /// The decodable format of `bytes`, or the error that says why there is none.
    static func format(of bytes: [UInt8]) throws -> ImageFormat {
        if bytes.isEmpty { throw ImageError.empty }
        if let format = ImageFormat.detect(bytes) { return format }
        if let other = UnsupportedImageFormat.detect(bytes) {
            throw ImageError.unsupported("unsupported format: \(other.rawValue)")
        }
        throw ImageError.notAnImage
    }
}
