// NoiseSchedule: Stable Diffusion's "scaled linear" betas and the forward process.
//   betas = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2;  alphas_cumprod = cumprod(1 - betas)
//   add_noise(x0, noise, t) = sqrt(acp[t]) * x0 + sqrt(1 - acp[t]) * noise   (per sample)
// The model predicts epsilon (the noise); the loss is the MSE between prediction and noise.
// reference: Ho et al., "Denoising Diffusion Probabilistic Models" (2020); diffusers
// DDPMScheduler(beta_schedule = "scaled_linear") as configured for Stable Diffusion.

public struct NoiseSchedule: Sendable {
    public let betas: [Double]
    public let alphasCumulative: [Double]

    public init(trainingSteps: Int = 1000, betaStart: Double = 0.00085, betaEnd: Double = 0.012) {
        let (a, b) = (betaStart.squareRoot(), betaEnd.squareRoot())
        betas = (0..<trainingSteps).map { i in
            let s = trainingSteps == 1 ? a : a + (b - a) * Double(i) / Double(trainingSteps - 1)
            return s * s
        }
        var product = 1.0
        alphasCumulative = betas.map { beta in
            product *= 1 - beta
            return product
        }
    }

    public var trainingSteps: Int { betas.count }

    /// x_t for each sample n at timestep t[n]; x0 and noise [N, ...].
    public func addNoise(clean x0: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        let out = Tensor(shape: x0.shape)
        addNoise(clean: x0, noise: noise, timesteps: timesteps, into: out)
        return out
    }

    /// The same into `out` (resized; reused across steps).
    public func addNoise(clean x0: Tensor, noise: Tensor, timesteps: [Int], into out: Tensor) {
        let N = x0.shape[0]
        precondition(noise.shape == x0.shape && timesteps.count == N, "addNoise: x0 \(x0.shape), noise \(noise.shape), \(timesteps.count) timesteps")
        precondition(timesteps.allSatisfy { $0 >= 0 && $0 < trainingSteps }, "addNoise: timesteps outside 0..<\(trainingSteps)")
        let size = x0.count / N
        out.resize(x0.shape)
        for n in 0..<N {
            let acp = alphasCumulative[timesteps[n]]
            let signal = Float(acp.squareRoot()), spread = Float((1 - acp).squareRoot())
            let a = x0.data + n * size, e = noise.data + n * size, y = out.data + n * size
            for i in 0..<size { y[i] = signal * a[i] + spread * e[i] }
        }
    }
}
