// EdgeF1: how well one edge map matches another, with a tolerance for small displacements.
//   precision = predicted edge pixels with a reference edge within Chebyshev distance d / predicted edge pixels
//   recall    = reference edge pixels with a predicted edge within distance d / reference edge pixels
//   F1 = 2 P R / (P + R)   (0 when either map has no edge pixel, or P + R = 0)
// The distance test is a dilation by a (2d + 1)-pixel square, done as a row pass and a column pass.
// reference: Martin, Fowlkes and Malik, "Learning to Detect Natural Image Boundaries" (2004): the
// boundary F-measure with a matching tolerance (here the simpler dilation form, without one-to-one matching)

public struct EdgeF1: Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }

    /// Compares two edge maps of the same size (non-zero = edge) at tolerance `d` pixels.
    public static func measure(predicted: [UInt8], reference: [UInt8], width: Int, height: Int, tolerance d: Int) -> EdgeF1 {
        precondition(predicted.count == width * height && reference.count == width * height, "EdgeF1: sizes differ")
        let predictedCount = predicted.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        let referenceCount = reference.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        guard predictedCount > 0, referenceCount > 0 else { return EdgeF1(precision: 0, recall: 0) }
        let nearReference = dilate(reference, width: width, height: height, radius: d)
        let nearPredicted = dilate(predicted, width: width, height: height, radius: d)
        var matchedPredicted = 0, matchedReference = 0
        for i in 0..<(width * height) {
            if predicted[i] != 0 && nearReference[i] { matchedPredicted += 1 }
            if reference[i] != 0 && nearPredicted[i] { matchedReference += 1 }
        }
        return EdgeF1(precision: Double(matchedPredicted) / Double(predictedCount),
                      recall: Double(matchedReference) / Double(referenceCount))
    }

    /// Whether each pixel has a non-zero pixel within Chebyshev distance `radius`.
    static func dilate(_ map: [UInt8], width: Int, height: Int, radius: Int) -> [Bool] {
        var rows = [Bool](repeating: false, count: map.count)
        for y in 0..<height {
            for x in 0..<width {
                var hit = false
                for dx in max(0, x - radius)...min(width - 1, x + radius) where map[y * width + dx] != 0 {
                    hit = true
                    break
                }
                rows[y * width + x] = hit
            }
        }
        var out = [Bool](repeating: false, count: map.count)
        for y in 0..<height {
            for x in 0..<width {
                var hit = false
                for dy in max(0, y - radius)...min(height - 1, y + radius) where rows[dy * width + x] {
                    hit = true
                    break
                }
                out[y * width + x] = hit
            }
        }
        return out
    }
}
