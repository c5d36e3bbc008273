import Foundation
import PrepImage

/// The progressive probabilistic Hough transform of OpenCV's `cv2.HoughLinesP`, step for step:
///
/// 1. Collect the non-zero pixels of the edge map (row-major) and mark them in a mask.
/// 2. Repeatedly pick a random remaining point (swap-remove). Skip it if a previous segment
///    already consumed it; else vote for every angle bin `n` at
///    `r = round_half_even(x * cos_n + y * sin_n) + (numrho - 1) / 2` (float arithmetic, with
///    `cos_n = float(cos(n * theta) / rho)`), remembering the first bin that reaches the
///    largest count.
/// 3. If that count reaches `threshold`, walk from the point along the bin's line in both
///    directions in 16-bit fixed point (one pixel per step along the major axis), tolerating up to
///    `maxLineGap` consecutive pixels outside the mask, and stop at the image border; the last mask
///    pixels met are the ends.
/// 4. Walk again to the ends, clearing the mask; if the segment spans at least `minLineLength`
///    along x or y, also withdraw its points' votes and report it.
///
/// Determinism: OpenCV draws the point order from a `cv::RNG` with the fixed seed `(uint64)-1`,
/// so its output depends on nothing but the image; prep draws it from the record's generator
/// (`RecordRandom`: seed, record key, stage name), so different records get independent orders and
/// a dataset is reproducible from its seed. Segments therefore differ from OpenCV's in which
/// points happen to start a line, not in how a line is found; `OpenCVRandom` reproduces OpenCV's
/// order for tests.
// reference: opencv/opencv modules/imgproc/src/hough.cpp (HoughLinesProbabilistic, computeNumangle, HoughLinesP)
public enum ProbabilisticHough {
    /// The segments of a 1-channel edge map (any non-zero pixel is an edge point), in the order
    /// found. `theta` is in radians; `rho` in pixels; both are used in single precision as
    /// OpenCV does.
    public static func segments(
        edges: Image, rho: Double, theta: Double, threshold: Int,
        minLineLength: Int, maxLineGap: Int, random: inout RecordRandom
    ) -> [LineSegment] {
        segments(edges: edges, rho: rho, theta: theta, threshold: threshold,
                 minLineLength: minLineLength, maxLineGap: maxLineGap, order: &random)
    }

    /// The transform with any point order (`OpenCVRandom` reproduces `cv2.HoughLinesP` exactly).
    static func segments<Order: HoughPointOrder>(
        edges: Image, rho: Double, theta: Double, threshold: Int,
        minLineLength: Int, maxLineGap: Int, order: inout Order
    ) -> [LineSegment] {
        precondition(edges.channels == 1, "the Hough transform takes a 1-channel edge map")
        precondition(rho > 0 && theta > 0, "rho and theta must be greater than 0")
        let width = edges.width, height = edges.height
        precondition(Double(width + height) / rho < Double(1 << 21), "image too large for the float accumulator")
        guard width > 0, height > 0 else { return [] }

        let rhoStep = Float(rho), thetaStep = Float(theta)
        let inverseRho = 1 / rhoStep
        let angleCount = angleBinCount(thetaStep: Double(thetaStep))
        // OpenCV's accumulator has numrho = round((width + height) * 2 + 1) / rho) bins per angle,
        // offset by (numrho - 1) / 2; only the bins the image can reach ever count (`VoteTable`).
        var cosines = [Float](repeating: 0, count: angleCount)
        var sines = [Float](repeating: 0, count: angleCount)
        for n in 0..<angleCount {
            let angle = Double(n) * Double(thetaStep)
            cosines[n] = Float(cos(angle) * Double(inverseRho))
            sines[n] = Float(sin(angle) * Double(inverseRho))
        }

        var (mask, points) = edgePoints(edges)

        let table = VoteTable(cosines: cosines, sines: sines, width: width, height: height)
        // A bin's count is at most the number of points in its strip (votes) and at least minus that
        // many (withdrawals, which OpenCV also applies to points that have not voted yet). A strip
        // `rho` wide holds at most about 1.5 * rho + 2 pixels per row (or column): this bound is
        // generous, so 16-bit counts never wrap and compare exactly as 32-bit ones would.
        let countBound = min(points.count, max(width, height) * (Int((4 * Double(rhoStep)).rounded(.up)) + 4))
        if countBound <= Int(Int16.max) && threshold - 1 >= Int(Int16.min) && threshold - 1 <= Int(Int16.max) {
            return transform(Int16.self, mask: &mask, points: &points, table: table, width: width, height: height,
                             threshold: threshold, minLineLength: minLineLength, maxLineGap: maxLineGap,
                             cosines: cosines, sines: sines, order: &order)
        }
        return transform(Int32.self, mask: &mask, points: &points, table: table, width: width, height: height,
                         threshold: threshold, minLineLength: minLineLength, maxLineGap: maxLineGap,
                         cosines: cosines, sines: sines, order: &order)
    }

