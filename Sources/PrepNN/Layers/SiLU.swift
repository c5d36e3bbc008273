// SiLU: y = x * sigmoid(x), elementwise (torch.nn.SiLU / F.silu).
//   dy/dx = s * (1 + x * (1 - s)), s = sigmoid(x) (kept from forward: one exp per element, not two)
import Foundation

final class SiLU {
    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var input: Tensor?
    private let sigmoid = Tensor(shape: [0])

    init() {}

    func forward(_ x: Tensor) -> Tensor {
        input = x
        output.resize(x.shape)
        sigmoid.resize(x.shape)
        let xs = x.data, ys = output.data, ss = sigmoid.data
        Parallel.forEachChunk(x.count) { range in
            VectorMath.map(xs, ss, range) { v in 1 / (1 + VectorMath.exp(-v)) }
            for i in range { ys[i] = xs[i] * ss[i] }
        }
        return output
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("SiLU.backward before forward") }
        inputGradient.resize(x.shape)
        let xs = x.data, ss = sigmoid.data, dys = dy.data, dxs = inputGradient.data
        Parallel.forEachChunk(x.count) { range in
            for i in range {
                let v = xs[i], s = ss[i]
                dxs[i] = dys[i] * s * (1 + v * (1 - s))
            }
        }
        return inputGradient
    }
}
