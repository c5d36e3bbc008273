import PrepImage

/// Thickening thin scribble lines to a stroke width: the output is white at every pixel within
/// Euclidean distance `(width - 1) / 2` of a white input pixel, i.e. the dilation by a disk of
/// diameter `width`. A one-pixel line becomes `width` pixels wide for odd widths, `width - 1` for
/// even ones (a centred disk covers an odd number of pixels across); width 1 (or less) returns the
/// lines unchanged.
///
/// Computed exactly in integers: per column, the vertical distance `d(y, x)` to the nearest white
/// pixel of that column (two sweeps over the rows, every column at once), then white where
/// `4 (d(y, x + dx)^2 + dx^2) <= (width - 1)^2` for some |dx| <= (width - 1) / 2 (the two passes of
/// a Euclidean distance transform, the second limited to the disk's radius). Both passes run along
/// whole rows, so they vectorise.
// reference: Felzenszwalb & Huttenlocher, "Distance transforms of sampled functions" (2012), first pass
public enum StrokeWidth {
    public static func thicken(_ lines: Image, toWidth strokeWidth: Int) -> Image {
        precondition(lines.channels == 1, "stroke thickening takes one channel")
        let width = lines.width, height = lines.height
        var output = Image(width: width, height: height, channels: 1)
        guard width > 0, height > 0 else { return output }
        if strokeWidth <= 1 {
            output.pixels = lines.pixels.map { $0 != 0 ? 255 : 0 }
            return output
        }
        let diameter = strokeWidth - 1
        let radius = diameter / 2                   // largest |dx| with 4 dx^2 <= (width - 1)^2
        // Everything fits 16 bits (distances are capped at radius + 1, widths are at most a few
        // dozen pixels), which the vector units add and compare 8 or 16 lanes at a time.
        precondition(radius < 64, "stroke width \(strokeWidth) is beyond what thicken supports (127)")
        let limit = Int16(diameter * diameter)     // compare 4 * distance^2 with (width - 1)^2
        let far = Int16(radius + 1)                 // any distance beyond the disk

        // Squared vertical distances to the nearest white pixel of the column, capped at far^2, in
        // rows padded by `radius` columns of far^2 on each side (outside the image: no white).
        let paddedWidth = width + 2 * radius
        var squared = [Int16](repeating: far * far, count: paddedWidth * height)
        var run = [Int16](repeating: far, count: width)
        lines.pixels.withUnsafeBufferPointer { p in
            squared.withUnsafeMutableBufferPointer { d in
                run.withUnsafeMutableBufferPointer { run in
                    let run = run.baseAddress!
                    for y in 0..<height {
                        sweep(p.baseAddress! + y * width, run: run, distances: d.baseAddress! + y * paddedWidth + radius,
                              count: width, far: far, last: false)
                    }
                    run.update(repeating: far, count: width)
                    for y in (0..<height).reversed() {
                        sweep(p.baseAddress! + y * width, run: run, distances: d.baseAddress! + y * paddedWidth + radius,
                              count: width, far: far, last: true)
                    }
                }
            }
        }

        // Per row, the smallest d(y, x + dx)^2 + dx^2 over the disk's horizontal extent.
        var best = [Int16](repeating: 0, count: width)
        squared.withUnsafeBufferPointer { d in
            output.pixels.withUnsafeMutableBufferPointer { out in
                best.withUnsafeMutableBufferPointer { best in
                    let best = best.baseAddress!
                    for y in 0..<height {
                        let centre = d.baseAddress! + y * paddedWidth + radius
                        best.update(from: centre, count: width)
                        for dx in stride(from: 1, through: radius, by: 1) {
                            lowerEnvelope(best, centre - dx, centre + dx, plus: Int16(dx * dx), count: width)
                        }
                        threshold(best, limit: limit, into: out.baseAddress! + y * width, count: width)
                    }
                }
            }
        }
        return output
    }

    // The row loops, written with explicit 16-lane vectors (the compiler left the plain loops
    // scalar) and a scalar tail.
    typealias Lanes = SIMD16<Int16>

