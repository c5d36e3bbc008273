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
        let stride = width + 2 * radius
        var squared = [Int16](repeating: far * far, count: stride * height)
        var run = [Int16](repeating: far, count: width)
        lines.pixels.withUnsafeBufferPointer { p in
            squared.withUnsafeMutableBufferPointer { d in
                run.withUnsafeMutableBufferPointer { run in
                    for y in 0..<height {
                        let row = p.baseAddress! + y * width, out = d.baseAddress! + y * stride + radius
                        for x in 0..<width {
                            let next = row[x] != 0 ? 0 : min(run[x] &+ 1, far)
                            run[x] = next
                            out[x] = next
                        }
                    }
                    for x in 0..<width { run[x] = far }
                    for y in (0..<height).reversed() {
                        let row = p.baseAddress! + y * width, out = d.baseAddress! + y * stride + radius
                        for x in 0..<width {
                            let next = row[x] != 0 ? 0 : min(run[x] &+ 1, far)
                            run[x] = next
                            let nearest = min(out[x], next)
                            out[x] = nearest &* nearest
                        }
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
                        let centre = d.baseAddress! + y * stride + radius
                        for x in 0..<width { best[x] = centre[x] }
                        for dx in 1...max(1, radius) where dx <= radius {
                            let left = centre - dx, right = centre + dx
                            let dx2 = Int16(dx * dx)
                            for x in 0..<width { best[x] = min(best[x], min(left[x], right[x]) &+ dx2) }
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
