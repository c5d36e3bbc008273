import CVectorKernels
import PrepImage

/// Canny edge detection with exactly the semantics of OpenCV's `cv2.Canny(image, low, high)`
/// (apertureSize 3, L2gradient false), on 1- or 3-channel 8-bit images. Returns a 1-channel image
/// of the input's size: 255 on edges, 0 elsewhere.
///
/// The steps, as OpenCV performs them:
/// 1. 3x3 Sobel `dx`, `dy` per channel with border replication (int16 results).
/// 2. Per pixel, the channel with the largest L1 magnitude `|dx| + |dy|` (the first channel wins
///    ties) supplies the magnitude and the gradient.
/// 3. Non-maximum suppression along the gradient quantised to 4 directions with the fixed-point
///    tangents of 22.5° and 67.5° (15-bit shift); magnitudes outside the image count as 0. A pixel
///    survives if its magnitude is `>` the neighbour "before" it and `>=` the one "after" it
///    (horizontal and vertical), or `>` both neighbours (diagonals).
/// 4. Thresholds: swapped if `low > high`, then floored to integers; a surviving pixel with
///    magnitude `> low` is a candidate, one with magnitude `> high` a seed.
/// 5. Hysteresis: every candidate 8-connected (through candidates) to a seed is an edge.
///
/// This is the fast path (unsafe pointers, a ring of three gradient rows, one explicit stack);
/// `referenceEdges` is its slow, obviously correct sibling, and the two must agree bit for bit.
// reference: opencv/opencv modules/imgproc/src/canny.cpp (cv::Canny, parallelCanny, finalPass)
// reference: opencv/opencv modules/imgproc/src/deriv.cpp (cv::Sobel, ksize 3, BORDER_REPLICATE)
public enum Canny {
    /// The edge map of `image` for hysteresis thresholds `low` and `high` (any order; OpenCV's
    /// flooring applies, so 99.5 acts as 99).
    public static func edges(_ image: Image, low: Double, high: Double) -> Image {
        let width = image.width, height = image.height
        var output = Image(width: width, height: height, channels: 1)
        guard width > 0, height > 0 else { return output }
        let thresholds = integerThresholds(low: low, high: high)

        let mapStride = width + 2
        // 1 = cannot be an edge (also the one-pixel frame), 0 = candidate, 2 = edge.
        var map = [UInt8](repeating: 1, count: mapStride * (height + 2))
        map.withUnsafeMutableBufferPointer { mapBuffer in
            image.pixels.withUnsafeBufferPointer { pixels in
                suppressNonMaxima(
                    pixels: pixels.baseAddress!, width: width, height: height, channels: image.channels,
                    low: thresholds.low, high: thresholds.high, map: mapBuffer.baseAddress!
                )
            }
            output.pixels.withUnsafeMutableBufferPointer { out in
                writeEdges(map: UnsafePointer(mapBuffer.baseAddress!), width: width, height: height, to: out.baseAddress!)
            }
        }
        return output
    }

    /// OpenCV's threshold conversion for the L1 gradient: swap if `low > high`, then `cvFloor`
    /// both. Magnitudes are at most 2040, so the values are clamped to -1...32767 without changing
    /// any comparison (NaN, which `cvFloor` turns into INT_MIN, becomes -1).
    static func integerThresholds(low: Double, high: Double) -> (low: Int, high: Int) {
        var low = low, high = high
        if low > high { swap(&low, &high) }
        func floored(_ value: Double) -> Int {
            guard !value.isNaN else { return -1 }
            return Int(min(32767, max(-1, value.rounded(.down))))
        }
        return (floored(low), floored(high))
    }

    /// tan(22.5°) in 15-bit fixed point, rounded as OpenCV computes it: 13573.
    static let tangent22Fixed = Int(0.4142135623730950488016887242097 * Double(1 << 15) + 0.5)

    /// Gradients, non-maximum suppression and hysteresis: fills the interior of `map`
    /// (`(width + 2) x (height + 2)`, pre-filled with 1) with 0 (candidate) or 2 (edge).
    private static func suppressNonMaxima(
        pixels: UnsafePointer<UInt8>, width: Int, height: Int, channels: Int,
        low: Int, high: Int, map: UnsafeMutablePointer<UInt8>
    ) {
        let samples = width * channels
        let paddedSamples = samples + 2 * channels
        let paddedRow = width + 2

        // Scratch: vertical sums and differences (padded by one pixel each side), a zero row, and
        // a ring of three rows of selected magnitude (padded by one zero each side), dx and dy.
        let scratchCount = 2 * paddedSamples + paddedRow + 3 * (paddedRow + 2 * width)
        let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: scratchCount)
        defer { scratch.deallocate() }
        scratch.initialize(repeating: 0, count: scratchCount)
        let verticalSum = scratch
        let verticalDifference = verticalSum + paddedSamples
        let zeroRow = verticalDifference + paddedSamples  // magnitudes outside the image are 0
        let ringBase = zeroRow + paddedRow
        let ringSlot = paddedRow + 2 * width
        func magnitudeRow(_ y: Int) -> UnsafeMutablePointer<Int16> { ringBase + (y % 3) * ringSlot }
        func dxRow(_ y: Int) -> UnsafeMutablePointer<Int16> { ringBase + (y % 3) * ringSlot + paddedRow }
        func dyRow(_ y: Int) -> UnsafeMutablePointer<Int16> { ringBase + (y % 3) * ringSlot + paddedRow + width }

