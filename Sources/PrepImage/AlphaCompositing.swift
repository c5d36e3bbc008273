/// Flattening transparency onto a white background, in 8-bit integers.
enum AlphaCompositing {
    /// One sample `color` with opacity `alpha` (both 0...255) over white:
    ///
    ///     out = (color * alpha + 255 * (255 - alpha) + 127) / 255     (integer division)
    ///
    /// i.e. the exact blend color*a/255 + 255*(1 - a/255), rounded half up. Opaque pixels
    /// (a = 255) keep their color, fully transparent ones (a = 0) become 255.
    @inline(__always)
    static func overWhite(_ color: UInt8, alpha: UInt8) -> UInt8 {
        let c = Int(color), a = Int(alpha)
        return UInt8((c * a + 255 * (255 - a) + 127) / 255)
    }
}
