// GELU, exact form (torch.nn.GELU() default): y = x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))).
//   dy/dx = Phi(x) + x * phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)   (Phi kept from forward)
// reference: Hendrycks and Gimpel, "Gaussian Error Linear Units" (2016).
import Foundation

final class GELU {
    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var input: Tensor?
    private let cumulative = Tensor(shape: [0])

    init() {}

    func forward(_ x: Tensor) -> Tensor {
        input = x
        output.resize(x.shape)
        cumulative.resize(x.shape)
        let xs = x.data, ys = output.data, cdfs = cumulative.data
        let invSqrt2: Float = 0.70710678118654752
        Parallel.forEachChunk(x.count) { range in
            for i in range {
                let v = xs[i]
                let cdf = 0.5 * (1 + erff(v * invSqrt2))
                cdfs[i] = cdf
                ys[i] = v * cdf
            }
        }
        return output
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("GELU.backward before forward") }
        inputGradient.resize(x.shape)
        let xs = x.data, cdfs = cumulative.data, dys = dy.data, dxs = inputGradient.data
        let invSqrt2Pi: Float = 0.39894228040143268
        Parallel.forEachChunk(x.count) { range in
            // dx = dy * (cdf + x * pdf); pdf into dx first, then combined in place.
            VectorMath.map(xs, dxs, range) { v in VectorMath.exp(-0.5 * v * v) * invSqrt2Pi }
            for i in range { dxs[i] = dys[i] * (cdfs[i] + xs[i] * dxs[i]) }
        }
        return inputGradient
    }
}