        // Each pixel is pushed at most once (it is marked 2 before the push).
        let stack = UnsafeMutablePointer<Int>.allocate(capacity: width * height)
        defer { stack.deallocate() }
        var stackTop = 0

        for y in 0...height {
            if y < height {
                // Two literal channel counts, so that the inlined row loops see constant strides
                // and vectorise.
                if channels == 1 {
                    computeGradientRow(
                        pixels: pixels, y: y, width: width, height: height, channels: 1,
                        verticalSum: verticalSum, verticalDifference: verticalDifference,
                        magnitude: magnitudeRow(y) + 1, dx: dxRow(y), dy: dyRow(y)
                    )
                } else {
                    computeGradientRow(
                        pixels: pixels, y: y, width: width, height: height, channels: 3,
                        verticalSum: verticalSum, verticalDifference: verticalDifference,
                        magnitude: magnitudeRow(y) + 1, dx: dxRow(y), dy: dyRow(y)
                    )
                }
            }
            guard y > 0 else { continue }
            let row = y - 1
            suppressRow(
                previous: UnsafePointer(row > 0 ? magnitudeRow(row - 1) + 1 : zeroRow + 1),
                current: UnsafePointer(magnitudeRow(row) + 1),
                next: UnsafePointer(row + 1 < height ? magnitudeRow(row + 1) + 1 : zeroRow + 1),
                dx: UnsafePointer(dxRow(row)), dy: UnsafePointer(dyRow(row)),
                width: width, low: low, high: high,
                map: map + (row + 1) * paddedRow + 1, mapOffset: (row + 1) * paddedRow + 1,
                stack: stack, stackTop: &stackTop
            )
        }

