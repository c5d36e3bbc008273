// GELU, exact form (torch.nn.GELU() default): y = x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))).
//   dy/dx = Phi(x) + x * phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
// reference: Hendrycks and Gimpel, "Gaussian Error Linear Units" (2016).
import Foundation

final class GELU {
    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var input: Tensor?

    init() {}

    func forward(_ x: Tensor) -> Tensor {
        input = x
        output.resize(x.shape)
        let xs = x.data, ys = output.data
        let invSqrt2: Float = 0.70710678118654752
        Parallel.forEachChunk(x.count) { range in
            for i in range {
                let v = xs[i]
                ys[i] = 0.5 * v * (1 + erff(v * invSqrt2))
            }
        }
        return output
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("GELU.backward before forward") }
        inputGradient.resize(x.shape)
        let xs = x.data, dys = dy.data, dxs = inputGradient.data
        let invSqrt2: Float = 0.70710678118654752, invSqrt2Pi: Float = 0.39894228040143268
        Parallel.forEachChunk(x.count) { range in
            for i in range {
                let v = xs[i]
                let cdf = 0.5 * (1 + erff(v * invSqrt2))
                let pdf = invSqrt2Pi * expf(-0.5 * v * v)
                dxs[i] = dys[i] * (cdf + v * pdf)
            }
        }
        return inputGradient
    }
}
