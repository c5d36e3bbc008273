import PrepImage

/// Draws segments as ControlNet's line annotator does, `cv2.line(out, p0, p1, 255, 1)` on black:
/// 1-pixel, 8-connected, not antialiased (LINE_8), clipped to the image, pixel for pixel the same
/// as OpenCV.
///
/// OpenCV's `Line` runs a `LineIterator` with `leftToRight`: after clipping (Cohen-Sutherland in
/// 64-bit integers with double-precision intercepts, truncated), the walk starts at the left end
/// (for a right-to-left segment, the second point), steps once per pixel along the major axis
/// (`|dx| + 1` pixels when `|dx| >= |dy|`, else `|dy| + 1`), and steps along the minor axis
/// whenever the error term `err` (initially `major - 2 * minor`) is negative *before* the update
/// `err += -2 * minor (+ 2 * major if it was negative)`.
// reference: opencv/opencv modules/imgproc/src/drawing.cpp (cv::line, ThickLine, Line, LineIterator::init, clipLine)
public enum LineRenderer {
    /// A black 1-channel `width` x `height` image with every segment drawn in white (255).
    public static func draw(_ segments: [LineSegment], width: Int, height: Int) -> Image {
        var image = Image(width: width, height: height, channels: 1)
        guard width > 0, height > 0 else { return image }
        image.pixels.withUnsafeMutableBufferPointer { pixels in
            for segment in segments {
                forEachPixel(of: segment, width: width, height: height) { x, y in pixels[y * width + x] = 255 }
            }
        }
        return image
    }

    /// Calls `body` for each pixel `cv2.line` (LINE_8, thickness 1) paints for `segment`, in
    /// OpenCV's walking order.
    static func forEachPixel(of segment: LineSegment, width: Int, height: Int, _ body: (Int, Int) -> Void) {
        var start = (x: Int64(segment.x0), y: Int64(segment.y0))
        var end = (x: Int64(segment.x1), y: Int64(segment.y1))
        let isInside = { (p: (x: Int64, y: Int64)) in p.x >= 0 && p.x < Int64(width) && p.y >= 0 && p.y < Int64(height) }
        if !(isInside(start) && isInside(end)) {
            guard clip(&start, &end, width: Int64(width), height: Int64(height)) else { return }
        }

        var major = Int(end.x - start.x), minor = Int(end.y - start.y)
        var x = Int(start.x), y = Int(start.y)
        if major < 0 {  // left to right: start from the other end
            major = -major
            minor = -minor
            x = Int(end.x)
            y = Int(end.y)
        }
        var majorStep = 1, minorStep = 1
        if minor < 0 {
            minor = -minor
            minorStep = -1
        }
        let isSteep = minor > major
        if isSteep {
            swap(&major, &minor)
            swap(&majorStep, &minorStep)
        }

        var error = major - 2 * minor
        for _ in 0...major {
            body(x, y)
            let stepsMinor = error < 0
            error += -2 * minor + (stepsMinor ? 2 * major : 0)
            if isSteep {
                y += majorStep
                if stepsMinor { x += minorStep }
            } else {
                x += majorStep
                if stepsMinor { y += minorStep }
            }
        }
    }

    /// OpenCV's `clipLine` for a `width` x `height` image: moves the ends onto the image border;
    /// false when the segment misses the image.
    static func clip(_ p1: inout (x: Int64, y: Int64), _ p2: inout (x: Int64, y: Int64), width: Int64, height: Int64) -> Bool {
        guard width > 0, height > 0 else { return false }
        let right = width - 1, bottom = height - 1
        func code(_ p: (x: Int64, y: Int64)) -> Int {
            (p.x < 0 ? 1 : 0) + (p.x > right ? 2 : 0) + (p.y < 0 ? 4 : 0) + (p.y > bottom ? 8 : 0)
        }
        func horizontalCode(_ p: (x: Int64, y: Int64)) -> Int { (p.x < 0 ? 1 : 0) + (p.x > right ? 2 : 0) }
        var c1 = code(p1), c2 = code(p2)
        if c1 & c2 == 0 && c1 | c2 != 0 {
            if c1 & 12 != 0 {
                let a: Int64 = c1 < 8 ? 0 : bottom
                p1.x += Int64(Double(a - p1.y) * Double(p2.x - p1.x) / Double(p2.y - p1.y))
                p1.y = a
                c1 = horizontalCode(p1)
            }
            if c2 & 12 != 0 {
                let a: Int64 = c2 < 8 ? 0 : bottom
                p2.x += Int64(Double(a - p2.y) * Double(p2.x - p1.x) / Double(p2.y - p1.y))
                p2.y = a
                c2 = horizontalCode(p2)
            }
            if c1 & c2 == 0 && c1 | c2 != 0 {
                if c1 != 0 {
                    let a: Int64 = c1 == 1 ? 0 : right
                    p1.y += Int64(Double(a - p1.x) * Double(p2.y - p1.y) / Double(p2.x - p1.x))
                    p1.x = a
                    c1 = 0
                }
                if c2 != 0 {
                    let a: Int64 = c2 == 1 ? 0 : right
                    p2.y += Int64(Double(a - p2.x) * Double(p2.y - p1.y) / Double(p2.x - p1.x))
                    p2.x = a
                    c2 = 0
                }
            }
        }
        return c1 | c2 == 0
    }
}
