import CPNG

/// How `PNGCodec.encode` filters rows before zlib (and, for `.automatic`, which zlib strategy
/// it uses). Every choice is lossless, deterministic (same bytes every run for a given libpng
/// and zlib) and writes an ordinary 8-bit (or 16-bit) PNG that every reader opens.
///
/// `.automatic`, the default: a gray image whose samples are all 0 or 255 (the binary maps of
/// canny, hough and scribble) gets no filter and, at levels 1...6, zlib's run-length strategy
/// (Z_RLE: only matches at distance 1, i.e. runs; the level then makes no difference); levels
/// 7...9 keep the default strategy for the last bytes, level 0 stores. Anything else (RGB normal
/// maps, general gray, 16-bit depth) gets the sub filter with run-length deflate at levels 1...6
/// (what OpenCV's `imwrite` does by default), and `.adaptive`, libpng's default, at 0 and 7...9.
///
/// Measured on prep's own 512x512 maps of the Examples photos (`prep annotate ... --resolution
/// 512`; release, thread CPU time, libpng 1.6.39, zlib 1.2.13), ms per map / bytes:
///
///     map (mean of 5)      level 6 adaptive (before)   level 6 none    automatic (none + RLE)
///     canny                6.8 ms / 15.9 kB            5.7 / 14.1      1.0 ms / 13.9 kB
///     hough                5.9 ms / 12.5 kB            4.9 / 11.5      0.9 ms / 12.2 kB
///     scribble             3.4 ms /  5.1 kB            2.0 /  4.3      0.5 ms /  4.2 kB
///
/// For binary maps the filters only hurt (sub/up/paeth/adaptive are 3-25% larger than none at
/// every level: they turn an edge into two non-zero bytes), and level 9 with no filter is the
/// smallest 8-bit file (canny 12.5 kB) but takes 82 ms. 1-bit gray would be smaller still
/// (canny 10.5 kB with RLE, 0.6 ms) but Pillow opens it as mode "1" and readers of raw
/// members may not expect it, so binary maps stay 8-bit gray.
///
/// The RGB normal map of the motorcycle disparity (noisy, 486 kB): adaptive takes 22 ms at
/// level 1 (529 kB), 29 ms at 3 (514 kB), 70 ms at 6 (486 kB); none at 6 is 37 ms but 540 kB;
/// paeth alone is within 1% of adaptive. At level 1, filter + strategy (ms / bytes):
///
///     512x512 map            adaptive        sub + RLE (automatic)   up + RLE        paeth + RLE
///     normal (RGB)           22.1 / 529 kB   10.8 / 517 kB           10.7 / 519 kB   14.0 / 486 kB
///     depth (16-bit)         15.4 / 379 kB    7.7 / 376 kB            7.4 / 387 kB    9.3 / 367 kB
///     black RGB placeholder   6.4 / 3.5 kB    1.6 / 1.7 kB
///     black 16-bit            4.4 / 2.4 kB    1.2 / 1.4 kB
/// reference: libpng-manual.txt, "Controlling row filtering"; zlib manual, deflateInit2 strategy.
public enum PNGFilter: Sendable, Equatable, CaseIterable {
    /// Binary 0/255 gray: `.none` with run-length deflate (levels 1...6); anything else: `.sub`
    /// with run-length deflate (levels 1...6); `.adaptive` at the other levels.
    case automatic
    /// libpng's default: each row gets whichever of the five filters looks smallest.
    case adaptive
    case none
    case sub
    case up
    case average
    case paeth

    /// The libpng filter mask and zlib strategy for `samples` at `level` (CPNG_DEFAULT = libpng's).
    func settings(level: Int, isBinaryGray: @autoclosure () -> Bool) -> (filters: Int32, strategy: Int32) {
        switch self {
        case .automatic:
            let runLength = (1...6).contains(level)
            guard isBinaryGray() else {
                return runLength ? (Int32(CPNG_FILTER_SUB), Int32(CPNG_STRATEGY_RLE)) : (Int32(CPNG_DEFAULT), Int32(CPNG_DEFAULT))
            }
            return (Int32(CPNG_FILTER_NONE), Int32(runLength ? CPNG_STRATEGY_RLE : CPNG_STRATEGY_DEFAULT))
        case .adaptive: return (Int32(CPNG_DEFAULT), Int32(CPNG_DEFAULT))
        case .none: return (Int32(CPNG_FILTER_NONE), Int32(CPNG_DEFAULT))
        case .sub: return (Int32(CPNG_FILTER_SUB), Int32(CPNG_DEFAULT))
        case .up: return (Int32(CPNG_FILTER_UP), Int32(CPNG_DEFAULT))
        case .average: return (Int32(CPNG_FILTER_AVG), Int32(CPNG_DEFAULT))
        case .paeth: return (Int32(CPNG_FILTER_PAETH), Int32(CPNG_DEFAULT))
        }
    }

    /// True when every sample is 0 or 255 (v + 1 has bits above bit 0 for v in 1...254 only).
    static func isBinary(_ samples: UnsafeBufferPointer<UInt8>) -> Bool {
        var other: UInt8 = 0
        for v in samples { other |= (v &+ 1) & 0xFE }
        return other == 0
    }
}
