import PrepImage

/// Thickening thin scribble lines to a stroke width: the output is white at every pixel within
/// Euclidean distance `(width - 1) / 2` of a white input pixel, i.e. the dilation by a disk of
/// diameter `width`. A one-pixel line becomes `width` pixels wide for odd widths, `width - 1` for
/// even ones (a centred disk covers an odd number of pixels across); width 1 (or less) returns the
/// lines unchanged.
///
/// Computed exactly in integers: per row, the horizontal distance `d(y, x)` to the nearest white
/// pixel of that row (two sweeps), then white where `4 (d(y + dy, x)^2 + dy^2) <= (width - 1)^2`
/// for some |dy| <= (width - 1) / 2 (the first pass of a Euclidean distance transform, the second
/// limited to the disk's radius).
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
        let radius = diameter / 2                   // largest |dy| with 4 dy^2 <= (width - 1)^2
        // Everything fits 16 bits (distances are capped at radius + 1, widths are at most a few
        // dozen pixels), which the vector units add and compare 8 or 16 lanes at a time.
        precondition(radius < 64, "stroke width \(strokeWidth) is beyond what thicken supports (127)")
        let limit = Int16(diameter * diameter)     // compare 4 * distance^2 with (width - 1)^2
        let far = Int16(radius + 1)                 // any horizontal distance beyond the disk

        // Squared horizontal distances to the nearest white pixel of the row, capped at far^2.
        var squared = [Int16](repeating: 0, count: width * height)
        lines.pixels.withUnsafeBufferPointer { p in
            squared.withUnsafeMutableBufferPointer { d in
                for y in 0..<height {
                    let row = y * width
                    var run = far
                    for x in 0..<width {
                        run = p[row + x] != 0 ? 0 : min(run + 1, far)
                        d[row + x] = run
                    }
                    run = far
                    for x in stride(from: width - 1, through: 0, by: -1) {
                        run = p[row + x] != 0 ? 0 : min(run + 1, far)
                        let nearest = min(d[row + x], run)
                        d[row + x] = nearest &* nearest
                    }
                }
            }
        }

        var best = [Int16](repeating: 0, count: width)
        squared.withUnsafeBufferPointer { d in
            output.pixels.withUnsafeMutableBufferPointer { out in
                best.withUnsafeMutableBufferPointer { best in
                    let best = best.baseAddress!
                    for y in 0..<height {
                        for x in 0..<width { best[x] = Int16.max }
                        for dy in max(-radius, -y)...min(radius, height - 1 - y) {
                            let row = d.baseAddress! + (y + dy) * width
                            let dy2 = Int16(dy * dy)
                            for x in 0..<width { best[x] = min(best[x], row[x] &+ dy2) }
                        }
                        let outRow = out.baseAddress! + y * width
                        for x in 0..<width { outRow[x] = 4 &* best[x] <= limit ? 255 : 0 }
                    }
                }
            }
        }
        return output
    }
}
