/// Limits applied while decoding untrusted files, and how much of the picture is needed.
public struct DecodeOptions: Sendable {
    /// Largest width * height accepted, checked on the header before any pixel memory is
    /// allocated (the command line's `--max-pixels`). 100 MP by default. Always the full
    /// header size, whatever `minimumShortSide` lets the decoder skip.
    public var maxPixels: Int = 100_000_000

    /// The caller will shrink the image to this short side; the decoder may decode at a
    /// reduced scale as long as the decoded short side (after EXIF orientation) stays >= this.
    ///
    /// nil (the default) decodes at full size. JPEG uses libjpeg's DCT scaling: the largest of
    /// 1/8, 1/4 and 1/2 whose output short side, ceil(short / n), is still >= this; nothing
    /// when even 1/2 would go below (reductions under 2x are never used). The decoded size is
    /// then ceil(width / n) x ceil(height / n), so callers must build their `ResizeGeometry`
    /// from the decoded image, not the header. PNG always decodes at full size; values <= 0
    /// mean nil.
    ///
    /// Measured (1600x1200 q90 photo-like JPEG, release, thread CPU time, best of 15): full
    /// decode 6.6 ms, scaled for 512 (1/2, 800x600) 5.2 ms (entropy decoding still reads every
    /// coefficient); decode + resize to 512x512 12.3 ms -> 7.9 ms; with EXIF orientation 6
    /// 24.6 ms -> 8.9 ms. The scaled result resized to 512 differs from full decode + resize by
    /// a mean absolute 1.09 per sample (max 29, at hard edges: the DCT reduction is not a box
    /// filter); see `JPEGScaledDecodeTests` for small pictures.
    /// reference: libjpeg-turbo libjpeg.txt, "Decompression parameter selection" (scale_num/scale_denom).
    public var minimumShortSide: Int?

    public init(maxPixels: Int = 100_000_000, minimumShortSide: Int? = nil) {
        self.maxPixels = maxPixels
        self.minimumShortSide = minimumShortSide
    }
}
