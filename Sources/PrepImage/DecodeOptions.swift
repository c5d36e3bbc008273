/// Limits applied while decoding untrusted files.
public struct DecodeOptions: Sendable {
    /// Largest width * height accepted, checked on the header before any pixel memory is
    /// allocated (the command line's `--max-pixels`). 100 MP by default.
    public var maxPixels: Int = 100_000_000

    public init(maxPixels: Int = 100_000_000) {
        self.maxPixels = maxPixels
    }
}
