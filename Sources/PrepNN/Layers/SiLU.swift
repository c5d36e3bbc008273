// SiLU: y = x * sigmoid(x), elementwise (torch.nn.SiLU / F.silu).
//   dy/dx = s * (1 + x * (1 - s)), s = sigmoid(x)
import Foundation

final class SiLU {
    let output = Tensor(shape: [0])
    let inputGradient = Tensor(shape: [0])
    private var input: Tensor?

    init() {}

    func forward(_ x: Tensor) -> Tensor {
        input = x
        output.resize(x.shape)
        let xs = x.data, ys = output.data
        for i in 0..<x.count {
            let v = xs[i]
            ys[i] = v / (1 + expf(-v))
        }
        return output
    }

    func backward(_ dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("SiLU.backward before forward") }
        inputGradient.resize(x.shape)
        let xs = x.data, dys = dy.data, dxs = inputGradient.data
        for i in 0..<x.count {
            let v = xs[i]
            let s = 1 / (1 + expf(-v))
            dxs[i] = dys[i] * s * (1 + v * (1 - s))
        }
        return inputGradient
    }
}
