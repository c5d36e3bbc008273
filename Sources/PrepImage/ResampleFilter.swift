import Foundation

/// The two resampling filters of the training geometry, as 1-D weight functions.
enum ResampleFilter: Sendable {
    /// OpenCV INTER_AREA semantics: an output pixel is the average of the source area it
    /// covers, source pixels weighted by their fractional overlap (an exact box average for
    /// integer factors). Used for shrinking. The same definition holds on an axis that grows
    /// (only in `.none` mode, where rounding to 64 can lift a side above the source): up to
    /// two source pixels by overlap, as OpenCV does when both axes grow. OpenCV differs only
    /// when one axis shrinks and the other grows (it then uses 2-tap weights on both).
    /// reference: OpenCV imgproc/src/resize.cpp, INTER_AREA (computeResizeAreaTab).
    case area
    /// OpenCV INTER_LANCZOS4 semantics: 8 taps around the source position
    /// (x_out + 0.5) * scale - 0.5, weights sin(πd)·sin(πd/4) / (π²d²/4) normalised to
    /// sum 1, out-of-range taps replicate the border pixel. Used for enlarging.
    /// reference: OpenCV imgproc/src/resize.cpp, INTER_LANCZOS4 (interpolateLanczos4).
    case lanczos4

    /// The Lanczos kernel with a = 4: sinc(d) · sinc(d / 4), zero outside |d| < 4.
    static func lanczos4Kernel(_ d: Double) -> Double {
        if d == 0 { return 1 }
        if abs(d) >= 4 { return 0 }
        let x = Double.pi * d
        return 4 * sin(x) * sin(x / 4) / (x * x)
    }

    /// The (source index, weight) pairs that make output position `index` along an axis
    /// scaled from `sourceSize` to `scaledSize` samples. Indices are already clamped into
    /// 0..<sourceSize (border replicate) and weights sum to 1.
    func contributions(index: Int, sourceSize: Int, scaledSize: Int) -> [(source: Int, weight: Double)] {
        let scale = Double(sourceSize) / Double(scaledSize)
        var pairs: [(source: Int, weight: Double)] = []
        switch self {
        case .area:
            // The output pixel covers [lo, hi) in source coordinates.
            let lo = Double(index) * scale, hi = Double(index + 1) * scale
            var j = Int(lo.rounded(.down))
            while Double(j) < hi {
                let overlap = min(hi, Double(j + 1)) - max(lo, Double(j))
                if overlap > 1e-9 {
                    pairs.append((min(max(j, 0), sourceSize - 1), overlap / scale))
                }
                j += 1
            }
        case .lanczos4:
            let center = (Double(index) + 0.5) * scale - 0.5
            let base = Int(center.rounded(.down))
            var sum = 0.0
            for tap in -3...4 {
                let w = Self.lanczos4Kernel(center - Double(base + tap))
                pairs.append((min(max(base + tap, 0), sourceSize - 1), w))
                sum += w
            }
            pairs = pairs.map { ($0.source, $0.weight / sum) }
        }
        return pairs
    }
}