    /// Step 1: the mask (1 on edge pixels, else 0) and the edge pixels' coordinates in row-major
    /// order. Edge maps are mostly zero, so the scan skips eight zero pixels at a time.
    static func edgePoints(_ edges: Image) -> (mask: [UInt8], points: [(x: Int32, y: Int32)]) {
        let width = edges.width, count = edges.width * edges.height
        var pointCount = 0
        let mask = [UInt8](unsafeUninitializedCapacity: count) { mask, initialized in
            edges.pixels.withUnsafeBufferPointer { pixels in
                for i in 0..<count {
                    let isEdge: UInt8 = pixels[i] != 0 ? 1 : 0
                    mask[i] = isEdge
                    pointCount &+= Int(isEdge)
                }
            }
            initialized = count
        }
        let points = [(x: Int32, y: Int32)](unsafeUninitializedCapacity: pointCount) { points, initialized in
            var found = 0
            mask.withUnsafeBytes { mask in
                var i = 0
                while i < count {
                    if i + 8 <= count, mask.loadUnaligned(fromByteOffset: i, as: UInt64.self) == 0 {
                        i += 8
                        continue
                    }
                    if mask[i] != 0 {
                        points[found] = (Int32(i % width), Int32(i / width))
                        found += 1
                    }
                    i += 1
                }
            }
            initialized = found
        }
        return (mask, points)
    }

    /// Where point (x, y) votes: for each angle `n`, the accumulator index
    /// `start_n + round_half_even(x * cos_n + y * sin_n) - lowest_n`, computed sixteen angles at a time
    /// with exactly the scalar float operations (a multiply, a multiply, an add, no fused
    /// multiply-add; the same 1.5 * 2^23 rounding trick). Each angle's row holds only the bins the
    /// image can reach (the bin is monotonic in x and in y, so the corners bound it), which keeps the
    /// accumulator small enough for the cache; the counts per (angle, bin) are OpenCV's.
    struct VoteTable {
        /// Angles rounded up to a multiple of 16; the padding lanes are computed and ignored.
        let paddedCount: Int
        let cosines: [Float]
        let sines: [Float]
        /// `start_n - lowest_n - 0x4B40_0000` (wrapping), added to the float's bit pattern.
        let bases: [Int32]
        let size: Int

        init(cosines: [Float], sines: [Float], width: Int, height: Int) {
            let count = cosines.count
            paddedCount = (count + 15) / 16 * 16
            var paddedCosines = [Float](repeating: 0, count: paddedCount)
            var paddedSines = [Float](repeating: 0, count: paddedCount)
            var bases = [Int32](repeating: 0, count: paddedCount)
            var start = 0
            let fw = Float(width - 1), fh = Float(height - 1)
            for n in 0..<count {
                let c = cosines[n], s = sines[n]
                paddedCosines[n] = c
                paddedSines[n] = s
                let corners = [
                    ProbabilisticHough.roundHalfEven(0 * c + 0 * s),
                    ProbabilisticHough.roundHalfEven(fw * c + 0 * s),
                    ProbabilisticHough.roundHalfEven(0 * c + fh * s),
                    ProbabilisticHough.roundHalfEven(fw * c + fh * s),
                ]
                let lowest = corners.min()! - 1, highest = corners.max()! + 1
                bases[n] = Int32(truncatingIfNeeded: start - lowest - 0x4B40_0000)
                start += highest - lowest + 1
            }
            precondition(start < Int(Int32.max), "Hough accumulator too large")
            self.cosines = paddedCosines
            self.sines = paddedSines
            self.bases = bases
            size = start
        }
    }