        growEdges(map: map, paddedRow: paddedRow, stack: stack, stackTop: stackTop)
    }

    /// Hysteresis: grows edges (2) from the seeds on `stack` through 8-connected candidates (0).
    private static func growEdges(map: UnsafeMutablePointer<UInt8>, paddedRow: Int, stack: UnsafeMutablePointer<Int>, stackTop: Int) {
        var stackTop = stackTop
        let neighbours = [-1, 1, -paddedRow - 1, -paddedRow, -paddedRow + 1, paddedRow - 1, paddedRow, paddedRow + 1]
        neighbours.withUnsafeBufferPointer { offsets in
            while stackTop > 0 {
                stackTop -= 1
                let index = stack[stackTop]
                for offset in offsets where map[index + offset] == 0 {
                    map[index + offset] = 2
                    stack[stackTop] = index + offset
                    stackTop += 1
                }
            }
        }
    }

    /// Sobel dx, dy (3x3, BORDER_REPLICATE) of row `y` for every channel, then per pixel the
    /// channel with the largest `|dx| + |dy|`: its magnitude into `magnitude[0..<width]` (whose
    /// neighbours `magnitude[-1]` and `magnitude[width]` stay 0) and its gradient into `dx`, `dy`.
    /// `channels` is passed as a literal 1 or 3 so that the inlined loops have constant strides.
    @inline(__always)
    private static func computeGradientRow(
        pixels: UnsafePointer<UInt8>, y: Int, width: Int, height: Int, channels: Int,
        verticalSum: UnsafeMutablePointer<Int16>, verticalDifference: UnsafeMutablePointer<Int16>,
        magnitude: UnsafeMutablePointer<Int16>, dx: UnsafeMutablePointer<Int16>, dy: UnsafeMutablePointer<Int16>
    ) {
        let samples = width * channels
        let above = pixels + max(y - 1, 0) * samples
        let middle = pixels + y * samples
        let below = pixels + min(y + 1, height - 1) * samples

        // Vertical pass: [1 2 1] for dx, [-1 0 1] for dy, into rows padded by one pixel.
        let sum = verticalSum + channels, difference = verticalDifference + channels
        for i in 0..<samples {
            let a = Int16(above[i]), m = Int16(middle[i]), b = Int16(below[i])
            sum[i] = a &+ (m &<< 1) &+ b
            difference[i] = b &- a
        }
        // Border replication along x: the padding repeats the first and last pixel.
        for c in 0..<channels {
            sum[c - channels] = sum[c]
            difference[c - channels] = difference[c]
            sum[samples + c] = sum[samples - channels + c]
            difference[samples + c] = difference[samples - channels + c]
        }

        // Horizontal pass: [-1 0 1] for dx, [1 2 1] for dy; with 3 channels, fused with the choice
        // of the channel with the largest |dx| + |dy| (branch-free selects, the first channel
        // wins ties).
        @inline(__always) func gradient(_ i: Int) -> (dx: Int16, dy: Int16, magnitude: Int16) {
            let gx = sum[i + channels] &- sum[i - channels]
            let gy = difference[i - channels] &+ (difference[i] &<< 1) &+ difference[i + channels]
            return (gx, gy, (gx < 0 ? 0 &- gx : gx) &+ (gy < 0 ? 0 &- gy : gy))
        }
        if channels == 1 {
            for x in 0..<width {
                let g = gradient(x)
                dx[x] = g.dx
                dy[x] = g.dy
                magnitude[x] = g.magnitude
            }
        } else {
            for x in 0..<width {
                let first = gradient(3 * x), second = gradient(3 * x + 1), third = gradient(3 * x + 2)
                let takeSecond = second.magnitude > first.magnitude
                var best = takeSecond ? second : first
                let takeThird = third.magnitude > best.magnitude
                best = takeThird ? third : best
                dx[x] = best.dx
                dy[x] = best.dy
                magnitude[x] = best.magnitude
            }
        }
    }

    /// Non-maximum suppression and double threshold for one row: marks candidates 0 and seeds 2
    /// (pushing them) in `map[0..<width]`; every other pixel keeps its 1. With AVX2, eight pixels
    /// at a time (`cvector_canny_suppress_row`, the same rules); `portable` keeps to this loop.
    @inline(__always)
    private static func suppressRow(
        previous: UnsafePointer<Int16>, current: UnsafePointer<Int16>, next: UnsafePointer<Int16>,
        dx: UnsafePointer<Int16>, dy: UnsafePointer<Int16>, width: Int, low: Int, high: Int,
        map: UnsafeMutablePointer<UInt8>, mapOffset: Int,
        stack: UnsafeMutablePointer<Int>, stackTop: inout Int, portable: Bool = false
    ) {
        if VectorKernels.available && !portable {
            stackTop = cvector_canny_suppress_row(previous, current, next, dx, dy, width, Int32(low), Int32(high),
                                                  map, mapOffset, stack, stackTop)
            return
        }
        let tangent22 = tangent22Fixed
        var top = stackTop
        for x in 0..<width {
            let m = Int(current[x])
            if m <= low { continue }
            let xs = Int(dx[x]), ys = Int(dy[x])
            let absX = xs < 0 ? -xs : xs
            let absYShifted = (ys < 0 ? -ys : ys) << 15
            let tangent22X = absX * tangent22
            let isMaximum: Bool
            if absYShifted < tangent22X {
                // Near-horizontal gradient: compare with the left and right neighbours.
                isMaximum = m > Int(current[x - 1]) && m >= Int(current[x + 1])
            } else {
                let tangent67X = tangent22X + (absX << 16)
                if absYShifted > tangent67X {
                    // Near-vertical gradient: compare with the pixels above and below.
                    isMaximum = m > Int(previous[x]) && m >= Int(next[x])
                } else {
                    // Diagonal: same signs -> up-left and down-right, else up-right and down-left.
                    let s = (xs ^ ys) < 0 ? -1 : 1
                    isMaximum = m > Int(previous[x - s]) && m > Int(next[x + s])
                }
            }
            guard isMaximum else { continue }
            if m > high {
                map[x] = 2
                stack[top] = mapOffset + x
                top += 1
            } else {
                map[x] = 0
            }
        }
        stackTop = top
    }

    /// 255 where the map says edge (2), 0 elsewhere.
    private static func writeEdges(map: UnsafePointer<UInt8>, width: Int, height: Int, to output: UnsafeMutablePointer<UInt8>) {
        let paddedRow = width + 2
        for y in 0..<height {
            let source = map + (y + 1) * paddedRow + 1
            let destination = output + y * width
            for x in 0..<width {
                // 2 >> 1 = 1 -> 0 - 1 = 255; 0 and 1 >> 1 = 0 -> 0.
                destination[x] = 0 &- (source[x] &>> 1)
            }
        }
    }

    // MARK: - Gradients computed once, thresholds applied many times

    /// Step 1 and 2 for the whole image (the Sobel gradients of the strongest channel), for
    /// several Canny runs on one image: the canny and hough stages of a record share them.
    public static func gradients(_ image: Image) -> CannyGradients {
        let width = image.width, height = image.height, channels = image.channels
        let paddedRow = width + 2
        var magnitude = [Int16](repeating: 0, count: paddedRow * (height + 2))
        var dx = [Int16].uninitialized(count: width * height)  // every row is written below
        var dy = [Int16].uninitialized(count: width * height)
        guard width > 0, height > 0 else { return CannyGradients(width: width, height: height, magnitude: magnitude, dx: dx, dy: dy) }
        let paddedSamples = (width + 2) * channels
        let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: 2 * paddedSamples)
        defer { scratch.deallocate() }
        scratch.initialize(repeating: 0, count: 2 * paddedSamples)
        image.pixels.withUnsafeBufferPointer { pixels in
            magnitude.withUnsafeMutableBufferPointer { magnitude in
            dx.withUnsafeMutableBufferPointer { dx in
            dy.withUnsafeMutableBufferPointer { dy in
                for y in 0..<height {
                    let magnitudeRow = magnitude.baseAddress! + (y + 1) * paddedRow + 1
                    if channels == 1 {
                        computeGradientRow(pixels: pixels.baseAddress!, y: y, width: width, height: height, channels: 1,
                                           verticalSum: scratch, verticalDifference: scratch + paddedSamples,
                                           magnitude: magnitudeRow, dx: dx.baseAddress! + y * width, dy: dy.baseAddress! + y * width)
                    } else {
                        computeGradientRow(pixels: pixels.baseAddress!, y: y, width: width, height: height, channels: 3,
                                           verticalSum: scratch, verticalDifference: scratch + paddedSamples,
                                           magnitude: magnitudeRow, dx: dx.baseAddress! + y * width, dy: dy.baseAddress! + y * width)
                    }
                    // computeGradientRow leaves the frame alone: magnitudeRow[-1] and [width] stay 0.
                }
            }
            }
            }
        }
        return CannyGradients(width: width, height: height, magnitude: magnitude, dx: dx, dy: dy)
    }

    /// Steps 3 to 5 on gradients from `gradients(_:)`: the same edge map as `edges(image, low:
    /// high:)` of that image, bit for bit.
    public static func edges(_ gradients: CannyGradients, low: Double, high: Double) -> Image {
        edges(gradients, low: low, high: high, portable: false)
    }

    static func edges(_ gradients: CannyGradients, low: Double, high: Double, portable: Bool) -> Image {
        let width = gradients.width, height = gradients.height
        var output = Image(width: width, height: height, channels: 1)
        guard width > 0, height > 0 else { return output }
        let thresholds = integerThresholds(low: low, high: high)
        let paddedRow = width + 2
        var map = [UInt8](repeating: 1, count: paddedRow * (height + 2))
        let stack = UnsafeMutablePointer<Int>.allocate(capacity: width * height)
        defer { stack.deallocate() }
        var stackTop = 0
        map.withUnsafeMutableBufferPointer { mapBuffer in
            let map = mapBuffer.baseAddress!
            gradients.magnitude.withUnsafeBufferPointer { magnitude in
            gradients.dx.withUnsafeBufferPointer { dx in
            gradients.dy.withUnsafeBufferPointer { dy in
                for row in 0..<height {
                    let current = magnitude.baseAddress! + (row + 1) * paddedRow + 1
                    suppressRow(
                        previous: current - paddedRow, current: current, next: current + paddedRow,
                        dx: dx.baseAddress! + row * width, dy: dy.baseAddress! + row * width,
                        width: width, low: thresholds.low, high: thresholds.high,
                        map: map + (row + 1) * paddedRow + 1, mapOffset: (row + 1) * paddedRow + 1,
                        stack: stack, stackTop: &stackTop, portable: portable
                    )
                }
            }
            }
            }
            growEdges(map: map, paddedRow: paddedRow, stack: stack, stackTop: stackTop)
            output.pixels.withUnsafeMutableBufferPointer { out in
                writeEdges(map: UnsafePointer(map), width: width, height: height, to: out.baseAddress!)
            }
        }
        return output
    }
}

/// Canny's gradients of one image (see `Canny.gradients`): magnitudes `|dx| + |dy|` of the
/// strongest channel in a zero frame ((width + 2) x (height + 2)), and its dx, dy.
public struct CannyGradients: Sendable {
    public let width: Int
    public let height: Int
    let magnitude: [Int16]
    let dx: [Int16]
    let dy: [Int16]
}
