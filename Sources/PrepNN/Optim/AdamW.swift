// AdamW with PyTorch's semantics (torch.optim.AdamW, single-tensor path), one flat loop per arena:
//   p -= lr * weightDecay * p                                  (decoupled weight decay)
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g^2
//   p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// Gradient accumulation is calling backward several times before `step` (gradients add up);
// `step` zeroes them only when asked (`zeroingGradients`, which saves a pass over memory).
// reference: Loshchilov and Hutter, "Decoupled Weight Decay Regularization" (2019); Kingma and Ba,
// "Adam" (2015).
import Foundation

public struct AdamW: Codable, Sendable, Equatable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// Updates done so far (t of the bias correction); part of a checkpoint.
    public var stepCount: Int = 0

    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// One update of the trained parameters (`trainedRange`) of every arena that requires gradients.
    public mutating func step(_ arenas: [ParameterArena], zeroingGradients: Bool = false) {
        stepCount += 1
        let t = Double(stepCount)
        let biasCorrection1 = 1 - pow(Double(beta1), t)
        let biasCorrection2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(Double(learningRate) / biasCorrection1)
        let biasCorrection2Root = Float(biasCorrection2.squareRoot())
        let decay = 1 - learningRate * weightDecay
        let (b1, b2, eps) = (beta1, beta2, epsilon)
        for arena in arenas where arena.requiresGradients {
            let trained = arena.trainedRange
            let p = arena.values + trained.lowerBound, g = arena.gradients + trained.lowerBound
            let m = arena.firstMoments + trained.lowerBound, v = arena.secondMoments + trained.lowerBound
            Parallel.forEachChunk(trained.count) { range in
                // Eight at a time (the same float operations per element as the scalar tail).
                var i = range.lowerBound
                while i + 8 <= range.upperBound {
                    var p8 = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
                    let g8 = UnsafeRawPointer(g + i).loadUnaligned(as: SIMD8<Float>.self)
                    var m8 = UnsafeRawPointer(m + i).loadUnaligned(as: SIMD8<Float>.self)
                    var v8 = UnsafeRawPointer(v + i).loadUnaligned(as: SIMD8<Float>.self)
                    p8 *= decay
                    m8 = m8 * b1 + (1 - b1) * g8
                    v8 = v8 * b2 + (1 - b2) * g8 * g8
                    let denominator = v8.squareRoot() / biasCorrection2Root + eps
                    p8 -= stepSize * m8 / denominator
                    UnsafeMutableRawPointer(p + i).storeBytes(of: p8, as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(m + i).storeBytes(of: m8, as: SIMD8<Float>.self)
                    UnsafeMutableRawPointer(v + i).storeBytes(of: v8, as: SIMD8<Float>.self)
                    i += 8
                }
                for i in i..<range.upperBound {
                    p[i] *= decay
                    let gi = g[i]
                    m[i] = m[i] * b1 + (1 - b1) * gi
                    v[i] = v[i] * b2 + (1 - b2) * gi * gi
                    let denominator = v[i].squareRoot() / biasCorrection2Root + eps
                    p[i] -= stepSize * m[i] / denominator
                }
                if zeroingGradients { (g + range.lowerBound).update(repeating: 0, count: range.count) }
            }
        }
    }
}
