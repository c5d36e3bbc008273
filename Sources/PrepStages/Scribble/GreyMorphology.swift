import PrepImage

/// Grey-level morphology of a one-channel 8-bit image with a small flat structuring element:
/// dilation is the maximum over the element, erosion the minimum; opening is erosion then
/// dilation, closing dilation then erosion. Pixels outside the image are ignored (OpenCV's
/// default border for `dilate`/`erode`).
///
/// Elements of radius r (size 2r + 1): `square` = every offset with |dx|, |dy| <= r; `disk` = the
/// offsets with dx^2 + dy^2 <= r^2 (r = 1: the 3x3 cross).
// reference: opencv/opencv modules/imgproc/src/morph.dispatch.cpp (dilate, erode, morphologyEx)
public enum GreyMorphology {
    public enum Operation: String, Sendable, CaseIterable {
        case dilate, erode, open, close
    }

    public enum Element: String, Sendable, CaseIterable {
        case square, disk

        func offsets(radius: Int) -> [(dx: Int, dy: Int)] {
            var result: [(dx: Int, dy: Int)] = []
            for dy in -radius...radius {
                for dx in -radius...radius where self == .square || dx * dx + dy * dy <= radius * radius {
                    result.append((dx, dy))
                }
            }
            return result
        }
    }

    public static func apply(_ operation: Operation, element: Element, radius: Int, to image: Image) -> Image {
        precondition(image.channels == 1, "grey morphology takes one channel")
        guard radius > 0 else { return image }
        let offsets = element.offsets(radius: radius)
        switch operation {
        case .dilate: return extremum(image, offsets: offsets, maximum: true)
        case .erode: return extremum(image, offsets: offsets, maximum: false)
        case .open: return extremum(extremum(image, offsets: offsets, maximum: false), offsets: offsets, maximum: true)
        case .close: return extremum(extremum(image, offsets: offsets, maximum: true), offsets: offsets, maximum: false)
        }
    }

    /// Maximum (or minimum) over `offsets` of the pixels inside the image. (0, 0) is in every
    /// element, so each output starts from its own pixel.
    static func extremum(_ image: Image, offsets: [(dx: Int, dy: Int)], maximum: Bool) -> Image {
        let width = image.width, height = image.height
        var output = image
        image.pixels.withUnsafeBufferPointer { source in
            output.pixels.withUnsafeMutableBufferPointer { out in
                for (dx, dy) in offsets where dx != 0 || dy != 0 {
                    let xStart = max(0, -dx), xEnd = min(width, width - dx)
                    guard xStart < xEnd else { continue }
                    for y in max(0, -dy)..<max(max(0, -dy), min(height, height - dy)) {
                        let to = out.baseAddress! + y * width
                        let from = source.baseAddress! + (y + dy) * width + dx
                        if maximum {
                            for x in xStart..<xEnd { to[x] = max(to[x], from[x]) }
                        } else {
                            for x in xStart..<xEnd { to[x] = min(to[x], from[x]) }
                        }
                    }
                }
            }
        }
        return output
    }
}
