/// Resizes pictures and depth maps to a `ResizeGeometry`: area average when shrinking,
/// Lanczos-4 when enlarging (ControlNet's rule: LANCZOS4 if k > 1 else AREA), computing
/// only the crop window. Separable: a horizontal pass over the needed source rows into
/// Float rows, then a vertical pass; results rounded half away from zero and saturated.
/// reference: OpenCV imgproc/src/resize.cpp (INTER_AREA, INTER_LANCZOS4);
/// lllyasviel/ControlNet annotator/util.py `resize_image`.
public enum Resizer {
    public static func resize(_ image: Image, to geometry: ResizeGeometry) -> Image {
        precondition(image.width == geometry.sourceWidth && image.height == geometry.sourceHeight,
                     "image is \(image.width)x\(image.height), geometry expects \(geometry.sourceWidth)x\(geometry.sourceHeight)")
        let pixels = image.pixels.withUnsafeBufferPointer {
            resample($0, channels: image.channels, geometry: geometry, maximum: 255)
        }
        return Image(width: geometry.outputWidth, height: geometry.outputHeight, channels: image.channels, pixels: pixels)
    }

    public static func resize(_ depth: DepthMap, to geometry: ResizeGeometry) -> DepthMap {
        precondition(depth.width == geometry.sourceWidth && depth.height == geometry.sourceHeight,
                     "depth map is \(depth.width)x\(depth.height), geometry expects \(geometry.sourceWidth)x\(geometry.sourceHeight)")
        let values = depth.values.withUnsafeBufferPointer {
            resample($0, channels: 1, geometry: geometry, maximum: 65535)
        }
        return DepthMap(width: geometry.outputWidth, height: geometry.outputHeight, values: values)
    }

    // MARK: - The separable passes

    static func resample<Sample: FixedWidthInteger & UnsignedInteger>(
        _ source: UnsafeBufferPointer<Sample>, channels: Int, geometry: ResizeGeometry, maximum: Float
    ) -> [Sample] {
        let filter = geometry.filter
        let columns = ResampleAxis(filter: filter, sourceSize: geometry.sourceWidth, scaledSize: geometry.scaledWidth,
                                   offset: geometry.cropX, count: geometry.outputWidth)
        let rows = ResampleAxis(filter: filter, sourceSize: geometry.sourceHeight, scaledSize: geometry.scaledHeight,
                                offset: geometry.cropY, count: geometry.outputHeight)
        let outputRowLength = geometry.outputWidth * channels
        let firstRow = rows.starts.min() ?? 0
        let lastRow = (rows.starts.max() ?? 0) + rows.taps - 1
        var horizontal = [Float](repeating: 0, count: (lastRow - firstRow + 1) * outputRowLength)
        horizontal.withUnsafeMutableBufferPointer { horizontal in
            columns.starts.withUnsafeBufferPointer { starts in
                columns.weights.withUnsafeBufferPointer { weights in
                    for row in firstRow...lastRow {
                        resampleRow(source, rowStart: row * geometry.sourceWidth * channels, channels: channels,
                                    starts: starts, weights: weights, taps: columns.taps,
                                    into: horizontal, at: (row - firstRow) * outputRowLength,
                                    count: geometry.outputWidth)
                    }
                }
            }
        }
        var output = [Sample](repeating: 0, count: geometry.outputHeight * outputRowLength)
        var sums = [Float](repeating: 0, count: outputRowLength)
        horizontal.withUnsafeBufferPointer { horizontal in
            rows.starts.withUnsafeBufferPointer { starts in
                rows.weights.withUnsafeBufferPointer { weights in
                    output.withUnsafeMutableBufferPointer { output in
                        sums.withUnsafeMutableBufferPointer { sums in
                            for y in 0..<geometry.outputHeight {
                                for i in 0..<outputRowLength { sums[i] = 0 }
                                for t in 0..<rows.taps {
                                    let w = weights[y * rows.taps + t]
                                    if w == 0 { continue }
                                    let line = (starts[y] + t - firstRow) * outputRowLength
                                    for i in 0..<outputRowLength { sums[i] += w * horizontal[line + i] }
                                }
                                let base = y * outputRowLength
                                for i in 0..<outputRowLength {
                                    // Saturate, then round half away from zero (values are >= 0).
                                    let v = min(max(sums[i], 0), maximum)
                                    output[base + i] = Sample(truncatingIfNeeded: Int(v + 0.5))
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// One source row through the horizontal weights: `count` output pixels of `channels`.
    @inline(__always)
    private static func resampleRow<Sample: FixedWidthInteger & UnsignedInteger>(
        _ source: UnsafeBufferPointer<Sample>, rowStart: Int, channels: Int,
        starts: UnsafeBufferPointer<Int>, weights: UnsafeBufferPointer<Float>, taps: Int,
        into output: UnsafeMutableBufferPointer<Float>, at outputStart: Int, count: Int
    ) {
        switch channels {
        case 1:
            for x in 0..<count {
                var sum: Float = 0
                var p = rowStart + starts[x]
                var w = x * taps
                for _ in 0..<taps {
                    sum += weights[w] * Float(source[p])
                    p += 1
                    w += 1
                }
                output[outputStart + x] = sum
            }
        case 3:
            for x in 0..<count {
                var r: Float = 0, g: Float = 0, b: Float = 0
                var p = rowStart + starts[x] * 3
                var w = x * taps
                for _ in 0..<taps {
                    let weight = weights[w]
                    r += weight * Float(source[p])
                    g += weight * Float(source[p + 1])
                    b += weight * Float(source[p + 2])
                    p += 3
                    w += 1
                }
                let o = outputStart + x * 3
                output[o] = r
                output[o + 1] = g
                output[o + 2] = b
            }
        default:
            for x in 0..<count {
                for c in 0..<channels {
                    var sum: Float = 0
                    for t in 0..<taps {
                        sum += weights[x * taps + t] * Float(source[rowStart + (starts[x] + t) * channels + c])
                    }
                    output[outputStart + x * channels + c] = sum
                }
            }
        }
    }
}
