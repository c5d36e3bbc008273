import Foundation
import PrepImage

/// The slow, obviously correct resize the fast `Resizer` is checked against: every output
/// sample is a 2-D weighted sum over source pixels, with the weights taken straight from
/// the definitions (area = overlap of the output pixel's footprint with each source pixel;
/// Lanczos-4 = sinc(d)·sinc(d/4) on the 8 neighbours, border replicated, normalised).
enum ReferenceResizer {
    static func resize(_ image: Image, to g: ResizeGeometry) -> Image {
        let samples = image.pixels.map(Double.init)
        let out = resize(samples, channels: image.channels, geometry: g, maximum: 255)
        return Image(width: g.outputWidth, height: g.outputHeight, channels: image.channels, pixels: out.map { UInt8($0) })
    }

    static func resize(_ depth: DepthMap, to g: ResizeGeometry) -> DepthMap {
        let out = resize(depth.values.map(Double.init), channels: 1, geometry: g, maximum: 65535)
        return DepthMap(width: g.outputWidth, height: g.outputHeight, values: out.map { UInt16($0) })
    }

    static func resize(_ source: [Double], channels: Int, geometry g: ResizeGeometry, maximum: Double) -> [Int] {
        var out: [Int] = []
        let scaleX = Double(g.sourceWidth) / Double(g.scaledWidth)
        let scaleY = Double(g.sourceHeight) / Double(g.scaledHeight)
        for y in 0..<g.outputHeight {
            for x in 0..<g.outputWidth {
                // Output pixel (x, y) is pixel (x + cropX, y + cropY) of the scaled picture.
                let px = x + g.cropX, py = y + g.cropY
                var sums = [Double](repeating: 0, count: channels)
                var total = 0.0
                for (sy, wy) in taps(px: py, scale: scaleY, size: g.sourceHeight, enlarging: g.isEnlarging) {
                    for (sx, wx) in taps(px: px, scale: scaleX, size: g.sourceWidth, enlarging: g.isEnlarging) {
                        let w = wx * wy
                        total += w
                        for c in 0..<channels { sums[c] += w * source[(sy * g.sourceWidth + sx) * channels + c] }
                    }
                }
                for c in 0..<channels {
                    let v = min(max(sums[c] / total, 0), maximum)
                    out.append(Int((v + 0.5).rounded(.down)))
                }
            }
        }
        return out
    }

    /// Unnormalised (source index, weight) pairs along one axis for scaled position `px`.
    static func taps(px: Int, scale: Double, size: Int, enlarging: Bool) -> [(Int, Double)] {
        if enlarging {
            let center = (Double(px) + 0.5) * scale - 0.5
            let nearest = Int(center.rounded(.down))
            return (nearest - 3...nearest + 4).map { j in
                (min(max(j, 0), size - 1), sinc(center - Double(j)) * sinc((center - Double(j)) / 4))
            }
        }
        let lo = Double(px) * scale, hi = Double(px + 1) * scale
        return (0..<size).compactMap { j in
            let overlap = min(hi, Double(j + 1)) - max(lo, Double(j))
            return overlap > 0 ? (j, overlap) : nil
        }
    }

    static func sinc(_ x: Double) -> Double { x == 0 ? 1 : sin(.pi * x) / (.pi * x) }
}
