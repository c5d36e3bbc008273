import CPNG

/// How `PNGCodec.encode` filters rows before deflate, and which deflate it uses. Every choice is
/// lossless, deterministic (same bytes every run for given libpng, zlib and libdeflate versions)
/// and writes an ordinary 8-bit (or 16-bit) PNG that every reader opens.
///
/// `.automatic`, the default: a gray image whose samples are all 0 or 255 (the binary maps of
/// canny, hough and scribble) gets no filter and, at levels 1...6, `RunLengthDeflate` in
/// `PNGWriter` (matches at distance 1 only, as zlib's Z_RLE; the level then makes no
/// difference); levels 7...9 keep libpng with zlib's default strategy, level 0 stores. Anything
/// else (RGB normal maps, general gray, 16-bit depth) gets the sub filter and libdeflate
/// (`PNGWriter`) at the given level.
///
/// `RunLengthDeflate` against zlib's Z_RLE on the 3000 binary maps of the 1000-row bench corpus
/// (`bench/build`): the same pixels, files 0.04% larger in all (canny 12.31 vs 12.32 MB, hough
/// 8.68 vs 8.68 MB, scribble 5.39 vs 5.39 MB), and the whole build's profile (perf, 2 workers)
/// went from 5.7% in zlib's deflate, Adler-32 and trees to 2.0% in the new encoder: about 0.25 ms
/// per map instead of 0.8.
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
    /// Binary 0/255 gray: `.none` with `RunLengthDeflate` (levels 1...6) or libpng (0, 7...9);
    /// anything else: `.sub` with libdeflate.
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

    /// How `PNGWriter` encodes, or nil where libpng does: the filters only libpng has, and binary
    /// maps under `.automatic` at levels 0 and 7...9 (stored, and zlib's default strategy).
    func writerSettings(isBinaryGray: Bool, level: Int) -> (filter: PNGWriter.RowFilter, compression: PNGWriter.Compression)? {
        switch self {
        case .automatic:
            if !isBinaryGray { return (.sub, .libdeflate) }
            return (1...6).contains(level) ? (PNGWriter.RowFilter.none, .runLength) : nil
        case .none: return (PNGWriter.RowFilter.none, .libdeflate)
        case .sub: return (.sub, .libdeflate)
        case .up: return (.up, .libdeflate)
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