    /// Steps 2 to 4 on the collected points, with `Count` accumulator cells (16-bit when the caller
    /// has shown no count can leave that range: half the memory traffic).
    static func transform<Count: FixedWidthInteger & SignedInteger, Order: HoughPointOrder>(
        _: Count.Type, mask: inout [UInt8], points: inout [(x: Int32, y: Int32)], table: VoteTable,
        width: Int, height: Int, threshold: Int, minLineLength: Int, maxLineGap: Int,
        cosines: [Float], sines: [Float], order: inout Order
    ) -> [LineSegment] {
        let angleCount = cosines.count
        var accumulator = [Count](repeating: 0, count: table.size)
        var bins = [Int32](repeating: 0, count: table.paddedCount)
        var segments: [LineSegment] = []
        let shift = 16
        let firstThreshold = Count(truncatingIfNeeded: threshold - 1)

        cosines.withUnsafeBufferPointer { cosines in
        sines.withUnsafeBufferPointer { sines in
        table.cosines.withUnsafeBufferPointer { tableCosines in
        table.sines.withUnsafeBufferPointer { tableSines in
        table.bases.withUnsafeBufferPointer { tableBases in
        bins.withUnsafeMutableBufferPointer { bins in
        accumulator.withUnsafeMutableBufferPointer { accumulator in
        mask.withUnsafeMutableBufferPointer { mask in
        points.withUnsafeMutableBufferPointer { points in
            let accumulator = accumulator.baseAddress!, mask = mask.baseAddress!
            let binsRaw = UnsafeMutableRawPointer(bins.baseAddress!)
            let cosRaw = UnsafeRawPointer(tableCosines.baseAddress!)
            let sinRaw = UnsafeRawPointer(tableSines.baseAddress!)
            let baseRaw = UnsafeRawPointer(tableBases.baseAddress!)
            let bins = UnsafePointer(bins.baseAddress!)
            let paddedCount = table.paddedCount

            /// Fills `bins` with the accumulator indices of point (x, y), one per angle.
            @inline(__always) func computeBins(x: Int, y: Int) {
                let fx = SIMD16<Float>(repeating: Float(x)), fy = SIMD16<Float>(repeating: Float(y))
                let magic = SIMD16<Float>(repeating: 12_582_912)
                var offset = 0
                while offset < paddedCount * 4 {
                    let c = cosRaw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                    let s = sinRaw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
                    let base = baseRaw.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int32>.self)
                    let shifted = (fx * c + fy * s) + magic
                    let index = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &+ base
                    binsRaw.storeBytes(of: index, toByteOffset: offset, as: SIMD16<Int32>.self)
                    offset &+= 64
                }
            }

            /// Votes for point (x, y) at every angle; returns the first angle whose bin count is
            /// the largest one at or above `threshold`, if any.
            func vote(x: Int, y: Int) -> Int? {
                computeBins(x: x, y: y)
                var bestCount = firstThreshold, bestAngle = -1
                for n in 0..<angleCount {
                    let bin = Int(truncatingIfNeeded: UInt32(bitPattern: bins[n]))
                    let count = accumulator[bin] &+ 1
                    accumulator[bin] = count
                    if bestCount < count {
                        bestCount = count
                        bestAngle = n
                    }
                }
                return bestAngle >= 0 ? bestAngle : nil
            }

            /// Withdraws the votes of point (x, y).
            func withdrawVotes(x: Int, y: Int) {
                computeBins(x: x, y: y)
                for n in 0..<angleCount {
                    let bin = Int(truncatingIfNeeded: UInt32(bitPattern: bins[n]))
                    accumulator[bin] = accumulator[bin] &- 1
                }
            }

            var remaining = points.count
            while remaining > 0 {
                let pick = order.index(below: remaining)
                let point = points[pick]
                points[pick] = points[remaining - 1]
                remaining -= 1
                let j = Int(point.x), i = Int(point.y)
                guard mask[i * width + j] != 0 else { continue }  // consumed by an earlier segment

                // OpenCV keeps the first angle reaching the maximum only if it is >= threshold.
                guard let angle = vote(x: j, y: i) else { continue }

                // Walk direction in fixed point: unit steps along the major axis.
                let a = -sines[angle], b = cosines[angle]
                var x0 = j, y0 = i, dx0: Int, dy0: Int
                let alongX = abs(a) > abs(b)
                if alongX {
                    dx0 = a > 0 ? 1 : -1
                    dy0 = roundHalfEven(b * Float(1 << shift) / abs(a))
                    y0 = (y0 << shift) + (1 << (shift - 1))
                } else {
                    dy0 = b > 0 ? 1 : -1
                    dx0 = roundHalfEven(a * Float(1 << shift) / abs(b))
                    x0 = (x0 << shift) + (1 << (shift - 1))
                }
                @inline(__always) func pixel(_ x: Int, _ y: Int) -> (column: Int, row: Int) {
                    alongX ? (x, y >> shift) : (x >> shift, y)
                }

                // First walk: find the two ends, allowing gaps of up to maxLineGap pixels.
                var ends = ((column: j, row: i), (column: j, row: i))
                for k in 0..<2 {
                    var gap = 0, x = x0, y = y0
                    let dx = k == 0 ? dx0 : -dx0, dy = k == 0 ? dy0 : -dy0
                    while true {
                        let (column, row) = pixel(x, y)
                        if column < 0 || column >= width || row < 0 || row >= height { break }
                        if mask[row * width + column] != 0 {
                            gap = 0
                            if k == 0 { ends.0 = (column, row) } else { ends.1 = (column, row) }
                        } else {
                            gap += 1
                            if gap > maxLineGap { break }
                        }
                        x += dx
                        y += dy
                    }
                }
                let isLongEnough = abs(ends.1.column - ends.0.column) >= minLineLength
                    || abs(ends.1.row - ends.0.row) >= minLineLength

                // Second walk: consume the points up to each end (and their votes if kept).
                for k in 0..<2 {
                    var x = x0, y = y0
                    let dx = k == 0 ? dx0 : -dx0, dy = k == 0 ? dy0 : -dy0
                    let end = k == 0 ? ends.0 : ends.1
                    while true {
                        let (column, row) = pixel(x, y)
                        if mask[row * width + column] != 0 {
                            if isLongEnough { withdrawVotes(x: column, y: row) }
                            mask[row * width + column] = 0
                        }
                        if column == end.column && row == end.row { break }
                        x += dx
                        y += dy
                    }
                }

                if isLongEnough {
                    segments.append(LineSegment(x0: ends.0.column, y0: ends.0.row, x1: ends.1.column, y1: ends.1.row))
                }
            }
        }
        }
        }
        }
        }
        }
        }
        }
        }
        return segments
    }

    /// `cvRound` of a float as OpenCV's x86 build does it (`cvtss2si`: to nearest, ties to even),
    /// for |value| < 2^22: adding 1.5 * 2^23 leaves the rounded integer in the low mantissa bits.
    @inline(__always)
    static func roundHalfEven(_ value: Float) -> Int {
        let shifted = value + 12_582_912  // 0x4B40_0000 as a float
        return Int(Int32(bitPattern: shifted.bitPattern)) &- 0x4B40_0000
    }

    /// OpenCV's `computeNumangle(0, pi, theta)`: floor(pi / theta) + 1 bins, less the last one
    /// when it would (almost) repeat angle 0 as pi.
    static func angleBinCount(thetaStep: Double) -> Int {
        var count = Int((Double.pi / thetaStep).rounded(.down)) + 1
        if count > 1 && abs(Double.pi - Double(count - 1) * thetaStep) < thetaStep / 2 { count -= 1 }
        return count
    }
}