    /// One row of a vertical sweep: run = lines != 0 ? 0 : min(run + 1, far); the downward sweep
    /// stores run, the upward one (`last`) stores min(stored, run)^2.
    @inline(__always)
    private static func sweep(_ lines: UnsafePointer<UInt8>, run: UnsafeMutablePointer<Int16>,
                              distances: UnsafeMutablePointer<Int16>, count: Int, far: Int16, last: Bool) {
        let farLanes = Lanes(repeating: far), zero = Lanes()
        let runRaw = UnsafeMutableRawPointer(run), outRaw = UnsafeMutableRawPointer(distances), linesRaw = UnsafeRawPointer(lines)
        var x = 0
        while x + 16 <= count {
            let white = SIMD16<Int16>(truncatingIfNeeded: linesRaw.loadUnaligned(fromByteOffset: x, as: SIMD16<UInt8>.self)) .!= zero
            var next = pointwiseMin(runRaw.loadUnaligned(fromByteOffset: 2 * x, as: Lanes.self) &+ 1, farLanes)
            next.replace(with: 0, where: white)
            runRaw.storeBytes(of: next, toByteOffset: 2 * x, as: Lanes.self)
            if last {
                let nearest = pointwiseMin(outRaw.loadUnaligned(fromByteOffset: 2 * x, as: Lanes.self), next)
                outRaw.storeBytes(of: nearest &* nearest, toByteOffset: 2 * x, as: Lanes.self)
            } else {
                outRaw.storeBytes(of: next, toByteOffset: 2 * x, as: Lanes.self)
            }
            x += 16
        }
        while x < count {
            let next = lines[x] != 0 ? 0 : min(run[x] &+ 1, far)
            run[x] = next
            if last {
                let nearest = min(distances[x], next)
                distances[x] = nearest &* nearest
            } else {
                distances[x] = next
            }
            x += 1
        }
    }

    /// best = min(best, min(left, right) + plus), lane by lane.
    @inline(__always)
    private static func lowerEnvelope(_ best: UnsafeMutablePointer<Int16>, _ left: UnsafePointer<Int16>,
                                      _ right: UnsafePointer<Int16>, plus: Int16, count: Int) {
        let bestRaw = UnsafeMutableRawPointer(best), leftRaw = UnsafeRawPointer(left), rightRaw = UnsafeRawPointer(right)
        let add = Lanes(repeating: plus)
        var x = 0
        while x + 16 <= count {
            let pair = pointwiseMin(leftRaw.loadUnaligned(fromByteOffset: 2 * x, as: Lanes.self),
                                    rightRaw.loadUnaligned(fromByteOffset: 2 * x, as: Lanes.self))
            let current = bestRaw.loadUnaligned(fromByteOffset: 2 * x, as: Lanes.self)
            bestRaw.storeBytes(of: pointwiseMin(current, pair &+ add), toByteOffset: 2 * x, as: Lanes.self)
            x += 16
        }
        while x < count {
            best[x] = min(best[x], min(left[x], right[x]) &+ plus)
            x += 1
        }
    }

    /// out = 4 * best <= limit ? 255 : 0.
    @inline(__always)
    private static func threshold(_ best: UnsafePointer<Int16>, limit: Int16, into out: UnsafeMutablePointer<UInt8>, count: Int) {
        let bestRaw = UnsafeRawPointer(best), outRaw = UnsafeMutableRawPointer(out)
        let limits = Lanes(repeating: limit)
        var x = 0
        while x + 16 <= count {
            let inside = (bestRaw.loadUnaligned(fromByteOffset: 2 * x, as: Lanes.self) &* 4) .<= limits
            let bytes = SIMD16<UInt8>(truncatingIfNeeded: Lanes().replacing(with: 255, where: inside))
            outRaw.storeBytes(of: bytes, toByteOffset: x, as: SIMD16<UInt8>.self)
            x += 16
        }
        while x < count {
            out[x] = 4 &* best[x] <= limit ? 255 : 0
            x += 1
        }
    }
}
