/// The file formats the decoder reads, recognised by their magic numbers.
public enum ImageFormat: String, Sendable {
    case jpeg
    case png

    /// The format announced by the first bytes, or nil for anything else.
    public static func detect(_ bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        return nil
    }
}

/// Image formats recognised by their magic numbers but not decoded.
enum UnsupportedImageFormat: String {
    case gif, bmp, webp, tiff, heif, avif, jpeg2000 = "jpeg 2000", jpegXL = "jpeg xl", psd, ico, qoi

    static func detect(_ bytes: [UInt8]) -> UnsupportedImageFormat? {
        func at(_ offset: Int, _ ascii: String) -> Bool {
            let magic = Array(ascii.utf8)
            return bytes.count >= offset + magic.count && Array(bytes[offset..<offset + magic.count]) == magic
        }
        if at(0, "GIF87a") || at(0, "GIF89a") { return .gif }
        if at(0, "BM") && bytes.count >= 14 && bytes[6..<10].allSatisfy({ $0 == 0 }) { return .bmp }  // reserved words 0
        if at(0, "RIFF") && at(8, "WEBP") { return .webp }
        if bytes.starts(with: [0x49, 0x49, 0x2A, 0x00]) || bytes.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return .tiff }
        if at(4, "ftypavif") || at(4, "ftypavis") { return .avif }
        if at(4, "ftypheic") || at(4, "ftypheix") || at(4, "ftypmif1") || at(4, "ftypmsf1") { return .heif }
        if bytes.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || bytes.starts(with: [0xFF, 0x4F, 0xFF, 0x51]) {
            return .jpeg2000
        }
        if bytes.starts(with: [0xFF, 0x0A]) || bytes.starts(with: [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) {
            return .jpegXL
        }
        if at(0, "8BPS") { return .psd }
        if bytes.starts(with: [0x00, 0x00, 0x01, 0x00]) && bytes.count >= 22 { return .ico }
        if at(0, "qoif") { return .qoi }
        return nil
    }
}
