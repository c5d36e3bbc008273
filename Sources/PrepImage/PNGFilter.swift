import CPNG

/// How `PNGCodec.encode` filters rows before deflate, and which deflate it uses. Every choice is
/// lossless, deterministic (same bytes every run for given libpng, zlib and libdeflate versions)
/// and writes an ordinary 8-bit (or 16-bit) PNG that every reader opens.
///
/// `.automatic`, the default: a gray image whose samples are all 0 or 255 (the binary maps of
/// canny, hough and scribble) gets no filter and libpng with zlib's run-length strategy at levels
/// 1...6 (Z_RLE: only matches at distance 1; the level then makes no difference); levels 7...9
/// keep zlib's default strategy, level 0 stores. Anything else (RGB normal maps, general gray,
/// 16-bit depth) gets the sub filter and libdeflate (`PNGWriter`) at the given level.
/// `.none`, `.sub` and `.up` always go through `PNGWriter`; `.adaptive` (libpng's default: each
/// row gets whichever of the five filters looks smallest), `.average` and `.paeth` through libpng.
///
/// Measured on 20 of each of prep's 512x512 maps of the bench corpus (`bench/build`), level 1,
/// ms per map / bytes, zlib 1.2.13 run-length vs libdeflate 1.14:
///
///     map               zlib Z_RLE          libdeflate
///     canny (none)      1.01 ms / 13.3 kB   0.86 ms / 16.4 kB
///     hough (none)      0.85 ms / 11.0 kB   0.83 ms / 13.3 kB
///     scribble (none)   0.54 ms /  5.8 kB   0.79 ms /  8.5 kB
///     normal (sub)      7.92 ms /  223 kB   3.35 ms /  210 kB
///     depth 16 (sub)    6.05 ms /  332 kB   3.35 ms /  270 kB
///
/// Earlier measurements with libpng alone (the Examples photos' maps): for binary maps the
/// filters only hurt (sub/up/paeth/adaptive are 3-25% larger than none at every level: they
/// turn an edge into two non-zero bytes), and level 9 with no filter is the smallest 8-bit file
/// (canny 12.5 kB) but takes 82 ms. 1-bit gray would be smaller still (canny 10.5 kB, 0.6 ms)
/// but Pillow opens it as mode "1" and readers of raw members may not expect it, so binary maps
/// stay 8-bit gray. On the RGB normal map of the motorcycle disparity, level 1 adaptive took
/// 22.1 ms (529 kB), sub + RLE 10.8 ms (517 kB), paeth + RLE 14.0 ms (486 kB).
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

    /// The row filter `PNGWriter` (libdeflate) applies, or nil where libpng encodes: the filters
    /// only libpng has, and binary maps under `.automatic` (zlib's run-length deflate is as fast
    /// as libdeflate on them and 15-45% smaller).
    func rowFilter(isBinaryGray: Bool) -> PNGWriter.RowFilter? {
        switch self {
        case .automatic: return isBinaryGray ? nil : .sub  // binary maps: libpng's run-length deflate
        case .none: return PNGWriter.RowFilter.none
        case .sub: return .sub
        case .up: return .up
        case .adaptive, .average, .paeth: return nil
        }
    }

    /// True when every sample is 0 or 255 (v + 1 has bits above bit 0 for v in 1...254 only).
    static func isBinary(_ samples: UnsafeBufferPointer<UInt8>) -> Bool {
        var other: UInt8 = 0
        for v in samples { other |= (v &+ 1) & 0xFE }
        return other == 0
    }
}
