import PrepImage

/// The 8-connected components of the non-zero pixels of a one-channel image, labelled 1, 2, ...
/// in raster order of their first pixel (top to bottom, left to right); background is 0.
// reference: Rosenfeld & Pfaltz, "Sequential operations in digital picture processing" (1966)
public struct ScribbleComponents: Sendable {
    public let width: Int
    public let height: Int
    /// Per pixel: 0 for background, else the component's label (1...count).
    public let labels: [Int32]
    public let count: Int

    public init(_ image: Image) {
        precondition(image.channels == 1, "components of a one-channel image")
        width = image.width
        height = image.height
        var labels = [Int32](repeating: 0, count: width * height)
        var count = 0
        var stack: [Int] = []
        let (w, h) = (width, height)
        image.pixels.withUnsafeBufferPointer { pixels in
            labels.withUnsafeMutableBufferPointer { labels in
                for start in 0..<pixels.count where pixels[start] != 0 && labels[start] == 0 {
                    count += 1
                    let label = Int32(count)
                    labels[start] = label
                    stack.append(start)
                    while let p = stack.popLast() {
                        let x = p % w, y = p / w
                        for ny in max(0, y - 1)...min(h - 1, y + 1) {
                            for nx in max(0, x - 1)...min(w - 1, x + 1) {
                                let q = ny * w + nx
                                if pixels[q] != 0 && labels[q] == 0 {
                                    labels[q] = label
                                    stack.append(q)
                                }
                            }
                        }
                    }
                }
            }
        }
        self.labels = labels
        self.count = count
    }

    /// The image with the components whose label is in `dropped` set to 0, others 255.
    public func keeping(droppedLabels dropped: Set<Int>) -> Image {
        var drop = [Bool](repeating: false, count: count + 1)
        for label in dropped where label >= 1 && label <= count { drop[label] = true }
        drop[0] = true
        var output = Image(width: width, height: height, channels: 1)
        labels.withUnsafeBufferPointer { labels in
            output.pixels.withUnsafeMutableBufferPointer { out in
                for i in 0..<labels.count where !drop[Int(labels[i])] { out[i] = 255 }
            }
        }
        return output
    }
}
