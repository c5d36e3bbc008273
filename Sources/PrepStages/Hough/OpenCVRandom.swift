/// The order in which the probabilistic Hough transform visits edge points: an index below
/// `count` for each pick.
protocol HoughPointOrder {
    mutating func index(below count: Int) -> Int
}

/// prep's order: the record's own generator, so the segments depend only on (seed, key, stage).
extension RecordRandom: HoughPointOrder {
    mutating func index(below count: Int) -> Int { uniform(in: 0...(count - 1)) }
}

/// OpenCV's `cv::RNG` as `HoughLinesP` uses it: a multiply-with-carry generator created with the
/// fixed state `(uint64)-1`, drawing `rng.uniform(0, count)` as `next() % count`. The hough stage's
/// default order (`point_order = opencv`), so its segments equal OpenCV's exactly.
// reference: opencv/opencv modules/core/include/opencv2/core/operations.hpp (RNG::next, RNG::uniform)
struct OpenCVRandom: HoughPointOrder {
    private var state: UInt64 = .max

    /// state = low32(state) * 4164903690 + high32(state); the result is the new low 32 bits.
    mutating func next() -> UInt32 {
        state = UInt64(UInt32(truncatingIfNeeded: state)) &* 4_164_903_690 &+ (state >> 32)
        return UInt32(truncatingIfNeeded: state)
    }

    mutating func index(below count: Int) -> Int { Int(next() % UInt32(count)) }
}
