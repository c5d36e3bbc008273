/// Precomputed weights for one axis of a separable resize: output sample i is
/// Σ_t weights[i * taps + t] · source[starts[i] + t]. Every output sample has the same
/// number of taps (shorter windows are padded with zero weights), so inner loops need no
/// per-sample bounds.
struct ResampleAxis {
    let taps: Int
    let starts: [Int]
    let weights: [Float]

    /// Weights for the `count` output samples starting at `offset` (the crop) of an axis
    /// scaled from `sourceSize` to `scaledSize`.
    init(filter: ResampleFilter, sourceSize: Int, scaledSize: Int, offset: Int, count: Int) {
        precondition(offset >= 0 && offset + count <= scaledSize, "crop window outside the scaled image")
        // Gather each sample's contributions, folding repeated (clamped) indices together.
        var windows: [(first: Int, weights: [Double])] = []
        windows.reserveCapacity(count)
        var taps = 1
        for i in 0..<count {
            let pairs = filter.contributions(index: offset + i, sourceSize: sourceSize, scaledSize: scaledSize)
            let first = pairs.map(\.source).min() ?? 0
            let last = pairs.map(\.source).max() ?? 0
            var folded = [Double](repeating: 0, count: last - first + 1)
            for pair in pairs { folded[pair.source - first] += pair.weight }
            windows.append((first, folded))
            taps = max(taps, folded.count)
        }
        // Pad every window to `taps`, sliding its start left if it would run off the end.
        // taps <= sourceSize because all indices lie in 0..<sourceSize.
        var starts = [Int](repeating: 0, count: count)
        var weights = [Float](repeating: 0, count: count * taps)
        for (i, window) in windows.enumerated() {
            let start = min(window.first, sourceSize - taps)
            starts[i] = start
            for (t, w) in window.weights.enumerated() {
                weights[i * taps + (window.first - start) + t] = Float(w)
            }
        }
        self.taps = taps
        self.starts = starts
        self.weights = weights
    }
}
