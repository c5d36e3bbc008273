import Foundation

/// Why a file could not be decoded or an image encoded. `description` is one line meant
/// for a `failed` row of a dataset index.
public enum ImageError: Error, Equatable, CustomStringConvertible {
    /// The file has zero bytes.
    case empty
    /// The first bytes are no known image signature.
    case notAnImage
    /// A recognised format or variant this decoder does not read, e.g. "unsupported format: webp"
    /// or "unsupported JPEG: Unsupported JPEG data precision 12".
    case unsupported(String)
    /// The header announces more than `limit` pixels; nothing was decoded.
    case tooLarge(width: Int, height: Int, limit: Int)
    /// The codec library refused the data, e.g. "corrupt JPEG: Premature end of JPEG file".
    case corrupt(String)
    /// The encoder failed, e.g. on an image it cannot represent.
    case encodingFailed(String)

    public var description: String {
        switch self {
        case .empty:
            return "empty file (0 bytes)"
        case .notAnImage:
            return "not an image: the file starts with neither a JPEG nor a PNG signature"
        case .unsupported(let reason):
            return Self.oneLine(reason)
        case .tooLarge(let width, let height, let limit):
            return "image is \(width)x\(height) = \(Self.pixelCount(width * height, exact: false)), "
                + "over the \(Self.pixelCount(limit, exact: true)) limit (--max-pixels)"
        case .corrupt(let reason):
            return Self.oneLine(reason)
        case .encodingFailed(let reason):
            return "encoding failed: " + Self.oneLine(reason)
        }
    }

    /// "108.0 MP" for an image, "100 MP" for a round limit; small counts stay in pixels.
    private static func pixelCount(_ count: Int, exact: Bool) -> String {
        if count < 100_000 { return "\(count) pixels" }
        let megapixels = Double(count) / 1_000_000
        if exact && count % 1_000_000 == 0 { return "\(count / 1_000_000) MP" }
        return String(format: "%.1f MP", megapixels)
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
