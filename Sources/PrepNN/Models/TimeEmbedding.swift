// TimeEmbedding: the sinusoidal embedding of the timestep followed by Linear(width, E), SiLU,
// Linear(E, E) (the reference's `temb` and `Encoder.t`, parameters `t.0.*` and `t.2.*`).
//   temb(t, d) = cat(cos(t * f), sin(t * f)), f_i = exp(-ln(10000) * i / (d / 2)), i < d / 2
// reference: Vaswani et al. (2017) positional encoding; Ho et al., "Denoising Diffusion
// Probabilistic Models" (2020) timestep embedding.
import Foundation

final class TimeEmbedding {
    let sinusoidalDimension: Int
    let first: Linear
    let activation = SiLU()
    let second: Linear
    private let sinusoid = Tensor(shape: [0])

    init(_ scope: ParameterScope, sinusoidalDimension: Int, embeddingDimension: Int, random: inout SeededRandom) {
        self.sinusoidalDimension = sinusoidalDimension
        first = Linear(scope.child("0"), inputFeatures: sinusoidalDimension, outputFeatures: embeddingDimension, random: &random)
        second = Linear(scope.child("2"), inputFeatures: embeddingDimension, outputFeatures: embeddingDimension, random: &random)
    }

    /// The sinusoidal features [N, d], in float32 as torch computes them.
    static func sinusoidal(_ timesteps: [Int], dimension d: Int, into out: Tensor) {
        let half = d / 2
        out.resize([timesteps.count, d])
        let logBase = Float(-log(10000.0))
        for (n, t) in timesteps.enumerated() {
            let row = out.data + n * d
            for i in 0..<half {
                let frequency = expf(logBase * Float(i) / Float(half))
                let angle = Float(t) * frequency
                row[i] = cosf(angle)
                row[half + i] = sinf(angle)
            }
        }
    }

    /// timesteps [N] -> embedding [N, E].
    func forward(_ timesteps: [Int]) -> Tensor {
        TimeEmbedding.sinusoidal(timesteps, dimension: sinusoidalDimension, into: sinusoid)
        return second.forward(activation.forward(first.forward(sinusoid)))
    }

    /// Accumulates the MLP's parameter gradients from dembedding [N, E].
    func backward(_ embeddingGradient: Tensor) {
        guard first.arena.requiresGradients else { return }
        let d = activation.backward(second.backward(embeddingGradient)!)
        first.backward(d, computeInputGradient: false)
    }
}
